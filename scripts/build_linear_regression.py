"""Build chapters/linear_models/linear_regression.ipynb (cells only, no outputs) from the cells below.

The helpers come from scripts/_chapter.py. Usage, from the repository root::

    .venv/bin/python scripts/build_linear_regression.py
    make execute NB=chapters/linear_models/linear_regression.ipynb
"""

# ruff: noqa: E501  (the chapter's markdown has long LaTeX lines)
from __future__ import annotations

from _chapter import ROOT, code, colab, md, write

OUT = ROOT / "chapters" / "linear_models" / "linear_regression.ipynb"


# =====================================================================================
md(r"""
# Linear regression: the normal equation three ways, ridge and the lasso
""")

colab()

code(r"""
import matplotlib.pyplot as plt
import numpy as np
import sympy as sp
from IPython.display import Markdown
from sklearn.datasets import load_diabetes
from sklearn.linear_model import Lasso, LinearRegression, Ridge

from derivlib import derivation as dv
from derivlib import widgets
from derivlib.linear_models import linear_regression as lr

plt.rcParams.update({"figure.dpi": 100, "axes.grid": True, "grid.alpha": 0.3})
""", "hide-input")

# ------------------------------------------------------------------------------- Goal
md(r"""
## Goal

Least squares is the first model of machine learning and the one whose solution is known
in closed form. This chapter derives that solution, the **normal equation**
$\mathbf{X}^\top\mathbf{X}\,\mathbf{w} = \mathbf{X}^\top\mathbf{t}$, three ways, each of which
explains something the others do not:

* **algebra**: set the gradient of the squared loss to zero (a matrix-calculus step that the
  derivation checker verifies by finite differences on random matrices of random size);
* **geometry**: the fitted values are the orthogonal projection of $\mathbf{t}$ onto the
  column space of $\mathbf{X}$; the residual is orthogonal to every column, and the *hat
  matrix* is symmetric and idempotent;
* **probability**: with Gaussian noise, the maximum-likelihood weights are the least-squares
  weights, and the noise variance has its own estimate.

It then adds the two classic penalties {cite}`hastie2009elements` (ch. 3): **ridge**
{cite}`hoerl1970ridge` (closed form; a MAP estimate under a Gaussian prior; shrinkage by
$d_j^2/(d_j^2+\lambda)$ along the singular directions) and the **lasso**
{cite}`tibshirani1996regression` (subgradients, soft thresholding, coordinate descent
{cite}`friedman2010regularization`), and finishes with **gradient descent**, which converges
exactly when the step size is below $2/L$, $L$ the largest eigenvalue of the Hessian.

**Prerequisites**: the squared loss as the negative log-likelihood of a Gaussian
([Maximum likelihood as KL minimisation](../foundations/mle_kl.ipynb)); gradients of
$\mathbf{a}^\top\mathbf{w}$ and $\mathbf{w}^\top\mathbf{A}\mathbf{w}$; the singular value
decomposition.
**Afterwards you can** solve least squares stably (QR or SVD, never an explicit inverse),
read ridge and lasso as priors, write a coordinate-descent lasso solver with a duality-gap
stopping rule that agrees with scikit-learn to eight digits, and choose a step size for
gradient descent from the spectrum of $\mathbf{X}^\top\mathbf{X}$.

Marks in the derivations: [symbolic] proved by SymPy for all values of the symbols;
[instance] proved by SymPy for the fixed size the chain names; [numeric] checked at sample
points (exact values drawn wide, random matrices of random size); [cited: key] a result
taken from the reference, not checked. Under each chain, *where* lists its definitions and
*assuming* its hypotheses. A theorem the chapter uses without proving it is shown as a cited
block.
""")

# ------------------------------------------------------------------------------- Model
md(r"""
## Model

We observe $N$ samples $\mathbf{x}_n \in \mathbb{R}^D$ with real targets $t_n$, stacked as the
data matrix $\mathbf{X} \in \mathbb{R}^{N\times D}$ (row $n$ is $\mathbf{x}_n^\top$) and the
target vector $\mathbf{t} \in \mathbb{R}^N$ (scikit-learn calls it `y`). A **linear model**
predicts $y(\mathbf{x}, \mathbf{w}) = \mathbf{w}^\top\mathbf{x} + w_0$ with weights
$\mathbf{w} \in \mathbb{R}^D$ and an intercept $w_0$. For the derivation we drop $w_0$: it is
removed by centring (subtract the column means of $\mathbf{X}$ and the mean of $\mathbf{t}$,
fit $\mathbf{w}$, then $w_0 = \bar t - \bar{\mathbf{x}}^\top\mathbf{w}$), which is also how
derivlib and scikit-learn handle it; the intercept is never penalised.

The four objectives of the chapter, with the scalings scikit-learn uses (so that derivlib's
`lam` is scikit-learn's `alpha`):

| method | minimise over $\mathbf{w}$ | derivlib | scikit-learn |
|---|---|---|---|
| least squares | $\lVert\mathbf{t} - \mathbf{X}\mathbf{w}\rVert^2$ | `lr.least_squares` | `LinearRegression` |
| ridge | $\lVert\mathbf{t} - \mathbf{X}\mathbf{w}\rVert^2 + \lambda\lVert\mathbf{w}\rVert_2^2$ | `lr.ridge` | `Ridge(alpha=λ)` |
| lasso | $\frac{1}{2N}\lVert\mathbf{t} - \mathbf{X}\mathbf{w}\rVert^2 + \lambda\lVert\mathbf{w}\rVert_1$ | `lr.lasso` | `Lasso(alpha=λ)` |
| gradient descent on | $E(\mathbf{w}) = \frac12\lVert\mathbf{t} - \mathbf{X}\mathbf{w}\rVert^2$ | `lr.gradient_descent` | — |

Here $\lVert\mathbf{w}\rVert_1 = \sum_j |w_j|$. The $\frac{1}{2N}$ of the lasso makes its
$\lambda$ independent of the sample size; the ridge objective has no such factor. In the
SymPy cells $\mathbf{X}$, $\mathbf{w}$, $\mathbf{t}$ are matrix symbols of symbolic size
$N \times D$, $D \times 1$, $N \times 1$: a step that SymPy cannot simplify is checked on random
matrices of random size, and so is every derivative with respect to a matrix or a vector,
by finite differences (SymPy's matrix calculus is not trusted).
""")

# ------------------------------------------------------------------------------- Derivation
md(r"""
## Derivation

### Algebra: the gradient of the squared loss

Expand the squared norm $\lVert\mathbf{t} - \mathbf{X}\mathbf{w}\rVert^2 = (\mathbf{t} -
\mathbf{X}\mathbf{w})^\top(\mathbf{t} - \mathbf{X}\mathbf{w})$; the cross terms
$\mathbf{t}^\top\mathbf{X}\mathbf{w}$ and $\mathbf{w}^\top\mathbf{X}^\top\mathbf{t}$ are the
same scalar. Then use $\nabla_{\mathbf{w}}\,\mathbf{w}^\top\mathbf{a} = \mathbf{a}$ and
$\nabla_{\mathbf{w}}\,\mathbf{w}^\top\mathbf{A}\mathbf{w} = 2\mathbf{A}\mathbf{w}$ for a
symmetric $\mathbf{A} = \mathbf{X}^\top\mathbf{X}$:
""")

