"""What a reader sees at laptop, tablet and phone width: whole derivations, nothing wider.

Every chapter is opened at 1366x900, 900x1200 and 390x844 (light and dark). For every step of
every derivation chain, the expression's box, the reason and the mark must lie within the
text column: a reader sees the whole step without scrolling the page sideways. An expression
wider than the column may scroll inside its own box, which must then show the scroll cue
(the shadow at the hidden edge, a CSS background), and only when it is wider than the
column: a chain whose expressions do not fit beside their reasons puts each reason under its
expression, so that the expression has the whole column. And no page of the site may be wider than
the screen: at 390 px, the document is at most 390 px wide.
"""

from __future__ import annotations

import pytest
from test_site import CHAPTERS, PAGES, SIZES

STEPS_OUT_OF_VIEW = """() => {
  const col = (document.querySelector('article.bd-article') || document.querySelector('main'))
    .getBoundingClientRect();
  const out = [];
  let steps = 0;
  const outside = b => b.width > 0 && (b.left < col.left - 1 || b.right > col.right + 1);
  document.querySelectorAll('.derivlib-derivation').forEach((chain, c) => {
    chain.querySelectorAll('.derivation-start, .derivation-expr, .derivation-why, .derivation-mark')
      .forEach(e => {
        if (e.classList.contains('derivation-expr')) steps += 1;
        const b = e.getBoundingClientRect();
        if (outside(b)) {
          out.push(`chain ${c + 1}: ${e.className} at `
                   + `${Math.round(b.left)}..${Math.round(b.right)} outside the column `
                   + `${Math.round(col.left)}..${Math.round(col.right)}: `
                   + e.textContent.slice(0, 50));
        }
        const room = chain.querySelector('.derivation-steps').clientWidth;
        if ((e.classList.contains('derivation-expr') || e.classList.contains('derivation-start'))
            && e.scrollWidth > e.clientWidth + 1 && e.scrollWidth < room - 40) {
          out.push(`chain ${c + 1}: an expression that fits the column (${e.scrollWidth} of `
                   + `${room} px) is cut to ${e.clientWidth} px: ` + e.textContent.slice(0, 50));
        }
        if ((e.classList.contains('derivation-expr') || e.classList.contains('derivation-start'))
            && e.scrollWidth > e.clientWidth + 1) {
          const s = getComputedStyle(e);
          if (!['auto', 'scroll'].includes(s.overflowX)
              || !s.backgroundImage.includes('radial-gradient')) {
            out.push(`chain ${c + 1}: a wide expression is cut without a scroll cue: `
                     + e.textContent.slice(0, 50));
          }
        }
      });
  });
  return {steps, out};
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("name", CHAPTERS)
def test_every_step_of_every_chain_is_in_the_text_column(reader, name, size, scheme):
    page = reader(name, size, scheme)
    result = page.evaluate(STEPS_OUT_OF_VIEW)
    assert result["steps"] > 0, f"{name}: no derivation step found"
    assert result["out"] == [], f"{name} at {size} ({scheme}): {len(result['out'])} problem(s): " \
                                f"{result['out'][:5]}"


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", PAGES)
def test_no_page_is_wider_than_a_phone(reader, name, scheme):
    page = reader(name, "phone", scheme)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    widest = page.evaluate("""() => Array.from(document.querySelectorAll('main *'))
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
        .filter(e => !e.closest('[style*=overflow], .derivation-expr, .derivation-start,'
                                + ' div.math, .highlight, pre, .output, .table-wrapper,'
                                + ' .pst-scrollable-table-container'))
        .slice(0, 3)
        .map(e => e.tagName + '.' + e.className + ': ' + (e.textContent || '').slice(0, 40))""")
    assert width <= 390, (f"{name} ({scheme}): the page is {width} px wide at 390 px; "
                          f"widest: {widest}")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_chains_fit_in_both_colour_schemes(reader, scheme):
    name = CHAPTERS[0]
    page = reader(name, "phone", scheme)
    result = page.evaluate(STEPS_OUT_OF_VIEW)
    assert result["out"] == [], result["out"][:5]
    # the reason is readable: its colour differs from the background it sits on
    colours = page.evaluate("""() => { const e = document.querySelector('.derivation-why');
        return [getComputedStyle(e).color, getComputedStyle(document.body).backgroundColor]; }""")
    assert colours[0] != colours[1], colours


def test_a_key_cited_many_times_keeps_its_back_links_in_a_phones_column(plain_reader):
    """A reference's back-links "(1,2,3,...)", one per citation, have no space between them:
    without ``span.backrefs > a {display: inline-block}`` the line cannot wrap. No page cites
    a key often enough to overflow a phone today (the Gaussian chapter's most cited key has
    16), so the most cited key is given 60 back-links, as a longer chapter would."""
    page = plain_reader("chapters/foundations/gaussian", "phone")
    overflow = page.evaluate("""() => {
        const spans = Array.from(document.querySelectorAll('span.backrefs'));
        const span = spans.reduce((a, b) => b.querySelectorAll('a').length >
                                             a.querySelectorAll('a').length ? b : a);
        const first = span.querySelector('a');
        for (let k = span.querySelectorAll('a').length + 1; k <= 60; k++) {
            const link = first.cloneNode(true);
            link.textContent = String(k);
            span.insertBefore(document.createTextNode(','), span.lastChild);
            span.insertBefore(link, span.lastChild);
        }
        const column = span.closest('main').getBoundingClientRect();
        return {links: span.querySelectorAll('a').length,
                right: Math.max(...Array.from(span.querySelectorAll('a'))
                                .map(a => a.getBoundingClientRect().right)),
                column: column.right, page: document.documentElement.scrollWidth};
    }""")
    assert overflow["links"] == 60
    assert overflow["right"] <= overflow["column"] + 1, overflow
    assert overflow["page"] <= 390, overflow


@pytest.mark.parametrize("name", CHAPTERS)
def test_a_numbered_formula_on_a_phone_has_the_column_and_its_number_below(reader, name):
    """At 390 px the number of a display formula sat beside the formula's box, which scrolls:
    beside a cut formula it read as part of it ("ex (1.1)" for exp(...)), and 133 of the
    chapters' display formulas were cut. On a phone the formula has the whole column and the
    number goes under it; a box that scrolls shows the shadow that says the formula goes on."""
    page = reader(name, "phone")
    found = page.evaluate("""() => Array.from(document.querySelectorAll('main div.math'))
        .filter(d => d.querySelector(':scope > span.eqno') && d.querySelector('mjx-container'))
        .map(d => {
            const n = d.querySelector(':scope > span.eqno').getBoundingClientRect();
            const box = d.querySelector('mjx-container');
            const m = box.getBoundingClientRect(), c = d.getBoundingClientRect();
            return {id: d.id, under: n.top >= m.bottom - 1, whole: m.width >= c.width - 1,
                    scrolls: box.scrollWidth > box.clientWidth + 1,
                    cue: getComputedStyle(box).backgroundImage.includes('gradient')};
        })""")
    assert found, f"{name}: no numbered display formula found"
    beside = [f["id"] for f in found if not (f["under"] and f["whole"])]
    assert not beside, f"{name}: at 390 px the number is beside the formula: {beside[:5]}"
    no_cue = [f["id"] for f in found if f["scrolls"] and not f["cue"]]
    assert not no_cue, f"{name}: formulas cut without the scroll shadow: {no_cue[:5]}"
