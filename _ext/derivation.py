"""Derivation chains on the website: every step's expression, reason and mark in view.

A checked chain (``derivlib.derivation.Derivation``, or a ``cite(...)`` result) displays in a
notebook as one aligned LaTeX block, and stores its record (start, steps with relation,
expression, reason, mark; premises) in the output's metadata (``derivlib.derivation``). In
that block each reason and mark sit in a column to the right of the widest expression, which
a web page cannot wrap: on a laptop most of them were out of view, on a phone nearly all.

On HTML pages this extension draws the chain from its record instead, as HTML that wraps:

* the start on its own line, then one row per step: the relation and the expression, and
  beside it (wide screens) or under it (narrow screens, see ``_static/derivlib.css``) the
  reason as text that wraps, with its inline math, and the step's mark (*symbolic*,
  *instance*, *numeric* with its tolerance, *cited* with the reference as the text cites it,
  "[Bishop, 2006]", linked to the page's reference list, which lists it; the checker's
  detail as the mark's tooltip);
* an expression wider than the column scrolls inside its own box, with a shadow at the edge
  where more of it is hidden (the visible cue);
* a reason that cites an equation of the book by its label in parentheses, ``(hmm-beta)``,
  shows the equation's number as the page shows it, linked to it (resolved once all pages
  are read); a parenthesis that is not an equation label stays as it is;
* the premises (where, assuming, facts) follow as wrapping lists of formulas.

The math is typeset by the site's MathJax (class ``mathjax_process``). The notebook output
is unchanged: Jupyter, Colab and GitHub show the LaTeX block.
"""

from __future__ import annotations

import html
import re

from docutils import nodes
from sphinx.util import logging

from derivlib.checker.chain import RELATIONS
from derivlib.derivation import METADATA_KEY

logger = logging.getLogger(__name__)

_MATH = re.compile(r"\$(.+?)\$")
_LABEL = re.compile(r"\(([A-Za-z][A-Za-z0-9]*(?:[-:][A-Za-z0-9]+)+)\)")
_EQREF = re.compile(r'<a class="derivation-eqref" data-eqlabel="([^"]+)">\(([^<]*)\)</a>')
_PREMISE_NAMES = {"definition": "where", "hypothesis": "assuming", "claim": "facts"}


def _math(tex: str, display: bool = False) -> str:
    body = html.escape((r"\displaystyle " if display else "") + tex, quote=False)
    return r"\(" + body + r"\)"


def _plain(text: str) -> str:
    """Escape text, turning ``(label)`` into a reference resolved later."""
    out, pos = [], 0
    for m in _LABEL.finditer(text):
        out.append(html.escape(text[pos:m.start()], quote=False))
        label = html.escape(m.group(1))
        out.append(f'<a class="derivation-eqref" data-eqlabel="{label}">({label})</a>')
        pos = m.end()
    out.append(html.escape(text[pos:], quote=False))
    return "".join(out)


def inline(text: str | None) -> str:
    """Text with ``$...$`` inline math, as HTML for MathJax."""
    if not text:
        return ""
    out, pos = [], 0
    for m in _MATH.finditer(text):
        out.append(_plain(text[pos:m.start()]))
        out.append(_math(m.group(1)))
        pos = m.end()
    out.append(_plain(text[pos:]))
    return "".join(out)


def _mark(step: dict) -> str:
    method = step.get("method", "")
    if method == "cited":
        return _cited(step.get("cite") or "", method, step.get("detail"))
    elif method == "numeric" and step.get("rtol") is not None:
        text = f"numeric, rtol {step['rtol']:g}"
    else:
        text = method
    detail = step.get("detail") or text
    return (f'<span class="derivation-mark" data-method="{html.escape(method)}" '
            f'title="{html.escape(detail)}">{html.escape(text)}</span>')


def _cited(key: str, method: str = "", detail: str | None = None) -> str:
    """A *cited* mark: ``cited: key`` until the build links the key (``_ext/citations.py``)."""
    text = f"cited: {key}"
    return (f'<span class="derivation-mark" data-method="{html.escape(method)}" '
            f'data-cite="{html.escape(key)}" title="{html.escape(detail or text)}">'
            f"{html.escape(text)}</span>")


