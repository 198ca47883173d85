"""Build chapters/sequences/kalman.ipynb (cells only, no outputs) from the cells below.

The helpers come from scripts/_chapter.py. Usage, from the repository root::

    .venv/bin/python scripts/build_kalman.py
    make execute NB=chapters/sequences/kalman.ipynb
"""

# ruff: noqa: E501  (the chapter's markdown has long LaTeX lines)
from __future__ import annotations

from _chapter import ROOT, code, colab, md, write

OUT = ROOT / "chapters" / "sequences" / "kalman.ipynb"


# =====================================================================================
md(r"""
# Linear dynamical systems: the Kalman filter, the RTS smoother and EM
""")

colab()

code(r"""

import matplotlib.pyplot as plt
import numpy as np
import sympy as sp
from filterpy.kalman import KalmanFilter as FilterpyKF
from filterpy.kalman import rts_smoother
from matplotlib.figure import Figure
from pykalman import KalmanFilter as PykalmanKF
from scipy import stats

from derivlib import derivation as dv
from derivlib import widgets
from derivlib.sequences import kalman

plt.rcParams.update({"figure.dpi": 100, "axes.grid": True, "grid.alpha": 0.3})
""", "hide-input")

# ------------------------------------------------------------------------------- Goal
md(r"""
## Goal

A hidden state moves by a linear rule with Gaussian kicks, and we see it only through
noisy linear measurements: a radar track, a robot's position, a slowly drifting sensor
bias. This chapter derives, from a single fact about Gaussians (conditioning a joint
Gaussian gives a Gaussian), the three algorithms of the linear-Gaussian state-space model
{cite}`bishop2006prml` (sec. 13.3):

* the **Kalman filter** {cite}`kalman1960new`: the distribution of the current state given
  the observations so far, by a *predict* step and an *update* step, and the likelihood of
  the observations as a by-product;
* the **Rauch–Tung–Striebel smoother** {cite}`rauch1965maximum`: the distribution of every
  state given *all* observations, by a backward pass, together with the lag-one
  cross-covariances;
* **EM** {cite}`shumway1982approach,ghahramani1996parameter`: the maximum-likelihood
  parameters $\mathbf{A}, \mathbf{C}, \mathbf{Q}, \mathbf{R}, \boldsymbol{\mu}_0, \mathbf{V}_0$,
  whose E-step is the smoother.

Prerequisites: maximum likelihood ([Maximum likelihood as KL minimisation](../foundations/mle_kl.ipynb))
and the forward–backward structure of [hidden Markov models](hmm.ipynb): the Kalman filter
and smoother are the same recursions with a continuous, Gaussian state, where sums over
states become Gaussian integrals that we never have to compute because the answer is
always Gaussian.

Afterwards you can track a moving object with uncertainty bands, smooth a whole trajectory,
fit the noise levels of a model by EM, and you know why the code uses Cholesky solves and
the Joseph form. Every step below is checked by the derivation checker and marked with
what was shown: *symbolic* (proved by SymPy for all values), *instance* (proved for a fixed
size only; here, the chains marked "instance: 1-D" prove the scalar case of a matrix
result), *numeric* (checked at sampled points), or *cited* (taken from the reference).
""")

# ------------------------------------------------------------------------------- Model
md(r"""
## Model

The state $\mathbf{z}_n \in \mathbb{R}^d$ and the observation $\mathbf{x}_n \in \mathbb{R}^p$,
$n = 1, \dots, N$, follow

$$
\mathbf{z}_1 \sim \mathcal{N}(\boldsymbol{\mu}_0, \mathbf{V}_0), \qquad
\mathbf{z}_n = \mathbf{A}\mathbf{z}_{n-1} + \mathbf{w}_n, \qquad
\mathbf{x}_n = \mathbf{C}\mathbf{z}_n + \mathbf{v}_n, \qquad
\mathbf{w}_n \sim \mathcal{N}(\mathbf{0}, \mathbf{Q}), \quad
\mathbf{v}_n \sim \mathcal{N}(\mathbf{0}, \mathbf{R}),
$$ (kf-model)

with all noises independent of each other and of $\mathbf{z}_1$. This is Bishop's notation
{cite}`bishop2006prml` (sec. 13.3) except that his $\boldsymbol{\Gamma}$ and
$\boldsymbol{\Sigma}$ are written $\mathbf{Q}$ and $\mathbf{R}$ here, as in the Kalman filter
literature, filterpy, pykalman and the code. Note that $(\boldsymbol{\mu}_0, \mathbf{V}_0)$
is the prior of the **first** state $\mathbf{z}_1$, before its observation (pykalman's
`initial_state_mean` means the same; filterpy's `x, P` are whatever the next `predict` or
`update` acts on).

| symbol | meaning | code |
|:--|:--|:--|
| $\boldsymbol{\mu}_n, \mathbf{V}_n$ | filtered: $p(\mathbf{z}_n \mid \mathbf{x}_1, \dots, \mathbf{x}_n) = \mathcal{N}(\boldsymbol{\mu}_n, \mathbf{V}_n)$ | `mean`, `cov` |
| $\mathbf{P}_{n-1}$ | predicted covariance of $\mathbf{z}_n$ given $\mathbf{x}_1, \dots, \mathbf{x}_{n-1}$ ($\mathbf{P}_0 = \mathbf{V}_0$) | `predicted_cov` |
| $\mathbf{S}_n, \mathbf{K}_n$ | innovation covariance, Kalman gain | `gain` |
| $\hat{\boldsymbol{\mu}}_n, \hat{\mathbf{V}}_n$ | smoothed: $p(\mathbf{z}_n \mid \mathbf{x}_1, \dots, \mathbf{x}_N) = \mathcal{N}(\hat{\boldsymbol{\mu}}_n, \hat{\mathbf{V}}_n)$ | `smooth(...).mean`, `.cov` |
| $\mathbf{J}_n$ | smoother gain | `smooth(...).gain` |

Everything is jointly Gaussian: $(\mathbf{z}_1, \dots, \mathbf{z}_N, \mathbf{x}_1, \dots,
\mathbf{x}_N)$ is a linear function of the independent Gaussians $\mathbf{z}_1,
\mathbf{w}_n, \mathbf{v}_n$. So every conditional we need is Gaussian, and it is enough to
track means and covariances. The one tool is this:

```{prf:theorem} Conditioning a joint Gaussian
:label: kf-thm-conditioning

If $\begin{pmatrix}\mathbf{a}\\ \mathbf{b}\end{pmatrix} \sim \mathcal{N}\left(
\begin{pmatrix}\mathbf{m}_a\\ \mathbf{m}_b\end{pmatrix},
\begin{pmatrix}\boldsymbol{\Sigma}_{aa} & \boldsymbol{\Sigma}_{ab}\\
\boldsymbol{\Sigma}_{ba} & \boldsymbol{\Sigma}_{bb}\end{pmatrix}\right)$ with
$\boldsymbol{\Sigma}_{bb}$ invertible, then

$$
p(\mathbf{a} \mid \mathbf{b}) = \mathcal{N}\left(\mathbf{m}_a + \boldsymbol{\Sigma}_{ab}
\boldsymbol{\Sigma}_{bb}^{-1}(\mathbf{b} - \mathbf{m}_b),\;
\boldsymbol{\Sigma}_{aa} - \boldsymbol{\Sigma}_{ab}\boldsymbol{\Sigma}_{bb}^{-1}
\boldsymbol{\Sigma}_{ba}\right).
$$ (kf-conditioning)
```

This is eqs. (2.81)–(2.82) of {cite}`bishop2006prml`, derived there by completing the
square; we use it as a cited result (the block below) and check it numerically against the other
route Bishop gives, through the precision matrix $\boldsymbol{\Lambda} =
\boldsymbol{\Sigma}^{-1}$: the conditional covariance is $\boldsymbol{\Lambda}_{aa}^{-1}$
and the mean $\mathbf{m}_a - \boldsymbol{\Lambda}_{aa}^{-1}\boldsymbol{\Lambda}_{ab}
(\mathbf{b} - \mathbf{m}_b)$ (his eqs. 2.73, 2.75).
""")

code(r"""
dv.cite("Conditioning a joint Gaussian",
        r"p(\mathbf{a} \mid \mathbf{b}) = \mathcal{N}\left(\mathbf{m}_a + \boldsymbol{\Sigma}_{ab}"
        r"\boldsymbol{\Sigma}_{bb}^{-1}(\mathbf{b} - \mathbf{m}_b),\; \boldsymbol{\Sigma}_{aa}"
        r" - \boldsymbol{\Sigma}_{ab}\boldsymbol{\Sigma}_{bb}^{-1}\boldsymbol{\Sigma}_{ba}\right)",
        "bishop2006prml", note="eqs. (2.81)-(2.82), sec. 2.3.1")
""", "hide-input")

code(r"""
rng = np.random.default_rng(0)
for na, nb in [(1, 1), (2, 3), (4, 2)]:
    B = rng.normal(size=(na + nb, na + nb))
    Sigma = B @ B.T + 0.5 * np.eye(na + nb)
    m, b = rng.normal(size=na + nb), rng.normal(size=nb)
    a_, b_ = slice(0, na), slice(na, na + nb)
    mean_cov = m[a_] + Sigma[a_, b_] @ np.linalg.solve(Sigma[b_, b_], b - m[b_])
    cov_cov = Sigma[a_, a_] - Sigma[a_, b_] @ np.linalg.solve(Sigma[b_, b_], Sigma[b_, a_])
    Lam = np.linalg.inv(Sigma)  # the precision matrix, for this check only
    cov_prec = np.linalg.inv(Lam[a_, a_])
    mean_prec = m[a_] - cov_prec @ Lam[a_, b_] @ (b - m[b_])
    assert np.allclose(mean_cov, mean_prec) and np.allclose(cov_cov, cov_prec)
    print(f"dim a = {na}, dim b = {nb}: the two forms of p(a | b) agree")
""")

# ------------------------------------------------------------------------------- Derivation
md(r"""
## Derivation

### Predict

Suppose $p(\mathbf{z}_{n-1} \mid \mathbf{x}_1, \dots, \mathbf{x}_{n-1}) =
\mathcal{N}(\boldsymbol{\mu}_{n-1}, \mathbf{V}_{n-1})$. The next state $\mathbf{z}_n =
\mathbf{A}\mathbf{z}_{n-1} + \mathbf{w}_n$ adds independent noise to a linear map, so it is
Gaussian with mean $\mathbf{A}\boldsymbol{\mu}_{n-1}$ (linearity of $\mathbb{E}$,
$\mathbb{E}[\mathbf{w}_n] = \mathbf{0}$), and its covariance is the expectation of the squared
deviation. In one dimension ($\mathbf{A} = a$, $\mathbf{Q} = q$) the checker expands it, with
the moments of $z = z_{n-1}$ and $w = w_n$ as hypotheses:
""")

