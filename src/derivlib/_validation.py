"""Input validation shared by every derivlib module (private).

Every public function of derivlib validates its arguments with these helpers, so
bad input raises a ``ValueError`` (or ``TypeError``) that names the argument, says
what was expected and shows what it got. Nothing here uses ``assert``.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "as_array",
    "as_generator",
    "as_labels",
    "check_bool",
    "check_positive",
    "check_probability_vector",
    "check_same_length",
    "check_symmetric",
]


def _show(value, limit: int = 60) -> str:
    """A short text of ``value`` for an error message, at most ``limit`` characters.

    Scalars are shown by ``repr``, array-likes by ``numpy.array2string`` (at most 6
    entries); what NumPy cannot turn into an array (ragged nested lists, for example) by
    an abbreviated ``repr``; an object whose ``repr`` fails by its type name. It never
    raises: it runs while an error message is being formed, and an exception here would
    replace the message that names the argument.
    """
    import reprlib  # local: only error messages need it

    try:
        if np.isscalar(value):
            text = repr(value)
        else:
            try:
                text = np.array2string(np.asarray(value), threshold=6)
            except Exception:  # ragged nested sequences, objects NumPy cannot hold
                short = reprlib.Repr()
                short.maxlevel, short.maxlist, short.maxtuple = 3, 6, 6
                text = short.repr(value)
        text = str(text)
    except Exception:  # e.g. a __repr__ that raises: the message must still be formed
        text = f"<{type(value).__name__} object>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def as_array(x, name: str, *, ndim: int | tuple[int, ...] | None = None, finite: bool = True,
             min_size: int = 1, dtype=float) -> np.ndarray:
    """Convert ``x`` to a NumPy array, checking dimension, size and finiteness.

    Parameters
    ----------
    x : array_like
        The argument.
    name : str
        The argument's name, used in error messages.
    ndim : int or tuple of int, optional
        Allowed numbers of dimensions.
    finite : bool, default True
        Reject NaN and infinity.
    min_size : int, default 1
        Minimum number of elements (1 rejects empty input).
    dtype : dtype, default float
        Target dtype.
    """
    if isinstance(x, str | bytes):
        raise TypeError(f"{name} must be array-like of numbers, got a string {x!r}")
    try:
        arr = np.asarray(x, dtype=dtype)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be array-like of numbers, got {_show(x)} ({err})") from None
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            raise ValueError(f"{name} must be {want}, got an array of shape {arr.shape}")
    if arr.size < min_size:
        raise ValueError(f"{name} must have at least {min_size} element(s), got shape {arr.shape}")
    if finite and np.issubdtype(arr.dtype, np.number) and not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name} must be finite, got {bad} NaN or infinite value(s)")
    return arr


def as_generator(rng) -> np.random.Generator:
    """Return a ``numpy.random.Generator`` from a Generator, an integer seed or None."""
    if rng is None or isinstance(rng, numbers.Integral | np.random.SeedSequence):
        if isinstance(rng, numbers.Integral) and rng < 0:
            raise ValueError(f"rng seed must be non-negative, got {rng}")
        return np.random.default_rng(rng)
    if isinstance(rng, np.random.Generator):
        return rng
    raise TypeError(
        f"rng must be a numpy.random.Generator, an integer seed or None, got {type(rng).__name__}"
    )


def check_positive(value, name: str, *, strict: bool = True, integer: bool = False):
    """Check that a scalar is (strictly) positive, and an integer if asked."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        kind = "an integer" if integer else "a real number"
        raise TypeError(f"{name} must be {kind}, got {value!r}")
    if integer and not isinstance(value, numbers.Integral):
        if float(value).is_integer():
            value = int(value)
        else:
            raise TypeError(f"{name} must be an integer, got {value!r}")
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if strict and value <= 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    if not strict and value < 0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    return value


def check_probability_vector(p, name: str, *, axis: int = -1, atol: float = 1e-8) -> np.ndarray:
    """Check that ``p`` is non-negative and sums to 1 along ``axis``."""
    arr = as_array(p, name)
    if np.any(arr < 0):
        raise ValueError(f"{name} must be non-negative, got minimum {arr.min():.3g}")
    sums = arr.sum(axis=axis)
    if not np.allclose(sums, 1.0, atol=atol, rtol=0):
        raise ValueError(f"{name} must sum to 1 along axis {axis} (got sums {_show(sums)})")
    return arr


def check_same_length(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    """Check that two arrays have the same first dimension."""
    if len(a) != len(b):
        raise ValueError(
            f"{name_a} and {name_b} must have the same length, got {len(a)} and {len(b)}"
        )


def check_bool(value, name: str) -> bool:
    """Check that ``value`` is True or False (a NumPy bool too), not merely truthy."""
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def as_labels(y, name: str = "y") -> tuple[np.ndarray, np.ndarray]:
    """Class labels of any type ``np.unique`` can sort: return ``(classes, codes)``.

    Numeric and boolean labels are converted to float by :func:`as_array` (so they must be
    finite and ``classes`` is a float array); other labels (strings, objects) are kept as
    they are. ``classes`` is ``np.unique(y)`` and ``codes[i]`` the index of ``y[i]`` in it.
    """
    if isinstance(y, str | bytes):
        raise TypeError(f"{name} must be a 1-D array of labels, got a string {y!r}")
    try:
        arr = np.asarray(y)
    except ValueError as err:  # ragged nested sequences
        raise ValueError(f"{name} must be a 1-D array of labels ({err})") from None
    if arr.dtype.kind in "biuf":
        arr = as_array(arr, name, ndim=1)
    else:
        if arr.ndim != 1:
            raise ValueError(f"{name} must be 1-D, got an array of shape {arr.shape}")
        if arr.size < 1:
            raise ValueError(f"{name} must have at least 1 element(s), got shape {arr.shape}")
    try:
        classes, codes = np.unique(arr, return_inverse=True)
    except TypeError as err:
        raise TypeError(f"{name} must hold labels that can be sorted (numbers or strings), "
                        f"got {_show(arr)} ({err})") from None
    return classes, codes.reshape(-1)


def check_symmetric(A: np.ndarray, name: str, *, rtol: float = 1e-10, kind: str = "matrix",
                    block: int = 256) -> None:
    """Check that a square matrix equals its transpose: ``max|A - A^T| <= rtol * max|A|``.

    Tiles ``A[I, J]`` of the upper triangle are compared with ``A[J, I]^T``, so every entry is
    read once and no second ``(n, n)`` array is formed (``max|A|`` is taken over the upper
    tiles, which only makes the check stricter).
    """
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise ValueError(f"{name} must be a square {kind}, got shape {A.shape}")
    n = A.shape[0]
    asym = scale = 0.0
    for i in range(0, n, block):
        for j in range(i, n, block):
            upper = A[i:i + block, j:j + block]
            diff = upper - A[j:j + block, i:i + block].T
            asym = max(asym, float(diff.max()), -float(diff.min()))
            scale = max(scale, float(upper.max()), -float(upper.min()))
    if asym > rtol * scale:
        raise ValueError(f"{name} must be a symmetric {kind} (to a relative {rtol:g}), got "
                         f"max |{name} - {name}^T| = {asym:.3g} with max |{name}| = {scale:.3g}")