def cited_keys(record: dict) -> list[str]:
    """The ``references.bib`` keys a chain's marks cite, in the order they are drawn."""
    keys = [s.get("cite") for s in record.get("steps", []) if s.get("method") == "cited"]
    keys += [p.get("cite") for p in record.get("premises", [])
             if p.get("kind") == "claim" and p.get("status") == "cited"]
    return [k for k in keys if k]


def _premise(p: dict) -> str:
    where = f" (step {p['step']})" if p.get("step") is not None else ""
    note = ""
    if p.get("kind") == "claim" and p.get("status") == "cited":
        return (f'<span class="derivation-premise">{_math(p["latex"])}{html.escape(where)} '
                f'{_cited(p.get("cite") or "")}</span>')
    if p.get("kind") == "claim":
        note = p.get("status", "")
    elif p.get("kind") == "hypothesis" and p.get("status") == "symbolic":
        note = "checked with sympy.stats"
    extra = html.escape(where) + (f' <span class="derivation-mark">{html.escape(note)}</span>'
                                  if note else "")
    return f'<span class="derivation-premise">{_math(p["latex"])}{extra}</span>'


def chain_html(record: dict) -> str:
    """The HTML of one chain (or cited result) from its stored record."""
    title, instance = record.get("title"), record.get("instance")
    label = "Derivation" + (f": {title.replace(chr(36), chr(32)).strip()}" if title else "")
    out = [f'<div class="derivlib-derivation mathjax_process" role="group" '
           f'aria-label="{html.escape(label)}">']
    if title or instance:
        head = f"<strong>{inline(title)}</strong>" if title else ""
        if instance:
            head += f' <span class="derivation-instance">(instance: {inline(instance)})</span>'
        out.append(f'<p class="derivation-title">{head}</p>')
    steps = record.get("steps", [])
    if record.get("kind") == "cited result":
        step = steps[0]
        out.append('<div class="derivation-steps"><div class="derivation-step">'
                   f'<div class="derivation-expr" tabindex="0">{_math(step["latex"], True)}</div>'
                   f'<div class="derivation-why">{inline(step.get("why"))} {_mark(step)}</div>'
                   "</div></div></div>")
        return "".join(out)
    out.append(f'<div class="derivation-start" tabindex="0">{_math(record["start"], True)}</div>')
    out.append('<div class="derivation-steps">')
    for step in steps:
        rel = RELATIONS[step["rel"]]
        out.append('<div class="derivation-step">'
                   f'<div class="derivation-expr" tabindex="0">'
                   f'{_math(rel + " " + step["latex"], True)}</div>'
                   f'<div class="derivation-why">{inline(step.get("why"))} {_mark(step)}</div>'
                   "</div>")
    out.append("</div>")
    groups: dict[str, list[str]] = {}
    for p in record.get("premises", []):
        groups.setdefault(p.get("kind"), []).append(_premise(p))
    for kind, name in _PREMISE_NAMES.items():
        if groups.get(kind):
            # each comma inside the premise before it: a line may break after a comma, never
            # before one (a comma alone at the start of a line, or beside a tall formula,
            # where it read as a prime)
            items = [item.removesuffix("</span>") + ",</span>" for item in groups[kind][:-1]]
            out.append(f'<p class="derivation-premises"><span class="derivation-premises-name">'
                       f'{name}:</span> ' + " ".join(items + groups[kind][-1:]) + "</p>")
    out.append("</div>")
    return "".join(out)


def _record(data) -> dict | None:
    meta = data.output_metadata.get(METADATA_KEY) if data.output_metadata else None
    if not isinstance(meta, dict):
        return None
    record = meta.get("derivation")
    return record if isinstance(record, dict) and "steps" in record else None