code(r"""
a, c, q, r = sp.symbols("a c q r", positive=True)
mu, V, P = sp.symbols("mu V P", positive=True)
z, w = sp.symbols("z w", real=True)
moments = [sp.Eq(dv.E(z**2), V + mu**2), sp.Eq(dv.E(z), mu), sp.Eq(dv.E(w), 0),
           sp.Eq(dv.E(w**2), q), sp.Eq(dv.E(z * w), 0)]

predict = dv.Derivation(dv.E((a * z + w - a * mu) ** 2), assume=moments, random=[z, w],
                        constants=[a, mu], instance="1-D", title="Predicted variance")
predict.step(a**2 * dv.E(z**2) - 2 * a**2 * mu * dv.E(z) + a**2 * mu**2
             + 2 * a * dv.E(z * w) - 2 * a * mu * dv.E(w) + dv.E(w**2),
             "expand the square, linearity of $\\mathbb{E}$")
predict.step(a**2 * V + q,
             "$\\mathbb{E}[z^2] = V + \\mu^2$, $\\mathbb{E}[w] = 0$, $\\mathbb{E}[zw] = 0$ (independence)")
predict
""")

md(r"""
The same expansion with matrices, $\mathbb{E}[(\mathbf{A}(\mathbf{z} - \boldsymbol{\mu}) +
\mathbf{w})(\mathbf{A}(\mathbf{z} - \boldsymbol{\mu}) + \mathbf{w})^\top] =
\mathbf{A}\mathbf{V}\mathbf{A}^\top + \mathbf{Q}$, gives the **predict** step

$$
p(\mathbf{z}_n \mid \mathbf{x}_1, \dots, \mathbf{x}_{n-1}) =
\mathcal{N}(\mathbf{A}\boldsymbol{\mu}_{n-1}, \mathbf{P}_{n-1}),
$$ (kf-predict-mean)

$$
\mathbf{P}_{n-1} = \mathbf{A}\mathbf{V}_{n-1}\mathbf{A}^\top + \mathbf{Q}.
$$ (kf-predict-cov)

For $n = 1$ there is nothing to predict from: the prior $\mathcal{N}(\boldsymbol{\mu}_0,
\mathbf{V}_0)$ plays the role of $\mathcal{N}(\mathbf{A}\boldsymbol{\mu}_{0},
\mathbf{P}_{0})$, i.e. read $\mathbf{A}\boldsymbol{\mu}_{0} \to \boldsymbol{\mu}_0$ and
$\mathbf{P}_0 = \mathbf{V}_0$.

### Update

Given the past, the new state and the new observation are jointly Gaussian. With
$\mathbf{x}_n = \mathbf{C}\mathbf{z}_n + \mathbf{v}_n$:
$\operatorname{Cov}[\mathbf{z}_n, \mathbf{x}_n] = \mathbf{P}_{n-1}\mathbf{C}^\top$ and
$\operatorname{Cov}[\mathbf{x}_n] = \mathbf{C}\mathbf{P}_{n-1}\mathbf{C}^\top + \mathbf{R}$,
the same expansion as above. Conditioning {eq}`kf-conditioning` with $\mathbf{a} =
\mathbf{z}_n$, $\mathbf{b} = \mathbf{x}_n$ gives the update.

In one dimension ($\mathbf{C} = c$, $\mathbf{R} = r$, predicted mean $m = a\mu_{n-1}$ and
variance $P$) we need no cited theorem: Bayes' rule $p(z \mid x) = p(z)\,p(x \mid z) / p(x)$
is an identity between explicit functions, with the prior $\mathcal{N}(z \mid m, P)$, the
likelihood $\mathcal{N}(x \mid cz, r)$ and the evidence $\mathcal{N}(x \mid cm, c^2P + r)$
(the marginal of $x = cz + v$: mean $cm$, variance $c^2P + r$ by the expansion above). The
checker verifies it on the log scale, for every $z$ and $x$. Write $\mathcal{N}(y \mid
\text{mean}, \text{var})$ for the density and let SymPy keep it unevaluated for display; its
definition `density` is a definition (`define=`) of the chains and steps that open it:
""")

code(r"""
x, m, K = sp.symbols("x m K", real=True)
S = c**2 * P + r  # innovation variance
gain = [sp.Eq(K, P * c / S)]


def _normal_latex(self, printer):
    y, mean, var = (printer._print(arg) for arg in self.args)
    return rf"\mathcal{{N}}\left({y} \mid {mean}, {var}\right)"


# the density N(y | mean, var): an undefined function, unevaluated; defined by `density`
Normal = sp.Function("Normal", positive=True, nargs=3)
Normal._latex = _normal_latex

yw, mw, vw = sp.Wild("y"), sp.Wild("m"), sp.Wild("v")
density = [sp.Eq(Normal(yw, mw, vw), sp.exp(-(yw - mw) ** 2 / (2 * vw)) / sp.sqrt(2 * sp.pi * vw))]
""")

md(r"""
Expanding the three log-densities leaves a quadratic in $z$. With the *posterior precision*
$\Lambda = 1/P + c^2/r$ and $h = m/P + cx/r$ we complete the square; the $z$-free remainder
cancels exactly against the evidence, and what is left is a Gaussian log-density in $z$.
Naming the factor in front of the *innovation* $x - cm$ the **gain** $K$:
""")

code(r"""
prec, h = sp.Symbol("Lambda", positive=True), sp.Symbol("h", real=True)
precision = [sp.Eq(prec, 1 / P + c**2 / r), sp.Eq(h, m / P + c * x / r)]

bayes = dv.Derivation(sp.log(Normal(z, m, P) * Normal(x, c * z, r) / Normal(x, c * m, S)),
                      define=precision, instance="1-D", title="Update by Bayes' rule")
bayes.step(sp.log(Normal(z, m, P)) + sp.log(Normal(x, c * z, r)) - sp.log(Normal(x, c * m, S)),
           "log of a product and a quotient")
bayes.step(-sp.log(2 * sp.pi * P) / 2 - (z - m) ** 2 / (2 * P) - sp.log(2 * sp.pi * r) / 2
           - (x - c * z) ** 2 / (2 * r) + sp.log(2 * sp.pi * S) / 2 + (x - c * m) ** 2 / (2 * S),
           "Gaussian log-densities", define=density)
bayes.step(-sp.log(2 * sp.pi / prec) / 2 - prec * z**2 / 2 + h * z
           - (m**2 / P + x**2 / r - (x - c * m) ** 2 / S) / 2,
           "collect powers of $z$; $Pr/(c^2P + r) = 1/\\Lambda$")
bayes.step(-sp.log(2 * sp.pi / prec) / 2 - prec * (z - h / prec) ** 2 / 2
           + (h**2 / prec - m**2 / P - x**2 / r + (x - c * m) ** 2 / S) / 2,
           "complete the square")
bayes.step(-sp.log(2 * sp.pi / prec) / 2 - prec * (z - h / prec) ** 2 / 2,
           "the $z$-free remainder is $0$")
bayes.step(sp.log(Normal(z, h / prec, 1 / prec)), "a Gaussian log-density in $z$", define=density)
bayes.step(sp.log(Normal(z, m + K * (x - c * m), (1 - K * c) * P)),
           "$h/\\Lambda = m + K(x - cm)$, $1/\\Lambda = (1 - Kc)P$ at $K = Pc/(c^2P + r)$",
           define=gain)
bayes
""")

md(r"""
The identity holds for every $z$, so the posterior is the Gaussian of the last line:

$$
p(z_n \mid x_1, \dots, x_n) = \mathcal{N}\bigl(z_n \mid m + K(x_n - cm),\; (1 - Kc)P\bigr),
\qquad K = \frac{Pc}{c^2P + r}.
$$

The chain also shows that the evidence was the right one: the remainder vanishes because we
divided by $\mathcal{N}(x \mid cm, c^2P + r)$, and integrating both sides over $z$ gives
$\int p(z)\,p(x \mid z)\,dz = \mathcal{N}(x \mid cm, c^2P + r)$, the predictive density that
the likelihood {eq}`kf-loglik` below is made of. For $d > 1$ the same completing of the
square is the proof of {eq}`kf-conditioning` that {cite}`bishop2006prml` (sec. 2.3.1) gives,
in matrix form, and that we cite; the cell after the theorem checks it numerically.
""")

md(r"""
The posterior variance has three more useful forms; the first, $P - (cP)^2 / (c^2P + r)$, is
the one {eq}`kf-conditioning` gives, $\Sigma_{aa} - \Sigma_{ab}\Sigma_{bb}^{-1}\Sigma_{ba}$. The last says
that **precisions add**: the posterior precision is the prior precision plus the
precision the observation carries about $z$.
""")

code(r"""
update_var = dv.Derivation(P - (c * P) ** 2 / S, define=gain, instance="1-D",
                           title="Updated variance")
update_var.step((1 - K * c) * P, "$K = Pc/(c^2P + r)$")
update_var.step((1 - K * c) ** 2 * P + K**2 * r, "Joseph form: equal at this gain")
update_var.step(1 / (1 / P + c**2 / r), "precisions add")
update_var
""")

md(r"""
In $d$ dimensions the checker works with matrix symbols of symbolic size (random sizes and
random matrices at the numeric check). With the innovation covariance $\mathbf{S} =
\mathbf{C}\mathbf{P}\mathbf{C}^\top + \mathbf{R}$ and the gain $\mathbf{K} =
\mathbf{P}\mathbf{C}^\top\mathbf{S}^{-1}$ the conditional covariance
$\mathbf{P} - \mathbf{P}\mathbf{C}^\top\mathbf{S}^{-1}\mathbf{C}\mathbf{P}$ is
$(\mathbf{I} - \mathbf{K}\mathbf{C})\mathbf{P}$, and the **Joseph form**
$(\mathbf{I} - \mathbf{K}\mathbf{C})\mathbf{P}(\mathbf{I} - \mathbf{K}\mathbf{C})^\top +
\mathbf{K}\mathbf{R}\mathbf{K}^\top$ equals it at this gain:
""")

code(r"""
d_, p_ = sp.symbols("d p", integer=True, positive=True)
Pm, Cm = sp.MatrixSymbol("P", d_, d_), sp.MatrixSymbol("C", p_, d_)
Rm, Km = sp.MatrixSymbol("R", p_, p_), sp.MatrixSymbol("K", d_, p_)
I = sp.Identity(d_)
Sm = Cm * Pm * Cm.T + Rm
spd = [sp.Q.symmetric(Pm), sp.Q.positive_definite(Pm), sp.Q.symmetric(Rm),
       sp.Q.positive_definite(Rm)]
optimal_gain = [sp.Eq(Km, Pm * Cm.T * sp.Inverse(Sm))]

cov_forms = dv.Derivation(Pm - Pm * Cm.T * sp.Inverse(Sm) * Cm * Pm, assume=spd,
                          title="Updated covariance")
cov_forms.step((I - Km * Cm) * Pm, "$K = P C^\\top S^{-1}$", define=optimal_gain)
cov_forms
""")

md(r"""
and, by the Woodbury identity, precisions add in $d$ dimensions too:
""")

code(r"""
woodbury = dv.Derivation(Pm - Pm * Cm.T * sp.Inverse(Sm) * Cm * Pm, assume=spd,
                         title="Updated covariance, information form")
woodbury.step(sp.Inverse(sp.Inverse(Pm) + Cm.T * sp.Inverse(Rm) * Cm), "Woodbury identity")
woodbury
""")

