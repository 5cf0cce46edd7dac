"""The explorer framework: a pure compute function, an in-place draw function, a thin ipywidgets layer.

An :class:`Explorer` is declared once and then works in three places:

- in Jupyter (JupyterLab, Binder, Colab, VS Code) it is a live ipywidgets panel: moving a control calls
  ``compute`` (parameters -> arrays), then ``draw`` (updates the existing artists in place) and shows the
  figure again;
- in the built book, where no kernel runs, the same cell output carries an HTML edition of the explorer,
  which the book shows instead of the widget: real controls (range inputs, selects) over a grid of
  parameter values whose pictures were computed when the book was built, swapped in the browser by
  ``dlmath/static/dlmath-explorers.js`` (see :meth:`Explorer.static_grid`). Outside a book build
  (``DLMATH_EXPLORER_FRAMES`` unset) the edition is the picture at the defaults, which costs one frame;
- in tests and benchmarks, ``explorer.update(**params)`` runs compute and draw without any widget.
"""

from __future__ import annotations

import base64
import html
import io
import itertools
import json
import math
import os
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image as PILImage

__all__ = ["Slider", "Choice", "Explorer", "REGISTRY", "register", "FRAMES_ENV"]

#: Set to ``all`` (the book's Sphinx extension does so for the kernels of a build), the explorer's HTML
#: edition carries every frame of its static grid; otherwise only the picture at the defaults.
FRAMES_ENV = "DLMATH_EXPLORER_FRAMES"
#: The static edition's budget: the bytes of all its frames together (PNG, before base64), and the
#: fewest and most frames the automatic grid may hold.
FRAME_BYTES = 600_000
MIN_FRAMES, MAX_FRAMES = 12, 64
#: A slider's automatic grid has at most this many points (a choice always keeps every option).
SLIDER_POINTS = 25
SLIDER_FIRST = 5
_ids = itertools.count(1)


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
                             description=self.label, continuous_update=True,
                             style={"description_width": "initial"})


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
                          style={"description_width": "initial"})


Control = Slider | Choice


