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
    "check_choice",
    "check_finite_result",
    "input_eps",
    "sum_tolerance",
    "as_generator",
    "as_labels",
    "check_bool",
    "check_broadcast",
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


def _numeric_kind(x, name: str) -> None:
    """Refuse what NumPy would silently coerce into numbers: strings, complex, objects.

    ``np.asarray(["1.5", "2"], dtype=float)`` parses numeric strings and
    ``np.asarray([1 + 2j], dtype=float)`` drops the imaginary part with a mere warning; both
    would hide a caller's mistake. Real numbers and booleans (any NumPy integer, unsigned,
    float or bool dtype, or Python objects that are real numbers) are accepted.
    """
    if isinstance(x, str | bytes):
        raise TypeError(f"{name} must be array-like of numbers, got a string {_show(x)}")
    if isinstance(x, bool | np.bool_):
        # a lone boolean where a number is expected is a mistake (arrays of booleans, 0/1
        # indicators, are data and are accepted)
        raise TypeError(f"{name} must be a number or an array of numbers, got the boolean "
                        f"{bool(x)!r}")
    if isinstance(x, np.ndarray):
        kind = x.dtype.kind
    elif isinstance(x, numbers.Number):
        kind = "c" if isinstance(x, numbers.Complex) and not isinstance(x, numbers.Real) \
            else "f"
    else:
        try:
            kind = np.asarray(x).dtype.kind
        except (TypeError, ValueError):  # ragged: let the float conversion report it
            return
    if kind in "biuf":
        return
    if kind == "c":
        raise TypeError(f"{name} must be real, got complex values {_show(x)}; pass the real "
                        f"part (np.real) or the modulus (np.abs) explicitly")
    if kind in "US":
        raise TypeError(f"{name} must be array-like of numbers, got strings {_show(x)}; "
                        f"convert them explicitly (e.g. np.asarray(x, dtype=float))")
    if kind == "O":
        flat = np.asarray(x, dtype=object).ravel()
        for item in flat:
            if isinstance(item, str | bytes):
                raise TypeError(f"{name} must be array-like of numbers, got the string "
                                f"{item!r} among its entries")
            if isinstance(item, numbers.Complex) and not isinstance(item, numbers.Real):
                raise TypeError(f"{name} must be real, got the complex entry {item!r}")
            if item is None:
                raise TypeError(f"{name} must be array-like of numbers, got None among "
                                f"its entries")
        return
    raise TypeError(f"{name} must be array-like of numbers, got an array of dtype "
                    f"{np.asarray(x).dtype}")


