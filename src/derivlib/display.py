"""The chapters' display helpers: source listings and interactive figures.

:func:`show_source` shows the source of a derivlib function or class in a chapter, so the
chapter shows the very code its tests check (also importable as
``derivlib.derivation.show_source``).

:func:`explore` turns a plotting function of one or two parameters into a live
``ipywidgets`` control when a kernel runs the notebook (Jupyter, Binder, Colab). Its output
also carries what a reader without a kernel needs:

* ``image/png``, the figure at the initial values, for GitHub, nbviewer and a notebook opened
  without running it;
* ``application/vnd.derivlib.explore+json`` (:data:`MIME`), the description of a slider over
  every combination of values: parameter labels, value labels and one frame file name per
  combination. The website draws that slider (``_ext/explore.py``) and loads each frame as an
  image file when the reader moves to it.

The frame images are written only when the environment variable ``DERIVLIB_EXPLORE_FRAMES``
names a folder: ``make execute`` (``tools/execute.py``) sets it to
``<chapter folder>/_explore/<notebook name>/`` and the frames are committed with the
notebook, so the site is built from the stored outputs without executing anything. The
output itself does not depend on the variable, so strict nbval compares it as any other.
Chapters call :func:`explore` as ``derivlib.widgets.explore`` (``derivlib.widgets``
re-exports it).

The numerical modules of derivlib never plot or display; this module is the one place that
does (no numerics here).
"""

from __future__ import annotations

import base64
import html
import inspect
import io
import itertools
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

__all__ = ["FRAMES_ENV", "MIME", "Explorer", "SourceListing", "explore", "show_source"]

FRAMES_ENV = "DERIVLIB_EXPLORE_FRAMES"
MIME = "application/vnd.derivlib.explore+json"
_MAX_FRAMES = 64
_FRAME_SCALE = 2  # frame images for the site are drawn at twice the resolution (sharp on HiDPI)


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


