"""The explorer framework: a pure compute function, an in-place draw function, a thin ipywidgets layer.

An :class:`Explorer` is declared once and then works in three places:

- in Jupyter (JupyterLab, Binder, Colab, VS Code) it is a live ipywidgets panel: moving a control calls
  ``compute`` (parameters -> arrays), then ``draw`` (updates the existing artists in place) and shows the
  figure again;
- in the built book, where no kernel runs, the same cell output carries an HTML edition of the explorer,
  which the book shows instead of the widget: real controls over a grid of pictures computed when the book
  was built (:mod:`.static`);
- in tests and benchmarks, ``explorer.update(**params)`` runs compute and draw without any widget.
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image as PILImage

from . import static as _static
from .controls import Choice, Control, Slider
from .registry import REGISTRY, register

__all__ = ["Slider", "Choice", "Explorer", "REGISTRY", "register"]


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
    #: (:meth:`static_grid`) is not the best one; a control given one value is fixed on the page. A list of such
    #: grids gives the union of their products (a control a grid leaves out stays at its default there): fine
    #: steps where the lesson is, coarse ones elsewhere.
    static: Mapping[str, Sequence] | Sequence[Mapping[str, Sequence]] | None = None
    #: Named settings the text refers to ("press *saddle*"): each maps some controls to positions of theirs
    #: (the others stay at their defaults). They are buttons above the controls, live and on the static page,
    #: where each is a frame of its own.
    presets: Mapping[str, Mapping[str, Any]] | None = None
    _fig: Figure | None = field(default=None, init=False, repr=False)
    _handles: Any = field(default=None, init=False, repr=False)
    _animated: list = field(default_factory=list, init=False, repr=False)
    _background: Any = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        for name, setting in (self.presets or {}).items():
            if not isinstance(name, str) or not name.strip():
                raise ValueError(f"{self.name}: a preset needs a name, got {name!r}")
            _static.check_positions(self, {k: [v] for k, v in setting.items()}, f"preset {name!r}")

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

    def preset(self, name: str) -> dict[str, Any]:
        """The full parameter set of the preset ``name`` (its settings over the defaults)."""
        presets = dict(self.presets or {})
        if name not in presets:
            raise KeyError(f"{self.name} has no preset {name!r}; its presets are {list(presets)}")
        return self.params(**presets[name])

    def preset_of(self, params: Mapping[str, Any]) -> str | None:
        """The name of the preset whose settings are ``params``, or None."""
        for name in self.presets or {}:
            full = self.preset(name)
            if all(_static._same(full[k], params[k]) for k in self.controls):
                return name
        return None

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

    # -- the edition without a kernel (:mod:`.static`) ----------------------------------------------
    def frame_budget(self) -> int:
        """How many frames the static edition may hold (:func:`.static.frame_budget`)."""
        return _static.frame_budget(self)

    def static_grid(self, max_frames: int | None = None) -> dict[str, list]:
        """The parameter values of the static edition, one list per control (:func:`.static.static_grid`)."""
        return _static.static_grid(self, max_frames)

    def static_points(self, grid: Mapping[str, list] | None = None) -> list[dict]:
        """The settings the static edition holds a picture for: the grid's, then the presets off it
        (:func:`.static.static_points`)."""
        return _static.static_points(self, grid)

    def static_frames(self, grid: Mapping[str, list] | None = None) -> list[tuple[dict, bytes, str]]:
        """Every frame of the static edition: (params, PNG, alt text) (:func:`.static.static_frames`)."""
        return _static.static_frames(self, grid)

    def static_html(self, frames: str | None = None) -> str:
        """The edition of the explorer for a page without a kernel (:func:`.static.static_html`)."""
        return _static.static_html(self, frames)

    # -- the widget layer -------------------------------------------------------------------------
    def widget(self):
        """A live ipywidgets panel: the title, a button per preset, the controls in a compact grid (two columns
        where the cell is wide enough, else one), the picture below them as an ``<img>`` with its alt text,
        redrawn on every change, and a status line that names the preset shown."""
        import base64

        import ipywidgets as w

        from .controls import CONTROL_WIDTH

        controls = {k: c.widget() for k, c in self.controls.items()}
        picture = w.HTML()
        status = w.HTML(layout=w.Layout(min_height="1.5em"))
        busy = []  # set while a preset moves several controls: one picture at the end, not one per control

        def refresh(change: Any = None) -> None:
            if busy:
                return
            params = {k: c.value for k, c in controls.items()}
            png, alt = self.frame(**params)
            picture.value = (f'<img class="dlmath-explorer-picture" src="data:image/png;base64,'
                             f'{base64.b64encode(png).decode()}" alt="{html.escape(alt)}">')
            shown = self.preset_of(params)
            status.value = f"Preset shown: <em>{html.escape(shown)}</em>" if shown else ""
            for button in buttons:
                button.button_style = "info" if button.description == shown else ""

        def press(button: Any) -> None:
            setting = self.preset(button.description)
            busy.append(True)
            try:
                for key, control in controls.items():
                    control.value = setting[key]
            finally:
                busy.clear()
            refresh()

        buttons = []
        for name in self.presets or {}:
            button = w.Button(description=name, tooltip=f"Show the preset: {name}",
                              layout=w.Layout(width="auto"))
            button.on_click(press)
            buttons.append(button)
        for control in controls.values():
            control.observe(refresh, names="value")
        refresh()
        title = w.HTML(f"<strong>{html.escape(self.title)}</strong>")
        presets = w.HBox([w.Label("Presets:")] + buttons, layout=w.Layout(flex_flow="row wrap"))
        grid = w.GridBox(list(controls.values()), layout=w.Layout(
            grid_template_columns=f"repeat(auto-fill, {CONTROL_WIDTH})", grid_gap="2px 16px",
            justify_content="flex-start"))
        return w.VBox([title, presets, grid, picture, status] if buttons else [title, grid, picture, status])

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        """The live panel for a front end with a widget manager, the static edition for one without (a rendered
        page, GitHub), and a line of text for a terminal. The widget's view is named here, not asked of the widget:
        ipywidgets 7 (which Colab pins) has no ``_repr_mimebundle_``, ipywidgets 8 has; both show this view."""
        panel = self.widget()
        return {
            WIDGET_VIEW: {"version_major": 2, "version_minor": 0, "model_id": panel.model_id},
            "text/html": self.static_html(),
            "text/plain": f"<{self.title}: an explorer; run the notebook to use its controls>",
        }


#: The MIME type of a live widget in a notebook's output (the same in ipywidgets 7 and 8).
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


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


