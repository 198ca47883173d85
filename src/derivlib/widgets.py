"""Interactive figures that also work on the static website.

:func:`explore` turns a plotting function of one or two parameters into

* a live ``ipywidgets`` control when a kernel runs the notebook (Jupyter, Binder, Colab);
* a precomputed slider in plain HTML and JavaScript when the book is built for the web
  (``make book`` sets ``DERIVLIB_STATIC_WIDGETS=1``): every frame is rendered once at build
  time, and moving the slider swaps the frame, so a reader of the website can still move it.

The numerical modules of derivlib never plot; this module is the one place that does.
"""

from __future__ import annotations

import base64
import html
import io
import itertools
import json
import os
from collections.abc import Callable, Sequence

__all__ = ["STATIC_ENV", "Explorer", "explore", "static_mode"]

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

    # ------------------------------------------------------------------ live
    def widget(self):
        """The ``ipywidgets`` control (imports ipywidgets only here)."""
        import ipywidgets
        import matplotlib.pyplot as plt

        def draw(**kwargs):
            self.plot(**kwargs)
            plt.show()

        controls = {
            name: ipywidgets.SelectionSlider(
                options=[(_fmt(v), v) for v in values],
                value=values[len(values) // 2],
                description=name,
                continuous_update=False,
            )
            for name, values in self.params.items()
        }
        return ipywidgets.interactive(draw, **controls)

    # ------------------------------------------------------------------ static
    def frames(self) -> list[str]:
        """Render every combination of parameter values to a base64 PNG, in C order."""
        import matplotlib.pyplot as plt
        from matplotlib.figure import Figure

        out = []
        names = list(self.params)
        for combo in itertools.product(*(self.params[n] for n in names)):
            with plt.rc_context({"figure.dpi": self.dpi}):
                plt.figure()
                made = self.plot(**dict(zip(names, combo, strict=True)))
                fig = made if isinstance(made, Figure) else plt.gcf()
                buf = io.BytesIO()
                fig.savefig(buf, format="png", dpi=self.dpi, bbox_inches="tight",
                            metadata={"Software": None})
                plt.close(fig)
            out.append(base64.b64encode(buf.getvalue()).decode("ascii"))
        return out

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
        return self.widget()._repr_mimebundle_(include=include, exclude=exclude)

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
