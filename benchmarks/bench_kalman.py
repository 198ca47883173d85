"""Benchmark derivlib.sequences.kalman against filterpy and pykalman on the same data, in one run.

For state dimension d in {2, 8, 32}, observation dimension p in {d, d/2} and N = 10**4 time
steps of a random stable linear-Gaussian model, time the filter plus the smoother (with the
lag-one covariances EM needs, on derivlib's side), best of several repeats
(``time.perf_counter``), each repeat running derivlib and the reference back to back on the
same inputs (alternating which goes first, ``_common.race``):

* derivlib: ``kalman.smooth(x, ssm)``, which validates its input (symmetry and
  semi-definiteness of the covariances, shapes, NaN) and runs the filter and the RTS
  smoother; once with the default ``steady_state=True`` (covariances frozen once the drift
  left in the Riccati recursion, bounded by the geometric series of its linearisation, is
  below a relative 1e-14, see the module notes) and once with ``steady_state=False`` (the
  full recursion at every step);
* filterpy 2.0: ``KalmanFilter.batch_filter`` then ``KalmanFilter.rts_smoother``;
* pykalman 0.11: ``KalmanFilter.smooth`` (its filter and its smoother).

filterpy's ``batch_filter`` predicts before every update, so its ``x, P`` are the state *before*
the first prediction; derivlib gets the equivalent prior of the first state,
``mu0 = A x, V0 = A P A^T + Q``, so that both solve the same problem. The smoothed means and
covariances are checked to agree (to 1e-7, relative to their scale) before anything is timed.
Targets (issue ``kalman``): derivlib at most 0.5x filterpy's time and 0.2x pykalman's, for
both settings of ``steady_state``.

The BLAS is limited to one thread (``_common.limit_blas_threads``, for every library alike,
unless ``OPENBLAS_NUM_THREADS`` etc. are set in the environment): threading 32 x 32 products
only adds contention on a 2-core machine.

Where the full recursion's time goes at d = 32 (issue 13, target 0.5x filterpy): the
covariance loop makes about twenty BLAS/LAPACK calls per step (products of 2 us each, two
``potrf`` of 3 us, two ``potrs`` of 10 us: CPU times with one thread), about 0.4 s of the
0.6-0.9 s for N = 10^4; the smoother's loop about 0.1 s, the means, the likelihood, the
checks for NaN and the first touch of the (N, 32, 32) arrays the rest. Two triangular
solves from the right (BLAS ``trsm``, 3 us each) instead of each ``potrs`` measured about
0.74x filterpy instead of 0.84x, still short of 0.5x, but OpenBLAS runs ``trsm``
multi-threaded at 32 x 32 and with the default threads on this loaded machine ``smooth``
then took 31 s instead of 7.6 s, so the fast path keeps ``potrs`` (module notes of
``derivlib.sequences.kalman``). What is left is the number of calls per step, which the
Joseph form (eq. ``kf-joseph``) and the smoother gains fix; the symmetrisation is done in
the loop for d > 8 (two cheap calls a step instead of two passes over 80 MB arrays).

Run from the repository root: ``.venv/bin/python benchmarks/bench_kalman.py``; writes
``benchmarks/results/kalman.json``.
"""

from __future__ import annotations

from functools import partial

import filterpy
import numpy as np
import pykalman
from _common import Run, limit_blas_threads, race
from filterpy.kalman import KalmanFilter as FilterpyKF
from pykalman import KalmanFilter as PykalmanKF

from derivlib.sequences import kalman

N = 10_000  # the sequence length
DIMS = (2, 8, 32)
TARGETS = {"filterpy": 0.5, "pykalman": 0.2}
REPEATS = 5
MAX_SECONDS = 40.0  # fewer repeats (at least 1) when a configuration is this slow


def random_model(d: int, p: int, rng: np.random.Generator):
    A = rng.normal(size=(d, d))
    A *= 0.95 / max(abs(np.linalg.eigvals(A)))
    C = rng.normal(size=(p, d)) / np.sqrt(d)
    B = rng.normal(size=(d, d))
    Q = B @ B.T / d + 0.1 * np.eye(d)
    B = rng.normal(size=(p, p))
    R = B @ B.T / p + 0.5 * np.eye(p)
    x0, P0 = rng.normal(size=d), np.eye(d)
    return A, C, Q, R, x0, P0


def filterpy_run(A, C, Q, R, x0, P0, x):
    f = FilterpyKF(dim_x=A.shape[0], dim_z=C.shape[0])
    f.F, f.H, f.Q, f.R, f.x, f.P = A, C, Q, R, x0.copy(), P0.copy()
    means, covs, _, _ = f.batch_filter(x)
    return f.rts_smoother(means, covs)[:2]


def pykalman_run(ssm, x):
    pk = PykalmanKF(transition_matrices=ssm.A, observation_matrices=ssm.C,
                    transition_covariance=ssm.Q, observation_covariance=ssm.R,
                    initial_state_mean=ssm.mu0, initial_state_covariance=ssm.V0)
    return pk.smooth(x)


def agree(ours, theirs, what: str) -> float:
    """Largest difference of the smoothed means and covariances, relative to their scale."""
    worst = 0.0
    for a, b, name in zip(ours, theirs, ("means", "covariances"), strict=True):
        b = np.asarray(b)
        err = float(np.max(np.abs(a - b))) / max(1.0, float(np.max(np.abs(b))))
        if err > 1e-7:
            raise RuntimeError(f"derivlib and {what} disagree on the smoothed {name}: {err:.3g}")
        worst = max(worst, err)
    return worst


def main() -> None:
    limit_blas_threads(1)
    run = Run("kalman", "Kalman filter and RTS smoother")
    rng = np.random.default_rng(0)
    for d in DIMS:
        for p in (d, d // 2):
            A, C, Q, R, x0, P0 = random_model(d, p, rng)
            # the prior of z_1 that filterpy's predict-then-update loop implies
            ssm = kalman.LinearGaussianSSM(A, C, Q, R, A @ x0, A @ P0 @ A.T + Q)
            x = kalman.sample(ssm, N, rng).x
            reference = {
                "filterpy": (f"filterpy {filterpy.__version__} KalmanFilter.batch_filter + "
                             f"rts_smoother", partial(filterpy_run, A, C, Q, R, x0, P0, x)),
                "pykalman": (f"pykalman {pykalman.__version__} KalmanFilter.smooth",
                             partial(pykalman_run, ssm, x)),
            }
            for steady in (True, False):
                smoothed = kalman.smooth(x, ssm, steady_state=steady)
                for ref_name, (label, ref_run) in reference.items():
                    err = agree((smoothed.mean, smoothed.cov), ref_run(), ref_name)  # first
                    ours, theirs = race(partial(kalman.smooth, x, ssm, steady_state=steady),
                                        ref_run, REPEATS, max_seconds=MAX_SECONDS)
                    name = "filter + smoother" + ("" if steady else " (full recursion)")
                    run.add(name, f"d={d}, p={p}, N={N}", label, ours.seconds, theirs.seconds,
                            target=TARGETS[ref_name], repeats=ours.repeats,
                            notes=f"kalman.smooth(x, ssm, steady_state={steady}); smoothed "
                                  f"means and covariances agree to {err:.1e} (relative)")
    run.finish()


if __name__ == "__main__":
    main()
