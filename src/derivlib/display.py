"""The chapters' display helpers: source listings and interactive figures.

:func:`show_source` shows the source of a derivlib function or class in a chapter, so the
chapter shows the very code its tests check (also importable as
``derivlib.derivation.show_source``).

:func:`explore` turns a plotting function of one or two parameters into

* a live ``ipywidgets`` control when a kernel runs the notebook (Jupyter, Binder, Colab);
* a precomputed slider in plain HTML and JavaScript when the book is built for the web
  (``make book`` sets ``DERIVLIB_STATIC_WIDGETS=1``): every frame is rendered once at build
  time, and moving the slider swaps the frame, so a reader of the website can still move it.
  Chapters call it as ``derivlib.widgets.explore`` (``derivlib.widgets`` re-exports it).

The numerical modules of derivlib never plot or display; this module is the one place that
does (no numerics here).
"""

from __future__ import annotations

import base64
import html
import inspect
import io
import itertools
import json
import os
from collections.abc import Callable, Sequence

__all__ = ["STATIC_ENV", "Explorer", "SourceListing", "explore", "show_source", "static_mode"]

STATIC_ENV = "DERIVLIB_STATIC_WIDGETS"
_MAX_FRAMES = 64


def static_mode() -> bool:
    """True when figures should be precomputed for the static site."""
    return os.environ.get(STATIC_ENV, "") not in ("", "0", "false", "False")


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