code(r"""
joseph = dv.Derivation((I - Km * Cm) * Pm * (I - Km * Cm).T + Km * Rm * Km.T, assume=spd,
                       title="Joseph form at the optimal gain")
joseph.step(Pm - Km * Cm * Pm - Pm * Cm.T * Km.T + Km * Sm * Km.T,
            "expand the product, $P^\\top = P$")
joseph.step(Pm - Km * Cm * Pm, "$K S K^\\top = P C^\\top K^\\top$ at $K = P C^\\top S^{-1}$",
            define=optimal_gain)
joseph
""")

md(r"""
The Joseph form holds for *any* gain (it is the covariance of the error
$(\mathbf{I} - \mathbf{K}\mathbf{C})(\mathbf{z} - \mathbf{m}) - \mathbf{K}\mathbf{v}$, a sum
of two independent terms, exercise {ref}`kf-ex-joseph`), while $(\mathbf{I} -
\mathbf{K}\mathbf{C})\mathbf{P}$ is right only at the optimal gain. Without the definition
$\mathbf{K} = \mathbf{P}\mathbf{C}^\top\mathbf{S}^{-1}$ the checker refuses the short
form, already in one dimension for a general gain $g$:
""")

code(r"""
g = sp.Symbol("g", real=True)
try:
    dv.Derivation((1 - g * c) ** 2 * P + g**2 * r, title="Joseph form at another gain").step(
        (1 - g * c) * P, "short form at any gain")
except dv.StepError as err:
    print("rejected:", str(err).splitlines()[0])
""")

md(r"""
That is why the code uses the Joseph form: in floating point the computed gain is never
exactly optimal, and $(\mathbf{I} - \mathbf{K}\mathbf{C})\mathbf{P}$ can drift away from
symmetry and even from positive definiteness over many steps, while the Joseph form is a
sum of two congruences of positive semi-definite matrices {cite}`bucy1968filtering`.

The gain itself has an *information form*, the matrix version of "precisions add":
""")

code(r"""
gain_forms = dv.Derivation(Pm * Cm.T * sp.Inverse(Sm), assume=spd,
                           title="Kalman gain, two forms")
gain_forms.step(sp.Inverse(sp.Inverse(Pm) + Cm.T * sp.Inverse(Rm) * Cm) * Cm.T * sp.Inverse(Rm),
                "push-through identity")
gain_forms
""")

md(r"""
```{prf:theorem} Kalman filter
:label: kf-thm-filter

If $p(\mathbf{z}_{n-1} \mid \mathbf{x}_{1:n-1}) = \mathcal{N}(\boldsymbol{\mu}_{n-1},
\mathbf{V}_{n-1})$, then $p(\mathbf{z}_n \mid \mathbf{x}_{1:n}) =
\mathcal{N}(\boldsymbol{\mu}_n, \mathbf{V}_n)$ with $\mathbf{P}_{n-1}$ from
{eq}`kf-predict-cov` and

$$
\mathbf{r}_n = \mathbf{x}_n - \mathbf{C}\mathbf{A}\boldsymbol{\mu}_{n-1}, \qquad
\mathbf{S}_n = \mathbf{C}\mathbf{P}_{n-1}\mathbf{C}^\top + \mathbf{R},
$$ (kf-innovation)

$$
\mathbf{K}_n = \mathbf{P}_{n-1}\mathbf{C}^\top\mathbf{S}_n^{-1},
$$ (kf-gain)

$$
\boldsymbol{\mu}_n = \mathbf{A}\boldsymbol{\mu}_{n-1} + \mathbf{K}_n\mathbf{r}_n,
$$ (kf-update-mean)

$$
\mathbf{V}_n = (\mathbf{I} - \mathbf{K}_n\mathbf{C})\mathbf{P}_{n-1}
= (\mathbf{I} - \mathbf{K}_n\mathbf{C})\mathbf{P}_{n-1}(\mathbf{I} - \mathbf{K}_n\mathbf{C})^\top
+ \mathbf{K}_n\mathbf{R}\mathbf{K}_n^\top.
$$ (kf-joseph)
```

```{prf:proof}
The predict step is the moment computation above. Given $\mathbf{x}_{1:n-1}$, the pair
$(\mathbf{z}_n, \mathbf{x}_n)$ is Gaussian with means $(\mathbf{A}\boldsymbol{\mu}_{n-1},
\mathbf{C}\mathbf{A}\boldsymbol{\mu}_{n-1})$, covariances $\mathbf{P}_{n-1}$,
$\mathbf{P}_{n-1}\mathbf{C}^\top$ and $\mathbf{S}_n$; {eq}`kf-conditioning` gives the mean
and the covariance $\mathbf{P} - \mathbf{P}\mathbf{C}^\top\mathbf{S}^{-1}\mathbf{C}\mathbf{P}$,
whose forms are the checked derivations "Updated covariance" and "Joseph form at the
optimal gain". In one dimension the checked chain "Update by Bayes' rule" derives the mean
and the variance without {eq}`kf-conditioning`.
```

### The likelihood

The same joint Gaussian gives, as its other marginal, the predictive distribution of the
next observation, $p(\mathbf{x}_n \mid \mathbf{x}_{1:n-1}) = \mathcal{N}(\mathbf{x}_n \mid
\mathbf{C}\mathbf{A}\boldsymbol{\mu}_{n-1}, \mathbf{S}_n)$, and by the product rule

$$
\log p(\mathbf{x}_1, \dots, \mathbf{x}_N) = \sum_{n=1}^N \log p(\mathbf{x}_n \mid \mathbf{x}_{1:n-1})
= -\frac12 \sum_{n=1}^N \left(p \log 2\pi + \log\det\mathbf{S}_n + \mathbf{r}_n^\top
\mathbf{S}_n^{-1}\mathbf{r}_n\right).
$$ (kf-loglik)

This is Bishop's $\sum_n \log c_n$ (his sec. 13.3.1), the Gaussian analogue of the scaling
factors of the HMM's forward pass. The code gets $\log\det\mathbf{S}_n$ from the diagonal of
the Cholesky factor that it already computed for the gain.

### Smooth: the backward conditional

For the smoothed distribution $p(\mathbf{z}_n \mid \mathbf{x}_{1:N})$ condition on the
*next state* first. Given $\mathbf{z}_{n+1}$, the future observations
$\mathbf{x}_{n+1:N}$ tell nothing more about $\mathbf{z}_n$ (the chain is Markov), so

$$
p(\mathbf{z}_n \mid \mathbf{z}_{n+1}, \mathbf{x}_{1:N}) = p(\mathbf{z}_n \mid \mathbf{z}_{n+1}, \mathbf{x}_{1:n}).
$$

Given $\mathbf{x}_{1:n}$, the pair $(\mathbf{z}_n, \mathbf{z}_{n+1})$ is Gaussian with
means $(\boldsymbol{\mu}_n, \mathbf{A}\boldsymbol{\mu}_n)$ and covariances
$\mathbf{V}_n$, $\mathbf{V}_n\mathbf{A}^\top$, $\mathbf{P}_n$; conditioning
{eq}`kf-conditioning` on $\mathbf{z}_{n+1}$ gives

$$
\mathbf{z}_n = \boldsymbol{\mu}_n + \mathbf{J}_n(\mathbf{z}_{n+1} - \mathbf{A}\boldsymbol{\mu}_n)
+ \mathbf{e}_n, \qquad
\mathbf{J}_n = \mathbf{V}_n\mathbf{A}^\top\mathbf{P}_n^{-1}, \qquad
\mathbf{e}_n \sim \mathcal{N}(\mathbf{0}, \mathbf{V}_n - \mathbf{J}_n\mathbf{P}_n\mathbf{J}_n^\top),
$$ (kf-smoother-gain)

with $\mathbf{e}_n$ independent of $\mathbf{z}_{n+1}$ (and of all observations). In one
dimension this is the update read backwards in time: the prior is the filtered
$\mathcal{N}(z_n \mid \mu, V)$, the "observation" is the next state $u = z_{n+1}$ with
likelihood $\mathcal{N}(u \mid az_n, q)$, and the evidence is the predicted
$\mathcal{N}(u \mid a\mu, P)$ with $P = a^2V + q$. The last line of "Update by Bayes' rule"
with $(m, P, c, r, x) \to (\mu, V, a, q, u)$ and the gain renamed $J$ is the answer, and the
checker verifies it again for these arguments:
""")

code(r"""
J, u = sp.symbols("J u", real=True)
to_backward = {m: mu, P: V, c: a, r: q, x: u, K: J}  # simultaneous substitution
backward_gain = [sp.Eq(J, V * a / P), sp.Eq(P, a**2 * V + q)]

backward_cond = dv.Derivation(bayes.start.xreplace(to_backward), define=backward_gain + density,
                              instance="1-D", title="Backward conditional")
backward_cond.step(bayes.result.xreplace(to_backward),
                   "the update with $(m, P, c, r, x) \\to (\\mu, V, a, q, u)$, $J = Va/P$")
backward_cond.step(sp.log(Normal(z, mu + J * (u - a * mu), V - J**2 * P)),
                   "$(1 - Ja)V = V - J^2P$, as $JP = Va$")
backward_cond
""")

md(r"""
So $e_n = z_n - \mu - J(u - a\mu)$ has mean $0$ and variance $V - J^2P$ whatever the value of
$u$: it is independent of $u$, and $z_n = \mu + J(u - a\mu) + e_n$ is {eq}`kf-smoother-gain`
in one dimension. Now average over $\mathbf{z}_{n+1} \mid \mathbf{x}_{1:N} \sim
\mathcal{N}(\hat{\boldsymbol{\mu}}_{n+1}, \hat{\mathbf{V}}_{n+1})$, which the backward pass
already knows. In one dimension, with $\hat m = \hat\mu_{n+1}$, $\hat v = \hat V_{n+1}$, and
the smoothed mean $\hat\mu_n = \mu + J(\hat m - a\mu)$ (the expectation of $z_n$, as
$\mathbb{E}[e_n] = 0$), the hypotheses of the next two chains are the moments of $u$ and
$e_n$ just found:
""")

code(r"""
e = sp.Symbol("e", real=True)
m_next, v_next = sp.symbols(r"\hat{m}_{n+1} \hat{V}_{n+1}", positive=True)
s_e = V - J**2 * P  # variance of e_n
moments_ue = [sp.Eq(dv.E(u**2), v_next + m_next**2), sp.Eq(dv.E(u), m_next),
              sp.Eq(dv.E(e), 0), sp.Eq(dv.E(e**2), s_e), sp.Eq(dv.E(u * e), 0)]
z_n = mu + J * (u - a * mu) + e
mhat_n = mu + J * (m_next - a * mu)

smooth_var = dv.Derivation(dv.E((z_n - mhat_n) ** 2), assume=moments_ue, random=[u, e],
                           constants=[mu, J, a, m_next], instance="1-D",
                           title="Smoothed variance")
smooth_var.step(J**2 * dv.E((u - m_next) ** 2) + 2 * J * dv.E((u - m_next) * e) + dv.E(e**2),
                "$z_n - \\hat\\mu_n = J(u - \\hat m) + e$")
smooth_var.step(J**2 * v_next + V - J**2 * P, "$\\mathrm{Var}[u] = \\hat v$, $u \\perp e$")
smooth_var.step(V + J**2 * (v_next - P), "collect $J^2$")
smooth_var
""")

