"""The controls of an explorer: a slider over a numeric range, or a choice among named options."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Slider", "Choice", "Control", "CONTROL_WIDTH", "LABEL_WIDTH"]

#: Each control's width in a live panel, and the part its label takes: a slider's track gets what the label and the
#: value with its margins (about 96 px) leave, 264 px in JupyterLab (tests/test_jupyterlab.py measures at least 250).
CONTROL_WIDTH = "540px"
LABEL_WIDTH = "180px"


def _layout():
    import ipywidgets as w

    return {"layout": w.Layout(width=CONTROL_WIDTH), "style": {"description_width": LABEL_WIDTH}}


@dataclass(frozen=True)
class Slider:
    """A numeric control: ``min <= value <= max`` in steps of ``step``."""

    label: str
    min: float
    max: float
    step: float
    value: float

    def __post_init__(self) -> None:
        if not self.min < self.max:
            raise ValueError(f"Slider {self.label!r}: min ({self.min}) must be below max ({self.max})")
        if not self.min <= self.value <= self.max:
            raise ValueError(f"Slider {self.label!r}: value {self.value} lies outside [{self.min}, {self.max}]")
        if self.step <= 0:
            raise ValueError(f"Slider {self.label!r}: step must be positive, got {self.step}")

    def values(self) -> list[float]:
        """Every position of the slider: ``min, min + step, ..., max``."""
        count = int(math.floor((self.max - self.min) / self.step + 1e-9)) + 1
        return [float(np.round(self.min + i * self.step, 10)) for i in range(count)]

    def grid(self, n: int) -> list[float]:
        """``n`` evenly spaced values across the slider's range, snapped to its step."""
        values = np.linspace(self.min, self.max, n)
        snapped = np.round((values - self.min) / self.step) * self.step + self.min
        return [float(np.clip(v, self.min, self.max)) for v in snapped]

    def widget(self):
        import ipywidgets as w

        return w.FloatSlider(value=self.value, min=self.min, max=self.max, step=self.step,
                             description=self.label, description_tooltip=self.label, continuous_update=True,
                             **_layout())


@dataclass(frozen=True)
class Choice:
    """A control with a few named options."""

    label: str
    options: tuple
    value: Any

    def __post_init__(self) -> None:
        if self.value not in self.options:
            raise ValueError(f"Choice {self.label!r}: value {self.value!r} is not one of {self.options!r}")

    def values(self) -> list:
        return list(self.options)

    def grid(self, n: int) -> list:
        return list(self.options)

    def widget(self):
        import ipywidgets as w

        return w.Dropdown(options=list(self.options), value=self.value, description=self.label,
                          description_tooltip=self.label, **_layout())


Control = Slider | Choice