code(r"""
N, D = sp.symbols("N D", integer=True, positive=True)
X = sp.MatrixSymbol(r"\mathbf{X}", N, D)
w = sp.MatrixSymbol(r"\mathbf{w}", D, 1)
t = sp.MatrixSymbol(r"\mathbf{t}", N, 1)
w_hat = sp.MatrixSymbol(r"\hat{\mathbf{w}}", D, 1)
I_D = sp.Identity(D)
G = X.T * X  # the Gram matrix X^T X
tall = {N: (5, 7), D: (1, 4)}  # sizes for numeric checks that need X^T X invertible

gradient = dv.Derivation(sp.Derivative((t - X * w).T * (t - X * w), w),
                         title="Gradient of the squared loss")
gradient.step(sp.Derivative(t.T * t - 2 * w.T * X.T * t + w.T * X.T * X * w, w),
              "expand; $\\mathbf{t}^T\\mathbf{X}\\mathbf{w} = \\mathbf{w}^T\\mathbf{X}^T\\mathbf{t}$ (a scalar)")
gradient.step(-2 * X.T * t + 2 * X.T * X * w,
              "$\\nabla \\mathbf{w}^T\\mathbf{a} = \\mathbf{a}$, $\\nabla \\mathbf{w}^T\\mathbf{A}\\mathbf{w} = 2\\mathbf{A}\\mathbf{w}$")
gradient.step(-2 * X.T * (t - X * w), "factor out $-2\\mathbf{X}^T$")
gradient
""")

md(r"""
The gradient vanishes where

$$
\mathbf{X}^\top\mathbf{X}\,\mathbf{w} = \mathbf{X}^\top\mathbf{t} .
$$ (lr-normal)

```{prf:theorem} Least squares
:label: lr-thm-ls

If $\mathbf{X}$ has full column rank $D$, then $\mathbf{X}^\top\mathbf{X}$ is invertible and
the unique minimiser of $\lVert\mathbf{t} - \mathbf{X}\mathbf{w}\rVert^2$ is

$$
\hat{\mathbf{w}} = (\mathbf{X}^\top\mathbf{X})^{-1}\mathbf{X}^\top\mathbf{t} .
$$ (lr-ls)

Without full rank the minimisers form an affine set; the one of smallest norm is
$\mathbf{X}^{+}\mathbf{t}$ (the pseudo-inverse).
```

```{prf:proof}
The objective is a quadratic with Hessian $2\mathbf{X}^\top\mathbf{X}$, and
$\mathbf{v}^\top\mathbf{X}^\top\mathbf{X}\mathbf{v} = \lVert\mathbf{X}\mathbf{v}\rVert^2 > 0$ for
$\mathbf{v} \ne \mathbf{0}$ when the columns are independent: the objective is strictly convex,
so its only stationary point, the solution of {eq}`lr-normal`, is the global minimiser.
The check below confirms that {eq}`lr-ls` solves {eq}`lr-normal`. $\square$
```
""")

code(r"""
normal = dv.Derivation(X.T * (t - X * w_hat), domains=tall,
                       define=[sp.Eq(w_hat, G.I * X.T * t)],
                       title="The least-squares weights solve the normal equation")
normal.step(X.T * t - X.T * X * w_hat, "distribute")
normal.step(sp.MatAdd(X.T * t, -sp.MatMul(G, G.I, X.T, t, evaluate=False), evaluate=False),
            "definition (lr-ls) of $\\hat{\\mathbf{w}}$")
normal.step(sp.ZeroMatrix(D, 1), "$(\\mathbf{X}^T\\mathbf{X})(\\mathbf{X}^T\\mathbf{X})^{-1} = \\mathbf{I}$")
normal
""")

md(r"""
{eq}`lr-ls` is the formula, not the algorithm. Forming $\mathbf{X}^\top\mathbf{X}$ squares the
condition number of $\mathbf{X}$, so derivlib instead factors $\mathbf{X} = \mathbf{Q}\mathbf{R}$
($\mathbf{Q}$ with orthonormal columns, $\mathbf{R}$ upper triangular); then
{eq}`lr-normal` becomes $\mathbf{R}^\top\mathbf{R}\mathbf{w} = \mathbf{R}^\top\mathbf{Q}^\top\mathbf{t}$,
i.e. the triangular system $\mathbf{R}\mathbf{w} = \mathbf{Q}^\top\mathbf{t}$
{cite}`golub2013matrix` (sec. 5.3). For rank-deficient $\mathbf{X}$ the SVD gives the
minimum-norm solution.

### Geometry: an orthogonal projection

The fitted values $\hat{\mathbf{t}} = \mathbf{X}\hat{\mathbf{w}}$ lie in the column space of
$\mathbf{X}$, and {eq}`lr-normal` says that the residual $\mathbf{t} - \hat{\mathbf{t}}$ is
orthogonal to every column: $\mathbf{X}^\top(\mathbf{t} - \mathbf{X}\hat{\mathbf{w}}) = \mathbf{0}$.
So $\hat{\mathbf{t}}$ is the orthogonal projection of $\mathbf{t}$ onto that space, and the
matrix that maps $\mathbf{t}$ to $\hat{\mathbf{t}}$ (it puts the hat on $\mathbf{t}$) is

$$
\mathbf{H} = \mathbf{X}(\mathbf{X}^\top\mathbf{X})^{-1}\mathbf{X}^\top .
$$ (lr-hat)

A matrix is an orthogonal projection exactly when it is symmetric and idempotent. Both
properties, checked:
""")

code(r"""
H = X * G.I * X.T

symmetric = dv.Derivation(sp.Transpose(H), domains=tall, title="The hat matrix is symmetric")
symmetric.step(sp.MatMul(X, sp.Transpose(G.I), X.T, evaluate=False),
               "$(\\mathbf{A}\\mathbf{B}\\mathbf{C})^T = \\mathbf{C}^T\\mathbf{B}^T\\mathbf{A}^T$")
symmetric.step(sp.MatMul(X, sp.Inverse(sp.Transpose(G)), X.T, evaluate=False),
               "$(\\mathbf{A}^{-1})^T = (\\mathbf{A}^T)^{-1}$")
symmetric.step(H, "$(\\mathbf{X}^T\\mathbf{X})^T = \\mathbf{X}^T\\mathbf{X}$")
symmetric
""")

code(r"""
idempotent = dv.Derivation(sp.MatMul(H, H, evaluate=False), domains=tall,
                           title="The hat matrix is idempotent")
idempotent.step(sp.MatMul(X, G.I, G, G.I, X.T, evaluate=False), "regroup the product")
idempotent.step(H, "$(\\mathbf{X}^T\\mathbf{X})^{-1}(\\mathbf{X}^T\\mathbf{X}) = \\mathbf{I}$")
idempotent
""")

code(r"""
residual = dv.Derivation(sp.MatMul(X.T, sp.MatAdd(sp.Identity(N), -H, evaluate=False), evaluate=False),
                         domains=tall, title="The residual maker annihilates the columns")
residual.step(sp.MatAdd(X.T, sp.MatMul(-1, G, G.I, X.T, evaluate=False), evaluate=False), "distribute")
residual.step(sp.MatAdd(X.T, sp.MatMul(-1, X.T, evaluate=False), evaluate=False),
              "$(\\mathbf{X}^T\\mathbf{X})(\\mathbf{X}^T\\mathbf{X})^{-1} = \\mathbf{I}$")
residual.step(sp.ZeroMatrix(D, N), "cancel")
residual
""")