code(r"""
lag_one = dv.Derivation(dv.E((u - m_next) * (z_n - mhat_n)), assume=moments_ue, random=[u, e],
                        constants=[mu, J, a, m_next], instance="1-D",
                        title="Lag-one covariance")
lag_one.step(J * dv.E((u - m_next) ** 2) + dv.E((u - m_next) * e),
             "$z_n - \\hat\\mu_n = J(u - \\hat m) + e$")
lag_one.step(v_next * J, "$u \\perp e$")
lag_one
""")

md(r"""
In matrices the same two lines give $\hat{\mathbf{V}}_n = \mathbf{V}_n - \mathbf{J}_n
\mathbf{P}_n\mathbf{J}_n^\top + \mathbf{J}_n\hat{\mathbf{V}}_{n+1}\mathbf{J}_n^\top$ and
$\operatorname{Cov}[\mathbf{z}_{n+1}, \mathbf{z}_n \mid \mathbf{x}_{1:N}] =
\hat{\mathbf{V}}_{n+1}\mathbf{J}_n^\top$. The checker confirms the covariance forms for
matrices (with $\mathbf{J}_n = \mathbf{V}_n\mathbf{A}^\top\mathbf{P}_n^{-1}$ and
$\mathbf{P}_n = \mathbf{A}\mathbf{V}_n\mathbf{A}^\top + \mathbf{Q}$):
""")

code(r"""
Vm, Am, Qm = sp.MatrixSymbol("V", d_, d_), sp.MatrixSymbol("A", d_, d_), sp.MatrixSymbol("Q", d_, d_)
Vhat, Jm = sp.MatrixSymbol("\\hat{V}_{n+1}", d_, d_), sp.MatrixSymbol("J", d_, d_)
Pn = Am * Vm * Am.T + Qm
spd_s = [sp.Q.symmetric(Vm), sp.Q.positive_definite(Vm), sp.Q.symmetric(Qm),
         sp.Q.positive_definite(Qm), sp.Q.symmetric(Vhat), sp.Q.positive_definite(Vhat)]
smoother_gain = [sp.Eq(Jm, Vm * Am.T * sp.Inverse(Pn))]

smooth_cov = dv.Derivation(Vm - Vm * Am.T * sp.Inverse(Pn) * Am * Vm + Jm * Vhat * Jm.T,
                           assume=spd_s, title="Smoothed covariance")
smooth_cov.step(Vm - Jm * Pn * Jm.T + Jm * Vhat * Jm.T,
                "conditional covariance: $V A^\\top P^{-1} A V = J P J^\\top$",
                define=smoother_gain)
smooth_cov.step(Vm + Jm * (Vhat - Pn) * Jm.T, "collect $J (\\cdot) J^\\top$")
smooth_cov
""")

md(r"""
```{prf:theorem} Rauch–Tung–Striebel smoother
:label: kf-thm-smoother

Starting from $\hat{\boldsymbol{\mu}}_N = \boldsymbol{\mu}_N$, $\hat{\mathbf{V}}_N =
\mathbf{V}_N$ and going backwards, $p(\mathbf{z}_n \mid \mathbf{x}_{1:N}) =
\mathcal{N}(\hat{\boldsymbol{\mu}}_n, \hat{\mathbf{V}}_n)$ with $\mathbf{J}_n$ from
{eq}`kf-smoother-gain` and

$$
\hat{\boldsymbol{\mu}}_n = \boldsymbol{\mu}_n + \mathbf{J}_n(\hat{\boldsymbol{\mu}}_{n+1} - \mathbf{A}\boldsymbol{\mu}_n),
$$ (kf-smoother-mean)

$$
\hat{\mathbf{V}}_n = \mathbf{V}_n + \mathbf{J}_n(\hat{\mathbf{V}}_{n+1} - \mathbf{P}_n)\mathbf{J}_n^\top,
$$ (kf-smoother-cov)

$$
\operatorname{Cov}[\mathbf{z}_{n+1}, \mathbf{z}_n \mid \mathbf{x}_{1:N}] = \hat{\mathbf{V}}_{n+1}\mathbf{J}_n^\top.
$$ (kf-lag-one)
```

```{prf:proof}
{eq}`kf-smoother-gain` is {eq}`kf-conditioning` applied to $(\mathbf{z}_n,
\mathbf{z}_{n+1}) \mid \mathbf{x}_{1:n}$ (in one dimension the checked chain "Backward
conditional"), valid also given $\mathbf{x}_{1:N}$ by the Markov property. Taking the
expectation of $\mathbf{z}_n = \boldsymbol{\mu}_n + \mathbf{J}_n(\mathbf{z}_{n+1} -
\mathbf{A}\boldsymbol{\mu}_n) + \mathbf{e}_n$ under $\mathbf{z}_{n+1} \mid \mathbf{x}_{1:N}$
gives the mean; the covariances are the checked derivations "Smoothed variance", "Smoothed
covariance" and "Lag-one covariance".
```

The smoother needs only the filter's output (it never touches the observations again),
exactly like the HMM's backward pass in the $\alpha$-$\gamma$ form. The transpose of
{eq}`kf-lag-one`, $\operatorname{Cov}[\mathbf{z}_n, \mathbf{z}_{n+1}] =
\mathbf{J}_n\hat{\mathbf{V}}_{n+1}$, is the form written in some texts.

### Learn: EM

With the states unknown, EM {cite}`shumway1982approach,ghahramani1996parameter` maximises
the expected complete-data log-likelihood under the smoothed distribution. It needs only
three moments, all from the smoother:

$$
\mathbb{E}[\mathbf{z}_n] = \hat{\boldsymbol{\mu}}_n, \quad
\mathbb{E}[\mathbf{z}_n\mathbf{z}_n^\top] = \hat{\mathbf{V}}_n + \hat{\boldsymbol{\mu}}_n\hat{\boldsymbol{\mu}}_n^\top, \quad
\mathbb{E}[\mathbf{z}_{n+1}\mathbf{z}_n^\top] = \hat{\mathbf{V}}_{n+1}\mathbf{J}_n^\top + \hat{\boldsymbol{\mu}}_{n+1}\hat{\boldsymbol{\mu}}_n^\top .
$$

The logarithm of the joint density $p(\mathbf{z}_1)\prod_{n \ge 2} p(\mathbf{z}_n \mid
\mathbf{z}_{n-1})\prod_{n \ge 1} p(\mathbf{x}_n \mid \mathbf{z}_n)$ of {eq}`kf-model` is a sum
of three parts with separate parameters: the *initial* part in $(\boldsymbol{\mu}_0,
\mathbf{V}_0)$, the *transition* part in $(\mathbf{A}, \mathbf{Q})$ and the *observation*
part in $(\mathbf{C}, \mathbf{R})$, so each pair is maximised on its own. In one dimension
the checker takes the expectations with the smoothed moments as symbols: $\mathbb{E}[z_n]$,
$\mathbb{E}[z_n^2]$ and $\mathbb{E}[z_nz_{n-1}]$ stay unevaluated in the chains; as
hypotheses they are $\hat\mu_n$, $\hat V_n + \hat\mu_n^2$ and $\hat\mu_n\hat\mu_{n-1}$ plus a
free cross-covariance, so the numeric check draws them at random. The transition part, with the
sums $S_{11} = \sum_{n \ge 2}\mathbb{E}[z_n^2]$, $S_{10} = \sum_{n\ge2}\mathbb{E}[z_nz_{n-1}]$,
$S_{00} = \sum_{n\ge2}\mathbb{E}[z_{n-1}^2]$:
""")

code(r"""
Nn, n = sp.Symbol("N", integer=True, positive=True), sp.Symbol("n", integer=True, positive=True)
xb, zb = sp.IndexedBase("x", real=True), sp.IndexedBase("z", real=True)
mu_hat, V_hat = sp.IndexedBase("\\hat{\\mu}", real=True), sp.IndexedBase("\\hat{V}", positive=True)
cross = sp.IndexedBase("c_{zz}", real=True)  # a free cross-covariance, for the numeric check
k_, l_ = sp.Wild("k"), sp.Wild("l")
smoothed_moments = [
    sp.Eq(dv.E(zb[k_]), mu_hat[k_]),
    sp.Eq(dv.E(zb[k_] ** 2), V_hat[k_] + mu_hat[k_] ** 2),
    sp.Eq(dv.E(zb[k_] * zb[l_]), cross[k_, l_] + cross[l_, k_] + mu_hat[k_] * mu_hat[l_]),
]
S11, S10, S00 = sp.symbols("S_11 S_10 S_00", positive=True)
transition_sums = [sp.Eq(S11, sp.Sum(dv.E(zb[n] ** 2), (n, 2, Nn))),
                   sp.Eq(S10, sp.Sum(dv.E(zb[n] * zb[n - 1]), (n, 2, Nn))),
                   sp.Eq(S00, sp.Sum(dv.E(zb[n - 1] ** 2), (n, 2, Nn)))]

transition = dv.Derivation(dv.E(sp.Sum(sp.log(Normal(zb[n], a * zb[n - 1], q)), (n, 2, Nn))),
                           assume=smoothed_moments, random=[zb], constants=[a, q],
                           instance="1-D", title="Expected log-likelihood, transition part")
transition.step(sp.Sum(-sp.log(2 * sp.pi * q) / 2 - dv.E((zb[n] - a * zb[n - 1]) ** 2) / (2 * q),
                       (n, 2, Nn)), "Gaussian log-density, linearity of $\\mathbb{E}$",
                define=density)
transition.step(-(Nn - 1) * sp.log(2 * sp.pi * q) / 2 - (S11 - 2 * a * S10 + a**2 * S00) / (2 * q),
                "expand the square, name the sums", define=transition_sums, check="numeric")
transition
""")

md(r"""
(The last step splits a sum with a symbolic number of terms, which SymPy's simplification
does not finish, so it is checked numerically, at random $N$ and random moments:
*numeric*.)
The stationary point in $a$, then in $q$:
""")

code(r"""
objective = transition.result
a_new = S10 / S00
q_new = (S11 - 2 * a * S10 + a**2 * S00) / (Nn - 1)

m_step_a = dv.Derivation(sp.Derivative(objective, a), instance="1-D", title="M-step for a")
m_step_a.step((S10 - a * S00) / q, "differentiate the quadratic")
m_step_a.step(0, "at $a = S_{10} / S_{00}$", define={a: a_new})
m_step_a
""")

code(r"""
m_step_q = dv.Derivation(sp.Derivative(objective, q), instance="1-D", title="M-step for q")
m_step_q.step(-(Nn - 1) / (2 * q) + (S11 - 2 * a * S10 + a**2 * S00) / (2 * q**2),
              "differentiate $\\log q$ and $1/q$")
m_step_q.step(0, "at $q = (S_{11} - 2aS_{10} + a^2S_{00})/(N-1)$", define={q: q_new})
m_step_q
""")

md(r"""
The objective is a concave quadratic in $a$ (its second derivative is $-S_{00}/q < 0$), and
in $q$ it is $-\frac{N-1}{2}\log q - s/(2q)$ with $s > 0$, which rises and then falls: the
stationary points are the maxima. The observation part is the same calculation with
$x_n$ in place of $z_n$ and $c z_n$ in place of $a z_{n-1}$, with the sums
$S_{xx} = \sum_n x_n^2$, $S_{xz} = \sum_n x_n\mathbb{E}[z_n]$, $S_{zz} = \sum_n
\mathbb{E}[z_n^2]$ over all $n = 1, \dots, N$:
""")