class Explorer:
    """A plotting function with one or two parameters, each over a list of values.

    Create it with :func:`explore`. In a notebook it displays as a live ``ipywidgets``
    control; in static mode it displays as a self-contained HTML slider with one
    pre-rendered frame per value (or pair of values).
    """

    def __init__(self, plot: Callable, params: dict[str, list], *, static: bool | None = None,
                 dpi: int = 72, description: str | None = None):
        self.plot = plot
        self.params = params
        self.static = static_mode() if static is None else bool(static)
        self.dpi = dpi
        self.description = description

    # ------------------------------------------------------------------ frames
    def render(self, **values) -> bytes:
        """Draw the figure for one set of parameter values and return it as PNG bytes.

        The PNG carries no timestamp or software tag, so the same values give the same bytes.
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
                fig.savefig(buf, format="png", dpi=self.dpi, bbox_inches="tight",
                            metadata={"Software": None})
        finally:
            # every figure the call opened is closed: none is left for the notebook to show
            for num in set(plt.get_fignums()) - before:
                plt.close(num)
        return buf.getvalue()

    def _initial(self) -> dict:
        return {name: values[len(values) // 2] for name, values in self.params.items()}

    def frames(self) -> list[str]:
        """Render every combination of parameter values to a base64 PNG, in C order."""
        names = list(self.params)
        return [
            base64.b64encode(self.render(**dict(zip(names, combo, strict=True)))).decode("ascii")
            for combo in itertools.product(*(self.params[n] for n in names))
        ]

    # ------------------------------------------------------------------ live
    def widget(self):
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
                description=name,
                continuous_update=False,
            )
            for name, values in self.params.items()
        }
        image = ipywidgets.Image(format="png", value=self.render(**self._initial()))

        def redraw(_change=None):
            image.value = self.render(**{n: c.value for n, c in controls.items()})

        for control in controls.values():
            control.observe(redraw, names="value")
        children = list(controls.values()) + [image]
        if self.description:
            children.insert(0, ipywidgets.HTML(f"<p>{html.escape(self.description)}</p>"))
        return ipywidgets.VBox(children)

    def static_html(self, uid: str = "derivlib-explore") -> str:
        """The self-contained HTML slider (no kernel, no network)."""
        names = list(self.params)
        frames = self.frames()
        sizes = [len(self.params[n]) for n in names]
        mid = [s // 2 for s in sizes]
        first = 0
        for k, s in zip(mid, sizes, strict=True):
            first = first * s + k
        labels = {n: [_fmt(v) for v in self.params[n]] for n in names}
        alt = ", ".join(f"{n} = {labels[n][m]}" for n, m in zip(names, mid, strict=True))
        rows = []
        for n, s, m in zip(names, sizes, mid, strict=True):
            rows.append(
                f'<label class="derivlib-explore-control">{html.escape(n)} '
                f'<input type="range" min="0" max="{s - 1}" step="1" value="{m}" '
                f'data-param="{html.escape(n)}" aria-label="{html.escape(n)}"> '
                f'<output>{html.escape(labels[n][m])}</output></label>'
            )
        note = html.escape(self.description or "")
        payload = json.dumps({"names": names, "sizes": sizes, "labels": labels})
        return (
            f'<div class="derivlib-explore" id="{uid}">'
            + (f"<p>{note}</p>" if note else "")
            + '<div class="derivlib-explore-controls">' + "".join(rows) + "</div>"
            + f'<img class="derivlib-explore-frame" alt="{html.escape(alt)}" '
            f'src="data:image/png;base64,{frames[first]}">'
            + f'<script type="application/json" class="derivlib-explore-frames">'
            f'{json.dumps(frames)}</script>'
            + f'<script type="application/json" class="derivlib-explore-meta">{payload}</script>'
            + "<script>(function(){"
            f'var root=document.getElementById("{uid}");'
            'var frames=JSON.parse(root.querySelector(".derivlib-explore-frames").textContent);'
            'var meta=JSON.parse(root.querySelector(".derivlib-explore-meta").textContent);'
            'var img=root.querySelector("img");'
            'var inputs=root.querySelectorAll("input[type=range]");'
            "function show(){var k=0,alt=[];"
            "inputs.forEach(function(inp,i){var v=parseInt(inp.value,10);k=k*meta.sizes[i]+v;"
            "var lab=meta.labels[meta.names[i]][v];inp.nextElementSibling.textContent=lab;"
            'alt.push(meta.names[i]+" = "+lab);});'
            'img.src="data:image/png;base64,"+frames[k];img.alt=alt.join(", ");'
            "root.dataset.frame=k;}"
            'inputs.forEach(function(inp){inp.addEventListener("input",show);});show();'
            "})();</script></div>"
        )

    # ------------------------------------------------------------------ display
    def _repr_mimebundle_(self, include=None, exclude=None):
        if self.static:
            Explorer._count += 1
            uid = f"derivlib-explore-{Explorer._count}"
            return {"text/html": self.static_html(uid), "text/plain": repr(self)}
        bundle = self.widget()._repr_mimebundle_(include=include, exclude=exclude)
        # What a viewer without a kernel shows (GitHub, nbviewer, a notebook not yet run):
        # the figure at the initial values, and a text line instead of the widget's repr.
        bundle["image/png"] = base64.b64encode(self.render(**self._initial())).decode("ascii")
        bundle["text/plain"] = repr(self)
        return bundle

    _count = 0

    def __repr__(self) -> str:
        desc = ", ".join(f"{n} in [{_fmt(v[0])} .. {_fmt(v[-1])}] ({len(v)} values)"
                         for n, v in self.params.items())
        return f"Explorer({desc})"


def explore(plot: Callable, *, description: str | None = None, static: bool | None = None,
            dpi: int = 72, **params: Sequence) -> Explorer:
    """Make ``plot`` explorable over one or two parameters.

    Parameters
    ----------
    plot : callable
        ``plot(**values)`` draws one figure with pyplot (or returns a ``Figure``).
    description : str, optional
        A sentence shown above the static slider.
    static : bool, optional
        Force the static (True) or live (False) form; by default static exactly when the
        environment variable ``DERIVLIB_STATIC_WIDGETS`` is set, as ``make book`` does.
    dpi : int
        Resolution of the static frames.
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
                         "precomputed for the static site: use fewer values")
    if isinstance(dpi, bool) or not isinstance(dpi, int) or dpi <= 0:
        raise ValueError(f"dpi must be a positive integer, got {dpi!r}")
    return Explorer(plot, clean, static=static, dpi=dpi, description=description)


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