md(r"""
```{prf:theorem} Least squares is an orthogonal projection
:label: lr-thm-projection

For $\mathbf{X}$ of full column rank, $\mathbf{H}$ of {eq}`lr-hat` is symmetric, idempotent,
has trace $D$, and $\mathbf{H}\mathbf{t}$ is the point of the column space of $\mathbf{X}$
closest to $\mathbf{t}$: $\lVert\mathbf{t} - \mathbf{X}\mathbf{w}\rVert^2 =
\lVert\mathbf{t} - \mathbf{H}\mathbf{t}\rVert^2 + \lVert\mathbf{H}\mathbf{t} - \mathbf{X}\mathbf{w}\rVert^2$
for every $\mathbf{w}$.
```

```{prf:proof}
Symmetry and idempotence are the two checked chains above;
$\operatorname{tr}\mathbf{H} = \operatorname{tr}\big((\mathbf{X}^\top\mathbf{X})^{-1}\mathbf{X}^\top\mathbf{X}\big) = \operatorname{tr}\mathbf{I}_D = D$
by the cyclic property of the trace. Write $\mathbf{t} - \mathbf{X}\mathbf{w} = (\mathbf{t} -
\mathbf{H}\mathbf{t}) + (\mathbf{H}\mathbf{t} - \mathbf{X}\mathbf{w})$: the second vector lies in
the column space, the first, $(\mathbf{I} - \mathbf{H})\mathbf{t}$, is orthogonal to it
(third chain: $\mathbf{X}^\top(\mathbf{I} - \mathbf{H}) = \mathbf{0}$), so the cross term of the
squared norm vanishes (Pythagoras). The sum is smallest when the second term is zero,
i.e. $\mathbf{X}\mathbf{w} = \mathbf{H}\mathbf{t}$. $\square$
```

### Probability: the Gaussian maximum-likelihood estimate

Assume $t_n = \mathbf{w}^\top\mathbf{x}_n + \varepsilon_n$ with independent noise
$\varepsilon_n \sim \mathcal{N}(0, \sigma^2)$, i.e. $t_n \sim \mathcal{N}(y_n, \sigma^2)$ with
$y_n = \mathbf{w}^\top\mathbf{x}_n$. One sample contributes to the log-likelihood
""")

code(r"""
n = sp.Symbol("n", integer=True, positive=True)
t_n, y_n = sp.symbols("t_n y_n", real=True)
sigma2 = sp.Symbol("sigma^2", positive=True)

log_density = dv.Derivation(sp.log(sp.exp(-(t_n - y_n)**2 / (2 * sigma2)) / sp.sqrt(2 * sp.pi * sigma2)),
                            title="Log-density of one Gaussian sample")
log_density.step(-sp.log(2 * sp.pi * sigma2) / 2 - (t_n - y_n)**2 / (2 * sigma2),
                 "$\\log e^a = a$, $\\log \\sqrt{b} = \\frac12 \\log b$")
log_density
""")

md(r"""
and by independence the log-likelihood is the sum over the samples,

$$
\ell(\mathbf{w}, \sigma^2) = -\frac{N}{2}\log(2\pi\sigma^2) - \frac{1}{2\sigma^2}
\lVert\mathbf{t} - \mathbf{X}\mathbf{w}\rVert^2 .
$$ (lr-loglik)

For any fixed $\sigma^2$, maximising $\ell$ over $\mathbf{w}$ is minimising
$\lVert\mathbf{t} - \mathbf{X}\mathbf{w}\rVert^2$: **the maximum-likelihood weights are the
least-squares weights** {eq}`lr-ls`, as in
[Maximum likelihood as KL minimisation](../foundations/mle_kl.ipynb). With the residual sum
of squares $S = \lVert\mathbf{t} - \mathbf{X}\hat{\mathbf{w}}\rVert^2$ at the optimum, the
derivative in $\sigma^2$ (the variable is the variance itself):
""")

code(r"""
S = sp.Symbol("S", positive=True)  # residual sum of squares at w_hat
N_ = sp.Symbol("N", positive=True)  # N as a positive real, for the calculus in sigma^2
loglik = -N_ / 2 * sp.log(2 * sp.pi * sigma2) - S / (2 * sigma2)

variance = dv.Derivation(sp.Derivative(loglik, sigma2), title="Derivative in the noise variance")
variance.step(-N_ / (2 * sigma2) + S / (2 * sigma2**2), "differentiate")
variance.step(N_ / (2 * sigma2**2) * (S / N_ - sigma2), "factor")
variance
""")

md(r"""
The derivative is positive for $\sigma^2 < S/N$ and negative above, so

$$
\hat\sigma^2_{\text{ML}} = \frac{1}{N}\lVert\mathbf{t} - \mathbf{X}\hat{\mathbf{w}}\rVert^2 .
$$ (lr-sigma-ml)

Like the maximum-likelihood variance of {doc}`../foundations/sample_variance`, it is biased:
$\mathbb{E}\lVert\mathbf{t} - \mathbf{X}\hat{\mathbf{w}}\rVert^2 = \sigma^2(N - D)$ (the
residual is $(\mathbf{I} - \mathbf{H})\boldsymbol{\varepsilon}$ and
$\operatorname{tr}(\mathbf{I} - \mathbf{H}) = N - D$), so the unbiased estimate divides by
$N - D$ (`lr.noise_variance(..., ddof=D)`; one more with an intercept). See the first exercise.

### Ridge: a closed form, a prior, and shrinkage

Add $\lambda\lVert\mathbf{w}\rVert^2 = \lambda\mathbf{w}^\top\mathbf{w}$ to the squared loss and
differentiate as before:
""")

code(r"""
lam = sp.Symbol("lambda", positive=True)

ridge_gradient = dv.Derivation(sp.Derivative((t - X * w).T * (t - X * w) + lam * w.T * w, w),
                               title="Gradient of the ridge objective")
ridge_gradient.step(-2 * X.T * (t - X * w) + 2 * lam * w, "as above; $\\nabla \\mathbf{w}^T\\mathbf{w} = 2\\mathbf{w}$")
ridge_gradient.step(2 * ((X.T * X + lam * I_D) * w - X.T * t), "collect the terms in $\\mathbf{w}$")
ridge_gradient
""")

md(r"""
$\mathbf{X}^\top\mathbf{X} + \lambda\mathbf{I}$ is positive definite for every $\lambda > 0$,
even when $\mathbf{X}$ has more columns than rows, so ridge always has the unique solution

$$
\hat{\mathbf{w}}_\lambda = (\mathbf{X}^\top\mathbf{X} + \lambda\mathbf{I})^{-1}\mathbf{X}^\top\mathbf{t} .
$$ (lr-ridge)

**Ridge as a MAP estimate.** Put a Gaussian prior $\mathbf{w} \sim \mathcal{N}(\mathbf{0},
\tau^2\mathbf{I})$ on the weights. The negative log-posterior is, up to a constant, the
negative log of likelihood times prior. With $S_{\mathbf{w}} =
\lVert\mathbf{t} - \mathbf{X}\mathbf{w}\rVert^2$ and $Q_{\mathbf{w}} = \lVert\mathbf{w}\rVert^2$:
""")

code(r"""
tau2 = sp.Symbol("tau^2", positive=True)
S_w, Q_w = sp.symbols("S_w Q_w", nonnegative=True)
D_ = sp.Symbol("D", positive=True)
likelihood = (2 * sp.pi * sigma2) ** (-N_ / 2) * sp.exp(-S_w / (2 * sigma2))
prior = (2 * sp.pi * tau2) ** (-D_ / 2) * sp.exp(-Q_w / (2 * tau2))
const = N_ / 2 * sp.log(2 * sp.pi * sigma2) + D_ / 2 * sp.log(2 * sp.pi * tau2)  # no w in it

map_ridge = dv.Derivation(-sp.log(likelihood * prior), title="Ridge is the MAP estimate")
map_ridge.step(S_w / (2 * sigma2) + Q_w / (2 * tau2) + const, "log of products, powers and exponentials")
map_ridge.step((S_w + sigma2 / tau2 * Q_w) / (2 * sigma2) + const, "factor out $1/(2\\sigma^2)$")
map_ridge
""")