code(r"""
Sxx, Sxz, Szz = sp.symbols("S_xx S_xz S_zz", positive=True)
observation_sums = [sp.Eq(Sxx, sp.Sum(xb[n] ** 2, (n, 1, Nn))),
                    sp.Eq(Sxz, sp.Sum(xb[n] * dv.E(zb[n]), (n, 1, Nn))),
                    sp.Eq(Szz, sp.Sum(dv.E(zb[n] ** 2), (n, 1, Nn)))]

observation = dv.Derivation(dv.E(sp.Sum(sp.log(Normal(xb[n], c * zb[n], r)), (n, 1, Nn))),
                            assume=smoothed_moments, random=[zb], constants=[xb, c, r],
                            instance="1-D", title="Expected log-likelihood, observation part")
observation.step(sp.Sum(-sp.log(2 * sp.pi * r) / 2 - dv.E((xb[n] - c * zb[n]) ** 2) / (2 * r),
                        (n, 1, Nn)), "Gaussian log-density, linearity of $\\mathbb{E}$",
                 define=density)
observation.step(-Nn * sp.log(2 * sp.pi * r) / 2 - (Sxx - 2 * c * Sxz + c**2 * Szz) / (2 * r),
                 "expand the square, name the sums", define=observation_sums, check="numeric")
observation
""")

code(r"""
c_new = Sxz / Szz
r_new = (Sxx - 2 * c * Sxz + c**2 * Szz) / Nn

m_step_c = dv.Derivation(sp.Derivative(observation.result, c), instance="1-D",
                         title="M-step for c")
m_step_c.step((Sxz - c * Szz) / r, "differentiate the quadratic")
m_step_c.step(0, "at $c = S_{xz} / S_{zz}$", define={c: c_new})
m_step_c
""")

code(r"""
m_step_r = dv.Derivation(sp.Derivative(observation.result, r), instance="1-D",
                         title="M-step for r")
m_step_r.step(-Nn / (2 * r) + (Sxx - 2 * c * Sxz + c**2 * Szz) / (2 * r**2),
              "differentiate $\\log r$ and $1/r$")
m_step_r.step(0, "at $r = (S_{xx} - 2cS_{xz} + c^2S_{zz})/N$", define={r: r_new})
m_step_r
""")

md(r"""
The initial part has a single term, the expected log-density of $z_1$ under its prior
$\mathcal{N}(\mu_0, V_0)$:
""")

code(r"""
mu_0, V_0 = sp.Symbol("mu_0", real=True), sp.Symbol("V_0", positive=True)
initial = dv.Derivation(dv.E(sp.log(Normal(zb[1], mu_0, V_0))), assume=smoothed_moments,
                        random=[zb], constants=[mu_0, V_0], instance="1-D",
                        title="Expected log-likelihood, initial part")
initial.step(-sp.log(2 * sp.pi * V_0) / 2
             - (dv.E(zb[1] ** 2) - 2 * mu_0 * dv.E(zb[1]) + mu_0**2) / (2 * V_0),
             "Gaussian log-density, linearity of $\\mathbb{E}$", define=density)
initial
""")

code(r"""
mu0_new = mu_hat[1]
V0_new = V_hat[1] + (mu_hat[1] - mu_0) ** 2

m_step_mu0 = dv.Derivation(sp.Derivative(initial.result, mu_0), assume=smoothed_moments,
                           random=[zb], instance="1-D", title="M-step for mu_0")
m_step_mu0.step((dv.E(zb[1]) - mu_0) / V_0, "differentiate the quadratic")
m_step_mu0.step(0, "at $\\mu_0 = \\mathbb{E}[z_1] = \\hat\\mu_1$", define={mu_0: mu0_new})
m_step_mu0
""")

code(r"""
m_step_V0 = dv.Derivation(sp.Derivative(initial.result, V_0), assume=smoothed_moments,
                          random=[zb], instance="1-D", title="M-step for V_0")
m_step_V0.step(-1 / (2 * V_0)
               + (dv.E(zb[1] ** 2) - 2 * mu_0 * dv.E(zb[1]) + mu_0**2) / (2 * V_0**2),
               "differentiate $\\log V_0$ and $1/V_0$")
m_step_V0.step(0, "at $V_0 = \\hat V_1 + (\\hat\\mu_1 - \\mu_0)^2$, as "
               "$\\mathbb{E}[z_1^2] = \\hat V_1 + \\hat\\mu_1^2$", define={V_0: V0_new})
m_step_V0
""")

md(r"""
In matrices the two mean-like parameters come out the same way. The terms of the
observation part that involve $\mathbf{C}$ are $-\frac12\operatorname{tr}\bigl(\mathbf{R}^{-1}
(\mathbf{S}_{xx} - \mathbf{C}\mathbf{S}_{xz}^\top - \mathbf{S}_{xz}\mathbf{C}^\top +
\mathbf{C}\mathbf{S}_{zz}\mathbf{C}^\top)\bigr)$ with $\mathbf{S}_{xz} = \sum_n
\mathbf{x}_n\mathbb{E}[\mathbf{z}_n]^\top$ and $\mathbf{S}_{zz} = \sum_n
\mathbb{E}[\mathbf{z}_n\mathbf{z}_n^\top]$. The checker never takes a derivative with respect
to a matrix from SymPy (its matrix calculus is wrong in known cases): it evaluates the gradient
of the trace by finite differences at sampled matrices of random size, so these steps are
marked *numeric*. The gradient vanishes at $\mathbf{C} = \mathbf{S}_{xz}\mathbf{S}_{zz}^{-1}$. The
transition part gives $\mathbf{A}$ by the same lines with $(\mathbf{Q}, \mathbf{S}_{10},
\mathbf{S}_{00})$ in place of $(\mathbf{R}, \mathbf{S}_{xz}, \mathbf{S}_{zz})$, so one
function builds both chains:
""")

code(r"""
def linear_m_step(W, noise, S_aa, S_ab, S_bb, title, at):
    # d/dW of -tr(noise^{-1} (S_aa - W S_ab^T - S_ab W^T + W S_bb W^T)) / 2, zero at W S_bb = S_ab
    spd_m = [sp.Q.symmetric(noise), sp.Q.positive_definite(noise), sp.Q.symmetric(S_bb),
             sp.Q.positive_definite(S_bb), sp.Q.symmetric(S_aa)]
    part = -sp.Trace(sp.Inverse(noise) * (S_aa - W * S_ab.T - S_ab * W.T + W * S_bb * W.T)) / 2
    chain = dv.Derivation(sp.Derivative(part, W), assume=spd_m, title=title)
    chain.step(sp.Inverse(noise) * (S_ab - W * S_bb), "differentiate the trace")
    chain.step(sp.ZeroMatrix(*W.shape), at, define={W: S_ab * sp.Inverse(S_bb)})
    return chain


S_xx, S_xz = sp.MatrixSymbol("S_{xx}", p_, p_), sp.MatrixSymbol("S_{xz}", p_, d_)
S_zz = sp.MatrixSymbol("S_{zz}", d_, d_)
linear_m_step(Cm, Rm, S_xx, S_xz, S_zz, "M-step for C", "at $C = S_{xz} S_{zz}^{-1}$")
""")

code(r"""
S_11, S_10, S_00 = (sp.MatrixSymbol(name, d_, d_) for name in ("S_{11}", "S_{10}", "S_{00}"))
linear_m_step(Am, Qm, S_11, S_10, S_00, "M-step for A", "at $A = S_{10} S_{00}^{-1}$")
""")

md(r"""
The covariances need the derivative of a log-determinant. SymPy 1.14's matrix calculus gets
it wrong (it returns $0$ for $\partial \log\det\mathbf{R} / \partial\mathbf{R}$), which is why
the checker evaluates such derivatives by finite differences instead. The part of the
objective in $\mathbf{R}$ is $-\frac N2\log\det\mathbf{R} -
\frac12\operatorname{tr}(\mathbf{R}^{-1}\mathbf{M})$ with $\mathbf{M} =
\sum_n\mathbb{E}[(\mathbf{x}_n - \mathbf{C}\mathbf{z}_n)(\mathbf{x}_n -
\mathbf{C}\mathbf{z}_n)^\top]$, whose expansion by linearity is the bracket of {eq}`kf-m-R`
below. For symmetric $\mathbf{R}$ and $\mathbf{M}$, $\partial\log\det\mathbf{R}/\partial\mathbf{R}
= \mathbf{R}^{-1}$ and $\partial\operatorname{tr}(\mathbf{R}^{-1}\mathbf{M})/\partial\mathbf{R} =
-\mathbf{R}^{-1}\mathbf{M}\mathbf{R}^{-1}$, so the gradient vanishes at $\mathbf{R} = \mathbf{M}/N$:
""")

code(r"""
Mm = sp.MatrixSymbol("M", p_, p_)  # sum of the expected outer products of the residuals
spd_M = [sp.Q.symmetric(Rm), sp.Q.positive_definite(Rm), sp.Q.symmetric(Mm),
         sp.Q.positive_definite(Mm)]


def covariance_part(R):
    return -Nn * sp.log(sp.Determinant(R)) / 2 - sp.Trace(sp.Inverse(R) * Mm) / 2


cov_stationary = dv.Derivation(sp.Derivative(covariance_part(Rm), Rm), assume=spd_M,
                               title="M-step for R: stationarity")
cov_stationary.step(-Nn * sp.Inverse(Rm) / 2 + sp.Inverse(Rm) * Mm * sp.Inverse(Rm) / 2,
                    "derivatives of $\\log\\det R$ and of $\\operatorname{tr}(R^{-1} M)$")
cov_stationary.step(sp.ZeroMatrix(p_, p_), "at $R = M/N$", define={Rm: Mm / Nn})
cov_stationary
""")

md(r"""
A stationary point need not be a maximum. Sampling checks that this one is: at random
symmetric positive definite $\mathbf{R}$ and $\mathbf{M}$ of random size, the objective never
exceeds its value at $\mathbf{R} = \mathbf{M}/N$:
""")

code(r"""
cov_m_step = dv.Derivation(covariance_part(Rm), assume=spd_M,
                           title="M-step for R: the maximum")
cov_m_step.step(covariance_part(Mm / Nn), "largest at $R = M/N$ (sampled)", rel="<=",
                check="numeric")
cov_m_step.step(-Nn * sp.log(sp.Determinant(Mm / Nn)) / 2 - Nn * p_ / 2,
                "$\\operatorname{tr}(N I_p) = Np$")
cov_m_step
""")

