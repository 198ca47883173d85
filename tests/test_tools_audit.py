"""Tests of tools.audit: the derivation records read back from an executed notebook."""

from __future__ import annotations

import json

import pytest
import sympy as sp

from derivlib import derivation as dv
from tools import audit

a, b = sp.symbols("a b", real=True)


def test_notebook_audit_reads_stored_records(tmp_path):
    d1 = dv.Derivation(a + a, title="first").step(2 * a, "collect")
    d2 = dv.Derivation(a).step(b, "a result", check="cite", cite="bishop2006prml")
    d3 = dv.cite("Strong duality", r"d^* = p^*", "boyd2004convex")
    cells = []
    for k, d in enumerate([d1, d2, d3]):
        data, metadata = d._repr_mimebundle_()
        cells.append({"cell_type": "code", "source": "", "metadata": {}, "execution_count": k + 1,
                      "outputs": [{"output_type": "execute_result", "execution_count": k + 1,
                                   "metadata": metadata, "data": data}]})
    nb = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "chapter.ipynb"
    path.write_text(json.dumps(nb))
    found = audit.notebook_audit(path)
    assert found == [("first", dv.Audit(1, 0, 0, 0, 1)), ("(untitled)", dv.Audit(0, 0, 0, 1, 1)),
                     ("Strong duality", dv.Audit(0, 0, 0, 1, 1))]
    records = audit.notebook_records(path)
    assert records[1]["steps"][0]["cite"] == "bishop2006prml"
    assert records[2]["steps"][0]["cite"] == "boyd2004convex"
    assert json.loads(json.dumps(records)) == records  # plain JSON


def test_notebook_records_needs_an_existing_notebook(tmp_path):
    with pytest.raises(ValueError, match=".ipynb"):
        audit.notebook_audit("missing.txt")
    with pytest.raises(ValueError, match=".ipynb"):
        audit.notebook_records(tmp_path / "absent.ipynb")