md(r"""
Minimising this over $\mathbf{w}$ is ridge regression with $\lambda = \sigma^2/\tau^2$: a
strong prior (small $\tau^2$) or noisy data (large $\sigma^2$) means a large penalty
{cite}`bishop2006prml` (sec. 3.3).

**Shrinkage along the singular directions.** Take the thin SVD $\mathbf{X} =
\mathbf{U}\mathbf{D}\mathbf{V}^\top$: $\mathbf{U}$ ($N \times D$) and $\mathbf{V}$ ($D\times D$)
have orthonormal columns, $\mathbf{D} = \operatorname{diag}(d_1 \ge \dots \ge d_D \ge 0)$. In the
coordinates $\mathbf{c} = \mathbf{U}^\top\mathbf{t}$ of the target along the left singular
vectors, the least-squares fit is $\mathbf{U}^\top\hat{\mathbf{t}} = \mathbf{c}$: it keeps
every coordinate. For ridge we need $(\mathbf{X}^\top\mathbf{X} + \lambda\mathbf{I})^{-1}$ with
$\mathbf{X}^\top\mathbf{X} = \mathbf{V}\mathbf{D}^2\mathbf{V}^\top$. The facts about the SVD enter
only where a step says so; for those steps the checker needs an orthogonal matrix, and it
uses the general $2\times 2$ rotation $\mathbf{V} = \begin{pmatrix}\cos\theta & -\sin\theta\\
\sin\theta & \cos\theta\end{pmatrix}$ with $D = 2$, so the two chains below are marked as
the instance $D = 2$ (the argument is the same in any dimension, and the code is compared
with scikit-learn in every dimension). First,
$\mathbf{V}(\mathbf{D}^2 + \lambda\mathbf{I})^{-1}\mathbf{V}^\top$ is the inverse we need:
"""
)

code(r"""
dv.cite("The thin singular value decomposition",
        r"\mathbf{X} = \mathbf{U}\mathbf{D}\mathbf{V}^\top,\quad \mathbf{U}^\top\mathbf{U} = "
        r"\mathbf{V}^\top\mathbf{V} = \mathbf{V}\mathbf{V}^\top = \mathbf{I}_D,\quad "
        r"\mathbf{D} = \operatorname{diag}(d_1 \ge \dots \ge d_D \ge 0)",
        "golub2013matrix", note="exists for every real N x D matrix with N >= D (sec. 2.4)")
""", "hide-input")

code(r"""
theta, d1, d2, c1, c2 = sp.symbols("theta d_1 d_2 c_1 c_2", real=True)
V = sp.MatrixSymbol(r"\mathbf{V}", 2, 2)
Dm = sp.MatrixSymbol(r"\mathbf{D}", 2, 2)
c = sp.MatrixSymbol(r"\mathbf{c}", 2, 1)
I_2 = sp.Identity(2)
rotation = [sp.Eq(V, sp.ImmutableMatrix([[sp.cos(theta), -sp.sin(theta)], [sp.sin(theta), sp.cos(theta)]]))]
diagonal = [sp.Eq(Dm, sp.ImmutableMatrix(sp.diag(d1, d2))), sp.Eq(c, sp.ImmutableMatrix([c1, c2]))]
shifted = sp.MatAdd(Dm**2, lam * I_2)  # D^2 + lambda I

svd_inverse = dv.Derivation(sp.MatMul(V * Dm**2 * V.T + lam * I_2, V, evaluate=False),
                            instance="D = 2", title="The ridge matrix in SVD coordinates")
svd_inverse.step(V * Dm**2 * V.T * V + lam * V, "distribute")
svd_inverse.step(V * Dm**2 + lam * V, "$\\mathbf{V}^T\\mathbf{V} = \\mathbf{I}$ ($\\mathbf{V}$ orthogonal)",
                 define=rotation, check="numeric")
svd_inverse.step(V * shifted, "factor out $\\mathbf{V}$")
svd_inverse
""")

md(r"""
Multiplying on the right by $(\mathbf{D}^2 + \lambda\mathbf{I})^{-1}\mathbf{V}^\top$ gives
$(\mathbf{V}\mathbf{D}^2\mathbf{V}^\top + \lambda\mathbf{I})^{-1} = \mathbf{V}(\mathbf{D}^2 +
\lambda\mathbf{I})^{-1}\mathbf{V}^\top$. The ridge fit in the coordinates $\mathbf{U}^\top$ is
$\mathbf{U}^\top\mathbf{X}\hat{\mathbf{w}}_\lambda = \mathbf{D}\mathbf{V}^\top\,\mathbf{V}(\mathbf{D}^2 +
\lambda\mathbf{I})^{-1}\mathbf{V}^\top\,\mathbf{V}\mathbf{D}\mathbf{c}$ by {eq}`lr-ridge` with
$\mathbf{X}^\top\mathbf{t} = \mathbf{V}\mathbf{D}\mathbf{c}$, and
""")

code(r"""
shrinkage = dv.Derivation(sp.MatMul(Dm, V.T, V, sp.Inverse(shifted), V.T, V, Dm, c, evaluate=False),
                          instance="D = 2", title="Ridge shrinks along the singular directions")
shrinkage.step(sp.MatMul(Dm, sp.Inverse(shifted), Dm, c, evaluate=False),
               "$\\mathbf{V}^T\\mathbf{V} = \\mathbf{I}$", define=rotation, check="numeric")
shrinkage.step(sp.ImmutableMatrix([d1**2 / (d1**2 + lam) * c1, d2**2 / (d2**2 + lam) * c2]),
               "$\\mathbf{D}$ is diagonal", define=diagonal, check="numeric")
shrinkage
""")

md(r"""
So ridge multiplies the $j$-th coordinate of the fit by

$$
\frac{d_j^2}{d_j^2 + \lambda} \in (0, 1], \qquad
\operatorname{df}(\lambda) = \sum_{j=1}^{D}\frac{d_j^2}{d_j^2 + \lambda},
$$ (lr-shrink)

shrinking most the directions of small variance $d_j^2$, where the data say least; the sum
$\operatorname{df}(\lambda)$ is the *effective number of parameters*, from $D$ at $\lambda = 0$
down to $0$ {cite}`hastie2009elements` (sec. 3.4.1). In the weights themselves,

$$
\hat{\mathbf{w}}_\lambda = \mathbf{V}\operatorname{diag}\!\Big(\frac{d_j}{d_j^2+\lambda}\Big)\mathbf{U}^\top\mathbf{t},
$$ (lr-ridge-svd)

which is how derivlib computes ridge (one SVD serves every $\lambda$ of a path).

### The lasso: subgradients and soft thresholding

The lasso objective

$$
F(\mathbf{w}) = \frac{1}{2N}\lVert\mathbf{t} - \mathbf{X}\mathbf{w}\rVert^2 + \lambda\lVert\mathbf{w}\rVert_1
$$ (lr-lasso)

is convex but not differentiable where a coordinate is zero. There one uses the
**subdifferential** of $|w|$: $\{\operatorname{sign}(w)\}$ for $w \ne 0$ and the interval
$[-1, 1]$ at $w = 0$; a point minimises a convex function iff $0$ belongs to its
subdifferential there {cite}`boyd2004convex,rockafellar1970convex`. **Coordinate descent**
minimises $F$ in one coordinate $w_j$ at a time, the others fixed
{cite}`friedman2010regularization`. Let
$\mathbf{x}_j$ be the $j$-th column and $\mathbf{r}^{(j)} = \mathbf{t} - \sum_{k\ne j}\mathbf{x}_k w_k$
the *partial residual*; then $\mathbf{t} - \mathbf{X}\mathbf{w} = \mathbf{r}^{(j)} - \mathbf{x}_j w_j$ and
""")

code(r"""
dv.cite("Optimality for a smooth convex function plus a convex penalty",
        r"\mathbf{w}^\star \in \arg\min_{\mathbf{w}} \big(f(\mathbf{w}) + g(\mathbf{w})\big) "
        r"\iff -\nabla f(\mathbf{w}^\star) \in \partial g(\mathbf{w}^\star)",
        "rockafellar1970convex",
        note="f convex and differentiable, g convex (here lambda times the l1 norm); "
             "the sum rule of subdifferentials")
""", "hide-input")