md(r"""
The same chain with $N - 1$ terms and the transition residuals $\mathbf{z}_n -
\mathbf{A}\mathbf{z}_{n-1}$ gives {eq}`kf-m-Q`, and with one term and $\mathbf{M} =
\mathbb{E}[(\mathbf{z}_1 - \boldsymbol{\mu}_0)(\mathbf{z}_1 - \boldsymbol{\mu}_0)^\top] =
\hat{\mathbf{V}}_1 + (\hat{\boldsymbol{\mu}}_1 - \boldsymbol{\mu}_0)(\hat{\boldsymbol{\mu}}_1 -
\boldsymbol{\mu}_0)^\top$ it gives {eq}`kf-m-V0`. Together these are Bishop's
eqs. (13.110)–(13.116) {cite}`bishop2006prml` (sec. 13.3.2): (13.110)–(13.111) for
$(\boldsymbol{\mu}_0, \mathbf{V}_0)$, (13.113)–(13.114) for $(\mathbf{A}, \mathbf{Q})$ and
(13.115)–(13.116) for $(\mathbf{C}, \mathbf{R})$. Each one-dimensional result is checked
against `kalman.m_step` in *From derivation to code*, and the matrix forms against pykalman
in *Check against a library* and in the tests.

```{prf:theorem} EM for the linear dynamical system
:label: kf-thm-em

One EM iteration replaces the parameters by

$$
\boldsymbol{\mu}_0 = \hat{\boldsymbol{\mu}}_1,
$$ (kf-m-mu0)

$$
\mathbf{V}_0 = \hat{\mathbf{V}}_1 + (\hat{\boldsymbol{\mu}}_1 - \boldsymbol{\mu}_0)
(\hat{\boldsymbol{\mu}}_1 - \boldsymbol{\mu}_0)^\top = \hat{\mathbf{V}}_1,
$$ (kf-m-V0)

$$
\mathbf{A} = \Big(\sum_{n=2}^{N}\mathbb{E}[\mathbf{z}_n\mathbf{z}_{n-1}^\top]\Big)
\Big(\sum_{n=2}^{N}\mathbb{E}[\mathbf{z}_{n-1}\mathbf{z}_{n-1}^\top]\Big)^{-1},
$$ (kf-m-A)

$$
\mathbf{Q} = \frac{1}{N-1}\sum_{n=2}^{N}\Big(\mathbb{E}[\mathbf{z}_n\mathbf{z}_n^\top]
- \mathbf{A}\mathbb{E}[\mathbf{z}_{n-1}\mathbf{z}_n^\top]
- \mathbb{E}[\mathbf{z}_n\mathbf{z}_{n-1}^\top]\mathbf{A}^\top
+ \mathbf{A}\mathbb{E}[\mathbf{z}_{n-1}\mathbf{z}_{n-1}^\top]\mathbf{A}^\top\Big),
$$ (kf-m-Q)

$$
\mathbf{C} = \Big(\sum_{n=1}^{N}\mathbf{x}_n\mathbb{E}[\mathbf{z}_n]^\top\Big)
\Big(\sum_{n=1}^{N}\mathbb{E}[\mathbf{z}_n\mathbf{z}_n^\top]\Big)^{-1},
$$ (kf-m-C)

$$
\mathbf{R} = \frac{1}{N}\sum_{n=1}^{N}\Big(\mathbf{x}_n\mathbf{x}_n^\top
- \mathbf{C}\mathbb{E}[\mathbf{z}_n]\mathbf{x}_n^\top
- \mathbf{x}_n\mathbb{E}[\mathbf{z}_n]^\top\mathbf{C}^\top
+ \mathbf{C}\mathbb{E}[\mathbf{z}_n\mathbf{z}_n^\top]\mathbf{C}^\top\Big),
$$ (kf-m-R)

where $\mathbf{Q}$ uses the new $\mathbf{A}$ and $\mathbf{R}$ the new $\mathbf{C}$. The
log-likelihood {eq}`kf-loglik` never decreases from one iteration to the next.
```

```{prf:proof}
The objective is the sum of the initial, transition and observation parts, each with its
own parameters. In one dimension every update is a checked chain above: "M-step for mu_0"
and "M-step for V_0" give {eq}`kf-m-mu0` and {eq}`kf-m-V0`, "M-step for a" and "M-step for
q" give {eq}`kf-m-A` and {eq}`kf-m-Q`, "M-step for c" and "M-step for r" give {eq}`kf-m-C`
and {eq}`kf-m-R` ($S_{10}$, $S_{00}$, $S_{xz}$, $S_{zz}$ are the sums of moments written
there). In $d$ dimensions "M-step for C" and "M-step for A" are the checked stationarity
conditions, and "M-step for R: stationarity" and "M-step for R: the maximum" the checked
stationary point and maximum of the covariance part,
which gives $\mathbf{Q}$, $\mathbf{R}$ and $\mathbf{V}_0$ once the residual moments
$\mathbf{M}$ are expanded by linearity of $\mathbb{E}$ (Bishop's eqs. 13.111, 13.114,
13.116). Monotonicity is the EM inequality (the E-step makes the lower bound tight). In
{eq}`kf-m-V0` the outer product vanishes when $\boldsymbol{\mu}_0$ is updated too; if
$\boldsymbol{\mu}_0$ is kept fixed it stays.
```

The monotonicity is the general EM inequality, used here without proof:
""")

code(r"""
dv.cite("EM never decreases the likelihood",
        r"\log p(\mathbf{x}_{1:N} \mid \theta^{\text{new}}) \ge "
        r"\log p(\mathbf{x}_{1:N} \mid \theta^{\text{old}})",
        "dempster1977maximum", note="for any M-step that does not decrease the expected "
        "complete-data log-likelihood")
""", "hide-input")

# ------------------------------------------------------------------------------- Code
md(r"""
## From derivation to code

`derivlib.sequences.kalman` implements the theorems line by line; the equation labels are
in the comments. The forward pass (`filter` and `smooth` call it) solves with the Cholesky
factor of $\mathbf{S}_n$ instead of forming $\mathbf{S}_n^{-1}$, in one LAPACK call for both
the gain and $\mathbf{S}_n^{-1}\mathbf{r}_n$ (for the likelihood), and uses the Joseph form.
When the smoother asks for it, it also turns $\mathbf{V}_{n-1}\mathbf{A}^\top$ into the
smoother gain $\mathbf{J}_{n-1} = \mathbf{V}_{n-1}\mathbf{A}^\top\mathbf{P}_{n-1}^{-1}$ by a
Cholesky solve with $\mathbf{P}_{n-1}$: for $d > 8$ inside the loop (LAPACK, in place); for
$d \le 8$ after the loop, for all time steps at once (`_batched_gains`: one batched
`numpy.linalg.cholesky`, then forward and back substitution vectorised over the time
steps), which is faster than calling LAPACK once per step; and once the covariances are
frozen (see below) the frozen gain comes from one Cholesky solve with the frozen
$\mathbf{P}$:
""")

code(r"""
dv.show_source(kalman._forward)
""")

md(r"""
The backward pass is {eq}`kf-smoother-mean`, {eq}`kf-smoother-cov` and {eq}`kf-lag-one`:
""")

code(r"""
dv.show_source(kalman._backward)
""")

md(r"""
One optimisation needs a word. The covariance recursions do not depend on the data, and for
a time-invariant model they converge to a fixed point (the discrete algebraic Riccati
equation). Once the change that is left is negligible, the code stops updating them and
propagates the means with the frozen gain (`steady_state=True`, the default; the smoother
does the same backwards). Negligible means that the filtered covariance repeats exactly, or
that its last change $\boldsymbol{\Delta}$ is below a relative $10^{-14}$ *and* so is the
drift it still implies through the linearised recursion, $\sum_{k \ge 1}\mathbf{F}^k
\boldsymbol{\Delta}(\mathbf{F}^\top)^k$ with $\mathbf{F} = (\mathbf{I} -
\mathbf{K}\mathbf{C})\mathbf{A}$ (`_SteadyTest`), so that a slowly converging recursion is
not frozen too early. The tests check that this agrees with the full recursion
(`steady_state=False`) to a relative $10^{-12}$, slowly converging models included.

Now the derived 1-D formulas, turned into Python by `sympy.lambdify`, run as a
straightforward filter and smoother and are compared with derivlib on a random 1-D model:
""")

code(r"""
Kf = sp.lambdify((P, c, r), gain[0].rhs)
_, post_mean, _ = bayes.result.args[0].args  # log N(z | mean, var): the mean
mean_f = sp.lambdify((m, K, x, c), post_mean)
var_f = sp.lambdify((P, c, K, r), update_var.steps[1].expr)  # the Joseph form
pred_var = sp.lambdify((a, V, q), predict.result)
smooth_var_f = sp.lambdify((V, J, v_next, P), smooth_var.result)
lag_f = sp.lambdify((v_next, J), lag_one.result)

rng = np.random.default_rng(1)
a0, c0, q0, r0, mu00, V00 = 0.9, 1.5, 0.3, 0.8, 0.5, 2.0
ssm1 = kalman.LinearGaussianSSM([[a0]], [[c0]], [[q0]], [[r0]], [mu00], [[V00]])
xs = kalman.sample(ssm1, 40, rng).x[:, 0]

mus, Vs, Ps, mps = [], [], [], []
m_, P_ = mu00, V00
for n_, xn in enumerate(xs):
    if n_ > 0:
        m_, P_ = a0 * mus[-1], pred_var(a0, Vs[-1], q0)
    k_ = Kf(P_, c0, r0)
    mus.append(mean_f(m_, k_, xn, c0))
    Vs.append(var_f(P_, c0, k_, r0))
    Ps.append(P_)
    mps.append(m_)
mh, Vh, lags = [mus[-1]], [Vs[-1]], []
for n_ in range(len(xs) - 2, -1, -1):
    J_ = Vs[n_] * a0 / Ps[n_ + 1]
    lags.append(lag_f(Vh[0], J_))
    mh.insert(0, mus[n_] + J_ * (mh[0] - a0 * mus[n_]))
    Vh.insert(0, smooth_var_f(Vs[n_], J_, Vh[0], Ps[n_ + 1]))

ours = kalman.smooth(xs, ssm1)
assert np.allclose(ours.filtered.mean[:, 0], mus, rtol=1e-10, atol=1e-12)
assert np.allclose(ours.filtered.cov[:, 0, 0], Vs, rtol=1e-10, atol=1e-12)
assert np.allclose(ours.mean[:, 0], mh, rtol=1e-10, atol=1e-12)
assert np.allclose(ours.cov[:, 0, 0], Vh, rtol=1e-10, atol=1e-12)
assert np.allclose(ours.lag_one_cov[:, 0, 0], lags[::-1], rtol=1e-10, atol=1e-12)
print("lambdified derivations == derivlib: filtered and smoothed moments, lag-one covariances")
""")

md(r"""
The M-step: the stationary points of the chains "M-step for a" to "M-step for V_0",
lambdified, evaluated on the smoothed moments of a random 1-D model and compared with
`kalman.m_step` (all six parameters at once; as in {prf:ref}`kf-thm-em`, $q$ uses the new
$a$, $r$ the new $c$ and $V_0$ the new $\mu_0$):
""")