def as_array(x, name: str, *, ndim: int | tuple[int, ...] | None = None, finite: bool = True,
             min_size: int = 1, dtype=float) -> np.ndarray:
    """Convert ``x`` to a NumPy array, checking type, dimension, size and finiteness.

    Strings (numeric ones too), complex numbers, objects that are not real numbers and a
    lone boolean are refused with a ``TypeError`` naming the argument: NumPy would otherwise
    parse, truncate or count them silently (arrays of booleans are accepted as 0/1 data).

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
    _numeric_kind(x, name)
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


def input_eps(x) -> float:
    """The machine epsilon of the precision ``x`` was given in.

    A float16 or float32 array carries only that many digits even after conversion to
    float64, so tolerances on it (a probability vector summing to one, a symmetric matrix)
    must be scaled to it. Integers, booleans and Python floats count as float64.
    """
    dt = getattr(x, "dtype", None)
    if dt is not None and np.issubdtype(dt, np.floating):
        return float(np.finfo(dt).eps)
    return float(np.finfo(np.float64).eps)


def sum_tolerance(x, n_terms: int, base: float = 1e-8) -> float:
    """Absolute tolerance for "these ``n_terms`` entries of ``x`` sum to 1".

    ``base`` for float64 input; for lower precision, the rounding of each entry to the
    input's precision, summed: ``max(base, 4 * n_terms * eps)``.
    """
    return max(base, 4.0 * max(int(n_terms), 1) * input_eps(x))


def check_choice(value, name: str, choices) -> str:
    """Check that ``value`` is one of the strings in ``choices`` (exact match)."""
    if not isinstance(value, str) or value not in choices:
        want = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {want}, got {_show(value)}")
    return value


def check_finite_result(value, what: str, why: str) -> None:
    """Raise :class:`derivlib.NumericalError` if a computed result is not finite.

    For results of valid input that float64 cannot represent (an overflow, a variance that
    grows without bound). ``what`` names the quantity, ``why`` says what to do about it.
    Used so that no public function ever returns NaN or infinity silently.
    """
    from derivlib._convergence import NumericalError  # local: avoid an import cycle

    arr = np.asarray(value)
    if arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
        bad = int(arr.size - np.count_nonzero(np.isfinite(arr)))
        raise NumericalError(f"{what} is not finite in float64 ({bad} NaN or infinite "
                             f"value(s)): {why}")


def as_generator(rng) -> np.random.Generator:
    """Return a ``numpy.random.Generator`` from a Generator, an integer seed or None."""
    if isinstance(rng, bool | np.bool_):
        raise TypeError(f"rng must be a numpy.random.Generator, an integer seed or None, got "
                        f"the boolean {bool(rng)!r}")
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


def check_probability_vector(p, name: str, *, axis: int = -1, atol: float | None = None
                             ) -> np.ndarray:
    """Check that ``p`` is non-negative and sums to 1 along ``axis``.

    The default tolerance is :func:`sum_tolerance` of the input: 1e-8 for float64, wider
    for float32 or float16 input, which cannot sum to 1 more closely than its precision.
    """
    arr = as_array(p, name)
    if np.any(arr < 0):
        raise ValueError(f"{name} must be non-negative, got minimum {arr.min():.3g}")
    if atol is None:
        atol = sum_tolerance(p, arr.shape[axis] if arr.ndim else 1)
    sums = arr.sum(axis=axis)
    if not np.allclose(sums, 1.0, atol=atol, rtol=0):
        raise ValueError(f"{name} must sum to 1 along axis {axis} (got sums {_show(sums)}, "
                         f"tolerance {atol:.2g})")
    return arr


def check_broadcast(arrays: dict) -> tuple[int, ...]:
    """Check that the named arrays broadcast together; return the common shape.

    ``arrays`` maps argument names to arrays. NumPy's own error ("operands could not be
    broadcast together") names no argument; this one names them with their shapes.
    """
    try:
        return np.broadcast_shapes(*(np.shape(a) for a in arrays.values()))
    except ValueError:
        shapes = ", ".join(f"{k} {np.shape(v)}" for k, v in arrays.items())
        raise ValueError(f"{', '.join(arrays)} must broadcast to a common shape, got the "
                         f"shapes {shapes}") from None


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
    if arr.dtype.kind == "c":
        raise TypeError(f"{name} must hold real labels (numbers or strings), got complex "
                        f"values {_show(arr)}")
    if arr.dtype.kind in "USO" and not isinstance(y, np.ndarray):
        # NumPy turns [1, 2, "1"] into strings: 1 and "1" would silently become one class
        kinds = {type(v) for v in np.asarray(y, dtype=object).ravel()}
        text = [issubclass(k, str | bytes) for k in kinds]
        if any(text) and not all(text):
            raise TypeError(f"{name} must hold labels of one kind (all numbers or all "
                            f"strings), got a mixture of {sorted(k.__name__ for k in kinds)}")
    if arr.dtype.kind == "O":  # NaN sorts anywhere among objects: refuse it as for numbers
        for item in arr.ravel():
            if isinstance(item, numbers.Real) and not np.isfinite(item):
                raise ValueError(f"{name} must not contain NaN or infinite labels, got "
                                 f"{item!r}")
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