code(r"""
x_j = sp.MatrixSymbol(r"\mathbf{x}_j", N, 1)
r_j = sp.MatrixSymbol(r"\mathbf{r}^{(j)}", N, 1)
w_j = sp.Symbol("w_j", real=True)

one_coordinate = dv.Derivation((r_j - x_j * w_j).T * (r_j - x_j * w_j),
                               title="The squared loss in one coordinate")
one_coordinate.step(r_j.T * r_j - 2 * w_j * x_j.T * r_j + w_j**2 * x_j.T * x_j,
                    "expand; $\\mathbf{x}_j^T\\mathbf{r}^{(j)}$ is a scalar")
one_coordinate
""")

md(r"""
With $a_j = \lVert\mathbf{x}_j\rVert^2$ and $\rho_j = \mathbf{x}_j^\top\mathbf{r}^{(j)}$ the
problem in $w_j$ is the scalar $\frac{1}{2N}(a_j w_j^2 - 2\rho_j w_j) + \lambda|w_j|$ + const,
whose optimality condition is $0 \in (a_j w_j - \rho_j)/N + \lambda\,\partial|w_j|$.

```{prf:theorem} The coordinate-descent update of the lasso
:label: lr-thm-soft

The minimiser of $\frac{1}{2N}(a w^2 - 2\rho w) + \lambda|w|$ over $w\in\mathbb{R}$, for
$a > 0$, $\lambda \ge 0$, is

$$
w^\star = \frac{S(\rho, N\lambda)}{a}, \qquad S(z, \gamma) = \operatorname{sign}(z)\max(|z| - \gamma, 0)
$$ (lr-soft)

(the **soft-thresholding** operator). Hence coordinate descent updates

$$
w_j \leftarrow \frac{S(\rho_j, N\lambda)}{\lVert\mathbf{x}_j\rVert^2}, \qquad
\rho_j = \mathbf{x}_j^\top(\mathbf{r} + \mathbf{x}_j w_j),
$$ (lr-cd-update)

with $\mathbf{r} = \mathbf{t} - \mathbf{X}\mathbf{w}$ the full residual, kept up to date after
each change of a coordinate.
```

```{prf:proof}
The function is strictly convex, so it suffices that $0$ lies in its subdifferential at
$w^\star$. *Case $\rho > N\lambda$*: $w^\star = (\rho - N\lambda)/a > 0$ and the (only)
subgradient vanishes, checked below. *Case $\rho < -N\lambda$*: symmetric, checked below.
*Case $|\rho| \le N\lambda$*: $w^\star = 0$ and $0 = (0 - \rho)/N + \lambda u$ with
$u = \rho/(N\lambda) \in [-1, 1]$, a valid subgradient of $|w|$ at $0$. Finally
$\mathbf{r}^{(j)} = \mathbf{r} + \mathbf{x}_j w_j$. $\square$
```
""")

code(r"""
a, delta = sp.symbols("a delta", positive=True)
rho = sp.Symbol("rho", real=True)
w_star = sp.Symbol("w^\\star", real=True)
subgradient = (a * w_star - rho) / N_ + lam * sp.sign(w_star)

case_above = dv.Derivation(subgradient, title="Case 1: a positive minimiser",
                           define=[sp.Eq(w_star, (rho - N_ * lam) / a),
                                   sp.Eq(rho, N_ * lam + delta)])
case_above.step(-lam + lam * sp.sign((rho - N_ * lam) / a), "substitute $w^\\star = (\\rho - N\\lambda)/a$")
case_above.step(0, "$\\rho - N\\lambda = \\delta > 0$, so the sign is 1")

case_below = dv.Derivation(subgradient, title="Case 2: a negative minimiser",
                           define=[sp.Eq(w_star, (rho + N_ * lam) / a),
                                   sp.Eq(rho, -N_ * lam - delta)])
case_below.step(lam + lam * sp.sign((rho + N_ * lam) / a), "substitute $w^\\star = (\\rho + N\\lambda)/a$")
case_below.step(0, "$\\rho + N\\lambda = -\\delta < 0$, so the sign is $-1$")
display(case_above, case_below)
""")

md(r"""
**Two ways to keep the update cheap.** In the *residual* form, each coordinate costs two
length-$N$ vector operations ($\rho_j$ by a dot product, then $\mathbf{r} \mathrel{-}=
\mathbf{x}_j\,\Delta w_j$), $O(ND)$ per sweep; a coordinate that stays at zero costs only the
dot product. In
the *covariance* (Gram) form, $\mathbf{X}^\top\mathbf{X}$ and $\mathbf{X}^\top\mathbf{t}$ are computed
once ($O(ND^2)$) and $\rho_j$ is read off them, $O(D)$ per coordinate and $O(D^2)$ per sweep,
which pays when $N \gg D$ and many sweeps are needed. With $\mathbf{e}_j$ the $j$-th unit
vector ($\mathbf{x}_j = \mathbf{X}\mathbf{e}_j$, $w_j = \mathbf{e}_j^\top\mathbf{w}$):
""")

code(r"""
e_j = sp.MatrixSymbol(r"\mathbf{e}_j", D, 1)

gram_form = dv.Derivation((X * e_j).T * (t - X * w + X * e_j * e_j.T * w),
                          title="The coordinate update from the Gram matrix")
gram_form.step(e_j.T * X.T * t - e_j.T * (X.T * X) * w + (e_j.T * (X.T * X) * e_j) * (e_j.T * w),
               "distribute: $(\\mathbf{X}^T\\mathbf{t})_j - (\\mathbf{X}^T\\mathbf{X}\\mathbf{w})_j + (\\mathbf{X}^T\\mathbf{X})_{jj} w_j$")
gram_form
""")

md(r"""
**When to stop.** The lasso has a dual problem, and any residual scaled into the dual
feasible set $\{\mathbf{v}: \lVert\mathbf{X}^\top\mathbf{v}\rVert_\infty \le N\lambda\}$ gives a
lower bound on the optimum. The difference, the **duality gap**, bounds $F(\mathbf{w}) -
\min F$ from above, so it certifies the accuracy of the current $\mathbf{w}$
{cite}`fercoq2015mind`. derivlib stops, like scikit-learn, when the gap is at most
`tol` $\cdot\lVert\mathbf{t}\rVert^2/N$ (centred $\mathbf{t}$); in the residual form it computes
the gap (an extra $O(ND)$) only after a sweep whose largest coefficient change was small,
in the Gram form (where it costs $O(D)$) after every sweep.
""")

code(r"""
dv.cite("The duality gap of the lasso bounds the suboptimality (weak duality)",
        r"F(\mathbf{w}) - \min F \le F(\mathbf{w}) - G(\mathbf{v}),\quad "
        r"G(\mathbf{v}) = \tfrac{1}{N}\big(\mathbf{v}^\top\mathbf{t} - \tfrac12\lVert\mathbf{v}\rVert^2\big)"
        r"\quad\text{for all } \mathbf{w} \text{ and } \lVert\mathbf{X}^\top\mathbf{v}\rVert_\infty \le N\lambda",
        "fercoq2015mind")
""", "hide-input")

md(r"""
### Gradient descent and the step-size bound

For $E(\mathbf{w}) = \frac12\lVert\mathbf{t} - \mathbf{X}\mathbf{w}\rVert^2$ the gradient is
$\mathbf{X}^\top(\mathbf{X}\mathbf{w} - \mathbf{t})$ (half the one derived above) and the Hessian
is the constant matrix $\mathbf{A} = \mathbf{X}^\top\mathbf{X}$. Gradient descent iterates

$$
\mathbf{w}_{k+1} = \mathbf{w}_k - \eta\,\mathbf{X}^\top(\mathbf{X}\mathbf{w}_k - \mathbf{t}).
$$ (lr-gd)

Write $\mathbf{b} = \mathbf{X}^\top\mathbf{t}$, so that the normal equation reads
$\mathbf{b} = \mathbf{A}\hat{\mathbf{w}}$. The error after one step:
""")