@dataclass
class Explorer:
    """An interactive figure declared as three pure-ish functions plus its controls.

    ``compute(**params) -> result`` must not touch matplotlib. ``setup(fig) -> handles`` creates the
    axes and artists once. ``draw(handles, result, params)`` updates those artists in place.
    ``describe(params, result) -> str`` says in words what the picture shows (used as alt text).
    """

    name: str
    title: str
    controls: Mapping[str, Control]
    compute: Callable[..., Any]
    setup: Callable[[Figure], Any]
    draw: Callable[[Any, Any, Mapping[str, Any]], None]
    describe: Callable[[Mapping[str, Any], Any], str]
    figsize: tuple[float, float] = (6.0, 4.0)
    dpi: int = 80
    #: The values each control takes in the book's static edition, where the automatic grid
    #: (:meth:`static_grid`) is not the best one; a control given one value is fixed on the page.
    static: Mapping[str, Sequence] | None = None
    _fig: Figure | None = field(default=None, init=False, repr=False)
    _handles: Any = field(default=None, init=False, repr=False)
    _animated: list = field(default_factory=list, init=False, repr=False)
    _background: Any = field(default=None, init=False, repr=False)

    # -- the pure layer ---------------------------------------------------------------------------
    def defaults(self) -> dict[str, Any]:
        """The starting value of every control."""
        return {k: c.value for k, c in self.controls.items()}

    def params(self, **overrides: Any) -> dict[str, Any]:
        """Defaults updated with ``overrides``; unknown names are an error that lists the known ones."""
        unknown = set(overrides) - set(self.controls)
        if unknown:
            raise TypeError(f"{self.name} has no control(s) {sorted(unknown)}; its controls are {list(self.controls)}")
        return {**self.defaults(), **overrides}

    def sweep(self, n: int = 21) -> list[dict[str, Any]]:
        """At least ``n`` parameter sets: each control in turn over its range, the others at default."""
        out = []
        for name, control in self.controls.items():
            out += [self.params(**{name: v}) for v in control.grid(n)]
        while len(out) < n:  # explorers with only choices: cycle through them
            out += out[: n - len(out)]
        return out

    # -- the drawing layer ------------------------------------------------------------------------
    @property
    def figure(self) -> Figure:
        """The explorer's one figure, created on first use and reused by every update."""
        if self._fig is None:
            from ..plotting import house_style

            with house_style():
                fig = Figure(figsize=self.figsize, dpi=self.dpi, layout="constrained")
                self._handles = self.setup(fig)
            # The artists in the handles are the ones that change: mark them animated, draw everything
            # else once and keep that background. An update then restores the background and draws
            # only the moving artists (blitting), and the layout is frozen after the first draw.
            self._animated = list(_artists(self._handles))
            for artist in self._animated:
                artist.set_animated(True)
            canvas = FigureCanvasAgg(fig)
            canvas.draw()
            fig.set_layout_engine("none")
            self._background = canvas.copy_from_bbox(fig.bbox)
            self._fig = fig
        return self._fig

    def update(self, **overrides: Any) -> Any:
        """Compute for the given parameters and redraw the changing artists in place; return the result."""
        params = self.params(**overrides)
        result = self.compute(**params)
        fig = self.figure
        self.draw(self._handles, result, params)
        canvas = fig.canvas
        canvas.restore_region(self._background)
        for artist in self._animated:
            fig.draw_artist(artist)
        return result

    def frame(self, **overrides: Any) -> tuple[bytes, str]:
        """The picture for the given parameters as PNG bytes, and its alt text, from one computation."""
        image, alt = self._image(**overrides)
        buf = io.BytesIO()
        image.save(buf, format="png", compress_level=3)
        return buf.getvalue(), alt

    def _image(self, **overrides: Any) -> tuple[PILImage.Image, str]:
        params = self.params(**overrides)
        result = self.update(**params)
        canvas = self.figure.canvas
        width, height = canvas.get_width_height()
        image = PILImage.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        return image.convert("RGB"), self.describe(params, result)

    def png(self, **overrides: Any) -> bytes:
        """The picture for the given parameters as PNG bytes (compute + draw + encode)."""
        return self.frame(**overrides)[0]

    def frame_budget(self) -> int:
        """How many frames the static edition may hold: ``FRAME_BYTES`` over the size of the default
        frame (palette PNG), within ``MIN_FRAMES`` and ``MAX_FRAMES``."""
        size = len(_palette_png(self._image()[0]))
        return int(np.clip(FRAME_BYTES // size, MIN_FRAMES, MAX_FRAMES))

    def static_grid(self, max_frames: int | None = None) -> dict[str, list]:
        """The parameter values of the static edition: one list per control, all frames their product.

        Values given in ``self.static`` are used as they are. Every other control starts at its default
        and gains points one at a time, always the control whose grid is the smallest fraction of its
        target (every option of a choice; up to ``SLIDER_POINTS`` evenly spaced positions of a slider),
        while the product stays within ``max_frames``; choices are completed, and sliders given
        ``SLIDER_FIRST`` points, before any slider is refined further. The default is always one of the values, so the
        page opens on the same picture as the notebook.
        """
        max_frames = self.frame_budget() if max_frames is None else max_frames
        fixed = dict(self.static or {})
        unknown = set(fixed) - set(self.controls)
        if unknown:
            raise TypeError(f"{self.name}: static grid names unknown control(s) {sorted(unknown)}; "
                            f"its controls are {list(self.controls)}")
        for key, values in fixed.items():
            allowed = self.controls[key].values()
            if not values or any(not any(_same(v, a) for a in allowed) for v in values):
                raise ValueError(f"{self.name}: static values {list(values)} of {key!r} must be positions "
                                 f"of the control, some of {allowed}")
            if not any(_same(v, self.controls[key].value) for v in values):
                raise ValueError(f"{self.name}: static values of {key!r} must include the default "
                                 f"{self.controls[key].value!r}")
        free = [k for k in self.controls if k not in fixed]
        levels = {}  # each free control's grids of increasing size, up to its target
        for k in free:
            control = self.controls[k]
            full = len(control.values())
            target = full if isinstance(control, Choice) else min(full, SLIDER_POINTS)
            levels[k] = []
            for n in range(1, target + 1):
                values = _spread(control, n)
                if not levels[k] or len(values) > len(levels[k][-1]):
                    levels[k].append(values)
        at = {k: 0 for k in free}
        base = math.prod(len(v) for v in fixed.values())

        def size(k: str, level: int) -> int:
            return len(levels[k][level])

        while True:
            room = [k for k in free if at[k] + 1 < len(levels[k])
                    and base * math.prod(size(j, at[j] + (j == k)) for j in free) <= max_frames]
            if not room:
                break
            grow = min(room, key=lambda k: _priority(self.controls[k], size(k, at[k]), size(k, -1), free.index(k)))
            at[grow] += 1
        grid = {}
        for key, control in self.controls.items():
            grid[key] = list(fixed[key]) if key in fixed else list(levels[key][at[key]])
            order = control.values()
            grid[key].sort(key=lambda v: next(i for i, a in enumerate(order) if _same(v, a)))
        return grid

    def static_frames(self, grid: Mapping[str, list] | None = None) -> list[tuple[dict, bytes, str]]:
        """Every frame of the static grid, in row-major order over the controls: (params, PNG, alt text).

        The PNGs are quantised to a 64-colour palette (about a quarter of the bytes of a full-colour PNG;
        the house style's flat colours survive it), since a page carries dozens of them.
        """
        grid = self.static_grid() if grid is None else grid
        frames = []
        for values in itertools.product(*grid.values()):
            params = dict(zip(grid, values))
            image, alt = self._image(**params)
            frames.append((params, _palette_png(image), alt))
        self.update()  # leave the figure at the defaults
        return frames

    def static_html(self, frames: str | None = None) -> str:
        """The edition of the explorer for a page without a kernel.

        ``frames="all"`` (the default inside a book build, see :data:`FRAMES_ENV`): the picture, its
        controls (range inputs and selects, labelled and keyboard-operable, shown once the page's script
        has wired them) and every frame of :meth:`static_grid` as JSON, which the script swaps in as the
        reader moves a control. ``frames="default"``: the picture at the defaults with alt text only.
        """
        mode = frames or ("all" if os.environ.get(FRAMES_ENV) == "all" else "default")
        if mode not in ("all", "default"):
            raise ValueError(f"frames must be 'all' or 'default', got {frames!r}")
        uid = f"dlx-{self.name.replace('_', '-')}-{next(_ids)}"
        title = html.escape(self.title)
        if mode == "default":
            params = self.defaults()
            picture, alt = self.frame(**params)
            settings = ", ".join(f"{c.label} = {_fmt(params[k])}" for k, c in self.controls.items())
            return (
                f'<figure class="dlmath-explorer" data-explorer="{html.escape(self.name)}" id="{uid}">'
                f'<img src="{_data_uri(picture)}" alt="{html.escape(alt, quote=True)}">'
                f"<figcaption><strong>{title}</strong> (explorer, shown at {html.escape(settings)}). "
                "Run this notebook to move the controls.</figcaption></figure>"
            )
        grid = self.static_grid()
        frames_ = self.static_frames(grid)
        defaults = self.defaults()
        start = [next(i for i, v in enumerate(grid[k]) if _same(v, defaults[k])) for k in grid]
        first = frames_[_flat_index(start, [len(v) for v in grid.values()])]
        rows, fixed = [], []
        for (key, values), at in zip(grid.items(), start):
            control = self.controls[key]
            cid = f"{uid}-{key.replace('_', '-')}"
            label = html.escape(control.label)
            if len(values) == 1:
                fixed.append(f"{label} = {html.escape(_fmt(values[0]))}")
                continue
            if isinstance(control, Slider):
                rows.append(
                    f'<div class="dlmath-control"><label for="{cid}">{label}</label>'
                    f'<input type="range" id="{cid}" data-control="{html.escape(key)}" min="0" max="{len(values) - 1}" '
                    f'step="1" value="{at}" aria-valuetext="{html.escape(_fmt(values[at]))}">'
                    f'<output for="{cid}">{html.escape(_fmt(values[at]))}</output></div>'
                )
            else:
                options = "".join(
                    f'<option value="{i}"{" selected" if i == at else ""}>{html.escape(_fmt(v))}</option>'
                    for i, v in enumerate(values))
                rows.append(f'<div class="dlmath-control"><label for="{cid}">{label}</label>'
                            f'<select id="{cid}" data-control="{html.escape(key)}">{options}</select></div>')
        data = {
            "controls": [{"name": k, "values": [_fmt(v) for v in vs]} for k, vs in grid.items()],
            "frames": [[_data_uri(png), alt] for _, png, alt in frames_],
        }
        payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
        note = f" Fixed on this page: {'; '.join(fixed)}." if fixed else ""
        return (
            f'<figure class="dlmath-explorer" data-explorer="{html.escape(self.name)}" id="{uid}" data-frames="{len(frames_)}">'
            f'<div class="dlmath-explorer-controls" role="group" aria-label="Controls of the explorer: {title}" hidden>'
            f'{"".join(rows)}</div>'
            f'<img src="{_data_uri(first[1])}" alt="{html.escape(first[2], quote=True)}">'
            f'<p class="dlmath-explorer-status" aria-live="polite"></p>'
            f"<figcaption><strong>{title}</strong> (explorer). Move the controls: the page holds the picture for "
            f"each of its {len(frames_)} settings, computed when the book was built.{html.escape(note)} "
            "Run this page as a notebook to set any value.</figcaption>"
            f'<script type="application/json" class="dlmath-explorer-data">{payload}</script></figure>'
        )

    # -- the widget layer -------------------------------------------------------------------------
    def widget(self):
        """A live ipywidgets panel: one control per parameter above the figure."""
        import ipywidgets as w
        from IPython.display import Image, display

        controls = {k: c.widget() for k, c in self.controls.items()}

        def refresh(**params: Any) -> None:
            picture, alt = self.frame(**params)
            display(Image(data=picture, alt=alt))

        out = w.interactive_output(refresh, controls)
        title = w.HTML(f"<strong>{html.escape(self.title)}</strong>")
        return w.VBox([title, w.GridBox(list(controls.values()), layout=w.Layout(grid_template_columns="repeat(2, auto)")), out])

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        bundle = dict(self.widget()._repr_mimebundle_())
        bundle["text/html"] = self.static_html()
        bundle["text/plain"] = f"<{self.title}: an explorer; run the notebook to use its controls>"
        return bundle


def _artists(handles: Any):
    """Every matplotlib artist inside ``handles`` (nested dicts, lists, tuples), axes excluded."""
    if isinstance(handles, Axes):
        return
    if isinstance(handles, Artist):
        yield handles
    elif isinstance(handles, Mapping):
        for value in handles.values():
            yield from _artists(value)
    elif isinstance(handles, (list, tuple)):
        for value in handles:
            yield from _artists(value)


def _fmt(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float, np.number)) and isinstance(b, (int, float, np.number)) \
            and not isinstance(a, bool) and not isinstance(b, bool):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def _spread(control: Control, n: int) -> list:
    """``n`` of the control's positions, evenly spread, the default among them."""
    positions = control.values()
    home = next(i for i, v in enumerate(positions) if _same(v, control.value))
    if n <= 1:
        return [positions[home]]
    if isinstance(control, Choice):  # the default first, then the others in order
        chosen = [home] + [i for i in range(len(positions)) if i != home][: n - 1]
    else:  # a regular stride through the default, plus both ends of the range
        last = len(positions) - 1
        stride = max(1, math.ceil(last / (n - 1)))
        while stride <= last:
            chosen = set(range(home % stride, last + 1, stride)) | {0, last}
            if len(chosen) <= n:
                break
            stride += 1
        else:  # too few points for both ends: the default and the end farther from it
            chosen = {home, 0 if home > last - home else last}
    return [positions[i] for i in sorted(chosen)]


def _priority(control: Control, size: int, most: int, order: int) -> tuple:
    """Which control of the static grid gains a point next: the lowest tuple."""
    if isinstance(control, Choice):
        return (0, size / most, order)
    first = min(most, SLIDER_FIRST)
    return (0, size / first, order) if size < first else (1, size / most, order)


def _flat_index(indices: Sequence[int], sizes: Sequence[int]) -> int:
    flat = 0
    for i, n in zip(indices, sizes):
        flat = flat * n + i
    return flat


def _palette_png(image: PILImage.Image, colours: int = 64) -> bytes:
    out = io.BytesIO()
    image.quantize(colors=colours, method=PILImage.Quantize.FASTOCTREE).save(out, format="png", compress_level=6)
    return out.getvalue()


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


#: Every explorer the package defines, by name (the benchmark and the smoke tests walk it).
REGISTRY: dict[str, Callable[[], Explorer]] = {}


def register(factory: Callable[[], Explorer]) -> Callable[[], Explorer]:
    """Decorator: record an explorer factory in :data:`REGISTRY` under the name of the explorer it builds."""
    REGISTRY[factory().name] = factory
    return factory

