"""Tests of ``derivlib._validation._show``, the short text of a value in error messages.

``_show`` runs while an error message is being formed, so it must never raise: an exception
there would replace the message that names the argument (ragged lists, which NumPy cannot
turn into an array, used to let a raw NumPy ``ValueError`` escape). Its output for scalars
and arrays is that of ``repr`` and ``numpy.array2string`` (checked literally: the chapters
print some of these messages).
"""

from __future__ import annotations

import numpy as np
import pytest

from derivlib._validation import _show, as_array


class _BadRepr:
    def __repr__(self):
        raise RuntimeError("no repr")


class _BadArray:
    """NumPy cannot convert it (``__array__`` raises) and its repr fails too."""

    def __array__(self, dtype=None, copy=None):
        raise RuntimeError("no array")

    def __repr__(self):
        raise RuntimeError("no repr")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (3, "3"),
        (-1.5, "-1.5"),
        (np.float64(0.25), repr(np.float64(0.25))),
        ("abc", "'abc'"),
        ([1.0, 2.0], "[1. 2.]"),
        (np.arange(3.0), "[0. 1. 2.]"),
        (np.arange(100.0), "[ 0.  1.  2. ... 97. 98. 99.]"),  # summarised beyond 6 entries
        (np.eye(2), "[[1. 0.]\n [0. 1.]]"),
        ([[0.0], [1.0, 2.0]], "[[0.0], [1.0, 2.0]]"),  # ragged: an abbreviated repr
    ],
)
def test_show_scalars_arrays_and_ragged_lists(value, text):
    assert _show(value) == text


def test_show_abbreviates_long_ragged_input():
    ragged = [list(range(n)) for n in range(1, 30)]
    text = _show(ragged)
    assert text.startswith("[[0], [0, 1], [0, 1, 2]") and text.endswith("...")
    assert len(text) == 60
    deep = [[[[[1.0]]]], [2.0, 3.0]]  # nesting beyond the repr's depth
    assert _show(deep).startswith("[[[[...]]], [2.0, 3.0]]")


@pytest.mark.parametrize("limit", [10, 25, 60, 200])
def test_show_respects_the_limit(limit):
    for value in (np.arange(1000.0), [[1.0] * 50, [2.0]], "x" * 500, 10**300):
        text = _show(value, limit=limit)
        assert len(text) <= limit
        if len(text) == limit and limit < 60:
            assert text.endswith("...")


@pytest.mark.parametrize("value", [_BadRepr(), [[_BadRepr()], [1.0, 2.0]], _BadArray(),
                                   [1.0, [2.0, [3.0, None]]], {"a": 1}, None, object()])
def test_show_never_raises(value):
    text = _show(value)
    assert isinstance(text, str) and 0 < len(text) <= 60


@pytest.mark.parametrize("value", [_BadArray(), _BadRepr()])
def test_show_names_the_type_when_nothing_else_works(value):
    assert _show(value).startswith(f"<{type(value).__name__} ")


def test_ragged_input_gives_the_message_that_names_the_argument():
    # the message as_array builds with _show, instead of NumPy's own error
    with pytest.raises(TypeError, match=r"^x must be array-like of numbers, got "
                                        r"\[\[0\.0\], \[1\.0, 2\.0\]\] \(setting an array "
                                        r"element with a sequence"):
        as_array([[0.0], [1.0, 2.0]], "x")
