"""One citation style: what the text, the chains and the reference lists show agree.

A reader who clicks "[Bishop, 2006]" in the text, or the reference of a derivation step
marked *cited*, lands on an entry of the page's reference list labelled the same way
("Bishop, 2006", not "Bis06"), and no chain shows a raw ``references.bib`` key
("cited: bishop2006prml").
"""

from __future__ import annotations

import re

import pytest
from test_site import CHAPTERS

CITATIONS = """() => {
  // no-break spaces ("Van Loan") count as spaces: a reader sees no difference
  const norm = s => s.replace(/[\\[\\]]/g, '').replace(/\\s+/g, ' ').trim();
  const label = id => {
    const entry = document.getElementById(id);
    const l = entry && entry.querySelector('.label');
    return l ? norm(l.textContent) : null;
  };
  const out = {text: [], marks: [], raw: [], entries: []};
  document.querySelectorAll('span.bibtex-citation a.reference.internal').forEach(a => {
    const id = a.getAttribute('href').split('#')[1];
    out.text.push([norm(a.textContent), label(id)]);
  });
  document.querySelectorAll('.derivation-mark[data-cite]').forEach(m => {
    const a = m.querySelector('a');
    if (!a) { out.raw.push(m.textContent); return; }
    out.marks.push([norm(a.textContent),
                    label(a.getAttribute('href').split('#')[1])]);
  });
  document.querySelectorAll('.derivation-mark').forEach(m => {  // a bib key as such
    if (/^cited: [A-Za-z][\\w:.-]*$/.test(m.textContent.trim())) out.raw.push(m.textContent);
  });
  document.querySelectorAll('.citation .label').forEach(l => out.entries.push(l.textContent));
  return out;
}"""

AUTHOR_YEAR = re.compile(r"^\[[^\[\]]+, (\d{4}[a-z]?|n\.d\.)\]$")


@pytest.mark.parametrize("name", CHAPTERS)
def test_citations_read_the_same_in_text_chains_and_reference_list(plain_reader, name):
    page = plain_reader(name)
    found = page.evaluate(CITATIONS)
    assert found["text"], f"{name}: no citation in the text"
    assert found["entries"], f"{name}: no reference list"
    bad_entries = [e for e in found["entries"] if not AUTHOR_YEAR.match(e.strip())]
    assert not bad_entries, f"{name}: reference-list labels not author-year: {bad_entries[:5]}"
    mismatched = [(shown, listed) for shown, listed in found["text"] + found["marks"]
                  if shown != listed]
    assert not mismatched, (f"{name}: a citation and the entry it links to are labelled "
                            f"differently (shown, listed): {mismatched[:5]}")
    assert not found["raw"], f"{name}: chains show raw bib keys: {found['raw'][:5]}"