code(r"""
A = sp.MatrixSymbol(r"\mathbf{A}", D, D)
b = sp.MatrixSymbol(r"\mathbf{b}", D, 1)
eta = sp.Symbol("eta", positive=True)

gd_error = dv.Derivation(w - eta * (A * w - b) - w_hat, assume=[sp.Q.symmetric(A)],
                         title="One gradient step on the error")
gd_error.step(w - eta * (A * w - A * w_hat) - w_hat,
              "normal equation $\\mathbf{b} = \\mathbf{A}\\hat{\\mathbf{w}}$",
              define=[sp.Eq(b, A * w_hat)])
gd_error.step((I_D - eta * A) * (w - w_hat), "factor")
gd_error
""")

md(r"""
```{prf:theorem} Step-size bound for gradient descent
:label: lr-thm-gd

Let $0 < \mu_D \le \dots \le \mu_1 = L$ be the eigenvalues of $\mathbf{A} = \mathbf{X}^\top\mathbf{X}$
($\mathbf{X}$ of full column rank). Gradient descent {eq}`lr-gd` converges to $\hat{\mathbf{w}}$ from
every starting point if and only if

$$
0 < \eta < \frac{2}{L} ,
$$ (lr-gd-bound)

and then $\lVert\mathbf{w}_k - \hat{\mathbf{w}}\rVert \le \max_i|1 - \eta\mu_i|^k\,\lVert\mathbf{w}_0 - \hat{\mathbf{w}}\rVert$.
```

```{prf:proof}
By the chain above, $\mathbf{w}_k - \hat{\mathbf{w}} = (\mathbf{I} - \eta\mathbf{A})^k(\mathbf{w}_0 - \hat{\mathbf{w}})$.
In the orthonormal eigenbasis of the symmetric $\mathbf{A}$ the $i$-th coordinate of the error
is multiplied by $1 - \eta\mu_i$ at every step; it tends to zero for every start iff
$|1 - \eta\mu_i| < 1$, i.e. $0 < \eta\mu_i < 2$. All coordinates converge iff this holds for
the largest eigenvalue $L$. The norm bound follows because $\mathbf{I} - \eta\mathbf{A}$ is
symmetric with eigenvalues $1 - \eta\mu_i$. $\square$
```

The sampled check of the key inequality: with $\eta = 2\kappa/L$, $\kappa \in (0, 1)$, every
eigenvalue $\mu = uL$, $u \in (0, 1]$, contracts.
""")

code(r"""
kappa, u = sp.symbols("kappa u", positive=True)
contraction = dv.Derivation(sp.Abs(1 - 2 * kappa * u), domains={kappa: (0.01, 0.99), u: (0.01, 1.0)},
                            title="Every eigen-direction contracts below the bound")
contraction.step(1, "$0 < \\eta\\mu = 2\\kappa u < 2$", rel="<")
contraction
""")

md(r"""
$L$ is also the Lipschitz constant of the gradient, hence the name in derivlib
(`lr.lipschitz_constant`). The contraction factor $\max_i|1 - \eta\mu_i|$ is smallest for
$\eta = 2/(\mu_1 + \mu_D)$ (the third exercise); with the safe default $\eta = 1/L$ it is
$1 - \mu_D/L = 1 - 1/\kappa(\mathbf{A})$, so ill-conditioned problems converge slowly.
""")

# ------------------------------------------------------------------------------- Code
md(r"""
## From derivation to code

`lr.least_squares` solves {eq}`lr-normal` through a QR factorisation (or the SVD for the
minimum-norm solution); no inverse is formed:
""")

code(r"""
dv.show_source(lr.least_squares)
""", "remove-input")

md(r"""
The coordinate loop of `lr.lasso` in its residual form: each line of the loop is
{eq}`lr-cd-update` with {eq}`lr-soft`; the Gram form `_lasso_gram` is the same loop with
$\rho_j$ from the chain "The coordinate update from the Gram matrix".
""")

code(r"""
dv.show_source(lr._lasso_residual)
""", "remove-input")

md(r"""
Now the derived formulas, turned into NumPy functions by `sympy.lambdify`, against the
derivlib functions on random inputs (with an assertion, so a mismatch stops the chapter):
{eq}`lr-ls` and {eq}`lr-hat` with the explicit inverse that derivlib avoids, {eq}`lr-ridge`,
the shrinkage factors {eq}`lr-shrink`, the soft-thresholding operator {eq}`lr-soft`, and one
gradient step {eq}`lr-gd`.
""")

code(r"""
# lambdify needs plain Python names for the matrix symbols
Xs, ts, ws = sp.MatrixSymbol("X", N, D), sp.MatrixSymbol("t", N, 1), sp.MatrixSymbol("w", D, 1)
plain = {X: Xs, t: ts, w: ws}
ls_formula = sp.lambdify([Xs, ts], (G.I * X.T * t).xreplace(plain))
hat_formula = sp.lambdify([Xs], H.xreplace(plain))
Is = sp.MatrixSymbol("I", D, D)  # the identity, passed in as np.eye(d)
ridge_formula = sp.lambdify([Xs, ts, lam, Is], ((G + lam * I_D).I * X.T * t).xreplace(plain | {I_D: Is}))
gd_formula = sp.lambdify([Xs, ts, ws, eta], (w - eta * X.T * (X * w - t)).xreplace(plain))
z, gamma = sp.symbols("z gamma", real=True)
soft_formula = sp.lambdify([z, gamma], sp.Piecewise((z - gamma, z > gamma), (z + gamma, z < -gamma), (0, True)))
shrink_formula = sp.lambdify([d1, lam], d1**2 / (d1**2 + lam))

rng = np.random.default_rng(0)
for _ in range(5):
    n_, d_ = rng.integers(8, 30), rng.integers(1, 6)
    Xn, tn = rng.normal(size=(n_, d_)), rng.normal(size=n_)
    lam_n, eta_n = rng.uniform(0.1, 5.0), rng.uniform(0.001, 0.05)
    wn = rng.normal(size=d_)
    assert np.allclose(ls_formula(Xn, tn[:, None]).ravel(),
                       lr.least_squares(Xn, tn, fit_intercept=False).w, rtol=1e-10)
    assert np.allclose(hat_formula(Xn), lr.hat_matrix(Xn), atol=1e-12)
    assert np.allclose(ridge_formula(Xn, tn[:, None], lam_n, np.eye(d_)).ravel(),
                       lr.ridge(Xn, tn, lam_n, fit_intercept=False).w, rtol=1e-10)
    assert np.allclose(gd_formula(Xn, tn[:, None], wn[:, None], eta_n).ravel(),
                       lr.gradient_descent_step(Xn, tn, wn, eta_n), rtol=1e-12)
    dj = np.linalg.svd(Xn - Xn.mean(axis=0), compute_uv=False)
    assert np.allclose(shrink_formula(dj, lam_n), lr.ridge_shrinkage(Xn, lam_n), rtol=1e-12)
    zs = rng.normal(scale=2.0, size=50)
    assert np.allclose(soft_formula(zs, lam_n), lr.soft_threshold(zs, lam_n), rtol=0, atol=0)
print("5 random problems: lambdified formulas and derivlib agree")
""")

# ------------------------------------------------------------------------------- Experiments
md(r"""
## Experiments

The experiments use the diabetes data shipped with scikit-learn {cite}`hastie2009elements`:
$N = 442$ patients, $D = 10$ standardised baseline measurements (age, sex, body-mass index,
blood pressure, six blood serum values), and a measure of disease progression one year
later as the target.
""")

