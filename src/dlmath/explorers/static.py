"""The edition of an explorer for a page without a kernel: a grid of frames computed when the book is built.

The book shows :func:`static_html` instead of the live widget: a button per preset and real controls (range inputs
and selects) over the settings of :func:`static_points` (the grid of :func:`static_grid`, and the presets off it),
whose pictures (:func:`static_frames`) the page's script (``dlmath/static/dlmath-explorers.js``) swaps in as the
reader presses a preset or moves a control. Outside a book build
(:data:`FRAMES_ENV` unset) the edition is the picture at the defaults, which costs one frame.
"""

from __future__ import annotations

import base64
import html
import io
import itertools
import json
import math
import os
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np
from PIL import Image as PILImage

from .controls import Choice, Control, Slider

if TYPE_CHECKING:
    from .base import Explorer

__all__ = ["FRAMES_ENV", "FRAME_BYTES", "MIN_FRAMES", "MAX_FRAMES", "frame_budget", "static_grid", "static_points",
           "static_frames", "static_values", "static_html"]

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


def frame_budget(explorer: Explorer) -> int:
    """How many frames the static edition may hold: ``FRAME_BYTES`` over the size of the default
    frame (palette PNG), within ``MIN_FRAMES`` and ``MAX_FRAMES``."""
    size = len(_palette_png(explorer._image()[0]))
    return int(np.clip(FRAME_BYTES // size, MIN_FRAMES, MAX_FRAMES))


def static_grid(explorer: Explorer, max_frames: int | None = None) -> dict[str, list]:
    """The parameter values of the static edition: one list per control, all frames their product.

    Values given in ``explorer.static`` are used as they are. Every other control starts at its default
    and gains points one at a time, always the control whose grid is the smallest fraction of its
    target (every option of a choice; up to ``SLIDER_POINTS`` evenly spaced positions of a slider),
    while the product stays within ``max_frames``; choices are completed, and sliders given
    ``SLIDER_FIRST`` points, before any slider is refined further. The default is always one of the values, so the
    page opens on the same picture as the notebook. The presets (:func:`static_points`) take their frames from the
    same budget.
    """
    if isinstance(explorer.static, (list, tuple)):  # a union of grids: each control's values over all of them
        return static_values(explorer, _union_points(explorer))
    if max_frames is None:
        max_frames = max(MIN_FRAMES, frame_budget(explorer) - len(explorer.presets or {}))
    fixed = dict(explorer.static or {})
    check_positions(explorer, fixed)
    for key, values in fixed.items():
        if not any(_same(v, explorer.controls[key].value) for v in values):
            raise ValueError(f"{explorer.name}: static values of {key!r} must include the default "
                             f"{explorer.controls[key].value!r}")
    free = [k for k in explorer.controls if k not in fixed]
    levels = {}  # each free control's grids of increasing size, up to its target
    for k in free:
        control = explorer.controls[k]
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
        grow = min(room, key=lambda k: _priority(explorer.controls[k], size(k, at[k]), size(k, -1), free.index(k)))
        at[grow] += 1
    grid = {}
    for key, control in explorer.controls.items():
        grid[key] = list(fixed[key]) if key in fixed else list(levels[key][at[key]])
        order = control.values()
        grid[key].sort(key=lambda v: next(i for i, a in enumerate(order) if _same(v, a)))
    return grid


def check_positions(explorer: Explorer, values: Mapping[str, Sequence], what: str = "static grid") -> None:
    """Raise, naming ``what`` (the static grid, a preset), unless every key of ``values`` is a control of
    ``explorer`` and every value listed for it is one of the control's positions."""
    unknown = set(values) - set(explorer.controls)
    if unknown:
        raise TypeError(f"{explorer.name}: {what} names unknown control(s) {sorted(unknown)}; "
                        f"its controls are {list(explorer.controls)}")
    for key, listed in values.items():
        allowed = explorer.controls[key].values()
        if not listed or any(not any(_same(v, a) for a in allowed) for v in listed):
            raise ValueError(f"{explorer.name}: {what} values {list(listed)} of {key!r} must be positions "
                             f"of the control, some of {allowed}")


def _union_points(explorer: Explorer) -> list[dict]:
    """The points of ``explorer.static`` given as a list of grids: the product of each (a control it leaves out
    stays at its default), in order, each point once; the defaults must be one of them."""
    points: list[dict] = []
    defaults = explorer.defaults()
    for part in explorer.static:
        check_positions(explorer, part)
        grid = {k: list(part.get(k, [defaults[k]])) for k in explorer.controls}
        for values in itertools.product(*grid.values()):
            point = dict(zip(grid, values))
            if not any(_same_point(point, q) for q in points):
                points.append(point)
    if not any(_same_point(defaults, q) for q in points):
        raise ValueError(f"{explorer.name}: the static grids must hold the defaults {defaults}")
    return points


def _same_point(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    return all(_same(a[k], b[k]) for k in a)


def static_points(explorer: Explorer, grid: Mapping[str, list] | None = None) -> list[dict]:
    """The settings the static edition holds a picture for: every point of the grid (or of each grid, where
    ``explorer.static`` is a list of them), in row-major order over the controls, then each preset not among
    them. Every preset is one of them."""
    if grid is None and isinstance(explorer.static, (list, tuple)):
        points = _union_points(explorer)
    else:
        grid = static_grid(explorer) if grid is None else grid
        points = [dict(zip(grid, values)) for values in itertools.product(*grid.values())]
    for name in explorer.presets or {}:
        setting = explorer.preset(name)
        if not any(_same_point(setting, q) for q in points):
            points.append(dict(setting))
    return points


def static_values(explorer: Explorer, points: Sequence[Mapping[str, Any]]) -> dict[str, list]:
    """Each control's values over ``points``, in the control's order: the positions of its control on the page."""
    values = {}
    for key, control in explorer.controls.items():
        order = control.values()
        seen = []
        for point in points:
            if not any(_same(point[key], v) for v in seen):
                seen.append(point[key])
        values[key] = sorted(seen, key=lambda v: next(i for i, a in enumerate(order) if _same(v, a)))
    return values


def static_frames(explorer: Explorer, grid: Mapping[str, list] | None = None) -> list[tuple[dict, bytes, str]]:
    """The picture of every point of :func:`static_points`: (params, PNG, alt text).

    The PNGs are quantised to a 64-colour palette (about a quarter of the bytes of a full-colour PNG;
    the house style's flat colours survive it), since a page carries dozens of them.
    """
    frames = []
    for params in static_points(explorer, grid):
        image, alt = explorer._image(**params)
        frames.append((params, _palette_png(image), alt))
    explorer.update()  # leave the figure at the defaults
    return frames


def static_html(explorer: Explorer, frames: str | None = None) -> str:
    """The edition of the explorer for a page without a kernel.

    ``frames="all"`` (the default inside a book build, see :data:`FRAMES_ENV`): the picture, its
    controls (range inputs and selects, labelled and keyboard-operable, shown once the page's script
    has wired them) and every frame of :meth:`static_grid` as JSON, which the script swaps in as the
    reader moves a control. ``frames="default"``: the picture at the defaults with alt text only.
    """
    mode = frames or ("all" if os.environ.get(FRAMES_ENV) == "all" else "default")
    if mode not in ("all", "default"):
        raise ValueError(f"frames must be 'all' or 'default', got {frames!r}")
    uid = f"dlx-{explorer.name.replace('_', '-')}-{next(_ids)}"
    title = html.escape(explorer.title)
    if mode == "default":
        params = explorer.defaults()
        picture, alt = explorer.frame(**params)
        settings = ", ".join(f"{c.label} = {_fmt(params[k])}" for k, c in explorer.controls.items())
        presets = f" Its presets: {'; '.join(explorer.presets)}." if explorer.presets else ""
        return (
            f'<figure class="dlmath-explorer" data-explorer="{html.escape(explorer.name)}" id="{uid}">'
            f'<img src="{_data_uri(picture)}" alt="{html.escape(alt, quote=True)}">'
            f"<figcaption><strong>{title}</strong> (explorer, shown at {html.escape(settings)}).{html.escape(presets)} "
            "Run this notebook to move the controls and press the presets.</figcaption></figure>"
        )
    frames_ = static_frames(explorer)
    points = [params for params, _, _ in frames_]
    values = static_values(explorer, points)
    index = [[next(i for i, v in enumerate(values[k]) if _same(v, params[k])) for k in values] for params in points]
    defaults = explorer.defaults()
    at_start = next(i for i, params in enumerate(points) if _same_point(defaults, params))
    first, start = frames_[at_start], index[at_start]
    rows, fixed = [], []
    for (key, vals), at in zip(values.items(), start):
        control = explorer.controls[key]
        cid = f"{uid}-{key.replace('_', '-')}"
        label = html.escape(control.label)
        if len(vals) == 1:
            fixed.append(f"{label} = {html.escape(_fmt(vals[0]))}")
            continue
        if isinstance(control, Slider):
            rows.append(
                f'<div class="dlmath-control"><label for="{cid}">{label}</label>'
                f'<input type="range" id="{cid}" data-control="{html.escape(key)}" min="0" max="{len(vals) - 1}" '
                f'step="1" value="{at}" aria-valuetext="{html.escape(_fmt(vals[at]))}">'
                f'<output for="{cid}">{html.escape(_fmt(vals[at]))}</output></div>'
            )
        else:
            options = "".join(
                f'<option value="{i}"{" selected" if i == at else ""}>{html.escape(_fmt(v))}</option>'
                for i, v in enumerate(vals))
            rows.append(f'<div class="dlmath-control"><label for="{cid}">{label}</label>'
                        f'<select id="{cid}" data-control="{html.escape(key)}">{options}</select></div>')
    presets = []
    for name in explorer.presets or {}:
        setting = explorer.preset(name)
        presets.append({"name": name, "frame": next(i for i, params in enumerate(points)
                                                    if _same_point(setting, params))})
    buttons = "".join(
        f'<button type="button" class="dlmath-preset" data-preset="{i}" aria-pressed="false">'
        f'{html.escape(p["name"])}</button>' for i, p in enumerate(presets))
    preset_row = (f'<div class="dlmath-explorer-presets" role="group" aria-label="Presets">'
                  f'<span class="dlmath-presets-label" aria-hidden="true">Presets:</span>{buttons}</div>'
                  if presets else "")
    data = {
        "controls": [{"name": k, "values": [_fmt(v) for v in vs]} for k, vs in values.items()],
        "frames": [[_data_uri(png), alt] for _, png, alt in frames_],
        "points": index,
        "presets": presets,
    }
    payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
    note = f" Fixed on this page: {'; '.join(fixed)}." if fixed else ""
    guide = (f" Press a preset to see a setting the text discusses ({len(presets)} presets)." if presets else "")
    return (
        f'<figure class="dlmath-explorer" data-explorer="{html.escape(explorer.name)}" id="{uid}" data-frames="{len(frames_)}">'
        f'<div class="dlmath-explorer-controls" role="group" aria-label="Controls of the explorer: {title}" hidden>'
        f'{preset_row}{"".join(rows)}</div>'
        f'<p class="dlmath-explorer-note" aria-hidden="true"></p>'
        f'<img src="{_data_uri(first[1])}" alt="{html.escape(first[2], quote=True)}">'
        f'<p class="dlmath-explorer-status" aria-live="polite"></p>'
        f"<figcaption><strong>{title}</strong> (explorer). Move the controls: the page holds the picture for "
        f"each of its {len(frames_)} settings, computed when the book was built.{html.escape(guide)}"
        f"{html.escape(note)} Run this page as a notebook to set any value.</figcaption>"
        f'<script type="application/json" class="dlmath-explorer-data">{payload}</script></figure>'
    )


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


def _palette_png(image: PILImage.Image, colours: int = 64) -> bytes:
    out = io.BytesIO()
    # optimize: zlib's best compression with the smallest palette, about 8% fewer bytes than level 6 for 0.02 s
    image.quantize(colors=colours, method=PILImage.Quantize.FASTOCTREE).save(out, format="png", optimize=True)
    return out.getvalue()


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