code(r"""
rng = np.random.default_rng(2)
a1, c1, q1, r1, m01, v01 = rng.uniform([-0.95, 0.3, 0.1, 0.1, -2, 0.5], [0.95, 2, 1, 2, 2, 3])
ssm_r = kalman.LinearGaussianSSM([[a1]], [[c1]], [[q1]], [[r1]], [m01], [[v01]])
x_r = kalman.sample(ssm_r, 60, rng).x[:, 0]
e_step = kalman.smooth(x_r, ssm_r)
Ez = e_step.mean[:, 0]
Ezz = e_step.cov[:, 0, 0] + Ez**2  # E[z_n^2]
Ez10 = e_step.lag_one_cov[:, 0, 0] + Ez[1:] * Ez[:-1]  # E[z_n z_{n-1}], n = 2..N
sums = {Nn: len(x_r), S11: Ezz[1:].sum(), S10: Ez10.sum(), S00: Ezz[:-1].sum(),
        Sxx: np.sum(x_r**2), Sxz: np.sum(x_r * Ez), Szz: Ezz.sum(),
        mu_hat[1]: Ez[0], V_hat[1]: e_step.cov[0, 0, 0]}
updates = {"A": a_new, "Q": q_new.subs(a, a_new), "C": c_new, "R": r_new.subs(c, c_new),
           "mu0": mu0_new, "V0": V0_new.subs(mu_0, mu0_new)}

new_ssm = kalman.m_step(x_r, e_step, ssm_r)
for name, formula in updates.items():
    derived = sp.lambdify(list(sums), formula)(*sums.values())
    assert np.isclose(np.ravel(getattr(new_ssm, name))[0], derived, rtol=1e-10), name
print("lambdified M-step (a, q, c, r, mu_0, V_0) == kalman.m_step on a random 1-D model")
""")

md(r"""
And the likelihood {eq}`kf-loglik` equals the log-density of the observations under their
joint Gaussian, built explicitly for a short 2-D series (the observations are
$\mathbf{x} = (\mathbf{I}\otimes\mathbf{C})\mathbf{z} + \mathbf{v}$, and
$\operatorname{Cov}[\mathbf{z}_i, \mathbf{z}_j] = \mathbf{A}^{i-j}\operatorname{Cov}[\mathbf{z}_j]$ for $i \ge j$):
""")

code(r"""
def joint_observation_gaussian(ssm, T):
    A, C, Q, R, mu0, V0 = ssm
    means, var = [mu0], [V0]
    for _ in range(1, T):
        means.append(A @ means[-1])
        var.append(A @ var[-1] @ A.T + Q)
    blocks = [[np.linalg.matrix_power(A, i - j) @ var[j] if i >= j
               else (np.linalg.matrix_power(A, j - i) @ var[i]).T for j in range(T)]
              for i in range(T)]
    Ck = np.kron(np.eye(T), C)
    return Ck @ np.concatenate(means), Ck @ np.block(blocks) @ Ck.T + np.kron(np.eye(T), R)


ssm_cv = kalman.constant_velocity(q=0.5, r=2.0)
x_short = kalman.sample(ssm_cv, 6, rng=5).x
mean_x, cov_x = joint_observation_gaussian(ssm_cv, 6)
direct = stats.multivariate_normal(mean_x, cov_x).logpdf(x_short.reshape(-1))
assert np.isclose(kalman.loglikelihood(x_short, ssm_cv), direct, rtol=1e-10)
print(f"log p(x_1..x_6): Kalman filter {kalman.loglikelihood(x_short, ssm_cv):.6f}, "
      f"joint Gaussian {direct:.6f}")
""")

# ------------------------------------------------------------------------------- Experiments
md(r"""
## Experiments

### Tracking a noisy 2-D trajectory

A point moves in the plane with a nearly constant velocity (the acceleration is white noise
of intensity $q$), and we observe its position with noise of variance $r$
(`kalman.constant_velocity`: state = position and velocity, $d = 4$, $p = 2$). The filter
uses the observations up to now, the smoother all of them:
""")

code(r"""
true_ssm = kalman.constant_velocity(dt=1.0, q=0.1, r=9.0, mu0=[0.0, 0.0, 1.0, 0.5],
                                    V0=np.diag([10.0, 10.0, 1.0, 1.0]))
data = kalman.sample(true_ssm, 120, rng=7)
fil = kalman.filter(data.x, true_ssm)
smo = kalman.smooth(data.x, true_ssm)


def rmse(est):
    return float(np.sqrt(np.mean(np.sum((est[:, :2] - data.z[:, :2]) ** 2, axis=1))))


print(f"position RMSE: observations {rmse(data.x):.2f}, filter {rmse(fil.mean):.2f}, "
      f"smoother {rmse(smo.mean):.2f}")
""")

code(r"""
def band(ax, t, mean, var, color, label):
    sd = np.sqrt(var)
    ax.plot(t, mean, color=color, lw=1.5, label=label)
    ax.fill_between(t, mean - 2 * sd, mean + 2 * sd, color=color, alpha=0.2)


t_axis = np.arange(1, 121)
fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
ax = axes[0]
ax.plot(data.z[:, 0], data.z[:, 1], "k-", lw=1, label="true path")
ax.plot(data.x[:, 0], data.x[:, 1], ".", color="0.6", ms=4, label="observations")
ax.plot(fil.mean[:, 0], fil.mean[:, 1], color="C0", label="filter")
ax.plot(smo.mean[:, 0], smo.mean[:, 1], color="C3", label="smoother")
ax.set(xlabel="position 1", ylabel="position 2", title="the plane")
ax.legend(fontsize=8)
ax = axes[1]
ax.plot(t_axis, data.x[:, 0], ".", color="0.6", ms=4)
band(ax, t_axis, fil.mean[:, 0], fil.cov[:, 0, 0], "C0", "filter $\\pm 2$ sd")
band(ax, t_axis, smo.mean[:, 0], smo.cov[:, 0, 0], "C3", "smoother $\\pm 2$ sd")
ax.plot(t_axis, data.z[:, 0], "k-", lw=1, label="true")
window = data.z[39:80, 0]
ax.set(xlabel="time step $n$", title="position 1 over time", xlim=(40, 80),
       ylim=(window.min() - 12, window.max() + 12))
ax.legend(fontsize=8)
ax = axes[2]
ax.semilogy(t_axis, fil.cov[:, 0, 0], color="C0", label="filter $V_n$")
ax.semilogy(t_axis, smo.cov[:, 0, 0], color="C3", label="smoother $\\hat V_n$")
ax.semilogy(t_axis, fil.predicted_cov[:, 0, 0], "--", color="C0", label="predicted $P_{n-1}$")
ax.set(xlabel="time step $n$", title="variance of position 1")
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()
""")

md(r"""
Left: the filter (blue) lags behind turns, since it only knows the past; the smoother (red)
uses the future too and hugs the true path. Middle: the $\pm 2$ standard-deviation bands;
the smoother's band is narrower everywhere. Right: the variances do not depend on the
data at all. From the prior they settle within a few steps to the Riccati fixed point; the
predicted variance is always above the filtered one (the observation adds information), and
the smoother's is smallest, rising only at the end of the series, where it has no future
left and equals the filter's.

### Fitting the noise levels by EM

Now pretend we do not know $\mathbf{Q}$ and $\mathbf{R}$: start EM from a model whose
$\mathbf{Q}$ is 30 times too large and whose $\mathbf{R}$ is 10 times too small, and fit
only these two (the structure $\mathbf{A}$, $\mathbf{C}$ stays known), on 400 time steps:
""")

code(r"""
long = kalman.sample(true_ssm, 400, rng=8)
start = true_ssm._replace(Q=30 * true_ssm.Q, R=0.1 * true_ssm.R)
history, r_path, ssm_k = [], [], start
for _ in range(30):  # what kalman.em(long.x, start, n_iter=30, fit=("Q", "R")) runs
    step = kalman.em_step(long.x, ssm_k, ("Q", "R"))
    ssm_k = step.ssm
    history.append(step.loglik)
    r_path.append(ssm_k.R[0, 0])
history.append(kalman.loglikelihood(long.x, ssm_k))
assert np.all(np.diff(history) >= -1e-9 * np.abs(history[:-1]))

fig, axes = plt.subplots(1, 2, figsize=(10, 3.3))
axes[0].plot(history, "o-", ms=3)
axes[0].axhline(kalman.loglikelihood(long.x, true_ssm), color="k", ls="--",
                label="true parameters")
axes[0].set(xlabel="EM iteration", ylabel="log-likelihood", title="EM never goes down",
            ylim=(history[1] - 40, history[-1] + 15))
axes[0].legend(fontsize=8)
axes[1].plot(np.arange(1, 31), r_path, "o-", ms=3, label="$R_{11}$ estimate")
axes[1].axhline(true_ssm.R[0, 0], color="k", ls="--", label="true $r = 9$")
axes[1].set(xlabel="EM iteration", title="observation noise variance")
axes[1].legend(fontsize=8)
fig.tight_layout()
plt.show()
print(f"fitted R diagonal: {np.round(np.diag(ssm_k.R), 2)}, true: {np.diag(true_ssm.R)}")
""")

md(r"""
The log-likelihood rises monotonically (the assertion checks it; the first value, far
below, is cut off). EM is fast far from the optimum and slow near it, a known trait of the
algorithm: after 30 iterations it is close to the value at the true parameters (dashed),
which a maximum-likelihood fit on a finite sample eventually exceeds (here after about 40
iterations). The observation noise variance jumps close to its true value within a few
iterations and then creeps towards the maximum-likelihood estimate of this sample, a little
above 9.
""")

# ------------------------------------------------------------------------------- Explore
md(r"""
## Explore

The filter's main knobs are the noise levels it *assumes*. Scale the model's $\mathbf{Q}$
and $\mathbf{R}$ by the two factors (the data stay those of the tracking experiment,
generated with factor 1): a small $\mathbf{Q}$ or a large $\mathbf{R}$ makes the filter
trust its dynamics and smooth heavily but lag behind; a large $\mathbf{Q}$ or a small
$\mathbf{R}$ makes it follow the noisy observations. With a kernel (Binder, Colab, a local
Jupyter) each move of a slider filters and smooths again; on the website the sliders step
through figures drawn when the book was built.
""")

code(r"""
def draw_tracking(ax, q_scale, r_scale, legend=False):
    model = true_ssm._replace(Q=q_scale * true_ssm.Q, R=r_scale * true_ssm.R)
    s = kalman.smooth(data.x, model)
    f = s.filtered
    ax.plot(t_axis, data.x[:, 0], ".", color="0.6", ms=3)
    band(ax, t_axis, f.mean[:, 0], f.cov[:, 0, 0], "C0", "filter")
    band(ax, t_axis, s.mean[:, 0], s.cov[:, 0, 0], "C3", "smoother")
    ax.plot(t_axis, data.z[:, 0], "k-", lw=0.8, label="true")
    window = data.z[29:90, 0]
    ax.set(xlim=(30, 90), ylim=(window.min() - 15, window.max() + 15),
           title=f"Q x {q_scale:g}, R x {r_scale:g}")
    if legend:
        ax.legend(fontsize=7)


def show_tracking(log10_q_scale=0.0, log10_r_scale=0.0):
    fig = Figure(figsize=(8, 3.2))
    ax = fig.subplots()
    draw_tracking(ax, 10**log10_q_scale, 10**log10_r_scale, legend=True)
    ax.set(xlabel="time step $n$", ylabel="position 1")
    fig.tight_layout()
    return fig


widgets.explore(show_tracking, log10_q_scale=[-3, -2, -1, 0, 1, 2, 3],
                log10_r_scale=[-3, -2, -1, 0, 1, 2, 3])
""")

md(r"""
A grid of settings at once: rows scale $\mathbf{Q}$, columns scale $\mathbf{R}$, by $10^{-2}$, $1$
and $10^{2}$. Along the diagonal the ratio of $\mathbf{Q}$ to $\mathbf{R}$ is the same, and
so are the means once the prior is forgotten (scaling both scales every covariance of the
recursion and leaves the gain unchanged); only the bands change width.
""")