code(r"""
data = load_diabetes()
X_db = (data.data - data.data.mean(axis=0)) / data.data.std(axis=0)  # standardised columns
t_db = data.target - data.target.mean()
names = data.feature_names
N_db, D_db = X_db.shape
print(f"N = {N_db}, D = {D_db}; condition number of X: {np.linalg.cond(X_db):.1f}")
""")

md(r"""
**Gradient descent around the bound $2/L$.** The suboptimality $E(\mathbf{w}_k) -
E(\hat{\mathbf{w}})$ for four step sizes. The design is ill conditioned
($\kappa(\mathbf{X}^\top\mathbf{X}) = \kappa(\mathbf{X})^2 \approx 470$), so after a fast start
every run is governed by the direction of the smallest eigenvalue, which contracts by
$1 - \eta\mu_D$ per step: the larger the step, the faster, all the way up to the bound. At
$\eta = 1.95/L$ the error along the top eigenvector flips sign at every step but still
shrinks; just above $2/L$ it grows geometrically, as {prf:ref}`lr-thm-gd` predicts.
""")

code(r"""
L = lr.lipschitz_constant(X_db)
E_min = 0.5 * np.sum((t_db - X_db @ lr.least_squares(X_db, t_db, fit_intercept=False).w) ** 2)
fig, ax = plt.subplots(figsize=(7, 3.6))
for factor in [0.5, 1.0, 1.95, 2.02]:
    run = lr.gradient_descent(X_db, t_db, eta=factor / L, n_iter=3000)
    ax.semilogy(run.objective - E_min, label=f"$\\eta = {factor}/L$")
ax.set(xlabel="iteration $k$", ylabel=r"$E(\mathbf{w}_k) - E(\hat{\mathbf{w}})$", ylim=(1e-9, 1e9),
       title=f"Gradient descent on the diabetes data, $L = {L:.0f}$")
ax.legend()
plt.show()
""")

md(r"""
**Lasso coordinate descent: residual against Gram form.** The two forms compute the same
updates, so their objectives after each sweep lie on top of each other, decreasing
monotonically (coordinate descent never increases the objective) and linearly on the log
scale, until they reach the rounding level of $F \approx 10^3$. They stop at different sweeps
because the residual form computes the duality gap only after a sweep with small coefficient
changes, the Gram form after every sweep; both stop with a gap below
`tol`$\cdot\lVert\mathbf{t}\rVert^2/N$. The columns of the diabetes data are correlated (the
six serum measurements), hence the many sweeps.
""")

code(r"""
lam_cd = 0.5
runs = {m: lr.lasso(X_db, t_db, lam_cd, tol=1e-12, max_iter=10_000, method=m)
        for m in ["residual", "gram"]}
fig, ax = plt.subplots(figsize=(7, 3.4))
F_min = min(r.objective[-1] for r in runs.values())
for m, r in runs.items():
    ax.semilogy(np.arange(len(r.objective)), r.objective - F_min, "o-", ms=3,
                label=f"{m} form: {r.n_iter} sweeps")
ax.set(xlabel="sweep", ylabel=r"$F(\mathbf{w}) - \min F$", ylim=(1e-11, 1e4),
       title=rf"Lasso coordinate descent, $\lambda = {lam_cd}$, tol = $10^{{-12}}$")
ax.legend()
plt.show()
assert np.allclose(runs["residual"].w, runs["gram"].w, rtol=1e-8, atol=1e-10)
""")

md(r"""
**Ridge shrinkage factors.** The factors $d_j^2/(d_j^2 + \lambda)$ of {eq}`lr-shrink` for the
ten singular directions of the diabetes data: the directions with small singular values
(on the right) are shrunk first; the legend gives the effective number of parameters
$\operatorname{df}(\lambda)$.
""")

code(r"""
fig, ax = plt.subplots(figsize=(7, 3.4))
for lam_r in [1.0, 30.0, 300.0, 3000.0]:
    f = lr.ridge_shrinkage(X_db, lam_r)
    ax.plot(np.arange(1, D_db + 1), f, "o-", label=f"$\\lambda = {lam_r:g}$, df = {f.sum():.2f}")
ax.set(xlabel="singular direction $j$ (decreasing $d_j$)", ylabel=r"$d_j^2/(d_j^2+\lambda)$",
       ylim=(0, 1.05))
ax.legend(fontsize=8)
plt.show()
""")

# ------------------------------------------------------------------------------- Explore
md(r"""
## Explore

The coefficient paths of ridge and the lasso on the diabetes data, as $\lambda$ runs from
almost no penalty to a penalty that sets every weight to zero. Ridge shrinks all weights
smoothly and none reaches zero before $\lambda = \infty$; the lasso sets weights exactly to
zero one after another, so it also selects variables. Move the sliders to mark a $\lambda$ on
each path and read off the coefficients there. With a kernel (Binder, Colab, a local
Jupyter) each move redraws the figure; on the website the sliders step through figures drawn
when the book was built.
""")

code(r"""
ridge_lams = np.geomspace(1e-1, 1e5, 60)
lasso_lams = np.geomspace(1.0, 1e-3, 45) * lr.lasso_lam_max(X_db, t_db)
ridge_W = lr.ridge_path(X_db, t_db, ridge_lams)
lasso_W = lr.lasso_path(X_db, t_db, lasso_lams)


def draw_paths(axes, lam_ridge, lam_lasso):
    for ax, lams, W, mark, title in [
        (axes[0], ridge_lams, ridge_W, lam_ridge, "ridge"),
        (axes[1], lasso_lams, lasso_W, lam_lasso, "lasso"),
    ]:
        ax.semilogx(lams, W)
        ax.axvline(mark, color="k", lw=1)
        k = np.argmin(np.abs(np.log(lams) - np.log(mark)))
        nonzero = np.count_nonzero(np.abs(W[k]) > 1e-10)
        ax.set(xlabel=r"$\lambda$", title=f"{title}: $\\lambda$ = {mark:.3g}, {nonzero} nonzero weights")
    axes[0].set_ylabel("coefficient")
    axes[1].legend(names, fontsize=7, ncol=2)


def show_paths(log10_lam_ridge=2.0, log10_lam_lasso=0.0):
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
    draw_paths(axes, 10**log10_lam_ridge, 10**log10_lam_lasso)
    return fig


widgets.explore(show_paths, log10_lam_ridge=[-1, 0, 1, 2, 3, 4, 5],
                log10_lam_lasso=[-1.5, -1, -0.5, 0, 0.5, 1, 1.5])
""")

md(r"""
The paths with three values of $\lambda$ marked (small, medium, large).
Ridge keeps all ten weights at every $\lambda$; the lasso drops weights as $\lambda$ grows
(the counts are in the panel titles). Note the path of `s3` in the lasso: a weight can change sign and grow
in magnitude as $\lambda$ grows, while correlated variables leave the model.
""")

code(r"""
fig, axes = plt.subplots(2, 3, figsize=(13, 6), sharey="row")
for col, (lam_r, lam_l) in enumerate([(1.0, 0.1), (100.0, 1.0), (3000.0, 8.0)]):
    draw_paths([axes[0, col], axes[1, col]], lam_r, lam_l)
    if col:
        axes[1, col].get_legend().remove()
fig.tight_layout()
plt.show()
""")

# ------------------------------------------------------------------------------- Library
md(r"""
## Check against a library

The same fits from NumPy and scikit-learn on the diabetes data, with the objective scalings
of the *Model* table and `tol=1e-12` for both lasso solvers. The full randomised comparison
(several seeds, with and without intercept, wide and ill-conditioned designs, the lasso
path) is in `tests/linear_models/test_linear_regression.py`. The [benchmark page](../../benchmarks.ipynb) times the
lasso against scikit-learn's on $N = 10^4$, $D = 500$ (`benchmarks/bench_lasso.py`).
""")

