"""The derivations an executed notebook displays, read back from its stored outputs.

Every chain (:class:`derivlib.derivation.Derivation`) and cited result that a notebook
displays stores a structured record of its steps, marks and premises in the output's metadata
(key ``derivlib``). These functions read the records back from a saved ``.ipynb``, so that the
audit page and the book's structural tests count exactly what the executed chapters show.
"""

from __future__ import annotations

import json
from pathlib import Path

from derivlib.derivation import METADATA_KEY, Audit

__all__ = ["notebook_audit", "notebook_records"]


def notebook_records(path) -> list[dict]:
    """The structured records of the derivations a notebook displays, in order.

    Parameters
    ----------
    path : str or Path
        An ``.ipynb`` file, executed and saved with its outputs.

    Returns
    -------
    list of dict
        One :meth:`derivlib.derivation.Derivation.record` per displayed chain or cited result.
    """
    path = Path(path)
    if path.suffix != ".ipynb" or not path.is_file():
        raise ValueError(f"path must be an existing .ipynb file, got {str(path)!r}")
    nb = json.loads(path.read_text(encoding="utf-8"))
    found = []
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []):
            rec = out.get("metadata", {}).get(METADATA_KEY, {}).get("derivation")
            if rec is not None:
                found.append(rec)
    return found


def notebook_audit(path) -> list[tuple[str, Audit]]:
    """(title, Audit) for each derivation a notebook displays, from the stored records."""
    return [(rec.get("title") or "(untitled)", Audit(**rec["audit"]))
            for rec in notebook_records(path)]