code(r"""
scales = [0.01, 1.0, 100.0]
fig, axes = plt.subplots(3, 3, figsize=(12, 7.5), sharex=True, sharey=True)
for i, qs in enumerate(scales):
    for j, rs in enumerate(scales):
        draw_tracking(axes[i, j], qs, rs, legend=(i == 0 and j == 0))
for ax in axes[-1]:
    ax.set_xlabel("time step $n$")
fig.tight_layout()
plt.show()
""")

# ------------------------------------------------------------------------------- Library
md(r"""
## Check against a library

The same numbers from pykalman (filter, smoother, log-likelihood, one EM step) and filterpy
(a predict/update loop and its RTS smoother) on the tracking data. The full randomised
comparison, the brute-force joint Gaussian and the invariants (covariances positive
definite over $10^5$ steps, EM monotone) are in `tests/sequences/test_kalman.py`. The
[benchmark page](../../benchmarks.ipynb) times the filter and smoother against both libraries (`benchmarks/bench_kalman.py`).
""")

code(r"""
pk = PykalmanKF(transition_matrices=true_ssm.A, observation_matrices=true_ssm.C,
                transition_covariance=true_ssm.Q, observation_covariance=true_ssm.R,
                initial_state_mean=true_ssm.mu0, initial_state_covariance=true_ssm.V0)
pk_fm, pk_fV = pk.filter(data.x)
pk_sm, pk_sV = pk.smooth(data.x)

fp = FilterpyKF(dim_x=4, dim_z=2)
fp.F, fp.H, fp.Q, fp.R = true_ssm.A, true_ssm.C, true_ssm.Q, true_ssm.R
fp.x, fp.P = true_ssm.mu0.copy(), true_ssm.V0.copy()
fp_m, fp_V = [], []
for n_, xn in enumerate(data.x):
    if n_ > 0:  # mu0, V0 is the prior of z_1: no predict before the first update
        fp.predict()
    fp.update(xn)
    fp_m.append(fp.x.copy())
    fp_V.append(fp.P.copy())
fp_m, fp_V = np.array(fp_m), np.array(fp_V)
fp_sm, fp_sV, _, _ = rts_smoother(fp_m, fp_V, [true_ssm.A] * 120, [true_ssm.Q] * 120)

checks = [
    ("filtered means", fil.mean, pk_fm, fp_m),
    ("filtered covariances", fil.cov, pk_fV, fp_V),
    ("smoothed means", smo.mean, pk_sm, fp_sm),
    ("smoothed covariances", smo.cov, pk_sV, fp_sV),
]
for name, ours, theirs_pk, theirs_fp in checks:
    same_pk = np.allclose(ours, theirs_pk, rtol=0, atol=1e-8)
    same_fp = np.allclose(ours, theirs_fp, rtol=0, atol=1e-8)
    print(f"{name:22s} pykalman: {same_pk}, filterpy: {same_fp}")
    assert same_pk and same_fp, name
same_loglik = np.isclose(fil.loglik, pk.loglikelihood(data.x), rtol=1e-10)
print(f"{'log-likelihood':22s} pykalman: {same_loglik}")
assert same_loglik
""")

code(r"""
names = {"A": "transition_matrices", "C": "observation_matrices", "Q": "transition_covariance",
         "R": "observation_covariance", "mu0": "initial_state_mean",
         "V0": "initial_state_covariance"}
pk.em(data.x, n_iter=1, em_vars=list(names.values()))
one_step = kalman.em_step(data.x, true_ssm).ssm
for ours_name, pk_name in names.items():
    same = np.allclose(getattr(one_step, ours_name), getattr(pk, pk_name), rtol=1e-9, atol=1e-8)
    print(f"EM step, {ours_name:3s} == pykalman {pk_name}: {same}")
    assert same, ours_name
""")

# ------------------------------------------------------------------------------- Exercises
md(r"""
## Exercises

```{exercise}
:label: kf-ex-steady

A random walk observed in noise: $a = c = 1$, process noise $q$, observation noise $r$. The
predicted variance follows $P_n = V_n + q$ with $V_n = P_{n-1} - P_{n-1}^2/(P_{n-1} + r)$.
Find its fixed point $P^\ast > 0$ (the steady-state predicted variance) as an expression in
`q` and `r`, and check it in the cell below.
```

""")

code(r"""
answer = "q + r"  # replace by your expression in q and r, e.g. "sqrt(q*r)"
dv.check_answer(answer, (q + sp.sqrt(q**2 + 4 * q * r)) / 2, symbols=[q, r],
                hint="write the fixed-point equation P = P r/(P + r) + q and solve the quadratic.")
""")

md(r"""
```{solution-start} kf-ex-steady
:class: dropdown
```

At the fixed point $P = P r/(P + r) + q$, i.e. $P^2 - qP - qr = 0$, whose positive root is
$P^\ast = \bigl(q + \sqrt{q^2 + 4qr}\bigr)/2$. The steady-state gain is
$K = P^\ast/(P^\ast + r)$; this is the value the code freezes once the recursion has
converged.

The fixed point that derivlib's filter reaches, and the checker on this answer:
""")

code(r"""
walk = kalman.LinearGaussianSSM([[1.0]], [[1.0]], [[0.5]], [[2.0]], [0.0], [[10.0]])
steady = kalman.filter(np.zeros((200, 1)), walk).predicted_cov[-1, 0, 0]
print(f"filter: P = {steady:.10f}, formula: {(0.5 + np.sqrt(0.25 + 4 * 0.5 * 2.0)) / 2:.10f}")
dv.check_answer("(q + sqrt(q^2 + 4 q r))/2", (q + sp.sqrt(q**2 + 4 * q * r)) / 2,
                symbols=[q, r])
""")

md(r"""
```{solution-end}
```
""")

md(r"""
```{exercise}
:label: kf-ex-information

Show that the update {eq}`kf-update-mean`–{eq}`kf-joseph` can be written in *information
form*: $\mathbf{V}_n^{-1} = \mathbf{P}_{n-1}^{-1} + \mathbf{C}^\top\mathbf{R}^{-1}\mathbf{C}$
and $\mathbf{V}_n^{-1}\boldsymbol{\mu}_n = \mathbf{P}_{n-1}^{-1}\mathbf{A}\boldsymbol{\mu}_{n-1} +
\mathbf{C}^\top\mathbf{R}^{-1}\mathbf{x}_n$. When is this form cheaper?
```

```{solution} kf-ex-information
:class: dropdown

The first identity is the derivation "Updated covariance, information form" (Woodbury). For the mean, multiply
{eq}`kf-update-mean` by $\mathbf{V}_n^{-1}$ and use the two forms of the gain (derivation
"Kalman gain, two forms"): $\mathbf{V}_n^{-1}\mathbf{K}_n = \mathbf{C}^\top\mathbf{R}^{-1}$,
and $\mathbf{V}_n^{-1}(\mathbf{I} - \mathbf{K}_n\mathbf{C}) = \mathbf{P}_{n-1}^{-1}$.
It needs $d \times d$ solves instead of $p \times p$ ones, so it pays when there are many
more observations than states ($p \gg d$) with a diagonal $\mathbf{R}$, and it handles a
"no information" prior ($\mathbf{P}^{-1} = \mathbf{0}$) exactly.
```

```{exercise}
:label: kf-ex-joseph

Show that for *any* gain $\mathbf{K}$, the estimate $\mathbf{m} + \mathbf{K}(\mathbf{x} -
\mathbf{C}\mathbf{m})$ has error covariance given by the Joseph form, and that the optimal
gain minimises its trace. Then run the filter with the short form $(\mathbf{I} -
\mathbf{K}\mathbf{C})\mathbf{P}$ on the rotation model of the test
`test_covariances_stay_symmetric_positive_definite_over_1e5_steps` and watch its smallest
eigenvalue.
```

```{solution} kf-ex-joseph
:class: dropdown

The error is $\mathbf{z} - \mathbf{m} - \mathbf{K}(\mathbf{C}(\mathbf{z} - \mathbf{m}) +
\mathbf{v}) = (\mathbf{I} - \mathbf{K}\mathbf{C})(\mathbf{z} - \mathbf{m}) - \mathbf{K}\mathbf{v}$,
a sum of independent terms with covariances $(\mathbf{I} - \mathbf{K}\mathbf{C})\mathbf{P}
(\mathbf{I} - \mathbf{K}\mathbf{C})^\top$ and $\mathbf{K}\mathbf{R}\mathbf{K}^\top$. Its trace
is a convex quadratic in $\mathbf{K}$ with gradient $-2\mathbf{P}\mathbf{C}^\top +
2\mathbf{K}\mathbf{S}$, zero at $\mathbf{K} = \mathbf{P}\mathbf{C}^\top\mathbf{S}^{-1}$.
With the short form and very precise observations, rounding leaves a covariance that is
slightly asymmetric and, after enough steps, has a negative eigenvalue; the Joseph form's
two terms are positive semi-definite by construction.
```

```{exercise}
:label: kf-ex-mstep-r

The chain "M-step for r" gives $r = (S_{xx} - 2cS_{xz} + c^2S_{zz})/N$. Show that
this is $r = \frac1N\sum_{n=1}^N\bigl[(x_n - c\hat\mu_n)^2 + c^2\hat V_n\bigr]$.
Which term would a naive "plug in the smoothed means" estimate miss?
```

```{solution} kf-ex-mstep-r
:class: dropdown

Write the sums term by term and use $\mathbb{E}[z_n^2] = \hat V_n + \hat\mu_n^2$:
$x_n^2 - 2cx_n\hat\mu_n + c^2(\hat V_n + \hat\mu_n^2) = (x_n - c\hat\mu_n)^2 + c^2\hat V_n$,
which is $\mathbb{E}[(x_n - cz_n)^2]$ under the smoother (the mean and the variance of
$x_n - cz_n$). The naive estimate misses $c^2\hat V_n$ and underestimates $r$: the smoothed means are less
noisy than the states.
```

```{exercise}
:label: kf-ex-missing

Some observations are missing. How do the filter, the smoother and the likelihood change?
```

```{solution} kf-ex-missing
:class: dropdown

At a missing $\mathbf{x}_n$ there is nothing to condition on: skip the update
($\boldsymbol{\mu}_n = \mathbf{A}\boldsymbol{\mu}_{n-1}$, $\mathbf{V}_n = \mathbf{P}_{n-1}$,
equivalently $\mathbf{K}_n = \mathbf{0}$) and add nothing to the log-likelihood. The
smoother is unchanged, since it only uses the filter's output. (pykalman does this for
masked arrays; derivlib rejects NaN with a `ValueError` instead of guessing.)
```
""")

# ------------------------------------------------------------------------------- References
md(r"""
## References

The model, filter, smoother and EM follow {cite}`bishop2006prml` (sec. 13.3); see also
{cite}`murphy2012mlpp` (ch. 18) and {cite}`sarkka2013bayesian` for the Bayesian filtering
view. The filter is due to {cite}`kalman1960new`, the smoother to {cite}`rauch1965maximum`,
the Joseph form to {cite}`bucy1968filtering`, and EM for linear dynamical systems to
{cite}`shumway1982approach` and {cite}`ghahramani1996parameter`.

```{bibliography}
:filter: docname in docnames
```
""")

write(OUT)