code(r"""
Xr, tr = data.data, data.target  # raw data: the intercept is fitted by centring on both sides


def rel_diff(a, b):
    return np.max(np.abs(a - b)) / np.max(np.abs(b))


ours_ls, sk_ls = lr.least_squares(Xr, tr), LinearRegression().fit(Xr, tr)
ours_ridge, sk_ridge = lr.ridge(Xr, tr, 0.1), Ridge(alpha=0.1).fit(Xr, tr)
ours_lasso = lr.lasso(Xr, tr, 0.05, tol=1e-12, max_iter=100_000)
sk_lasso = Lasso(alpha=0.05, tol=1e-12, max_iter=100_000).fit(Xr, tr)
lstsq_w = np.linalg.lstsq(np.column_stack([np.ones(len(tr)), Xr]), tr, rcond=None)[0]

rows = [
    ("least squares", "numpy.linalg.lstsq", rel_diff(ours_ls.w, lstsq_w[1:])),
    ("least squares", "LinearRegression", rel_diff(ours_ls.w, sk_ls.coef_)),
    ("ridge, λ = 0.1", "Ridge(alpha=0.1)", rel_diff(ours_ridge.w, sk_ridge.coef_)),
    ("lasso, λ = 0.05", "Lasso(alpha=0.05)", rel_diff(ours_lasso.w, sk_lasso.coef_)),
]
table = ["| fit | reference | weights agree to 1e-8 (relative) |", "|---|---|---|"]
table += [f"| {fit} | `{ref}` | {'yes' if d < 1e-8 else 'NO'} |" for fit, ref, d in rows]
assert all(d < 1e-8 for *_, d in rows)
F_ours = lr.lasso_objective(Xr, tr, ours_lasso.w, ours_lasso.w0, 0.05)
F_sk = lr.lasso_objective(Xr, tr, sk_lasso.coef_, sk_lasso.intercept_, 0.05)
table += ["", f"Lasso objective: derivlib {F_ours:.6f}, scikit-learn {F_sk:.6f}; "
          f"nonzero weights {np.count_nonzero(ours_lasso.w)} and {np.count_nonzero(sk_lasso.coef_)}."]
Markdown("\n".join(table))
""")

# ------------------------------------------------------------------------------- Exercises
md(r"""
## Exercises

```{exercise}
:label: lr-ex-sigma

With $D$ fitted weights and no intercept, $\mathbb{E}\lVert\mathbf{t} - \mathbf{X}\hat{\mathbf{w}}\rVert^2 = \sigma^2(N - D)$.
What is the expectation of the maximum-likelihood estimate $\hat\sigma^2_{\text{ML}}$ of
{eq}`lr-sigma-ml`? Write it with `sigma`, `N` and `D` and check it in the cell below.
```

""")

code(r"""
sigma, N_ex, D_ex = sp.symbols("sigma N D", positive=True)
answer = "sigma^2"  # a first attempt (no bias at all): replace it by yours
dv.check_answer(answer, sigma**2 * (N_ex - D_ex) / N_ex,
                hint="Divide the expected residual sum of squares by N.")
""")

md(r"""
```{solution-start} lr-ex-sigma
:class: dropdown
```

$\mathbb{E}[\hat\sigma^2_{\text{ML}}] = \frac{1}{N}\,\sigma^2(N - D) = \sigma^2\,\frac{N - D}{N}$:
biased downwards, the more so the more weights are fitted. The residual is
$(\mathbf{I} - \mathbf{H})\boldsymbol{\varepsilon}$, and
$\mathbb{E}[\boldsymbol{\varepsilon}^\top(\mathbf{I} - \mathbf{H})\boldsymbol{\varepsilon}] =
\sigma^2\operatorname{tr}(\mathbf{I} - \mathbf{H}) = \sigma^2(N - D)$ by {prf:ref}`lr-thm-projection`.

The right answer passes the checker:
""")

code(r"""
dv.check_answer("sigma^2 (N - D) / N", sigma**2 * (N_ex - D_ex) / N_ex,
                hint="Divide the expected residual sum of squares by N.")
""")

md(r"""
```{solution-end}
```
""")

md(r"""
```{exercise}
:label: lr-ex-orthonormal

Suppose the columns of $\mathbf{X}$ are orthogonal with $\mathbf{X}^\top\mathbf{X} = N\mathbf{I}$.
Show that the lasso solution is the soft-thresholded least-squares solution,
$\hat w_j^{\text{lasso}} = S(\hat w_j, \lambda)$, and the ridge solution (objective of the
*Model* table) is $\hat w_j/(1 + \lambda/N)$. Which of the two can return an exact zero?
```

```{solution} lr-ex-orthonormal
:class: dropdown

Here $\hat{\mathbf{w}} = \mathbf{X}^\top\mathbf{t}/N$ and $\mathbf{x}_j^\top\mathbf{x}_k = N\delta_{jk}$,
so $\rho_j = \mathbf{x}_j^\top(\mathbf{t} - \sum_{k\ne j}\mathbf{x}_k w_k) = N\hat w_j$ does not
depend on the other weights: one sweep of {eq}`lr-cd-update` is exact and gives
$S(N\hat w_j, N\lambda)/N = S(\hat w_j, \lambda)$. For ridge, {eq}`lr-ridge` gives
$(N + \lambda)^{-1}\mathbf{X}^\top\mathbf{t} = \hat{\mathbf{w}}/(1 + \lambda/N)$: a proportional
shrinkage that is never exactly zero unless $\hat w_j$ is. Only the lasso selects variables.
```

```{exercise}
:label: lr-ex-step

For gradient descent {eq}`lr-gd`, find the constant step $\eta$ that minimises the
contraction factor $\max_i|1 - \eta\mu_i|$, and the factor it achieves, in terms of
$L = \mu_1$ and $\mu_D$ (the smallest eigenvalue).
```

```{solution} lr-ex-step
:class: dropdown

$|1 - \eta\mu|$ is largest at one of the extreme eigenvalues; the maximum of
$|1 - \eta\mu_D|$ and $|1 - \eta L|$ is smallest where $1 - \eta\mu_D = \eta L - 1$, i.e.
$\eta^\star = 2/(L + \mu_D)$, with factor $(L - \mu_D)/(L + \mu_D) = (\kappa - 1)/(\kappa + 1)$,
$\kappa = L/\mu_D$ the condition number of $\mathbf{X}^\top\mathbf{X}$.
```

```{exercise}
:label: lr-ex-augment

Show that ridge regression is ordinary least squares on augmented data: append the
$D$ rows $\sqrt{\lambda}\,\mathbf{I}_D$ to $\mathbf{X}$ and $D$ zeros to $\mathbf{t}$. Check it
numerically with `lr.least_squares` and `lr.ridge` (without intercept).
```

```{solution} lr-ex-augment
:class: dropdown

With $\tilde{\mathbf{X}} = \begin{pmatrix}\mathbf{X}\\ \sqrt{\lambda}\mathbf{I}\end{pmatrix}$ and
$\tilde{\mathbf{t}} = \begin{pmatrix}\mathbf{t}\\ \mathbf{0}\end{pmatrix}$,
$\lVert\tilde{\mathbf{t}} - \tilde{\mathbf{X}}\mathbf{w}\rVert^2 = \lVert\mathbf{t} -
\mathbf{X}\mathbf{w}\rVert^2 + \lambda\lVert\mathbf{w}\rVert^2$. Numerically:
`Xa = np.vstack([X, np.sqrt(lam) * np.eye(D)]); ta = np.r_[t, np.zeros(D)]`, then
`lr.least_squares(Xa, ta, fit_intercept=False).w` equals
`lr.ridge(X, t, lam, fit_intercept=False).w`. This is also a numerically stable way to
compute ridge with a QR factorisation.
```
""")

# ------------------------------------------------------------------------------- References
md(r"""
## References

```{bibliography}
:filter: docname in docnames
```
""")

write(OUT)
