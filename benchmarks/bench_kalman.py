"""Benchmark derivlib.sequences.kalman against filterpy and pykalman on the same data, in one run.

For state dimension d in {2, 8, 32}, observation dimension p in {d, d/2} and T = 10**4 time
steps of a random stable linear-Gaussian model, time the filter plus the smoother (with the
lag-one covariances EM needs, on derivlib's side), best of several repeats
(``time.perf_counter``), each repeat running derivlib and the reference back to back on the
same inputs:

* derivlib: ``kalman.smooth(x, ssm)``, which validates its input (symmetry and
  semi-definiteness of the covariances, shapes, NaN) and runs the filter and the RTS
  smoother; once with the default ``steady_state=True`` (covariances frozen once the Riccati
  recursion has converged to a relative 1e-14, see the module notes) and once with
  ``steady_state=False`` (the full recursion at every step);
* filterpy 2.0: ``KalmanFilter.batch_filter`` then ``KalmanFilter.rts_smoother``;
* pykalman 0.11: ``KalmanFilter.smooth`` (its filter and its smoother).

filterpy's ``batch_filter`` predicts before every update, so its ``x, P`` are the state *before*
the first prediction; derivlib gets the equivalent prior of the first state,
``mu0 = A x, V0 = A P A^T + Q``, so that both solve the same problem. The smoothed means and
covariances are checked to agree (to 1e-7, relative to their scale) before anything is timed.
Targets (issue ``kalman``): derivlib at most 0.5x filterpy's time and 0.2x pykalman's.

The BLAS is limited to one thread (``OPENBLAS_NUM_THREADS=1`` etc., set before NumPy is
imported, for every library alike): threading 32 x 32 products only adds contention on a
2-core machine.

Run from the repository root: ``.venv/bin/python benchmarks/bench_kalman.py``; writes
``benchmarks/results/kalman.json``.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import datetime  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402
from functools import partial  # noqa: E402
from pathlib import Path  # noqa: E402

import filterpy  # noqa: E402
import numpy as np  # noqa: E402
import pykalman  # noqa: E402
from filterpy.kalman import KalmanFilter as FilterpyKF  # noqa: E402
from pykalman import KalmanFilter as PykalmanKF  # noqa: E402

from derivlib.sequences import kalman  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "kalman.json"
T = 10_000
DIMS = (2, 8, 32)
TARGETS = {"filterpy": 0.5, "pykalman": 0.2}
REPEATS = 5
MAX_SECONDS = 40.0  # fewer repeats (at least 1) when a configuration is this slow


def best_pair(ours, reference, repeats: int) -> tuple[float, float]:
    """Best time of each, over ``repeats`` back-to-back runs on the same inputs."""
    t_ours, t_ref = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        ours()
        t_ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        reference()
        t_ref.append(time.perf_counter() - start)
        if sum(t_ours) + sum(t_ref) > MAX_SECONDS:
            break
    return min(t_ours), min(t_ref)


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


def agree(ours, theirs, what: str) -> None:
    for a, b, name in zip(ours, theirs, ("means", "covariances"), strict=True):
        b = np.asarray(b)
        err = float(np.max(np.abs(a - b))) / max(1.0, float(np.max(np.abs(b))))
        if err > 1e-7:
            raise RuntimeError(f"derivlib and {what} disagree on the smoothed {name}: {err:.3g}")


def main() -> None:
    rows = []
    rng = np.random.default_rng(0)
    print(f"{'config':24s} {'derivlib':26s} {'reference':10s} {'ours (s)':>9s} "
          f"{'ref (s)':>9s} {'ratio':>7s} {'target':>7s}")
    for d in DIMS:
        for p in (d, d // 2):
            A, C, Q, R, x0, P0 = random_model(d, p, rng)
            # the prior of z_1 that filterpy's predict-then-update loop implies
            ssm = kalman.LinearGaussianSSM(A, C, Q, R, A @ x0, A @ P0 @ A.T + Q)
            x = kalman.sample(ssm, T, rng).x
            reference = {
                "filterpy": (f"filterpy {filterpy.__version__} batch_filter + rts_smoother",
                             partial(filterpy_run, A, C, Q, R, x0, P0, x)),
                "pykalman": (f"pykalman {pykalman.__version__} smooth",
                             partial(pykalman_run, ssm, x)),
            }
            for steady in (True, False):
                smoothed = kalman.smooth(x, ssm, steady_state=steady)
                for ref_name, (label, run) in reference.items():
                    agree((smoothed.mean, smoothed.cov), run(), ref_name)  # before timing
                    ours = partial(kalman.smooth, x, ssm, steady_state=steady)
                    t_ours, t_ref = best_pair(ours, run, REPEATS)
                    name = "filter + smoother" + ("" if steady else " (full recursion)")
                    row = {
                        "benchmark": name,
                        "params": f"d={d}, p={p}, T={T}",
                        "reference": label,
                        "derivlib_s": t_ours,
                        "reference_s": t_ref,
                        "ratio": t_ours / t_ref,
                        "target": TARGETS[ref_name],
                    }
                    rows.append(row)
                    verdict = "met" if row["ratio"] <= row["target"] else "MISSED"
                    mode = "steady_state=True" if steady else "steady_state=False"
                    print(f"d={d:2d} p={p:2d} T={T:<10d} {mode:26s} {ref_name:10s} "
                          f"{t_ours:9.4f} {t_ref:9.4f} {row['ratio']:6.3f}x {row['target']:5.2f}x "
                          f"{verdict}", flush=True)
    result = {
        "topic": "kalman",
        "machine": {
            "platform": platform.platform(),
            "processor": platform.machine(),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "cpu_count": os.cpu_count(),
            "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
            "load_average_1min": os.getloadavg()[0],
        },
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "rows": rows,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