class Explorer:
    """A plotting function with one or two parameters, each over a list of values.

    Create it with :func:`explore`. In a notebook it displays as a live ``ipywidgets``
    control, with the initial figure and a description of the static slider of the website
    in the same output (see the module docstring).
    """

    _count = 0  # explorers displayed in this kernel: numbers the frame files of each one

    def __init__(self, plot: Callable, params: dict[str, list], *, dpi: int = 72,
                 description: str | None = None, labels: Mapping[str, str] | None = None):
        self.plot = plot
        self.params = params
        self.dpi = dpi
        self.description = description
        self.labels = {name: (labels or {}).get(name, name) for name in params}

    # ------------------------------------------------------------------ frames
    def render(self, *, scale: int = 1, **values) -> bytes:
        """Draw the figure for one set of parameter values and return it as PNG bytes.

        ``scale`` multiplies the resolution (the site's frames use 2). The PNG carries no
        timestamp or software tag, so the same values give the same bytes.
        """
        import matplotlib.pyplot as plt
        from matplotlib.figure import Figure

        before = set(plt.get_fignums())
        try:
            with plt.rc_context({"figure.dpi": self.dpi}):
                made = self.plot(**values)
                if isinstance(made, Figure):
                    fig = made
                elif set(plt.get_fignums()) - before:
                    fig = plt.gcf()
                else:
                    raise ValueError("plot must draw a pyplot figure or return a Figure "
                                     f"(got {type(made).__name__} and no new figure)")
                buf = io.BytesIO()
                fig.savefig(buf, format="png", dpi=self.dpi * scale, bbox_inches="tight",
                            metadata={"Software": None})
        finally:
            # every figure the call opened is closed: none is left for the notebook to show
            for num in set(plt.get_fignums()) - before:
                plt.close(num)
        return buf.getvalue()

    def combinations(self) -> list[dict]:
        """Every combination of parameter values, in C order (the last parameter fastest)."""
        names = list(self.params)
        return [dict(zip(names, combo, strict=True))
                for combo in itertools.product(*(self.params[n] for n in names))]

    def frame_names(self, index: int) -> list[str]:
        """The file names of the frames of the ``index``-th explorer of a notebook."""
        return [f"explore-{index}-{k:02d}.png" for k in range(len(self.combinations()))]

    def write_frames(self, folder: str | Path, index: int) -> list[Path]:
        """Render every frame at twice the resolution into ``folder``; return the paths.

        Each frame is reduced to 256 colours without dithering (a third of the bytes of the
        full-colour PNG, no visible difference for line plots), deterministically.
        """
        from PIL import Image

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for name, values in zip(self.frame_names(index), self.combinations(), strict=True):
            image = Image.open(io.BytesIO(self.render(scale=_FRAME_SCALE, **values)))
            small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                                                  dither=Image.Dither.NONE)
            small.save(folder / name, format="png", optimize=True)
            paths.append(folder / name)
        return paths

    def _initial(self) -> dict:
        return {name: values[len(values) // 2] for name, values in self.params.items()}

    def site_description(self, index: int) -> dict:
        """What the website needs to draw the slider: the content of the :data:`MIME` output."""
        return {
            "version": 1,
            "description": self.description or "",
            "params": [
                {"name": name, "label": self.labels[name],
                 "values": [_fmt(v) for v in values], "initial": len(values) // 2}
                for name, values in self.params.items()
            ],
            "frames": self.frame_names(index),
            "scale": _FRAME_SCALE,
        }

    # ------------------------------------------------------------------ live
    def widget(self, first: bytes | None = None):
        """The live ``ipywidgets`` control: one slider per parameter above the figure.

        The figure is an ``ipywidgets.Image`` that each slider move redraws, rather than
        pyplot output captured by an ``interactive``: what the cell shows is then the same in
        Jupyter, on Colab and under nbval, which sees no stray figure outputs.
        """
        import ipywidgets

        controls = {
            name: ipywidgets.SelectionSlider(
                options=[(_fmt(v), v) for v in values],
                value=values[len(values) // 2],
                description=self.labels[name],
                continuous_update=False,
                style={"description_width": "initial"},
            )
            for name, values in self.params.items()
        }
        if first is None:
            first = self.render(**self._initial())
        image = ipywidgets.Image(format="png", value=first)

        def redraw(_change=None):
            image.value = self.render(**{n: c.value for n, c in controls.items()})

        for control in controls.values():
            control.observe(redraw, names="value")
        children = list(controls.values()) + [image]
        if self.description:
            children.insert(0, ipywidgets.HTML(f"<p>{html.escape(self.description)}</p>"))
        return ipywidgets.VBox(children)

    # ------------------------------------------------------------------ display
    def _repr_mimebundle_(self, include=None, exclude=None):
        Explorer._count += 1
        index = Explorer._count
        folder = os.environ.get(FRAMES_ENV)
        if folder:
            self.write_frames(folder, index)
        first = self.render(**self._initial())
        bundle = self.widget(first)._repr_mimebundle_(include=include, exclude=exclude)
        # What a viewer without a kernel shows (GitHub, nbviewer, a notebook not yet run):
        # the figure at the initial values, and a text line instead of the widget's repr;
        # and the description of the website's slider.
        bundle["image/png"] = base64.b64encode(first).decode("ascii")
        bundle["text/plain"] = repr(self)
        bundle[MIME] = self.site_description(index)
        return bundle

    def __repr__(self) -> str:
        desc = ", ".join(f"{n} in [{_fmt(v[0])} .. {_fmt(v[-1])}] ({len(v)} values)"
                         for n, v in self.params.items())
        return f"Explorer({desc})"


def explore(plot: Callable, *, description: str | None = None,
            labels: Mapping[str, str] | None = None, dpi: int = 72,
            **params: Sequence) -> Explorer:
    """Make ``plot`` explorable over one or two parameters.

    Parameters
    ----------
    plot : callable
        ``plot(**values)`` draws one figure with pyplot (or returns a ``Figure``).
    description : str, optional
        A sentence shown above the sliders.
    labels : mapping, optional
        The label a reader sees for each parameter (e.g. ``{"log10_C": "log10 C"}``);
        by default the parameter's name.
    dpi : int
        Resolution of the figure in the notebook (the website's frames are drawn at twice it).
    **params : sequence
        One or two parameters, each with the values the slider steps through.

    Returns
    -------
    Explorer
        Displays itself in a notebook.
    """
    if not callable(plot):
        raise TypeError(f"plot must be callable, got {type(plot).__name__}")
    if not 1 <= len(params) <= 2:
        raise ValueError(f"explore takes one or two parameters, got {len(params)}")
    clean = {}
    for name, values in params.items():
        if isinstance(values, str) or not isinstance(values, Sequence | range) and not hasattr(
            values, "tolist"
        ):
            raise TypeError(f"{name} must be a sequence of values, got {type(values).__name__}")
        values = values.tolist() if hasattr(values, "tolist") else list(values)
        if len(values) < 2:
            raise ValueError(f"{name} must have at least 2 values, got {len(values)}")
        clean[name] = values
    n_frames = 1
    for v in clean.values():
        n_frames *= len(v)
    if n_frames > _MAX_FRAMES:
        raise ValueError(f"the parameters give {n_frames} frames; at most {_MAX_FRAMES} are "
                         "precomputed for the website: use fewer values")
    if isinstance(dpi, bool) or not isinstance(dpi, int) or dpi <= 0:
        raise ValueError(f"dpi must be a positive integer, got {dpi!r}")
    if labels is not None:
        if not isinstance(labels, Mapping):
            raise TypeError(f"labels must be a mapping from parameter name to label, "
                            f"got {type(labels).__name__}")
        unknown = sorted(set(labels) - set(clean))
        if unknown:
            raise ValueError(f"labels names parameters that explore was not given: {unknown}")
        for name, label in labels.items():
            if not isinstance(label, str) or not label.strip():
                raise TypeError(f"labels[{name!r}] must be a non-empty string, got {label!r}")
    if description is not None and not isinstance(description, str):
        raise TypeError(f"description must be a string, got {type(description).__name__}")
    return Explorer(plot, clean, dpi=dpi, description=description, labels=labels)


# --------------------------------------------------------------------------- source listings
class SourceListing:
    """The source code of a derivlib object, displayed as a highlighted code block."""

    def __init__(self, obj):
        self.name = f"{obj.__module__}.{obj.__qualname__}"
        self.source = inspect.getsource(obj).rstrip()

    def _repr_markdown_(self) -> str:
        return f"`{self.name}`\n\n```python\n{self.source}\n```"

    def __repr__(self) -> str:
        return self.source


def show_source(obj) -> SourceListing:
    """Return the source of a function or class, for display in a chapter.

    Parameters
    ----------
    obj : function or class
        Typically a derivlib function, so the chapter shows the very code it tests.
    """
    if not (inspect.isfunction(obj) or inspect.isclass(obj) or inspect.ismethod(obj)):
        raise TypeError(f"obj must be a function or class, got {type(obj).__name__}")
    return SourceListing(obj)
