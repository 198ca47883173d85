r"""Linear dynamical systems: Kalman filter, Rauch-Tung-Striebel smoother and EM.

The code of the chapter ``chapters/sequences/kalman.ipynb``. The model is the
linear-Gaussian state-space model of Bishop (PRML, sec. 13.3), eq. ``kf-model``:

.. math::

    \mathbf{z}_1 \sim \mathcal{N}(\boldsymbol{\mu}_0, \mathbf{V}_0), \quad
    \mathbf{z}_n = \mathbf{A}\mathbf{z}_{n-1} + \mathbf{w}_n, \quad
    \mathbf{x}_n = \mathbf{C}\mathbf{z}_n + \mathbf{v}_n, \quad
    \mathbf{w}_n \sim \mathcal{N}(\mathbf{0}, \mathbf{Q}), \quad
    \mathbf{v}_n \sim \mathcal{N}(\mathbf{0}, \mathbf{R}).

Bishop writes :math:`\boldsymbol{\Gamma}` for ``Q`` and :math:`\boldsymbol{\Sigma}` for
``R``; the book (and filterpy, pykalman) use ``Q`` and ``R``. ``mu0, V0`` is the prior of
the *first* state :math:`\mathbf{z}_1`, before the first observation (pykalman's
``initial_state_mean`` and ``initial_state_covariance`` mean the same).

Symbols
-------
=========  ===============================================================  ===========
symbol     meaning                                                          shape
=========  ===============================================================  ===========
``A``      transition matrix                                                ``(d, d)``
``C``      observation (emission) matrix                                    ``(p, d)``
``Q``      transition noise covariance (Bishop's Gamma)                     ``(d, d)``
``R``      observation noise covariance (Bishop's Sigma)                    ``(p, p)``
``mu0``    mean of the first state z_1                                      ``(d,)``
``V0``     covariance of the first state z_1                                ``(d, d)``
``x``      observations x_1..x_N, one row per time step                     ``(N, p)``
``mu, V``  filtered mean and covariance of z_n given x_1..x_n               ``(N, d)``,
                                                                            ``(N, d, d)``
``P``      predicted covariance of z_n given x_1..x_{n-1} (Bishop P_{n-1})  ``(N, d, d)``
``K``      Kalman gain K_n = P C^T S^{-1}, S = C P C^T + R                  ``(N, d, p)``
``J``      smoother gain J_n = V_n A^T P_n^{-1}                             ``(N-1, d, d)``
=========  ===============================================================  ===========

Code indices start at 0: ``mu[t]`` is :math:`\boldsymbol{\mu}_{t+1}` on the page.

Two implementations
-------------------
:func:`textbook_filter` and :func:`textbook_smoother` are the chapter's functions: a Python
loop over the time steps whose lines are the equations of the chapter (the labels are in the
comments), with ``numpy.linalg.solve`` for every product with an inverse. :func:`kalman_filter`
and :func:`smooth` compute the same numbers faster, as described below; with
``steady_state=False`` they agree with the textbook functions to rounding, and with
``steady_state=True`` to the tolerance of the steady-state test (both tested to a relative
``1e-10``, in ``tests/sequences/test_kalman.py``).

Numerics (the fast path)
------------------------
No inverse is formed, and the work is split in three passes, because the covariance
recursion does not depend on the data:

1. *Covariances and gains* (one Python loop, every product written into arrays allocated
   before it): :math:`\mathbf{P}_n`, :math:`\mathbf{S}_n`, its Cholesky factor (LAPACK
   ``potrf``, in place, kept for the likelihood), the gain :math:`\mathbf{K}_n` by one
   Cholesky solve (``potrs``, in place) and :math:`\mathbf{V}_n` in the Joseph form (eq.
   ``kf-joseph``), which stays symmetric positive semi-definite under rounding. The
   covariances are symmetrised exactly: for ``d > 8`` at every step, for smaller ``d``
   once after the loop, for all steps (two more calls per step would cost more). The
   smoother gains use the Cholesky factor of :math:`\mathbf{P}_n`: inside the loop when
   ``d > 8``, and for smaller ``d``, where the per-call overhead of LAPACK would dominate,
   after the loop, by one batched factorisation (``numpy.linalg.cholesky``) and forward and
   back substitution vectorised over all time steps.
2. *Means*: for ``d <= 8`` the affine recursion :math:`(\boldsymbol{\mu}_n, 1) =
   \begin{pmatrix}\mathbf{F}_n & \mathbf{g}_n\\ \mathbf{0} & 1\end{pmatrix}
   (\boldsymbol{\mu}_{n-1}, 1)` with :math:`\mathbf{F}_n = (\mathbf{I} -
   \mathbf{K}_n\mathbf{C})\mathbf{A}` and :math:`\mathbf{g}_n = \mathbf{K}_n\mathbf{x}_n
   + (\mathbf{I} - \mathbf{K}_n\mathbf{C})\mathbf{B}\mathbf{u}_n`, whose matrices are
   formed for all steps at once: one matrix-vector product per step; for larger ``d`` the
   predict/update lines of eq. ``kf-update-mean``. The smoother's means are the same kind
   of affine recursion backwards, :math:`\hat{\boldsymbol{\mu}}_n = \mathbf{J}_n
   \hat{\boldsymbol{\mu}}_{n+1} + (\boldsymbol{\mu}_n - \mathbf{J}_n
   \mathbf{A}\boldsymbol{\mu}_n)`.
3. *Likelihood*, batched: :math:`\mathbf{r}_n^\top\mathbf{S}_n^{-1}\mathbf{r}_n =
   |\mathbf{L}_n^{-1}\mathbf{r}_n|^2` by forward substitution vectorised over the time
   steps, :math:`\log\det\mathbf{S}_n` from the diagonals of the factors.

(Why ``potrs`` and not BLAS ``trsm``: with one BLAS thread, two triangular solves from
the right take about 3 us each for a 32 x 32 factor and 32 right-hand sides, against
10 us for ``potrs`` (CPU times on this OpenBLAS), which would take the full recursion at
d = 32 from about 0.84 to about 0.74 times filterpy's time. But OpenBLAS runs ``trsm``
multi-threaded from about 32 x 32 on, and on a machine whose cores are busy a
multi-threaded call of that size waits milliseconds: with the default threads on the
loaded 2-core benchmark machine, ``smooth`` at d = p = 32, N = 10^4 took 31 s with
``trsm`` against 7.6 s with ``potrs``. With d = 32 the loop makes about twenty
BLAS/LAPACK calls per step, each of 2-10 us: that, not the arithmetic, is its cost.)

For a time-invariant model the covariance recursion does not depend on the data and
converges to a fixed point (the discrete algebraic Riccati equation). With
``steady_state=True`` (the default) the filter stops updating the covariances once the
change that is left is below a relative ``1e-14`` (``_SteadyTest``): either the filtered
covariance repeats exactly (a fixed point in floating point: every later step would repeat
it too), or the change per step is small and the drift it still implies,
:math:`\sum_{k \ge 1} \mathbf{F}^k \Delta (\mathbf{F}^\top)^k` for the last change
:math:`\Delta` and the closed-loop matrix :math:`\mathbf{F} = (\mathbf{I} -
\mathbf{K}\mathbf{C})\mathbf{A}` (the linearised recursion, a geometric series summed by
doubling), is below ``1e-14`` relative. Relative means entry by entry, to
:math:`\sqrt{V_{ii} V_{jj}}`: a coordinate of small variance next to one of large variance
is frozen only when its own covariance has converged. A slowly converging model
(contraction factor close to 1) is therefore frozen late, or not at all. The smoother does
the same for its backward covariance recursion (contraction by :math:`\mathbf{J}`); the
means are then propagated with the frozen gains. The results agree with the full recursion
to rounding error (tested); ``steady_state=False`` runs the full recursion at every step.
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np
from scipy.linalg import cho_factor, cho_solve, lapack, solve_triangular

from derivlib._convergence import ConvergenceWarning, NumericalError, report
from derivlib._validation import (
    as_array,
    as_generator,
    check_bool,
    check_finite_result,
    check_positive,
    input_eps,
)

__all__ = [
    "EMResult",
    "EMStep",
    "FilterResult",
    "Innovations",
    "LinearGaussianSSM",
    "Sample",
    "SmootherResult",
    "check_ssm",
    "constant_velocity",
    "em",
    "em_step",
    "innovations",
    "kalman_filter",
    "loglikelihood",
    "m_step",
    "nees",
    "nis",
    "sample",
    "smooth",
    "textbook_filter",
    "textbook_smoother",
]

FIT_ALL = ("A", "C", "Q", "R", "mu0", "V0")
_STEADY_RTOL = 1e-14  # covariances whose remaining drift is below this (relative) are frozen
_SYM_RTOL = 1e-8  # tolerance of the symmetry and semi-definiteness checks of the input
_LOG_2PI = float(np.log(2.0 * np.pi))


# --------------------------------------------------------------------------- results
class LinearGaussianSSM(NamedTuple):
    """Parameters of the linear-Gaussian state-space model (eq. ``kf-model``)."""

    A: np.ndarray  #: transition matrix ``(d, d)``
    C: np.ndarray  #: observation matrix ``(p, d)``
    Q: np.ndarray  #: transition noise covariance ``(d, d)``
    R: np.ndarray  #: observation noise covariance ``(p, p)``
    mu0: np.ndarray  #: mean of z_1 ``(d,)``
    V0: np.ndarray  #: covariance of z_1 ``(d, d)``


class Sample(NamedTuple):
    """A draw from the model: states ``z`` ``(N, d)`` and observations ``x`` ``(N, p)``."""

    z: np.ndarray
    x: np.ndarray


class FilterResult(NamedTuple):
    """Output of :func:`kalman_filter` (row ``t`` is time step ``n = t + 1``)."""

    mean: np.ndarray  #: filtered means mu_n ``(N, d)``
    cov: np.ndarray  #: filtered covariances V_n ``(N, d, d)``
    predicted_mean: np.ndarray  #: means of z_n given x_1..x_{n-1} ``(N, d)``
    predicted_cov: np.ndarray  #: covariances of z_n given x_1..x_{n-1} ``(N, d, d)``
    gain: np.ndarray  #: Kalman gains K_n ``(N, d, p)``
    loglik: float  #: log p(x_1..x_N)


class SmootherResult(NamedTuple):
    """Output of :func:`smooth`."""

    mean: np.ndarray  #: smoothed means of z_n given x_1..x_N ``(N, d)``
    cov: np.ndarray  #: smoothed covariances ``(N, d, d)``
    lag_one_cov: np.ndarray  #: ``[t]`` = cov(z_{t+2}, z_{t+1} | x) on the page ``(N-1, d, d)``
    gain: np.ndarray  #: smoother gains J_n ``(N-1, d, d)``
    filtered: FilterResult  #: the forward pass
    loglik: float  #: log p(x_1..x_N)


class EMStep(NamedTuple):
    """One EM iteration: the new parameters and the log-likelihood of the old ones."""

    ssm: LinearGaussianSSM
    loglik: float


class EMResult(NamedTuple):
    """Output of :func:`em`: fitted parameters and the log-likelihood history.

    ``loglik[k]`` is the log-likelihood of the parameters after ``k`` iterations
    (``loglik[0]``: the initial parameters); EM never decreases it. ``converged`` is
    ``None`` when no ``tol`` was given (``max_iter`` iterations were run, nothing was tested),
    otherwise whether the last relative change of the log-likelihood was at most ``tol``
    (EM has no optimality certificate; see :func:`em`).
    """

    ssm: LinearGaussianSSM
    loglik: np.ndarray
    n_iter: int
    converged: bool | None = None


# --------------------------------------------------------------------------- validation
def _check_square(M: np.ndarray, name: str, size: int, what: str) -> None:
    if M.shape != (size, size):
        raise ValueError(f"{name} must have shape ({size}, {size}) ({what}), got {M.shape}")


def _check_covariance(M: np.ndarray, name: str, *, definite: bool, eps: float) -> np.ndarray:
    """Symmetric (positive semi-)definite to a tolerance relative to ``max |M|``, widened
    to ``4 d eps`` for input given in a lower precision ``eps`` (float32: a covariance
    computed in float32 is symmetric only to its precision)."""
    rtol = max(_SYM_RTOL, 4.0 * M.shape[0] * eps)
    scale = float(np.max(np.abs(M)))
    asym = float(np.max(np.abs(M - M.T)))
    if asym > rtol * scale:
        raise ValueError(
            f"{name} must be a symmetric covariance matrix (to a relative {rtol:.2g}), got "
            f"max |{name} - {name}^T| = {asym:.3g} with max |{name}| = {scale:.3g}"
        )
    M = 0.5 * (M + M.T)
    low = float(np.linalg.eigvalsh(M)[0])
    if definite and low <= 0:
        raise ValueError(
            f"{name} must be symmetric positive definite, got smallest eigenvalue {low:.3g}"
        )
    if low < -rtol * scale:
        raise ValueError(
            f"{name} must be symmetric positive semi-definite, got smallest eigenvalue {low:.3g}"
        )
    return M


def check_ssm(ssm) -> LinearGaussianSSM:
    """Validate model parameters and return them as float arrays.

    Parameters
    ----------
    ssm : LinearGaussianSSM or tuple ``(A, C, Q, R, mu0, V0)``
        ``Q`` and ``V0`` must be symmetric positive semi-definite, ``R`` symmetric positive
        definite (the likelihood needs it); shapes must agree with ``A`` ``(d, d)`` and
        ``C`` ``(p, d)``.

    Returns
    -------
    LinearGaussianSSM
        New float64 arrays (never the caller's own: changing them cannot change the input);
        ``Q``, ``R``, ``V0`` exactly symmetric.

    Raises
    ------
    TypeError
        Naming the argument: not a 6-tuple, strings, complex or other non-numeric entries.
    ValueError
        Naming the argument: wrong shape, non-finite entries, a covariance that is not
        symmetric positive (semi-)definite (to a relative ``1e-8``, or ``4 d eps`` for
        input in a lower precision such as float32).
    """
    if not isinstance(ssm, tuple) or len(ssm) != 6:
        raise TypeError(
            "ssm must be a LinearGaussianSSM(A, C, Q, R, mu0, V0), got "
            f"{type(ssm).__name__}"
        )
    A, C, Q, R, mu0, V0 = ssm
    eps = {"Q": input_eps(Q), "R": input_eps(R), "V0": input_eps(V0)}
    A = as_array(A, "A", ndim=2).copy()  # copies: results never alias the caller's arrays
    d = A.shape[0]
    _check_square(A, "A", d, "the transition matrix is square")
    C = as_array(C, "C", ndim=2).copy()
    if C.shape[1] != d:
        raise ValueError(f"C must have d = {d} columns (A is {d} x {d}), got shape {C.shape}")
    p = C.shape[0]
    Q = as_array(Q, "Q", ndim=2)
    _check_square(Q, "Q", d, "state dimension d")
    R = as_array(R, "R", ndim=2)
    _check_square(R, "R", p, "observation dimension p, the rows of C")
    mu0 = as_array(mu0, "mu0", ndim=1).copy()
    if mu0.shape != (d,):
        raise ValueError(f"mu0 must have shape ({d},) (state dimension d), got {mu0.shape}")
    V0 = as_array(V0, "V0", ndim=2)
    _check_square(V0, "V0", d, "state dimension d")
    Q = _check_covariance(Q, "Q", definite=False, eps=eps["Q"])  # new arrays (symmetrised)
    R = _check_covariance(R, "R", definite=True, eps=eps["R"])
    V0 = _check_covariance(V0, "V0", definite=False, eps=eps["V0"])
    return LinearGaussianSSM(A, C, Q, R, mu0, V0)


def _check_observations(x, p: int) -> np.ndarray:
    x = as_array(x, "x", ndim=(1, 2))
    if x.ndim == 1:
        if p != 1:
            raise ValueError(
                f"x must have shape (N, p) with p = {p} columns (the rows of C), got a 1-D "
                f"array of shape {x.shape}"
            )
        x = x[:, None]
    if x.shape[1] != p:
        raise ValueError(
            f"x must have p = {p} columns (the rows of C), got shape {x.shape}"
        )
    return np.ascontiguousarray(x)


def _control_offsets(B, u, d: int, N: int) -> np.ndarray | None:
    """Validate the control input and return the offsets ``B u_n``, one row per step
    ``(N, d)``, or None without control. ``B`` and ``u`` come together or not at all."""
    if B is None and u is None:
        return None
    if B is None or u is None:
        given, missing = ("B", "u") if u is None else ("u", "B")
        raise ValueError(f"{given} was given without {missing}: the control term B u_n "
                         f"needs both (B of shape (d, m), u of shape (N, m))")
    B = as_array(B, "B", ndim=2)
    if B.shape[0] != d:
        raise ValueError(f"B must have d = {d} rows (A is {d} x {d}), got shape {B.shape}")
    m = B.shape[1]
    u = as_array(u, "u", ndim=(1, 2))
    if u.ndim == 1:
        if m != 1:
            raise ValueError(f"u must have shape (N, m) with m = {m} columns (the columns of "
                             f"B), got a 1-D array of shape {u.shape}")
        u = u[:, None]
    if u.shape != (N, m):
        raise ValueError(f"u must have shape (N, m) = ({N}, {m}) (one row per time step of "
                         f"x, one column per column of B), got {u.shape}")
    with np.errstate(over="ignore", invalid="ignore"):
        bu = u @ B.T
    check_finite_result(bu, "the control offsets B u_n", "B or u is too large for float64")
    return bu


# --------------------------------------------------------------------------- models
def constant_velocity(dt: float = 1.0, q: float = 1.0, r: float = 1.0, *, n_dims: int = 2,
                      mu0=None, V0=None) -> LinearGaussianSSM:
    r"""The constant-velocity model of a point moving in ``n_dims`` dimensions.

    The state is ``(position, velocity)``, ``d = 2 n_dims``; only the position is observed.
    The acceleration is white noise of intensity ``q``, which gives (integrating over one
    time step ``dt``)

    .. math::

        \mathbf{A} = \begin{pmatrix} \mathbf{I} & \Delta t\,\mathbf{I} \\
                     \mathbf{0} & \mathbf{I} \end{pmatrix}, \quad
        \mathbf{Q} = q \begin{pmatrix} \tfrac{\Delta t^3}{3}\mathbf{I} &
                     \tfrac{\Delta t^2}{2}\mathbf{I} \\ \tfrac{\Delta t^2}{2}\mathbf{I} &
                     \Delta t\,\mathbf{I} \end{pmatrix}, \quad
        \mathbf{C} = (\mathbf{I}\;\; \mathbf{0}), \quad \mathbf{R} = r\,\mathbf{I}.

    Parameters
    ----------
    dt, q, r : float > 0
        Time step, acceleration noise intensity, observation noise variance.
    n_dims : int
        Number of spatial dimensions.
    mu0, V0 : array_like, optional
        Prior of the first state; default zero mean and covariance ``100 I``.

    Returns
    -------
    LinearGaussianSSM
    """
    dt = check_positive(dt, "dt")
    q = check_positive(q, "q")
    r = check_positive(r, "r")
    n_dims = check_positive(n_dims, "n_dims", integer=True)
    eye = np.eye(n_dims)
    A = np.block([[eye, dt * eye], [np.zeros_like(eye), eye]])
    with np.errstate(over="ignore", invalid="ignore"):
        h = np.float64(dt)  # a Python float would raise OverflowError for dt**3 > 1.8e308
        Q = q * np.block([[h**3 / 3 * eye, h**2 / 2 * eye], [h**2 / 2 * eye, h * eye]])
    check_finite_result(Q, "Q = q (dt^3/3, dt^2/2; dt^2/2, dt)",
                        f"dt = {dt!r} and q = {q!r} are too large; change the units of time")
    C = np.hstack([eye, np.zeros_like(eye)])
    R = r * eye
    mu0 = np.zeros(2 * n_dims) if mu0 is None else mu0
    V0 = 100.0 * np.eye(2 * n_dims) if V0 is None else V0
    return check_ssm(LinearGaussianSSM(A, C, Q, R, mu0, V0))


def sample(ssm, N: int, rng=None, *, B=None, u=None) -> Sample:
    r"""Draw states and observations from the model (eq. ``kf-model``), with the control
    term of eq. ``kf-control`` if ``B`` and ``u`` are given.

    Parameters
    ----------
    ssm : LinearGaussianSSM
    N : int
        Number of time steps (the book's sequence length :math:`N`).
    rng : numpy.random.Generator, int or None
    B, u : array_like, optional
        Control input (together or not at all): ``B`` ``(d, m)``, ``u`` ``(N, m)``;
        the state is shifted by :math:`\mathbf{B}\mathbf{u}_n` at every step, the first
        included (see :func:`kalman_filter`).

    Returns
    -------
    Sample
        ``z`` ``(N, d)`` and ``x`` ``(N, p)``.

    Raises
    ------
    derivlib.NumericalError
        If the states or observations exceed the float64 range (an explosive ``A``,
        eigenvalue of modulus > 1, run for too many steps); the message names the step.

    Examples
    --------
    >>> s = sample(constant_velocity(), 5, rng=0)
    >>> s.z.shape, s.x.shape
    ((5, 4), (5, 2))
    """
    A, C, Q, R, mu0, V0 = check_ssm(ssm)
    N = check_positive(N, "N", integer=True)
    rng = as_generator(rng)
    d, p = A.shape[0], C.shape[0]
    bu = _control_offsets(B, u, d, N)
    # noise through any square root of the covariance (eigh: works for singular Q, V0)
    w = rng.standard_normal((N, d)) @ _sqrt_psd(Q).T
    v = rng.standard_normal((N, p)) @ _sqrt_psd(R).T
    z = np.empty((N, d))
    z[0] = mu0 + _sqrt_psd(V0) @ rng.standard_normal(d)
    with np.errstate(over="ignore", invalid="ignore"):
        if bu is not None:
            z[0] += bu[0]
            w = w + bu  # z_n = A z_{n-1} + B u_n + w_n               (kf-control)
        for t in range(1, N):
            z[t] = A @ z[t - 1] + w[t]
        x = z @ C.T + v
    _raise_if_not_finite(ssm=(A, C), what="the sampled", arrays={"states z": z,
                                                                "observations x": x})
    return Sample(z, x)


def _sqrt_psd(M: np.ndarray) -> np.ndarray:
    lam, U = np.linalg.eigh(M)
    return U * np.sqrt(np.clip(lam, 0.0, None))


# --------------------------------------------------------------------------- overflow
def _first_bad_row(arr: np.ndarray) -> int | None:
    """The first time step (row) of ``arr`` with a NaN or infinity, or None."""
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(np.sum(arr)):  # one pass; a sum that overflows is checked in full
            return None
    rows = ~np.isfinite(np.reshape(arr, (len(arr), -1))).all(axis=1) if np.ndim(arr) else \
        ~np.isfinite(np.atleast_1d(arr))
    bad = np.flatnonzero(rows)
    return int(bad[0]) if bad.size else None


def _unstable_modes(A: np.ndarray, C: np.ndarray) -> tuple[list, list]:
    """Eigenvalues of ``A`` of modulus > 1: those ``C`` does not observe (PBH test: ``[A -
    lambda I; C]`` rank deficient), and the others."""
    lam = np.linalg.eigvals(A)
    hidden, seen = [], []
    d = A.shape[0]
    for value in lam[np.abs(lam) > 1.0]:
        M = np.vstack([A - value * np.eye(d), C.astype(complex)])
        sv = np.linalg.svd(M, compute_uv=False)
        scale = max(float(np.abs(A).max()), float(np.abs(C).max()), abs(value))
        (hidden if sv[-1] <= 1e-10 * scale else seen).append(value)
    return hidden, seen


def _show_modes(values) -> str:
    out = []
    for v in values:
        v = complex(v)
        out.append(f"{v.real:.4g}" if abs(v.imag) <= 1e-12 * abs(v) else f"{v:.4g}")
    return ", ".join(dict.fromkeys(out))


def _raise_if_not_finite(ssm, what: str, arrays: dict, N: int | None = None) -> None:
    """Raise NumericalError naming the array and the first time step that is not finite,
    and why (an explosive mode of ``A``, unobserved or not), if any array is not finite."""
    found = []  # (row, order given, name): ties go to the array named first
    for k, (name, arr) in enumerate(arrays.items()):
        if name == "log-likelihood":  # a scalar: ranked after every array with a time step
            if not np.isfinite(arr):
                found.append((np.inf, k, name))
        elif (row := _first_bad_row(np.asarray(arr))) is not None:
            found.append((row, k, name))
    if not found:
        return
    row, _, name = min(found)
    A, C = ssm[0], ssm[1]
    hidden, seen = _unstable_modes(A, C)
    where = "" if row == np.inf else \
        f" at time step {row + 1}" + (f" of N = {N}" if N is not None else "")
    if what == "the sampled":
        if hidden or seen:
            lam = _show_modes(hidden + seen)
            why = (f"A has the eigenvalue(s) {lam} of modulus > 1, so the states grow like "
                   f"|lambda|^n without bound; draw fewer time steps or make A stable")
        else:
            why = "the model's states or observations are too large; rescale the model"
    elif hidden:
        why = (f"A has the unstable mode(s) {_show_modes(hidden)} (|eigenvalue| > 1) that C "
               f"does not observe, so the variance of that mode grows like |lambda|^(2n) "
               f"beyond the float64 range while no observation reduces it. That mode does not "
               f"affect the observations at all: remove it from the model (keep the observable "
               f"subspace of A, C) or filter fewer time steps")
    elif name == "log-likelihood":
        why = ("the squared Mahalanobis distances of the innovations overflow: the "
               "observations are too far from the model's predictions (or too large) for "
               "float64; rescale the observations and the model")
    else:
        why = ("the observations or the model's covariances are too large for float64 "
               "(overflow in the recursion); rescale the observations and the model")
    raise NumericalError(f"{what} {name} is not finite in float64{where}: {why}")


# --------------------------------------------------------------------------- textbook
def textbook_filter(x, ssm, *, B=None, u=None) -> FilterResult:
    r"""The Kalman filter as the chapter derives it: a loop over the time steps, one line per
    equation (theorem ``kf-thm-filter``; the labels are in the comments).

    The plain version of :func:`kalman_filter`: the same results as
    ``kalman_filter(x, ssm, steady_state=False)``, to rounding (tested to a relative
    ``1e-10``); :func:`kalman_filter` computes them faster (see the module notes). Row ``n``
    of each array (from 0) is time step ``n + 1`` on the page.

    Parameters
    ----------
    x : array_like, shape (N, p)
        Observations (a 1-D array when ``p = 1``). Must be finite.
    ssm : LinearGaussianSSM
        Model parameters (validated by :func:`check_ssm`).
    B, u : array_like, optional
        Control input, as in :func:`kalman_filter`.

    Returns
    -------
    FilterResult
        As :func:`kalman_filter`.

    Raises
    ------
    TypeError, ValueError, derivlib.NumericalError
        As :func:`kalman_filter`. An innovation covariance :math:`\mathbf{S}_n` that is not
        positive definite is detected here by the sign of its determinant (the fast path:
        by its Cholesky factorisation).

    Examples
    --------
    >>> ssm = constant_velocity(q=0.1, r=1.0)
    >>> x = sample(ssm, 50, rng=1).x
    >>> f, fast = textbook_filter(x, ssm), kalman_filter(x, ssm, steady_state=False)
    >>> bool(np.allclose(f.mean, fast.mean, rtol=1e-10)), bool(np.isclose(f.loglik, fast.loglik))
    (True, True)
    """
    A, C, Q, R, mu0, V0 = ssm = check_ssm(ssm)
    x = _check_observations(x, C.shape[0])
    N, p = x.shape
    d = A.shape[0]
    Bu = _control_offsets(B, u, d, N)  # rows B u_n, or None without control
    if Bu is None:
        Bu = np.zeros((N, d))
    mp, P = np.empty((N, d)), np.empty((N, d, d))  # predicted: z_n given x_1..x_{n-1}
    mu, V = np.empty((N, d)), np.empty((N, d, d))  # filtered: z_n given x_1..x_n
    K = np.empty((N, d, p))
    loglik = 0.0
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # checked below
        for n in range(N):
            if n == 0:  # nothing to predict from: the prior of z_1 (plus B u_1)
                mp[n], P[n] = mu0 + Bu[n], V0
            else:
                mp[n] = A @ mu[n - 1] + Bu[n]  # A mu_{n-1} + B u_n  (kf-predict-mean, kf-control)
                P[n] = A @ V[n - 1] @ A.T + Q  # P_{n-1} = A V A^T + Q   (kf-predict-cov)
            r = x[n] - C @ mp[n]  # r_n = x_n - C (A mu_{n-1} + B u_n)  (kf-innovation)
            S = C @ P[n] @ C.T + R  # S_n = C P C^T + R             (kf-innovation)
            sign, logdet = np.linalg.slogdet(S)  # log det S_n; S_n must be positive definite
            if sign <= 0:
                raise _not_positive_definite(n, _INNOVATION, "determinant <= 0")
            # K_n = P_{n-1} C^T S_n^{-1}, solved as S_n K_n^T = C P_{n-1}  (kf-gain)
            K[n] = np.linalg.solve(S, C @ P[n]).T
            mu[n] = mp[n] + K[n] @ r  # mu_n = A mu_{n-1} + K r     (kf-update-mean)
            I_KC = np.eye(d) - K[n] @ C
            V[n] = I_KC @ P[n] @ I_KC.T + K[n] @ R @ K[n].T  # V_n, Joseph form  (kf-joseph)
            V[n] = (V[n] + V[n].T) / 2  # exactly symmetric, as a covariance is
            # log N(x_n | C A mu_{n-1}, S_n), added up over n        (kf-loglik)
            loglik += -0.5 * (p * _LOG_2PI + logdet + r @ np.linalg.solve(S, r))
    _raise_if_not_finite(ssm, "the Kalman filter's", {
        "predicted covariance P": P, "filtered covariance V": V, "gain K": K,
        "predicted mean": mp, "filtered mean": mu, "log-likelihood": loglik}, N=N)
    return FilterResult(mu, V, mp, P, K, float(loglik))


def textbook_smoother(x, ssm, *, B=None, u=None) -> SmootherResult:
    r"""The Rauch-Tung-Striebel smoother as the chapter derives it: :func:`textbook_filter`,
    then a loop backwards in time, one line per equation (theorem ``kf-thm-smoother``).

    The plain version of :func:`smooth`: the same results as
    ``smooth(x, ssm, steady_state=False)``, to rounding (tested to a relative ``1e-10``);
    :func:`smooth` computes them faster (see the module notes).

    Parameters
    ----------
    x : array_like, shape (N, p)
    ssm : LinearGaussianSSM
    B, u : array_like, optional
        Control input, as in :func:`kalman_filter`.

    Returns
    -------
    SmootherResult
        As :func:`smooth`.

    Raises
    ------
    TypeError, ValueError, derivlib.NumericalError
        As :func:`smooth`.

    Examples
    --------
    >>> ssm = constant_velocity(q=0.1)
    >>> x = sample(ssm, 20, rng=2).x
    >>> s, fast = textbook_smoother(x, ssm), smooth(x, ssm, steady_state=False)
    >>> bool(np.allclose(s.cov, fast.cov, rtol=1e-10)), s.lag_one_cov.shape
    (True, (19, 4, 4))
    """
    filtered = textbook_filter(x, ssm, B=B, u=u)  # validates x, ssm, B and u
    A = check_ssm(ssm).A
    mu, V, P = filtered.mean, filtered.cov, filtered.predicted_cov
    mp = filtered.predicted_mean  # mp[n + 1] = A mu_n (+ B u_{n+1} with control)
    N, d = mu.shape
    mu_hat, V_hat = np.empty((N, d)), np.empty((N, d, d))  # z_n given x_1..x_N
    J, lag = np.empty((N - 1, d, d)), np.empty((N - 1, d, d))
    mu_hat[N - 1], V_hat[N - 1] = mu[N - 1], V[N - 1]  # at n = N: the filter's
    # P[n + 1] = A V_n A^T + Q is the page's P_n (the prediction of the next state)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # checked below
        try:
            for n in range(N - 2, -1, -1):
                # J_n = V_n A^T P_n^{-1}, solved as P_n J_n^T = A V_n  (kf-smoother-gain)
                J[n] = np.linalg.solve(P[n + 1], A @ V[n]).T
                mu_hat[n] = mu[n] + J[n] @ (mu_hat[n + 1] - mp[n + 1])  # (kf-smoother-mean)
                V_hat[n] = V[n] + J[n] @ (V_hat[n + 1] - P[n + 1]) @ J[n].T  # (kf-smoother-cov)
                V_hat[n] = (V_hat[n] + V_hat[n].T) / 2  # exactly symmetric
                lag[n] = V_hat[n + 1] @ J[n].T  # cov(z_{n+1}, z_n | x_1..x_N)  (kf-lag-one)
        except np.linalg.LinAlgError:  # P_n singular: no gain J_n
            raise _not_positive_definite(n + 1, _PREDICTED, "singular") from None
    _raise_if_not_finite(ssm, "the RTS smoother's", {
        "smoother gain J": J, "smoothed covariance": V_hat, "lag-one covariance": lag,
        "smoothed mean": mu_hat}, N=N)
    return SmootherResult(mu_hat, V_hat, lag, J, filtered, filtered.loglik)


# -------------------------------------------------------------------- filter (the fast path)
class _Forward(NamedTuple):
    mu: np.ndarray
    V: np.ndarray
    mp: np.ndarray
    P: np.ndarray
    K: np.ndarray
    J: np.ndarray | None  # smoother gains J_n (eq. kf-smoother-gain), if asked for
    loglik: float
    n0: int  # covariances are frozen from row n0 on (n0 = N: never)


_INNOVATION = "innovation covariance S = C P C^T + R"
_PREDICTED = "predicted covariance P"
_BATCHED_GAINS_MAX_D = 8  # up to this d, one batched solve after the loop beats per-step LAPACK


def _not_positive_definite(t: int, what: str, how: str = "Cholesky failed") -> ValueError:
    hint = ("check that R is positive definite and the covariances are well scaled"
            if what == _INNOVATION else
            "the smoother gain J_n = V_n A^T P_n^{-1} needs it; make Q (or V0) positive definite")
    return ValueError(f"the {what} at time step {t + 1} is not positive definite "
                      f"({how}); {hint}")


def _cholesky(S: np.ndarray, t: int, what: str) -> np.ndarray:
    L, info = lapack.dpotrf(S, lower=1, clean=0)
    if info != 0:
        raise _not_positive_definite(t, what)
    return L


def _forward(x, ssm: LinearGaussianSSM, steady_state: bool, gains: bool = False,
             bu: np.ndarray | None = None) -> _Forward:
    """The fast filter: the covariance recursion first (it does not depend on the data),
    then the means, then the log-likelihood, each in its cheapest form (module notes)."""
    A, C, Q, R, mu0, V0 = ssm
    N, p = x.shape
    d = A.shape[0]
    AT, CT = A.T.copy(), C.T.copy()
    V, P = np.empty((N, d, d)), np.empty((N, d, d))
    # Kt[t] first holds P_t C^T, whose Fortran view is C P_t; one Cholesky solve with S_t
    # (LAPACK potrs, in place) turns that view into S^{-1} C P = K_t^T, so Kt[t] = K_t
    Kt = np.empty((N, d, p))
    # Lf[t] holds S_t; its Fortran view is factored in place, L_t in its lower triangle
    Lf = np.empty((N, p, p))
    # VA[t-1] = V_{t-1} A^T, whose Fortran view is A V_{t-1}: one Cholesky solve with P_t
    # turns that view into P^{-1} A V = J^T, so VA[t-1] = J_{t-1} = V A^T P^{-1}
    # (eq. kf-smoother-gain), in place inside the loop for d > 8; for small d all gains
    # are solved after it, batched over time
    VA = np.empty((max(N - 1, 0), d, d)) if gains else None
    gains_in_loop = gains and d > _BATCHED_GAINS_MAX_D
    work = np.empty((d, d))
    M, MP, KRK, KR = np.empty((d, d)), np.empty((d, d)), np.empty((d, d)), np.empty((d, p))
    eye = np.eye(d)
    dot, add, subtract, multiply = np.dot, np.add, np.subtract, np.multiply
    potrf, potrs = lapack.dpotrf, lapack.dpotrs
    sym_in_loop = d > _BATCHED_GAINS_MAX_D  # small d: symmetrised after the loop
    P[0] = V0
    n0 = N
    steady = _SteadyTest() if steady_state else None
    MT = M.T
    # the rows of step t, as views made once (indexing in the loop would cost more)
    rows = zip(range(N), P, Kt, Kt.transpose(0, 2, 1), Lf, V, strict=True)
    V_prev = None
    for t, Pt, K, KT, St, Vt in rows:
        if t > 0:
            W = VA[t - 1] if gains else work
            dot(V_prev, AT, out=W)  # V_{n-1} A^T
            dot(A, W, out=Pt)  # P = A V A^T + Q                    (kf-predict-cov)
            Pt += Q
            if gains_in_loop:  # J^T = P^{-1} A V, in place in the Fortran view of W
                Lp, info = potrf(Pt, lower=1, clean=0)
                if info != 0:
                    raise _not_positive_definite(t, _PREDICTED)
                potrs(Lp, W.T, lower=1, overwrite_b=1)
        dot(Pt, CT, out=K)  # P C^T
        dot(C, K, out=St)  # S = C P C^T + R                        (kf-innovation)
        St += R
        L, info = potrf(St.T, lower=1, clean=0, overwrite_a=1)  # in place (S symmetric)
        if info != 0:
            raise _not_positive_definite(t, _INNOVATION)
        potrs(L, KT, lower=1, overwrite_b=1)  # K^T = S^{-1} C P, in place    (kf-gain)
        # V = (I - K C) P (I - K C)^T + K R K^T                    (kf-joseph)
        dot(K, C, out=M)
        subtract(eye, M, out=M)
        dot(M, Pt, out=MP)
        dot(MP, MT, out=Vt)
        dot(K, R, out=KR)
        dot(KR, KT, out=KRK)
        Vt += KRK
        if sym_in_loop:  # exactly symmetric, as a covariance is
            add(Vt, Vt.T, out=KRK)
            multiply(KRK, 0.5, out=Vt)
        # V_{n+1} - V_n ~ F (V_n - V_{n-1}) F^T with F = (I - K C) A: the drift still to come
        if steady is not None and t > 1 and steady(Vt, V_prev, N - 1 - t,
                                                   lambda K=K: A - K @ (C @ A)):
            n0 = t
            break
        V_prev = Vt
    if not sym_in_loop:  # symmetrised once, for all steps (cheaper than in the loop)
        rows = slice(0, min(n0 + 1, N))
        V[rows] = 0.5 * (V[rows] + V[rows].transpose(0, 2, 1))
    if n0 < N - 1:  # the frozen tail: every later step repeats row n0
        tail = slice(n0 + 1, N)
        V[tail], P[tail], Kt[tail] = V[n0], P[n0], Kt[n0]  # (Lf: only row n0 is used)
    J = None
    if gains:
        if gains_in_loop:
            J = VA
        else:  # rows before n0 from their own P, batched (the first error first)
            J = np.empty_like(VA)
            _batched_gains(VA.transpose(0, 2, 1), P, J, min(n0, N - 1))
        if n0 < N - 1:  # J_t = V A^T P^{-1} with V, P frozen, for t >= n0: one solve
            Lp = _cholesky(P[n0], n0, _PREDICTED)
            J[n0:] = cho_solve((Lp, True), A @ V[n0], check_finite=False).T
    mu, mp, r = _filter_means(x, A, C, mu0, Kt, bu, n0)
    L = Lf.transpose(0, 2, 1)  # L[t] lower triangular: S_t = L_t L_t^T
    # log N(x_n | mp_n, S_n) = -(p log 2 pi + log det S_n + |L_n^{-1} r_n|^2) / 2  (kf-loglik)
    m = min(n0 + 1, N)
    y = _lower_solve(L[:m], r[:m])
    logdet = 2.0 * np.log(np.diagonal(L[:m], axis1=1, axis2=2)).sum(axis=1)
    loglik = -0.5 * (m * p * _LOG_2PI + logdet.sum() + np.sum(y * y))
    if m < N:  # frozen tail: one factor for every row, one triangular solve for all
        y = solve_triangular(L[n0], r[m:].T, lower=True, check_finite=False)
        loglik += -0.5 * ((N - m) * (p * _LOG_2PI + logdet[-1]) + np.sum(y * y))
    return _Forward(mu, V, mp, P, Kt, J, float(loglik), n0)


def _lower_solve(L: np.ndarray, b: np.ndarray) -> np.ndarray:
    """y_t = L_t^{-1} b_t for every t (L_t lower triangular), by forward substitution, each
    elementary step vectorised over t."""
    p = b.shape[1]
    y = np.empty_like(b)
    for i in range(p):
        y[:, i] = (b[:, i] - np.einsum("tj,tj->t", L[:, i, :i], y[:, :i])) / L[:, i, i]
    return y


def _filter_means(x, A, C, mu0, K, bu, n0):
    """The means of the filter, given the gains: mu_n = A mu_{n-1} + K_n (x_n - C A mu_{n-1})
    (eq. kf-update-mean), rows 0..n0 from their own gains, the frozen tail from K_{n0}.

    For small d as one matrix-vector product per step, the affine recursion
    (mu_n, 1) = [[F_n, g_n], [0, 1]] (mu_{n-1}, 1) with F_n = (I - K_n C) A and
    g_n = K_n x_n + (I - K_n C) B u_n, whose matrices are formed for all steps at once."""
    N, p = x.shape
    d = A.shape[0]
    mu, mp, r = np.empty((N, d)), np.empty((N, d)), np.empty((N, p))
    m = min(n0 + 1, N)  # rows with their own gain
    mp[0] = mu0 if bu is None else mu0 + bu[0]
    r[0] = x[0] - C @ mp[0]
    mu[0] = mp[0] + K[0] @ r[0]
    if m > 1 and d <= _BATCHED_GAINS_MAX_D:
        Kr = K[1:m]
        F = np.empty((m - 1, d + 1, d + 1))
        F[:, :d, :d] = A - Kr @ (C @ A)  # (I - K C) A
        g = np.einsum("tij,tj->ti", Kr, x[1:m])  # K x_n
        if bu is not None:  # + (I - K C) B u_n
            g += bu[1:m] - np.einsum("tij,tj->ti", Kr, bu[1:m] @ C.T)
        F[:, :d, d] = g
        F[:, d, :d] = 0.0
        F[:, d, d] = 1.0
        aug = np.empty((m, d + 1))
        aug[0, :d], aug[:, d] = mu[0], 1.0
        dot = np.dot
        for Ft, prev, out in zip(F, aug[:-1], aug[1:], strict=True):
            dot(Ft, prev, out=out)
        mu[1:m] = aug[1:, :d]
        mp[1:m] = mu[:m - 1] @ A.T
        if bu is not None:
            mp[1:m] += bu[1:m]
        r[1:m] = x[1:m] - mp[1:m] @ C.T
    elif m > 1:
        dot, add, subtract = np.dot, np.add, np.subtract
        Kr = np.empty(d)
        # the rows of step t, as views made once (indexing in the loop would cost more)
        rows = zip(K[1:m], x[1:m], mp[1:m], r[1:m], mu[:m - 1], mu[1:m],
                   bu[1:m] if bu is not None else [None] * (m - 1), strict=True)
        for K_t, x_t, mp_t, r_t, mu_prev, mu_t, bu_t in rows:
            dot(A, mu_prev, out=mp_t)  # A mu_{n-1}                (kf-predict-mean)
            if bu_t is not None:
                mp_t += bu_t  # + B u_n                                (kf-control)
            dot(C, mp_t, out=r_t)  # r = x_n - C mp_n               (kf-innovation)
            subtract(x_t, r_t, out=r_t)
            dot(K_t, r_t, out=Kr)  # mu = mp + K r                 (kf-update-mean)
            add(mp_t, Kr, out=mu_t)
    if m < N:  # the frozen tail: mu_n = F mu_{n-1} + u_n with one F
        tail = slice(m, N)
        Kf = K[n0]
        F = A - Kf @ (C @ A)
        u = x[tail] @ Kf.T
        if bu is not None:
            u += bu[tail] - (bu[tail] @ C.T) @ Kf.T
        for t in range(m, N):
            np.dot(F, mu[t - 1], out=mu[t])
            mu[t] += u[t - m]
        mp[tail] = mu[m - 1:N - 1] @ A.T
        if bu is not None:
            mp[tail] += bu[tail]
        r[tail] = x[tail] - mp[tail] @ C.T
    return mu, mp, r


def _batched_gains(AV, P, J, m: int) -> None:
    """J_t = V_t A^T P_{t+1}^{-1} for t < m, by Cholesky solves batched over t (kf-smoother-gain).

    One batched factorisation P_{t+1} = L L^T, then L Y = A V_t (forward substitution) and
    L^T J_t^T = Y (back substitution), each elementary step vectorised over all t: the arrays
    are laid out (d, d, m), time last, so that every operation runs over m contiguous numbers.
    """
    if m <= 0:
        return
    try:
        L = np.linalg.cholesky(P[1:m + 1])
    except np.linalg.LinAlgError:
        bad = next((t for t in range(1, m + 1) if np.linalg.eigvalsh(P[t])[0] <= 0), 1)
        raise _not_positive_definite(bad, _PREDICTED) from None
    d = P.shape[1]
    Lt = np.ascontiguousarray(L.transpose(1, 2, 0))  # Lt[i, j] = (L_t)_ij over t
    Y = np.ascontiguousarray(AV[:m].transpose(1, 2, 0))  # Y[i, k] = (A V_t)_ik over t
    tmp = np.empty((d, m))
    for i in range(d):  # L Y = A V
        for j in range(i):
            np.multiply(Lt[i, j], Y[j], out=tmp)
            Y[i] -= tmp
        Y[i] /= Lt[i, i]
    for i in range(d - 1, -1, -1):  # L^T (P^{-1} A V) = Y
        for j in range(i + 1, d):
            np.multiply(Lt[j, i], Y[j], out=tmp)
            Y[i] -= tmp
        Y[i] /= Lt[i, i]
    J[:m] = Y.transpose(2, 1, 0)  # J_t = (P^{-1} A V_t)^T


class _SteadyTest:
    r"""When may a converging covariance recursion be frozen? (see the module notes)

    Called with the newest covariance, the previous one, the number of steps still to run
    and the matrix ``F`` of the linearised recursion (``new - old -> F (new - old) F^T`` per
    step), or a function that returns it (called only when needed). True if the drift that
    is left is below ``_STEADY_RTOL``, measured entrywise relative to the scale of each
    entry, :math:`\sqrt{V_{ii} V_{jj}}` (so that a coordinate of small variance is frozen no
    less accurately than one of large variance): the covariance repeats exactly (a fixed
    point of the deterministic recursion in floating point), or the scaled change per step
    is below ``self.rtol`` and the sum of the series of the coming scaled changes is below
    the bound. Each time the series is too large, ``self.rtol`` is lowered in proportion, so
    that the series (a few small matrix products) is summed again only when the change has
    shrunk enough.
    """

    def __init__(self):
        self.rtol = _STEADY_RTOL

    def __call__(self, new: np.ndarray, old: np.ndarray, steps: int, F) -> bool:
        diff = new - old
        change = float(np.max(np.abs(diff)))
        if change > self.rtol * float(np.max(np.abs(new))):
            return False  # cheap test first: the scaled change below is at least this large
        if change == 0.0:  # V_n = V_{n-1} exactly, so V_{n+1} = f(V_n) = f(V_{n-1}) = V_n
            return True
        # scale each entry by sqrt(V_ii V_jj) (the larger of new and old: no division by 0;
        # a coordinate of zero variance in both has a zero row and column in diff)
        s = np.sqrt(np.maximum(np.diagonal(new), np.diagonal(old)))
        s = np.maximum(s, _SCALE_FLOOR * float(s.max()))
        diff = diff / np.outer(s, s)
        change = float(np.max(np.abs(diff)))
        if change > self.rtol:
            return False
        F = F() if callable(F) else F
        drift = _drift(diff, F * s[None, :] / s[:, None], steps)  # F in the scaled coordinates
        if drift <= _STEADY_RTOL:
            return True
        self.rtol = change * _STEADY_RTOL / drift if np.isfinite(drift) else 0.0
        return False


_SCALE_FLOOR = 1e-150  # _SteadyTest: smallest coordinate scale, relative to the largest


def _drift(D: np.ndarray, F: np.ndarray, steps: int) -> float:
    """max |sum_{k=1..n} F^k D (F^T)^k| for n >= steps (Smith's doubling, no loop over k)."""
    S = F @ D @ F.T  # the terms k = 1..n, n = 1
    G = F  # F^n
    n = 1
    with np.errstate(over="ignore", invalid="ignore"):
        while n < steps:
            S = S + G @ S @ G.T  # terms 1..2n
            G = G @ G
            n *= 2
            if not np.max(np.abs(G)) > 1e-9:  # the terms beyond 2n are below 1e-18 |S|
                break
        return float(np.max(np.abs(S)))


def kalman_filter(x, ssm, *, steady_state: bool = True, B=None, u=None) -> FilterResult:
    r"""Kalman filter: :math:`p(\mathbf{z}_n \mid \mathbf{x}_1, \dots, \mathbf{x}_n)`.

    Parameters
    ----------
    x : array_like, shape (N, p)
        Observations (a 1-D array when ``p = 1``). Must be finite: NaN is rejected.
    ssm : LinearGaussianSSM
        Model parameters (validated by :func:`check_ssm`).
    steady_state : bool, default True
        Freeze the covariances once the recursion has converged (see the module notes).
    B, u : array_like, optional
        A known control input (eq. ``kf-control``), given together: ``B`` ``(d, m)`` and
        ``u`` ``(N, m)`` (1-D when ``m = 1``), row ``n`` of ``u`` the input of step
        ``n + 1``. The state of step :math:`n` is shifted by :math:`\mathbf{B}\mathbf{u}_n`:
        :math:`\mathbf{z}_n = \mathbf{A}\mathbf{z}_{n-1} + \mathbf{B}\mathbf{u}_n +
        \mathbf{w}_n`, and the first state has the mean :math:`\boldsymbol{\mu}_0 +
        \mathbf{B}\mathbf{u}_1` (filterpy's ``predict(u=...)`` before each update but the
        first; pykalman's ``transition_offsets`` ``u[1:] @ B.T`` with the initial mean shifted
        by ``B @ u[0]``). The covariances do not change.

    Returns
    -------
    FilterResult
        Filtered and predicted means and covariances, gains and the log-likelihood.

    Raises
    ------
    TypeError, ValueError
        Naming the argument, for malformed input (see :func:`check_ssm`; ``steady_state``
        must be True or False).
    derivlib.NumericalError
        If a result is not representable in float64 (never NaN or infinity): the message
        names the quantity and the time step, and says why, e.g. an unstable mode of ``A``
        that ``C`` does not observe, whose variance grows without bound.

    Notes
    -----
    Predict (eqs. ``kf-predict-mean``, ``kf-predict-cov``), for ``n > 1``:

    .. math::

        \mathbf{P}_{n-1} = \mathbf{A}\mathbf{V}_{n-1}\mathbf{A}^\top + \mathbf{Q},

    update (eqs. ``kf-gain``, ``kf-update-mean``, ``kf-joseph``), with
    :math:`\mathbf{S}_n = \mathbf{C}\mathbf{P}_{n-1}\mathbf{C}^\top + \mathbf{R}`:

    .. math::

        \mathbf{K}_n = \mathbf{P}_{n-1}\mathbf{C}^\top \mathbf{S}_n^{-1}, \quad
        \boldsymbol{\mu}_n = \mathbf{A}\boldsymbol{\mu}_{n-1} + \mathbf{K}_n
            (\mathbf{x}_n - \mathbf{C}\mathbf{A}\boldsymbol{\mu}_{n-1}), \quad
        \mathbf{V}_n = (\mathbf{I} - \mathbf{K}_n\mathbf{C})\mathbf{P}_{n-1}
            (\mathbf{I} - \mathbf{K}_n\mathbf{C})^\top + \mathbf{K}_n\mathbf{R}\mathbf{K}_n^\top,

    and the log-likelihood :math:`\sum_n \log \mathcal{N}(\mathbf{x}_n \mid
    \mathbf{C}\mathbf{A}\boldsymbol{\mu}_{n-1}, \mathbf{S}_n)` (eq. ``kf-loglik``). At
    ``n = 1`` the prediction is the prior: :math:`\mathbf{A}\boldsymbol{\mu}_0 \to
    \boldsymbol{\mu}_0`, :math:`\mathbf{P}_0 \to \mathbf{V}_0`.

    Examples
    --------
    >>> ssm = constant_velocity(q=0.1, r=1.0)
    >>> f = kalman_filter(sample(ssm, 50, rng=1).x, ssm)
    >>> f.mean.shape, f.cov.shape, bool(np.allclose(f.cov, f.cov.transpose(0, 2, 1)))
    ((50, 4), (50, 4, 4), True)
    """
    steady_state = check_bool(steady_state, "steady_state")
    ssm = check_ssm(ssm)
    x = _check_observations(x, ssm.C.shape[0])
    bu = _control_offsets(B, u, ssm.A.shape[0], len(x))
    fw = _checked_forward(x, ssm, steady_state, gains=False, bu=bu)
    return FilterResult(fw.mu, fw.V, fw.mp, fw.P, fw.K, fw.loglik)


def _checked_forward(x, ssm, steady_state: bool, gains: bool, bu=None) -> _Forward:
    """:func:`_forward`, then NumericalError instead of any NaN or infinity in its results."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        fw = _forward(x, ssm, steady_state, gains, bu)
    _raise_if_not_finite(ssm, "the Kalman filter's", {
        "predicted covariance P": fw.P, "filtered covariance V": fw.V, "gain K": fw.K,
        "predicted mean": fw.mp, "filtered mean": fw.mu, "log-likelihood": fw.loglik},
        N=len(x))
    return fw


def loglikelihood(x, ssm, *, B=None, u=None) -> float:
    r"""Log-likelihood :math:`\log p(\mathbf{x}_1, \dots, \mathbf{x}_N)` (eq. ``kf-loglik``).

    Raises
    ------
    TypeError, ValueError, derivlib.NumericalError
        As :func:`kalman_filter`; NumericalError also when the log-likelihood itself is
        below the float64 range (observations astronomically far from their predictions).

    Examples
    --------
    >>> ssm = constant_velocity()
    >>> x = np.zeros((3, 2))
    >>> round(loglikelihood(x, ssm), 6) == round(kalman_filter(x, ssm).loglik, 6)
    True
    """
    return kalman_filter(x, ssm, B=B, u=u).loglik


# ------------------------------------------------------------------ consistency checks
class Innovations(NamedTuple):
    """Output of :func:`innovations` (row ``t`` is time step ``n = t + 1``)."""

    residual: np.ndarray  #: innovations r_n = x_n - C (A mu_{n-1} + B u_n) ``(N, p)``
    cov: np.ndarray  #: their covariances S_n = C P_{n-1} C^T + R ``(N, p, p)``


def innovations(x, ssm, *, B=None, u=None) -> Innovations:
    r"""The innovations of the Kalman filter and their covariances (eq. ``kf-innovation``).

    Under the model, :math:`\mathbf{r}_n \sim \mathcal{N}(\mathbf{0}, \mathbf{S}_n)` and
    the innovations of different steps are independent (a white sequence): the basis of
    the consistency checks of the chapter (:func:`nis`, the sample autocorrelation).

    Parameters
    ----------
    x : array_like, shape (N, p)
    ssm : LinearGaussianSSM
    B, u : array_like, optional
        Control input, as in :func:`kalman_filter`.

    Returns
    -------
    Innovations
        ``residual`` ``(N, p)`` and ``cov`` ``(N, p, p)``.

    Raises
    ------
    TypeError, ValueError, derivlib.NumericalError
        As :func:`kalman_filter`.

    Examples
    --------
    >>> ssm = constant_velocity(q=0.1, r=1.0)
    >>> inn = innovations(sample(ssm, 30, rng=0).x, ssm)
    >>> inn.residual.shape, inn.cov.shape
    ((30, 2), (30, 2, 2))
    """
    f = kalman_filter(x, ssm, B=B, u=u)  # validates everything
    C, R = check_ssm(ssm).C, check_ssm(ssm).R
    x = _check_observations(x, C.shape[0])
    r = x - f.predicted_mean @ C.T  # r_n = x_n - C mp_n                   (kf-innovation)
    S = C @ f.predicted_cov @ C.T + R  # S_n = C P_{n-1} C^T + R           (kf-innovation)
    return Innovations(r, 0.5 * (S + S.transpose(0, 2, 1)))


def _mahalanobis(e: np.ndarray, cov: np.ndarray, name: str) -> np.ndarray:
    """e_n^T cov_n^{-1} e_n for every row n, by Cholesky solves (cov positive definite)."""
    try:
        L = np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        bad = next(t for t in range(len(cov)) if not np.all(np.linalg.eigvalsh(cov[t]) > 0))
        raise ValueError(f"{name}[{bad}] (time step {bad + 1}) must be symmetric positive "
                         f"definite, got smallest eigenvalue "
                         f"{np.linalg.eigvalsh(cov[bad])[0]:.3g}") from None
    y = np.linalg.solve(L, e[..., None])[..., 0]  # L y = e, so |y|^2 = e^T cov^{-1} e
    return np.einsum("ni,ni->n", y, y)


def nis(x, ssm, *, B=None, u=None) -> np.ndarray:
    r"""Normalised innovation squared :math:`\epsilon_n = \mathbf{r}_n^\top
    \mathbf{S}_n^{-1}\mathbf{r}_n`, one value per time step (eq. ``kf-nis``).

    Under a correctly specified model each :math:`\epsilon_n` is chi-square with ``p``
    degrees of freedom, independently over ``n``, so :math:`\sum_n \epsilon_n \sim
    \chi^2_{Np}` (Bar-Shalom et al. 2001, sec. 5.4).

    Parameters
    ----------
    x : array_like, shape (N, p)
    ssm : LinearGaussianSSM
    B, u : array_like, optional
        Control input, as in :func:`kalman_filter`.

    Returns
    -------
    numpy.ndarray, shape (N,)

    Raises
    ------
    TypeError, ValueError, derivlib.NumericalError
        As :func:`kalman_filter`.

    Examples
    --------
    >>> ssm = constant_velocity(q=0.1, r=1.0)
    >>> eps = nis(sample(ssm, 2000, rng=0).x, ssm)
    >>> bool(abs(eps.mean() - 2) < 0.2)  # chi-square with p = 2 degrees of freedom
    True
    """
    inn = innovations(x, ssm, B=B, u=u)
    return _mahalanobis(inn.residual, inn.cov, "S")


def nees(z, mean, cov) -> np.ndarray:
    r"""Normalised estimation error squared :math:`\epsilon_n = (\mathbf{z}_n -
    \boldsymbol{\mu}_n)^\top\mathbf{V}_n^{-1}(\mathbf{z}_n - \boldsymbol{\mu}_n)`, one
    value per time step (eq. ``kf-nees``).

    It needs the true states, so it is a check on simulated data: under a correctly
    specified model each :math:`\epsilon_n` is chi-square with ``d`` degrees of freedom
    (Bar-Shalom et al. 2001, sec. 5.4), for the filtered moments and for the smoothed ones.

    Parameters
    ----------
    z : array_like, shape (N, d)
        True states (a 1-D array when ``d = 1``).
    mean : array_like, shape (N, d)
        Estimated means (``FilterResult.mean`` or ``SmootherResult.mean``).
    cov : array_like, shape (N, d, d)
        Their covariances, symmetric positive definite.

    Returns
    -------
    numpy.ndarray, shape (N,)

    Raises
    ------
    ValueError
        Naming the argument: shapes that disagree, non-finite entries, a covariance that
        is not symmetric positive definite (the message names the time step).

    Examples
    --------
    >>> nees(np.array([[1.0, 0.0]]), np.zeros((1, 2)), np.eye(2)[None] * 4)
    array([0.25])
    """
    mean = as_array(mean, "mean", ndim=(1, 2))
    if mean.ndim == 1:
        mean = mean[:, None]
    N, d = mean.shape
    z = as_array(z, "z", ndim=(1, 2))
    if z.ndim == 1:
        z = z[:, None]
    if z.shape != (N, d):
        raise ValueError(f"z must have the shape {(N, d)} of mean (one row per time step, "
                         f"one column per state), got {z.shape}")
    cov = as_array(cov, "cov", ndim=3)
    if cov.shape != (N, d, d):
        raise ValueError(f"cov must have shape {(N, d, d)} (one d x d covariance per row "
                         f"of mean), got {cov.shape}")
    asym = np.abs(cov - cov.transpose(0, 2, 1)).max(initial=0.0)
    if asym > _SYM_RTOL * np.abs(cov).max(initial=0.0):
        raise ValueError(f"cov must hold symmetric covariance matrices, got max |cov - cov^T| "
                         f"= {asym:.3g}")
    return _mahalanobis(z - mean, cov, "cov")


# ------------------------------------------------------------------ smoother (the fast path)
def _backward(fw: _Forward, steady_state: bool):
    """The fast RTS smoother: the covariance recursion backwards (with the steady-state test),
    then the means (as one matrix-vector product per step for small d), then the lag-one
    covariances, batched."""
    mu, V, mp, P, Js, n0 = fw.mu, fw.V, fw.mp, fw.P, fw.J, fw.n0
    N, d = mu.shape
    mh, Vh = np.empty_like(mu), np.empty_like(V)
    mh[-1], Vh[-1] = mu[-1], V[-1]
    if N == 1:
        return mh, Vh, np.empty((0, d, d))
    D, W = np.empty((d, d)), np.empty((d, d))
    dot, add, subtract, multiply = np.dot, np.add, np.subtract, np.multiply
    in_loop = d > _BATCHED_GAINS_MAX_D  # symmetrise in the loop (as the forward pass)
    t_frozen = -1  # Vh is constant on rows n0..t_frozen
    steady = _SteadyTest() if steady_state else None
    JsT = Js.transpose(0, 2, 1)

    def rows_from(s):  # rows t = s, s-1, ..., 0 and their successors t+1, as views made once
        return zip(range(s, -1, -1), Js[s::-1], JsT[s::-1], Vh[s::-1], Vh[s + 1:0:-1],
                   P[s + 1:0:-1], V[s::-1], strict=True)

    start = N - 2
    while start >= 0:
        for t, J, JT, Vh_t, Vh_next, P_next, V_t in rows_from(start):
            # V_hat_n = V_n + J_n (V_hat_{n+1} - P_n) J_n^T            (kf-smoother-cov)
            subtract(Vh_next, P_next, out=D)
            dot(J, D, out=W)
            dot(W, JT, out=Vh_t)
            Vh_t += V_t
            if in_loop:  # exactly symmetric (small d: after the loop)
                add(Vh_t, Vh_t.T, out=W)
                multiply(W, 0.5, out=Vh_t)
            # frozen J: V_hat_n - V_hat_{n+1} ~ J (V_hat_{n+1} - V_hat_{n+2}) J^T
            if steady is not None and n0 < t < N - 2 and steady(Vh_t, Vh_next, t - n0, J):
                t_frozen = t
                Vh_t[...] = 0.5 * (Vh_t + Vh_t.T)
                Vh[n0:t] = Vh_t
                break
        else:  # every row done
            break
        start = n0 - 1  # rows t_frozen-1..n0 are done: go on below them
    if not in_loop:  # symmetrise the rows computed one by one (the frozen block already is)
        for rows in ((slice(0, n0), slice(t_frozen + 1, N - 1)) if t_frozen >= 0 else
                     (slice(0, N - 1),)):
            Vh[rows] = 0.5 * (Vh[rows] + Vh[rows].transpose(0, 2, 1))
    _smoother_means(mh, mu, mp, Js)
    # cov(z_{n+1}, z_n | x) = V_hat_{n+1} J_n^T                  (kf-lag-one)
    lag = np.empty((N - 1, d, d))
    if t_frozen >= 0:
        lo, hi = n0, t_frozen  # rows lo..hi-1: Vh[t+1] and J_t both frozen
        lag[lo:hi] = Vh[t_frozen] @ JsT[n0]
        np.matmul(Vh[1:lo + 1], JsT[:lo], out=lag[:lo])
        np.matmul(Vh[hi + 1:], JsT[hi:], out=lag[hi:])
    else:
        np.matmul(Vh[1:], JsT, out=lag)
    return mh, Vh, lag


def _smoother_means(mh, mu, mp, J) -> None:
    """mu_hat_n = mu_n + J_n (mu_hat_{n+1} - mp_{n+1}) = J_n mu_hat_{n+1} + c_n backwards
    (eq. kf-smoother-mean), with c_n = mu_n - J_n mp_{n+1} for all n at once; for small d as
    one matrix-vector product per step on (mu_hat, 1)."""
    N, d = mu.shape
    c = mu[:-1] - np.einsum("tij,tj->ti", J, mp[1:])
    if d <= _BATCHED_GAINS_MAX_D:
        F = np.empty((N - 1, d + 1, d + 1))
        F[:, :d, :d] = J
        F[:, :d, d] = c
        F[:, d, :d] = 0.0
        F[:, d, d] = 1.0
        aug = np.empty((N, d + 1))
        aug[-1, :d], aug[:, d] = mh[-1], 1.0
        dot = np.dot
        for Ft, nxt, out in zip(F[::-1], aug[:0:-1], aug[-2::-1], strict=True):
            dot(Ft, nxt, out=out)
        mh[:-1] = aug[:-1, :d]
    else:
        dot = np.dot
        for J_t, c_t, h_next, h in zip(J[::-1], c[::-1], mh[:0:-1], mh[-2::-1], strict=True):
            dot(J_t, h_next, out=h)
            h += c_t


def smooth(x, ssm, *, steady_state: bool = True, B=None, u=None) -> SmootherResult:
    r"""Rauch-Tung-Striebel smoother: :math:`p(\mathbf{z}_n \mid \mathbf{x}_1, \dots,
    \mathbf{x}_N)` and the lag-one covariances that EM needs.

    Parameters
    ----------
    x : array_like, shape (N, p)
        Observations.
    ssm : LinearGaussianSSM
    steady_state : bool, default True
        Freeze converged covariance recursions (see the module notes).
    B, u : array_like, optional
        Control input, as in :func:`kalman_filter`.

    Returns
    -------
    SmootherResult
        Smoothed means ``(N, d)`` and covariances ``(N, d, d)``, lag-one covariances
        ``(N-1, d, d)``, smoother gains, the forward pass and the log-likelihood.

    Raises
    ------
    TypeError, ValueError, derivlib.NumericalError
        As :func:`kalman_filter`.

    Notes
    -----
    Backwards from :math:`\hat{\boldsymbol{\mu}}_N = \boldsymbol{\mu}_N`,
    :math:`\hat{\mathbf{V}}_N = \mathbf{V}_N` (eqs. ``kf-smoother-gain``,
    ``kf-smoother-mean``, ``kf-smoother-cov``, ``kf-lag-one``):

    .. math::

        \mathbf{J}_n = \mathbf{V}_n\mathbf{A}^\top\mathbf{P}_n^{-1}, \quad
        \hat{\boldsymbol{\mu}}_n = \boldsymbol{\mu}_n + \mathbf{J}_n
            (\hat{\boldsymbol{\mu}}_{n+1} - \mathbf{A}\boldsymbol{\mu}_n), \quad
        \hat{\mathbf{V}}_n = \mathbf{V}_n + \mathbf{J}_n (\hat{\mathbf{V}}_{n+1} -
            \mathbf{P}_n)\mathbf{J}_n^\top, \quad
        \operatorname{cov}[\mathbf{z}_{n+1}, \mathbf{z}_n \mid \mathbf{X}] =
            \hat{\mathbf{V}}_{n+1}\mathbf{J}_n^\top.

    Examples
    --------
    >>> ssm = constant_velocity(q=0.1)
    >>> s = smooth(sample(ssm, 20, rng=2).x, ssm)
    >>> s.mean.shape, s.lag_one_cov.shape
    ((20, 4), (19, 4, 4))
    >>> bool(np.all(np.trace(s.cov, axis1=1, axis2=2) <= np.trace(s.filtered.cov, axis1=1,
    ...                                                             axis2=2) + 1e-12))
    True
    """
    steady_state = check_bool(steady_state, "steady_state")
    ssm = check_ssm(ssm)
    x = _check_observations(x, ssm.C.shape[0])
    bu = _control_offsets(B, u, ssm.A.shape[0], len(x))
    fw = _checked_forward(x, ssm, steady_state, gains=True, bu=bu)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        mh, Vh, lag = _backward(fw, steady_state)
    _raise_if_not_finite(ssm, "the RTS smoother's", {
        "smoother gain J": fw.J, "smoothed covariance": Vh, "lag-one covariance": lag,
        "smoothed mean": mh}, N=len(x))
    filtered = FilterResult(fw.mu, fw.V, fw.mp, fw.P, fw.K, fw.loglik)
    return SmootherResult(mh, Vh, lag, fw.J, filtered, fw.loglik)


# --------------------------------------------------------------------------- EM
def _check_fit(fit) -> tuple[str, ...]:
    if isinstance(fit, str):
        fit = (fit,)
    try:
        fit = tuple(fit)
    except TypeError:
        raise TypeError(f"fit must be a name or an iterable of names from {FIT_ALL}, got "
                        f"{fit!r}") from None
    bad = [f for f in fit if not isinstance(f, str) or f not in FIT_ALL]
    if bad or not fit:
        raise ValueError(f"fit must be a non-empty subset of {FIT_ALL}, got {fit!r}")
    return tuple(dict.fromkeys(fit))


def _spd_solve_right(B: np.ndarray, M: np.ndarray, name: str, residual=None) -> np.ndarray:
    """B M^{-1} for symmetric positive definite M, by a Cholesky solve.

    ``residual(X)``, if given, returns ``B - X M`` computed without forming the uncentred
    moments (from residuals of the means): one step of iterative refinement with it
    removes the error the rounding of the large moments ``B``, ``M`` caused.
    """
    try:
        c = cho_factor(M, lower=True, check_finite=False)
    except np.linalg.LinAlgError:
        raise ValueError(f"the E-step moment matrix for {name} is singular") from None
    X = cho_solve(c, B.T, check_finite=False).T
    if residual is not None:
        X = X + cho_solve(c, residual(X).T, check_finite=False).T
    return X


def m_step(x, smoothed: SmootherResult, ssm, fit=FIT_ALL) -> LinearGaussianSSM:
    r"""M-step: maximise the expected complete-data log-likelihood.

    Parameters
    ----------
    x : array_like, shape (N, p)
    smoothed : SmootherResult
        The E-step, :func:`smooth` under the current parameters.
    ssm : LinearGaussianSSM
        Current parameters (kept for those not in ``fit``).
    fit : iterable of {"A", "C", "Q", "R", "mu0", "V0"}
        The parameters to update.

    Returns
    -------
    LinearGaussianSSM

    Raises
    ------
    ValueError
        If ``smoothed.mean``, ``smoothed.cov`` or ``smoothed.lag_one_cov`` do not have the
        shapes ``(N, d)``, ``(N, d, d)``, ``(N-1, d, d)`` of ``x`` ``(N, p)`` and the model,
        or if ``A`` or ``Q`` is to be fitted from ``N < 2`` time steps (no transition).

    Notes
    -----
    With :math:`\mathbb{E}[\mathbf{z}_n] = \hat{\boldsymbol{\mu}}_n`,
    :math:`\mathbb{E}[\mathbf{z}_n\mathbf{z}_n^\top] = \hat{\mathbf{V}}_n +
    \hat{\boldsymbol{\mu}}_n\hat{\boldsymbol{\mu}}_n^\top` and
    :math:`\mathbb{E}[\mathbf{z}_n\mathbf{z}_{n-1}^\top] = \hat{\mathbf{V}}_n
    \mathbf{J}_{n-1}^\top + \hat{\boldsymbol{\mu}}_n\hat{\boldsymbol{\mu}}_{n-1}^\top`
    (eqs. ``kf-m-mu0`` to ``kf-m-R``; Bishop 13.110-13.116):

    .. math::

        \mathbf{A} = \Big(\sum_{n=2}^{N}\mathbb{E}[\mathbf{z}_n\mathbf{z}_{n-1}^\top]\Big)
            \Big(\sum_{n=2}^{N}\mathbb{E}[\mathbf{z}_{n-1}\mathbf{z}_{n-1}^\top]\Big)^{-1},
        \quad
        \mathbf{C} = \Big(\sum_{n=1}^{N}\mathbf{x}_n\mathbb{E}[\mathbf{z}_n]^\top\Big)
            \Big(\sum_{n=1}^{N}\mathbb{E}[\mathbf{z}_n\mathbf{z}_n^\top]\Big)^{-1},

        \mathbf{Q} = \frac{1}{N-1}\sum_{n=2}^{N}\big(\mathbb{E}[\mathbf{z}_n
            \mathbf{z}_n^\top] - \mathbf{A}\mathbb{E}[\mathbf{z}_{n-1}\mathbf{z}_n^\top]
            - \mathbb{E}[\mathbf{z}_n\mathbf{z}_{n-1}^\top]\mathbf{A}^\top +
            \mathbf{A}\mathbb{E}[\mathbf{z}_{n-1}\mathbf{z}_{n-1}^\top]\mathbf{A}^\top\big),

        \mathbf{R} = \frac{1}{N}\sum_{n=1}^{N}\big(\mathbf{x}_n\mathbf{x}_n^\top -
            \mathbf{C}\mathbb{E}[\mathbf{z}_n]\mathbf{x}_n^\top - \mathbf{x}_n
            \mathbb{E}[\mathbf{z}_n]^\top\mathbf{C}^\top + \mathbf{C}\mathbb{E}[\mathbf{z}_n
            \mathbf{z}_n^\top]\mathbf{C}^\top\big),

    :math:`\boldsymbol{\mu}_0 = \hat{\boldsymbol{\mu}}_1`, :math:`\mathbf{V}_0 =
    \hat{\mathbf{V}}_1 + (\hat{\boldsymbol{\mu}}_1 - \boldsymbol{\mu}_0)
    (\hat{\boldsymbol{\mu}}_1 - \boldsymbol{\mu}_0)^\top`. ``Q`` uses the new ``A`` and
    ``R`` the new ``C`` when these are fitted too (the joint maximiser).

    ``Q`` and ``R`` are computed in the equal, *centred* form (as pykalman does): with the
    residuals :math:`\mathbf{e}_n = \hat{\boldsymbol{\mu}}_n -
    \mathbf{A}\hat{\boldsymbol{\mu}}_{n-1}` and :math:`\mathbf{r}_n = \mathbf{x}_n -
    \mathbf{C}\hat{\boldsymbol{\mu}}_n`,

    .. math::

        \mathbf{Q} = \frac{1}{N-1}\sum_{n=2}^{N}\big(\mathbf{e}_n\mathbf{e}_n^\top +
            \hat{\mathbf{V}}_n + \mathbf{A}\hat{\mathbf{V}}_{n-1}\mathbf{A}^\top -
            \hat{\mathbf{V}}_{n,n-1}\mathbf{A}^\top - \mathbf{A}
            \hat{\mathbf{V}}_{n,n-1}^\top\big), \quad
        \mathbf{R} = \frac{1}{N}\sum_{n=1}^{N}\big(\mathbf{r}_n\mathbf{r}_n^\top +
            \mathbf{C}\hat{\mathbf{V}}_n\mathbf{C}^\top\big),

    with :math:`\hat{\mathbf{V}}_{n,n-1}` the lag-one covariance. The uncentred form above
    subtracts second moments of the size of :math:`|\boldsymbol{\mu}|^2` to get a result
    of the size of the noise: with states of magnitude :math:`10^4`-:math:`10^6` it loses
    up to :math:`10^{-8}`-:math:`10^{-3}` relative accuracy; the centred one does not.

    Raises
    ------
    derivlib.NumericalError
        If an update is not representable in float64 (overflow-range data).
    """
    A, C, Q, R, mu0, V0 = check_ssm(ssm)
    x = _check_observations(x, C.shape[0])
    fit = _check_fit(fit)
    if not isinstance(smoothed, SmootherResult):
        raise TypeError(f"smoothed must be a SmootherResult, got {type(smoothed).__name__}")
    mh, Vh, lag = (as_array(a, f"smoothed.{n}", min_size=0)
                   for a, n in zip(smoothed[:3], ("mean", "cov", "lag_one_cov"), strict=True))
    N, d = x.shape[0], A.shape[0]
    if mh.shape != (N, d):
        raise ValueError(f"smoothed.mean must have shape {(N, d)} (N rows as x, d "
                         f"columns as A), got {mh.shape}")
    if Vh.shape != (N, d, d):
        raise ValueError(f"smoothed.cov must have shape {(N, d, d)} (N = {N} rows as x, "
                         f"d x d as A), got {Vh.shape}")
    if lag.shape != (max(N - 1, 0), d, d):
        raise ValueError(f"smoothed.lag_one_cov must have shape {(max(N - 1, 0), d, d)} "
                         f"(N - 1 = {N - 1} transitions for the N = {N} rows of x, d x d as "
                         f"A), got {lag.shape}")
    if N < 2 and ("A" in fit or "Q" in fit):
        raise ValueError(f"x must have at least 2 time steps to fit A or Q (they are "
                         f"estimated from the N - 1 transitions), got N = {N}")
    with np.errstate(over="ignore", invalid="ignore"):
        new = _m_step(x, mh, Vh, lag, LinearGaussianSSM(A, C, Q, R, mu0, V0), fit)
    for name in fit:
        check_finite_result(getattr(new, name), f"the M-step update of {name}",
                            "the observations or the smoothed moments are too large for "
                            "float64; rescale the observations and the model")
    return new


def _m_step(x, mh, Vh, lag, ssm: LinearGaussianSSM, fit) -> LinearGaussianSSM:
    """The updates of :func:`m_step`; ``Q`` and ``R`` in the centred form (see there)."""
    A, C, Q, R, mu0, V0 = ssm
    N = x.shape[0]
    SV = Vh.sum(axis=0)  # sum_n V_hat_n
    if "A" in fit or "Q" in fit:
        SV_prev, SV_next = SV - Vh[-1], SV - Vh[0]  # n = 1..T-1 and n = 2..T
        if "A" in fit:
            Ezz_prev = SV_prev + mh[:-1].T @ mh[:-1]  # sum_{n<T} E[z_n z_n^T]
            E10 = lag.sum(axis=0) + mh[1:].T @ mh[:-1]  # sum_n E[z_n z_{n-1}^T]
            SL = lag.sum(axis=0)

            def residual_A(X):  # sum_n E[(z_n - X z_{n-1}) z_{n-1}^T]
                return (mh[1:] - mh[:-1] @ X.T).T @ mh[:-1] + SL - X @ SV_prev

            A = _spd_solve_right(E10, Ezz_prev, "A", residual_A)  # (kf-m-A)
        if "Q" in fit:  # (kf-m-Q), centred: residuals of the means, then covariances
            e = mh[1:] - mh[:-1] @ A.T  # mu_hat_n - A mu_hat_{n-1}
            LA = lag.sum(axis=0) @ A.T
            Q = (e.T @ e + SV_next + A @ SV_prev @ A.T - LA - LA.T) / (N - 1)
            Q = 0.5 * (Q + Q.T)
    if "C" in fit:
        Exz = x.T @ mh  # sum_n x_n E[z_n]^T

        def residual_C(X):  # sum_n E[(x_n - X z_n) z_n^T]
            return (x - mh @ X.T).T @ mh - X @ SV

        C = _spd_solve_right(Exz, SV + mh.T @ mh, "C", residual_C)  # (kf-m-C)
    if "R" in fit:  # (kf-m-R), centred: residuals x_n - C mu_hat_n, then C V_hat C^T
        e = x - mh @ C.T
        R = (e.T @ e + C @ SV @ C.T) / N
        R = 0.5 * (R + R.T)
    if "mu0" in fit:
        mu0 = mh[0].copy()  # (kf-m-mu0)
    if "V0" in fit:
        e = mh[0] - mu0
        V0 = Vh[0] + np.outer(e, e)  # (kf-m-V0)
        V0 = 0.5 * (V0 + V0.T)
    return LinearGaussianSSM(A, C, Q, R, mu0, V0)


def em_step(x, ssm, fit=FIT_ALL) -> EMStep:
    """One EM iteration: E-step (:func:`smooth`) then :func:`m_step`.

    Returns
    -------
    EMStep
        The new parameters and the log-likelihood of the *old* ones.

    Raises
    ------
    ValueError
        If ``x`` has fewer than 2 time steps (see :func:`em`), or if the update of ``Q`` or
        ``R`` is singular to working precision (the covariance collapsed).
    """
    ssm = check_ssm(ssm)
    x = _check_em_observations(x, ssm)
    fit = _check_fit(fit)
    return _em_step(x, ssm, fit, None)


def _check_em_observations(x, ssm) -> np.ndarray:
    x = _check_observations(x, ssm.C.shape[0])
    if x.shape[0] < 2:
        raise ValueError(f"x must have at least 2 time steps for EM, got N = {x.shape[0]}: "
                         f"from one observation the updates drive R (or V0) to 0")
    return x


def _em_step(x, ssm, fit, iteration: int | None) -> EMStep:
    smoothed = smooth(x, ssm)
    new = m_step(x, smoothed, ssm, fit)
    for name, eq in (("Q", "kf-m-Q"), ("R", "kf-m-R")):
        if name not in fit:
            continue
        M = getattr(new, name)
        w = np.linalg.eigvalsh(M)
        # singular relative to itself, or to the spread of what it is noise on (the smoothed
        # states for Q, the observations for R): below that, float64 cannot resolve it
        data = smoothed.mean if name == "Q" else x
        spread = np.atleast_2d(np.cov(data.T, bias=True))
        if name == "Q":
            spread = spread + smoothed.cov.mean(axis=0)
        scale = max(abs(w[-1]), float(np.linalg.eigvalsh(spread)[-1]))
        if not w[0] > len(w) * np.finfo(float).eps * scale:
            when = "" if iteration is None else f" at iteration {iteration}"
            raise ValueError(
                f"EM: the update of {name} (eq. {eq}) collapsed{when}: it is singular to "
                f"working precision (eigenvalues from {w[0]:.3g} to {w[-1]:.3g}, relative to "
                f"a spread {scale:.3g} of the {'states' if name == 'Q' else 'observations'}); "
                f"the model "
                f"explains the data with {'no transition' if name == 'Q' else 'no observation'}"
                f" noise in some direction. Fit fewer parameters, give more data or start "
                f"elsewhere")
    return EMStep(new, smoothed.loglik)


def em(x, ssm, *, max_iter: int = 20, tol: float | None = None, fit=FIT_ALL) -> EMResult:
    r"""Fit the model by expectation-maximisation (Ghahramani and Hinton, 1996).

    Parameters
    ----------
    x : array_like, shape (N, p)
    ssm : LinearGaussianSSM
        Initial parameters.
    max_iter : int, default 20
        Maximum number of iterations.
    tol : float >= 0, optional
        Stop when the relative change of the log-likelihood, :math:`|\ell_k -
        \ell_{k-1}| / \max(1, |\ell_{k-1}|)`, is at most ``tol``; this also defines
        ``converged`` (EM has no optimality certificate). Without ``tol``, all ``max_iter``
        iterations run and ``converged`` is None.
    fit : iterable of str
        Parameters to update (default all six).

    Returns
    -------
    EMResult
        ``loglik`` has one entry per parameter set visited, the initial one first; it
        never decreases (the EM inequality). ``converged``: see ``tol``.

    Warns
    -----
    derivlib.ConvergenceWarning
        If ``tol`` was given and not met after ``max_iter`` iterations (``converged`` is
        False); or if the log-likelihood decreased by more than ``1e-9`` relative at some
        iteration, which the EM inequality forbids: a sign of numerical trouble (an
        ill-conditioned M-step), and ``converged`` is then False.

    Raises
    ------
    ValueError
        If ``x`` has fewer than 2 time steps (EM needs a transition; from one observation
        the updates drive ``R`` or ``V0`` to 0), or if an update of ``Q`` or ``R`` becomes
        singular to working precision: the message names the update and the iteration.
    derivlib.NumericalError
        If a filter, smoother or M-step result is not representable in float64.

    Examples
    --------
    >>> true = constant_velocity(q=0.5, r=2.0)
    >>> x = sample(true, 200, rng=3).x
    >>> start = constant_velocity(q=1.0, r=1.0)
    >>> res = em(x, start, max_iter=5, fit=("Q", "R"))
    >>> bool(np.all(np.diff(res.loglik) >= -1e-9)), res.loglik.shape
    (True, (6,))
    """
    ssm = check_ssm(ssm)
    max_iter = check_positive(max_iter, "max_iter", integer=True)
    if tol is not None:
        tol = float(check_positive(tol, "tol", strict=False))
    fit = _check_fit(fit)
    x = _check_em_observations(x, ssm)
    history = []
    done = 0
    for iteration in range(1, max_iter + 1):
        step = _em_step(x, check_ssm(ssm), fit, iteration)
        history.append(step.loglik)
        ssm = step.ssm
        done += 1
        if tol is not None and len(history) > 1 and _relative_change(history) <= tol:
            break
    history.append(loglikelihood(x, ssm))
    ll = np.asarray(history)
    drops = np.flatnonzero(np.diff(ll) < -_EM_DECREASE_RTOL * np.maximum(1.0, np.abs(ll[:-1])))
    if drops.size:
        k = int(drops[0])
        warnings.warn(
            f"EM (kalman.em) decreased the log-likelihood at iteration {k + 1}, from "
            f"{ll[k]:.17g} to {ll[k + 1]:.17g}, which the EM inequality forbids: a sign of "
            f"numerical trouble (an ill-conditioned E- or M-step, e.g. badly scaled data); "
            f"the result is not trustworthy (converged=False)",
            ConvergenceWarning, stacklevel=2)
    converged = None
    if tol is not None:
        converged = report("EM (kalman.em)", measure="relative change of the log-likelihood",
                           value=_relative_change(ll), tol=tol, n_iter=done, max_iter=max_iter,
                           advice="raise max_iter (or tol)", warn=not drops.size,
                           stacklevel=3) and not drops.size
        converged = bool(converged)
    return EMResult(ssm, ll, done, converged)


_EM_DECREASE_RTOL = 1e-9  # a drop of the log-likelihood beyond rounding (relative)


def _relative_change(history) -> float:
    """|l_k - l_{k-1}| / max(1, |l_{k-1}|) for the last two log-likelihoods."""
    return abs(history[-1] - history[-2]) / max(1.0, abs(history[-2]))