def _patch_renderer() -> None:
    from myst_nb.core.render import NbElementRenderer

    if getattr(NbElementRenderer.render_mime_type, "_derivlib_derivation", False):
        return
    original = NbElementRenderer.render_mime_type

    def render_mime_type(self, data):
        if data.mime_type == "text/latex":
            record = _record(data)
            if record is not None:
                node = nodes.raw("", chain_html(record), format="html",
                                 classes=["derivlib-derivation-output"])
                node["derivlib_cites"] = cited_keys(record)
                return [node]
        return original(self, data)

    render_mime_type._derivlib_derivation = True
    NbElementRenderer.render_mime_type = render_mime_type


_CITED = re.compile(r'<span (?:id="[^"]*" )?class="derivation-mark" data-method="([^"]*)"'
                    r' data-cite="([^"]+)" title="([^"]*)">cited: [^<]*</span>')


def _register_citations(app, doctree) -> None:
    """Make the keys that chains cite citations of the page, as ``{cite}`` would.

    The page's reference list (``:filter: docname in docnames``) then lists them, and each
    entry links back to the mark, which gets the id of its citation reference.
    """
    from sphinxcontrib.bibtex.citation_target import CitationTarget
    from sphinxcontrib.bibtex.roles import CitationRef

    domain = app.env.get_domain("cite")
    count = 0
    for node in doctree.findall(nodes.raw):
        keys = node.get("derivlib_cites") or []
        if not keys:
            continue

        def number(m, node=node):
            nonlocal count
            count += 1
            ref_id = f"derivlib-cite-{count}"
            domain.citation_refs.append(CitationRef(
                citation_ref_id=ref_id, docname=app.env.docname, line=node.line or 0,
                targets=[CitationTarget(key=m.group(2), pre="", post="")]))
            return m.group(0).replace("<span ", f'<span id="{ref_id}" ', 1)

        node.children[:] = [nodes.Text(_CITED.sub(number, node.astext()))]


def _cite_link(app, fromdocname, node, key) -> str:
    """``cited: <a>Bishop, 2006</a>``: the key as the text cites it, linked to its entry."""
    from sphinx.addnodes import pending_xref

    domain = app.env.get_domain("cite")
    xref = pending_xref("", refdomain="cite", reftype="p", reftarget=key)
    xref.source, xref.line = node.source, node.line
    resolved = domain.resolve_xref(app.env, fromdocname, app.builder, "p", key, xref,
                                   nodes.Text(""))
    refs = list(resolved.findall(nodes.reference))
    if not refs:
        return html.escape(key)
    ref = refs[0]
    href = ref.get("refuri") or "#" + ref.get("refid", "")
    title = f' title="{html.escape(ref["reftitle"])}"' if ref.get("reftitle") else ""
    return (f'<a class="reference internal derivation-cite" href="{html.escape(href)}"{title}>'
            f"[{html.escape(ref.astext())}]</a>")


def _resolve_references(app, doctree, fromdocname) -> None:
    """Give each ``(label)`` of a reason the equation's number as shown, and a link; give
    each cited mark the reference's author-year label, linked."""
    domain = app.env.get_domain("math")
    for node in doctree.findall(nodes.raw):
        if "derivlib-derivation-output" not in node.get("classes", []):
            continue

        def cite(m, node=node):
            head = m.group(0).split(">", 1)[0] + ">"
            return f"{head}cited: {_cite_link(app, fromdocname, node, m.group(2))}</span>"

        def link(m, node=node):
            label = m.group(1)
            if label not in domain.equations:
                return f"({m.group(2)})"  # a parenthesis, not an equation label
            ref = domain.resolve_xref(app.env, fromdocname, app.builder, "eq", label,
                                      node, nodes.Text(""))
            href = ref["refuri"] if "refuri" in ref else "#" + ref["refid"]
            return (f'<a class="derivation-eqref reference internal" '
                    f'href="{html.escape(href)}">{html.escape(ref.astext())}</a>')

        text = _CITED.sub(cite, _EQREF.sub(link, node.astext()))
        node.children[:] = [nodes.Text(text)]


def setup(app):
    _patch_renderer()
    app.connect("doctree-read", _register_citations)
    app.connect("doctree-resolved", _resolve_references)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
