"""Build chapters/linear_models/logistic_regression.ipynb (cells only, no outputs) from the cells below.

The helpers come from scripts/_chapter.py. Usage, from the repository root::

    .venv/bin/python scripts/build_logistic_regression.py
    make execute NB=chapters/linear_models/logistic_regression.ipynb
"""

# ruff: noqa: E501  (the chapter's markdown has long LaTeX lines)
from __future__ import annotations

from _chapter import ROOT, code, colab, md, write

OUT = ROOT / "chapters" / "linear_models" / "logistic_regression.ipynb"


# =====================================================================================
md(r"""
# Logistic regression
""")

colab()

code(r"""
import warnings

import matplotlib.pyplot as plt
import numpy as np
import sympy as sp
from IPython.display import display
from matplotlib.figure import Figure
from scipy.special import expit
from sklearn.linear_model import LogisticRegression

from derivlib import derivation as dv
from derivlib import widgets
from derivlib.linear_models import logistic_regression as lr

plt.rcParams.update({"figure.dpi": 100, "axes.grid": True, "grid.alpha": 0.3})
""", "hide-input")

# ------------------------------------------------------------------------------- Goal
md(r"""
## Goal

Logistic regression is the linear model for a yes/no answer: it passes a linear score
$z = \mathbf{w}^\top\mathbf{x} + b$ through the sigmoid to get a probability, and it is fitted
by maximum likelihood. This chapter derives, and checks step by step,

* the sigmoid's derivative $\sigma'(z) = \sigma(z)(1 - \sigma(z))$;
* the loss: the Bernoulli likelihood becomes the **cross-entropy**
  $\sum_n [\log(1 + e^{z_n}) - y_n z_n]$;
* its **gradient** $\mathbf{X}^\top(\mathbf{p} - \mathbf{y})$ and **Hessian**
  $\mathbf{X}^\top\mathbf{S}\mathbf{X}$, which is positive semi-definite: the loss is convex;
* **Newton's method**, which for this loss is iteratively reweighted least squares (IRLS);
* the **L2 penalty** and why it is needed: on linearly separable data the maximum-likelihood
  weights do not exist, they run off to infinity;
* **softmax regression** for $K$ classes, with its gradient and Hessian.

The algorithms that fall out (IRLS with Cholesky solves, gradient descent, softmax
regression by Newton or L-BFGS) are the functions of `derivlib.linear_models.logistic_regression`,
tested against scikit-learn's `LogisticRegression` to $10^{-6}$.

**Prerequisites**: the Bernoulli and categorical likelihoods and their cross-entropies from
[Maximum likelihood as KL minimisation](../foundations/mle_kl.ipynb); least squares and its
normal equations from [Linear regression](linear_regression.ipynb).
**Afterwards you can** derive the gradient and Hessian of a GLM loss and check them, fit a
logistic regression by Newton's method in a few iterations, recognise separation in a fit
whose weights keep growing, and match scikit-learn's `C` exactly.
""")

# ------------------------------------------------------------------------------- Model
md(r"""
## Model

We observe $N$ pairs $(\mathbf{x}_n, y_n)$ with inputs $\mathbf{x}_n \in \mathbb{R}^D$ (the rows of
$\mathbf{X} \in \mathbb{R}^{N\times D}$) and labels $y_n \in \{0, 1\}$. The model says the labels are
independent Bernoulli draws whose log-odds are linear in the input:

$$
y_n \mid \mathbf{x}_n \sim \operatorname{Bern}(p_n), \qquad
p_n = \sigma(z_n), \qquad z_n = \mathbf{w}^\top\mathbf{x}_n + b, \qquad
\sigma(z) = \frac{1}{1 + e^{-z}} .
$$ (logreg-sigmoid)

The intercept $b$ is the weight of a constant feature: with $\tilde{\mathbf{x}}_n = (\mathbf{x}_n, 1)$,
$\boldsymbol\theta = (\mathbf{w}, b)$ and $\tilde{\mathbf{X}} = [\mathbf{X}, \mathbf{1}]$, the logits are
$\mathbf{z} = \tilde{\mathbf{X}}\boldsymbol\theta$. In the derivations we fold it into $\mathbf{X}$ and write
$\mathbf{z} = \mathbf{X}\mathbf{w}$. We fit by minimising the negative log-likelihood plus an L2 penalty on
the weights (never on the intercept),

$$
L(\mathbf{w}, b) = \sum_{n=1}^N \ell_n + \frac{1}{2C}\lVert\mathbf{w}\rVert^2 ,
$$ (logreg-obj)

where $\ell_n$ is the per-sample loss derived below and $C > 0$ the inverse regularisation
strength ($C = \infty$: plain maximum likelihood). This is **exactly scikit-learn's
objective** $C\sum_n \ell_n + \frac12\lVert\mathbf{w}\rVert^2$ divided by $C$, so the same `C` gives
the same minimiser.

For $K$ classes, $\mathbf{y}_n \in \{0,1\}^K$ is one-hot, $\mathbf{W} \in \mathbb{R}^{D\times K}$ has one
column $\mathbf{w}_k$ per class, and

$$
\mathbf{y}_n \mid \mathbf{x}_n \sim \operatorname{Cat}(\mathbf{p}_n), \qquad
p_{nk} = \operatorname{softmax}(\mathbf{z}_n)_k = \frac{e^{z_{nk}}}{\sum_{j=1}^K e^{z_{nj}}}, \qquad
z_{nk} = \mathbf{w}_k^\top\mathbf{x}_n + b_k .
$$ (logreg-softmax-model)

As in [the KL chapter](../foundations/mle_kl.ipynb), targets are $y$ (the notation page's
$t$), to match scikit-learn and derivlib, and $z$ is the logit. SymPy prints its symbols in
plain type; $\sigma(\cdot)$ with an argument is always the sigmoid.
""")

# ------------------------------------------------------------------------------- Derivation
md(r"""
## Derivation

Each chain below is checked by the derivation checker, and each step is marked: [symbolic]
proved by SymPy for all values of the symbols; [instance] proved by SymPy for the fixed size
the chain names; [numeric] checked at sample points; [cited: key] taken from the reference,
not checked. Under each chain, *where* lists its definitions and *assuming* its hypotheses; a
theorem used without proof is shown as a cited block.
SymPy keeps the sigmoid as a function $\sigma$; the checker substitutes its definition
{eq}`logreg-sigmoid` when it verifies a step.

### The sigmoid and its derivative

Two identities do all the work. The sigmoid is symmetric about $(0, \tfrac12)$,

$$
1 - \sigma(z) = \sigma(-z),
$$ (logreg-sigmoid-sym)

and its derivative is a product of the two class probabilities,

$$
\sigma'(z) = \sigma(z)\,\bigl(1 - \sigma(z)\bigr) = \sigma(z)\,\sigma(-z) .
$$ (logreg-sigmoid-deriv)
""")

code(r"""
z, y = sp.symbols("z y", real=True)
sigma = sp.Function("sigma")
u_ = sp.Wild("u")
SIGMOID = [sp.Eq(sigma(u_), 1 / (1 + sp.exp(-u_)))]  # eq. (logreg-sigmoid), used by every check

symmetry = dv.Derivation(1 - sigma(z), define=SIGMOID, title="Symmetry of the sigmoid")
symmetry.step(1 - 1 / (1 + sp.exp(-z)), "definition (logreg-sigmoid)")
symmetry.step(sp.exp(-z) / (1 + sp.exp(-z)), "common denominator")
symmetry.step(1 / (sp.exp(z) + 1), "multiply by $e^{z}/e^{z}$")
symmetry.step(sigma(-z), "definition at $-z$")
symmetry
""")

code(r"""
sigmoid_derivative = dv.Derivation(sp.Derivative(sigma(z), z), define=SIGMOID,
                                   title="Derivative of the sigmoid")
sigmoid_derivative.step(sp.exp(-z) / (1 + sp.exp(-z)) ** 2, "chain rule on $(1+e^{-z})^{-1}$")
sigmoid_derivative.step(sigma(z) * sp.exp(-z) / (1 + sp.exp(-z)), "split the square")
sigmoid_derivative.step(sigma(z) * (1 - sigma(z)), "eq. (logreg-sigmoid-sym): $e^{-z}/(1+e^{-z}) = 1 - \\sigma(z)$")
sigmoid_derivative
""")

md(r"""
The factor $\sigma(z)(1 - \sigma(z))$ is at most $\frac14$ (at $z = 0$) and decays like
$e^{-|z|}$. In floating point, $1 - \sigma(z)$ rounds to $0$ from $z \approx 37$ on, so
`lr.sigmoid_derivative` computes the equal product $\sigma(z)\sigma(-z)$, which keeps its
relative accuracy.

### From the Bernoulli likelihood to the cross-entropy

The probability of one label is $p^{y}(1-p)^{1-y}$ for $y \in \{0, 1\}$. Its negative logarithm,
with $p = \sigma(z)$, is the cross-entropy of
[the KL chapter](../foundations/mle_kl.ipynb); here we push it one step further, to a form in
the logit alone:
""")

code(r"""
p = sp.Symbol("p", positive=True)
bernoulli = dv.Derivation(-sp.log(p**y * (1 - p) ** (1 - y)), define=SIGMOID,
                          domains={p: (0.05, 0.95), y: (0, 1)},
                          title="Bernoulli likelihood to cross-entropy")
bernoulli.step(-(y * sp.log(p) + (1 - y) * sp.log(1 - p)), "log of a product")
bernoulli.step(-(y * sp.log(sigma(z)) + (1 - y) * sp.log(sigma(-z))),
               "$p = \\sigma(z)$ and eq. (logreg-sigmoid-sym)", define=[sp.Eq(p, sigma(z))])
bernoulli.step(y * sp.log(1 + sp.exp(-z)) + (1 - y) * sp.log(1 + sp.exp(z)),
               "$\\log\\sigma(z) = -\\log(1 + e^{-z})$")
bernoulli.step(sp.log(1 + sp.exp(z)) - y * z, "$\\log(1 + e^{-z}) = \\log(1 + e^{z}) - z$")
bernoulli
""")

md(r"""
So the per-sample loss and the objective without penalty are

$$
\ell_n = \log\bigl(1 + e^{z_n}\bigr) - y_n z_n, \qquad
L(\mathbf{w}) = \sum_{n=1}^N \Bigl[\log\bigl(1 + e^{z_n}\bigr) - y_n z_n\Bigr].
$$ (logreg-nll)

The softplus $\log(1 + e^{z})$ overflows for $z \gtrsim 710$ if computed as written; derivlib
never forms it: it calls `mle_kl.binary_cross_entropy`, which works with
`scipy.special.log_expit` ($\log\sigma$, evaluated stably), so logits of $\pm1000$ give the
finite losses $0$ or $1000$. The derivatives of {eq}`logreg-nll` in the logit are the residual
and the sigmoid's slope:

$$
\frac{\partial \ell_n}{\partial z_n} = \sigma(z_n) - y_n = p_n - y_n, \qquad
\frac{\partial^2 \ell_n}{\partial z_n^2} = \sigma(z_n)\bigl(1 - \sigma(z_n)\bigr) =: s_n .
$$ (logreg-dloss)
""")

code(r"""
ell = sp.log(1 + sp.exp(z)) - y * z
loss_derivative = dv.Derivation(sp.Derivative(ell, z), define=SIGMOID,
                                title="Derivatives of the loss in the logit")
loss_derivative.step(sp.exp(z) / (1 + sp.exp(z)) - y, "chain rule")
loss_derivative.step(sigma(z) - y, "divide by $e^{z}$: eq. (logreg-sigmoid)")
second = dv.Derivation(sp.Derivative(ell, z, 2), define=SIGMOID,
                      title="Second derivative of the loss")
second.step(sp.Derivative(sigma(z) - y, z), "the first derivative")
second.step(sigma(z) * (1 - sigma(z)), "eq. (logreg-sigmoid-deriv)")
display(loss_derivative)
second
""")

md(r"""
### Gradient and Hessian

The chain rule, $\partial\ell_n/\partial w_j = (\partial\ell_n/\partial z_n)\, x_{nj}$, turns
{eq}`logreg-dloss` into the gradient and Hessian of {eq}`logreg-nll`:

$$
\nabla_{\mathbf{w}} L = \sum_{n=1}^N (p_n - y_n)\,\mathbf{x}_n = \mathbf{X}^\top(\mathbf{p} - \mathbf{y}),
$$ (logreg-grad)

$$
\nabla^2_{\mathbf{w}} L = \sum_{n=1}^N s_n\,\mathbf{x}_n\mathbf{x}_n^\top = \mathbf{X}^\top\mathbf{S}\mathbf{X},
\qquad \mathbf{S} = \operatorname{diag}(s_1, \dots, s_N),\; s_n = p_n(1 - p_n).
$$ (logreg-hess)

The gradient has the same form as least squares' $\mathbf{X}^\top(\mathbf{X}\mathbf{w} - \mathbf{y})$, with the
prediction $\mathbf{X}\mathbf{w}$ replaced by the probability $\mathbf{p}$. The checker verifies both
with explicit symbolic vectors, $N = 3$ samples and $D = 2$ features, every entry a symbol
($z_n = x_{n1}w_1 + x_{n2}w_2$ is substituted by the checker):
""")

code(r"""
N_, D_ = 3, 2
X_ = sp.Matrix(N_, D_, lambda n, j: sp.Symbol(f"x_{n + 1}{j + 1}", real=True))
w_ = sp.Matrix(D_, 1, lambda j, _: sp.Symbol(f"w_{j + 1}", real=True))
y_ = sp.Matrix(N_, 1, lambda n, _: sp.Symbol(f"y_{n + 1}", real=True))
z_ = sp.Matrix(N_, 1, lambda n, _: sp.Symbol(f"z_{n + 1}", real=True))
s_ = sp.Matrix(N_, 1, lambda n, _: sp.Symbol(f"s_{n + 1}", positive=True))
p_ = z_.applyfunc(sigma)
L = sp.Symbol("L")
LOGITS = [sp.Eq(z_[n], (X_[n, :] * w_)[0]) for n in range(N_)]  # z_n = x_n^T w
NLL = [sp.Eq(L, sum(sp.log(1 + sp.exp(z_[n])) - y_[n] * z_[n] for n in range(N_)))]  # (logreg-nll)

grad = dv.Derivation(sp.Matrix([sp.Derivative(L, w_[j]) for j in range(D_)]),
                     define=SIGMOID + LOGITS + NLL, instance="N = 3, D = 2",
                     title="Gradient of the cross-entropy")
grad.step(sp.Matrix([sum((sigma(z_[n]) - y_[n]) * X_[n, j] for n in range(N_)) for j in range(D_)]),
          "chain rule and eq. (logreg-dloss)")
grad.step(sp.MatMul(X_.T, p_ - y_, evaluate=False), "a sum over samples is a matrix product")
grad
""")

code(r"""
g_ = sp.Matrix(D_, 1, lambda j, _: sp.Symbol(f"g_{j + 1}"))
GRAD = [sp.Eq(g_[j], (X_.T * (p_ - y_))[j]) for j in range(D_)]  # eq. (logreg-grad)
WEIGHTS = [sp.Eq(s_[n], sigma(z_[n]) * (1 - sigma(z_[n]))) for n in range(N_)]  # s_n

hess = dv.Derivation(sp.Matrix(D_, D_, lambda j, k: sp.Derivative(g_[j], w_[k])),
                     define=SIGMOID + LOGITS + GRAD + WEIGHTS, instance="N = 3, D = 2",
                     title="Hessian of the cross-entropy")
hess.step(sp.Matrix(D_, D_, lambda j, k: sum(s_[n] * X_[n, j] * X_[n, k] for n in range(N_))),
          "chain rule and eq. (logreg-sigmoid-deriv)")
hess.step(sp.MatMul(X_.T, sp.diag(*s_), X_, evaluate=False), "matrix form $X^T S X$")
hess
""")

md(r"""
```{prf:theorem} The cross-entropy is convex
:label: logreg-thm-convex

The Hessian {eq}`logreg-hess` is positive semi-definite: for every $\mathbf{v} \in \mathbb{R}^D$,

$$
\mathbf{v}^\top\mathbf{X}^\top\mathbf{S}\mathbf{X}\mathbf{v} = \sum_{n=1}^N s_n (\mathbf{x}_n^\top\mathbf{v})^2 \ge 0 .
$$ (logreg-psd)

Hence $L$ is convex, every stationary point is a global minimum {cite}`boyd2004convex`, and
Newton's method and gradient descent cannot get stuck in a local one.
```

```{prf:proof}
Write $\mathbf{S} = \mathbf{D}^2$ with the symmetric $\mathbf{D} = \operatorname{diag}(\sqrt{s_n})$
($s_n > 0$). Then the quadratic form is a squared norm. The chain is checked for matrix
symbols of any size (the numeric check draws random sizes and a random symmetric
$\mathbf{D}$):
```
""")

code(r"""
n, d = sp.symbols("n d", integer=True, positive=True)
X = sp.MatrixSymbol("X", n, d)
S = sp.MatrixSymbol("S", n, n)
Dm = sp.MatrixSymbol("D", n, n)
v = sp.MatrixSymbol("v", d, 1)

convexity = dv.Derivation(v.T * X.T * S * X * v, assume=[sp.Q.symmetric(Dm)],
                          title="The Hessian is positive semi-definite")
convexity.step(v.T * X.T * Dm * Dm * X * v, "$S = D^2$, $D = \\mathrm{diag}(\\sqrt{s_n})$",
               define=[sp.Eq(S, Dm * Dm)])
convexity.step((Dm * X * v).T * (Dm * X * v), "$D^T = D$")
convexity.step(sp.ZeroMatrix(1, 1), "a squared norm $\\lVert D X v\\rVert^2$", rel=">=")
convexity
""")

code(r"""
dv.cite("Second-order condition for convexity; stationary points of convex functions",
        r"\nabla^2 L \succeq 0 \text{ everywhere} \iff L \text{ convex};\qquad "
        r"L \text{ convex},\ \nabla L(\hat{\mathbf{w}}) = \mathbf{0} \Rightarrow "
        r"L(\hat{\mathbf{w}}) = \min L",
        "boyd2004convex", note="sec. 3.1.4 and 4.2.3")
""", "hide-input")

md(r"""
### L2 regularisation

The penalty $\lVert\mathbf{w}\rVert^2/(2C)$ of {eq}`logreg-obj` adds $\mathbf{w}/C$ to the gradient and
$\mathbf{I}/C$ to the weight block of the Hessian. With the intercept last,
$\boldsymbol\Lambda = \operatorname{diag}(1/C, \dots, 1/C, 0)$:

$$
\nabla_{\boldsymbol\theta} L = \tilde{\mathbf{X}}^\top(\mathbf{p} - \mathbf{y}) + \boldsymbol\Lambda\boldsymbol\theta,
$$ (logreg-grad-l2)

$$
\nabla^2_{\boldsymbol\theta} L = \tilde{\mathbf{X}}^\top\mathbf{S}\tilde{\mathbf{X}} + \boldsymbol\Lambda .
$$ (logreg-hess-l2)

On the weights the penalised Hessian is bounded below by $\mathbf{I}/C$:
""")

code(r"""
C = sp.Symbol("C", positive=True)
strict = dv.Derivation(v.T * (X.T * S * X + sp.Identity(d) / C) * v,
                       assume=[sp.Q.symmetric(Dm)], define=[sp.Eq(S, Dm * Dm)],
                       title="The penalised Hessian is positive definite")
strict.step((Dm * X * v).T * (Dm * X * v) + v.T * v / C, "distribute, $S = D^2$")
strict.step(v.T * v / C, "drop the squared norm", rel=">=")
strict
""")

md(r"""
```{prf:theorem} The penalised problem has one finite solution
:label: logreg-thm-unique

If both classes occur and $C < \infty$, $L$ of {eq}`logreg-obj` is strictly convex and has exactly
one minimiser $(\hat{\mathbf{w}}, \hat b)$, and

$$
\lVert\hat{\mathbf{w}}\rVert^2 \le 2CN\log 2 .
$$ (logreg-bound)
```

```{prf:proof}
For $\mathbf{v} = (\mathbf{v}_w, v_b) \ne 0$,
$\mathbf{v}^\top(\tilde{\mathbf{X}}^\top\mathbf{S}\tilde{\mathbf{X}} + \boldsymbol\Lambda)\mathbf{v} = \sum_n s_n(\mathbf{x}_n^\top\mathbf{v}_w + v_b)^2 + \lVert\mathbf{v}_w\rVert^2/C$,
which is positive: if $\mathbf{v}_w \neq 0$ by the chain above, else because every $s_n > 0$.
So $L$ is strictly convex. It grows without bound in $\mathbf{w}$ (the penalty) and in $b$ (both
classes occur, so one of them is misclassified ever more confidently), so a minimiser exists,
and it is unique. Since the cross-entropy is non-negative,
$\lVert\hat{\mathbf{w}}\rVert^2/(2C) \le L(\hat{\mathbf{w}}, \hat b) \le L(\mathbf{0}, 0) = N\log 2$.
```

### Newton's method is iteratively reweighted least squares

Newton's method minimises the local quadratic model of $L$ at every step
{cite}`nocedal2006numerical`:

$$
\boldsymbol\theta_{t+1} = \boldsymbol\theta_t - \mathbf{H}^{-1}\nabla L(\boldsymbol\theta_t),
\qquad \mathbf{H} = \tilde{\mathbf{X}}^\top\mathbf{S}\tilde{\mathbf{X}} + \boldsymbol\Lambda .
$$ (logreg-newton)

Gradient descent uses the gradient alone, with a step $\eta$ no larger than the inverse of
the largest curvature, $1/(\lVert\tilde{\mathbf{X}}\rVert_2^2/4 + 1/C)$ (because $s_n \le \frac14$):

$$
\boldsymbol\theta_{t+1} = \boldsymbol\theta_t - \eta\,\nabla L(\boldsymbol\theta_t) .
$$ (logreg-gd)

```{prf:theorem} Newton = IRLS
:label: logreg-thm-irls

Without penalty, the Newton step {eq}`logreg-newton` is the weighted least-squares solution with
weights $\mathbf{S}$ and the *working response* $\mathbf{r} = \mathbf{X}\boldsymbol\theta_t + \mathbf{S}^{-1}(\mathbf{y} - \mathbf{p})$:

$$
\boldsymbol\theta_{t+1} = (\mathbf{X}^\top\mathbf{S}\mathbf{X})^{-1}\mathbf{X}^\top\mathbf{S}\,\mathbf{r} .
$$ (logreg-irls)

Each iteration re-solves a least-squares problem (the normal equations of
[linear regression](linear_regression.ipynb)) with new weights, hence the name
{cite}`mccullagh1989generalized`.
```

```{prf:proof}
Distribute and cancel; the chain holds for any invertible $\mathbf{S}$ and full-rank $\mathbf{X}$
(the numeric check draws $N \in \{4, 5, 6\}$ rows, $D \le 3$ columns and a symmetric positive
definite $\mathbf{S}$):
```
""")

code(r"""
theta = sp.MatrixSymbol("theta", d, 1)
p_vec, y_vec = sp.MatrixSymbol("p", n, 1), sp.MatrixSymbol("y", n, 1)
H = X.T * S * X
working_response = X * theta + S.I * (y_vec - p_vec)

irls_is_newton = dv.Derivation(H.I * X.T * S * working_response,
                               assume=[sp.Q.positive_definite(S)],
                               domains={n: (4, 6), d: (1, 3)}, title="Newton = IRLS")
irls_is_newton.step(theta + H.I * X.T * (y_vec - p_vec),
                    "distribute; $(X^T S X)^{-1} X^T S X = I$, $S S^{-1} = I$")
irls_is_newton.step(theta - H.I * (X.T * (p_vec - y_vec)), "$\\theta - H^{-1}\\nabla L$, eq. (logreg-grad)")
irls_is_newton
""")

md(r"""
derivlib never forms $\mathbf{S}^{-1}$ (a probability near 0 or 1 makes $s_n$ tiny) nor
$\mathbf{H}^{-1}$: it solves $\mathbf{H}\boldsymbol\delta = -\nabla L$ with a Cholesky factorisation, which
exists because $\mathbf{H}$ is positive definite ({prf:ref}`logreg-thm-unique`), and halves the
step while the objective does not decrease enough, so the iterations are monotone. Near the
minimum the full step is taken and the convergence is quadratic.
""")

code(r"""
dv.cite("Local quadratic convergence of Newton's method",
        r"\lVert\boldsymbol\theta_{t+1} - \hat{\boldsymbol\theta}\rVert \le c\,"
        r"\lVert\boldsymbol\theta_t - \hat{\boldsymbol\theta}\rVert^2 "
        r"\text{ for } \boldsymbol\theta_t \text{ near } \hat{\boldsymbol\theta}",
        "nocedal2006numerical",
        note="Hessian positive definite at the minimiser and Lipschitz near it; a backtracking "
             "line search eventually accepts the full step")
""", "hide-input")

md(r"""
It does not start at $\boldsymbol\theta = \mathbf{0}$ but where GLM software (R's `glm`, for one) starts
{cite}`mccullagh1989generalized`: at the fitted probabilities $\mu_0 = (y + \frac12)/2$, i.e.
$\frac34$ for the ones and $\frac14$ for the zeros, whose working response
$r_n = \operatorname{logit}\mu_0 + (y_n - \mu_0)/s_0 = \pm(\log 3 + \frac43)$ and weights
$s_0 = \frac{3}{16}$ need no $\boldsymbol\theta$. The first iteration is the (ridge) least-squares fit
{eq}`logreg-irls` to this response; it lands about one Newton step closer to the optimum than
$\boldsymbol\theta = \mathbf{0}$, which saves one of the $O(ND^2)$ Hessians.

### Separable data: the weights diverge

```{prf:theorem} No maximum-likelihood estimate under separation
:label: logreg-thm-separation

If some $\mathbf{w}^\star$ separates the classes, i.e. every margin
$m_n = (2y_n - 1)\,\mathbf{w}^{\star\top}\mathbf{x}_n$ is positive, then $t \mapsto L(t\mathbf{w}^\star)$ decreases strictly
to $0$ as $t\to\infty$. Since $L > 0$ everywhere, the unpenalised $L$ has no minimiser: the
maximum-likelihood weights do not exist {cite}`albert1984existence`.
```

```{prf:proof}
With {eq}`logreg-nll` and {eq}`logreg-sigmoid-sym`,
$\ell_n(t\mathbf{w}^\star) = \log(1 + e^{-t m_n})$. For three samples (any number works the same
way):
```
""")

code(r"""
t = sp.Symbol("t", positive=True)
m = sp.symbols("m_1:4", positive=True)  # the margins
L_t = sum(sp.log(1 + sp.exp(-t * m_n)) for m_n in m)

decreasing = dv.Derivation(sp.Derivative(L_t, t), define=SIGMOID, instance="N = 3",
                           title="The loss decreases along a separating direction")
decreasing.step(-sum(m_n * sigma(-t * m_n) for m_n in m), "chain rule, eq. (logreg-sigmoid)")
decreasing.step(0, "every margin $m_n > 0$", rel="<")
display(decreasing)
limit = dv.Derivation(sp.Limit(L_t, t, sp.oo), instance="N = 3", title="... towards zero")
limit.step(0, "each term tends to $\\log 1 = 0$")
limit
""")

md(r"""
An optimiser run on separable data therefore never converges: each step lowers the loss by
making the weights longer. Gradient descent's $\lVert\mathbf{w}_t\rVert$ grows like $\log t$ while
its direction converges to the maximum-margin separator {cite}`soudry2018implicit`; Newton's
method adds roughly a constant to the margins per step. A stopping rule on the gradient
would eventually be met (the gradient decays like $e^{-m}$) and report a finite, meaningless
answer. derivlib instead checks, when $C = \infty$, whether the current weights classify
every sample correctly: that is a proof of separation, so it raises a `SeparationWarning`
and stops (IRLS) or keeps going with finite, stable losses (gradient descent). A finite $C$
fixes the problem for good ({prf:ref}`logreg-thm-unique`).
""")

code(r"""
dv.cite("Implicit bias of gradient descent on separable data",
        r"\mathbf{w}_t = \hat{\mathbf{w}}_{\text{SVM}}\log t + O(1),\qquad "
        r"\frac{\mathbf{w}_t}{\lVert\mathbf{w}_t\rVert} \to "
        r"\frac{\hat{\mathbf{w}}_{\text{SVM}}}{\lVert\hat{\mathbf{w}}_{\text{SVM}}\rVert}",
        "soudry2018implicit",
        note="logistic loss, linearly separable data, no penalty, constant step below 2/L; "
             "w_SVM is the hard-margin SVM solution")
""", "hide-input")

md(r"""
### Softmax regression

For $K$ classes, the negative log-likelihood of {eq}`logreg-softmax-model` is the softmax
cross-entropy; with $\sum_k y_{nk} = 1$,

$$
\ell_n = -\sum_{k=1}^K y_{nk}\log p_{nk} = \log\sum_{k=1}^K e^{z_{nk}} - \sum_{k=1}^K y_{nk} z_{nk} .
$$ (logreg-softmax-nll)

Its derivative in the logits is again "probability minus target", and the chain rule gives
the gradient in each class's weight vector:

$$
\frac{\partial\ell_n}{\partial z_{nk}} = p_{nk} - y_{nk}, \qquad
\nabla_{\mathbf{w}_k} L = \sum_{n=1}^N (p_{nk} - y_{nk})\,\mathbf{x}_n, \qquad
\nabla_{\mathbf{W}} L = \mathbf{X}^\top(\mathbf{P} - \mathbf{Y}) .
$$ (logreg-softmax-grad)

Checked for $K = 3$ classes and $D = 2$ features, one sample ($\ell$ is a symbol that the
checker replaces by {eq}`logreg-softmax-nll`):
""")

code(r"""
K_ = 3
zk = sp.Matrix(K_, 1, lambda k, _: sp.Symbol(f"z_{k + 1}", real=True))
yk = sp.Matrix(K_, 1, lambda k, _: sp.Symbol(f"y_{k + 1}", real=True))
pk = sp.Matrix(K_, 1, lambda k, _: sp.Symbol(f"p_{k + 1}", positive=True))
xj = sp.Matrix(D_, 1, lambda j, _: sp.Symbol(f"x_{j + 1}", real=True))
W_ = sp.Matrix(D_, K_, lambda j, k: sp.Symbol(f"w_{j + 1}{k + 1}", real=True))
ell_k = sp.Symbol("ell")
partition = sum(sp.exp(zk[j]) for j in range(K_))
SOFTMAX = [sp.Eq(pk[k], sp.exp(zk[k]) / partition) for k in range(K_)]
CE = [sp.Eq(ell_k, sp.log(partition) - sum(yk[k] * zk[k] for k in range(K_)))]  # (logreg-softmax-nll)
CLASS_LOGITS = [sp.Eq(zk[k], (W_[:, k].T * xj)[0]) for k in range(K_)]  # z_k = w_k^T x

softmax_grad = dv.Derivation(sp.Matrix(D_, K_, lambda j, k: sp.Derivative(ell_k, W_[j, k])),
                             define=SOFTMAX + CE + CLASS_LOGITS, instance="K = 3, D = 2",
                             title="Gradient of the softmax cross-entropy")
softmax_grad.step(sp.Matrix(D_, K_, lambda j, k: (sp.exp(zk[k]) / partition - yk[k]) * xj[j]),
                  "derivative of the log-sum-exp, chain rule")
softmax_grad.step(sp.Matrix(D_, K_, lambda j, k: (pk[k] - yk[k]) * xj[j]), "definition of the softmax")
softmax_grad.step(sp.MatMul(xj, (pk - yk).T, evaluate=False), "outer product $x (p - y)^T$")
softmax_grad
""")

md(r"""
The Jacobian of the softmax is $\partial p_k/\partial z_j = p_k(\delta_{kj} - p_j)$, so the Hessian
of {eq}`logreg-softmax-nll` in the flattened parameters is

$$
\nabla^2 L = \sum_{n=1}^N (\tilde{\mathbf{x}}_n\tilde{\mathbf{x}}_n^\top) \otimes
\bigl(\operatorname{diag}(\mathbf{p}_n) - \mathbf{p}_n\mathbf{p}_n^\top\bigr) + \boldsymbol\Lambda\otimes\mathbf{I}_K .
$$ (logreg-softmax-hess)
""")

code(r"""
softmax_jacobian = dv.Derivation(sp.Matrix(K_, K_, lambda k, j: sp.Derivative(pk[k], zk[j])),
                                 define=SOFTMAX, instance="K = 3", title="Jacobian of the softmax")
softmax_jacobian.step(sp.diag(*pk) - pk * pk.T, "quotient rule")
softmax_jacobian
""")

md(r"""
$\operatorname{diag}(\mathbf{p}) - \mathbf{p}\mathbf{p}^\top$ is a covariance matrix (of the one-hot
vector under $\mathbf{p}$), hence positive semi-definite, so softmax regression is convex too. It
is singular along $\mathbf{1}$: adding the same number to every logit of a sample does not change
the softmax, so $(\mathbf{W}, \mathbf{b})$ and $(\mathbf{W} + \mathbf{c}\mathbf{1}^\top, \mathbf{b} + c_0\mathbf{1})$ fit
equally well. The penalty picks the weights with rows summing to zero (at the optimum
$\mathbf{X}^\top(\mathbf{P} - \mathbf{Y})\mathbf{1} = \mathbf{0}$, hence $\mathbf{W}\mathbf{1} = \mathbf{0}$); the unpenalised
intercepts are only defined up to a constant, and derivlib returns the symmetric solution
$\sum_k b_k = 0$, which is also scikit-learn's. Its Newton solver adds
$\frac12(\sum_k b_k)^2$ to remove the flat direction without moving the minimum.

## From derivation to code

The gradient {eq}`logreg-grad-l2` and Hessian {eq}`logreg-hess-l2` in derivlib: the equation labels in
the comments are those of this page. The per-sample loss and residual come from
`derivlib.foundations.mle_kl`, where [the KL chapter](../foundations/mle_kl.ipynb) derives them.
""")

code(r"""
dv.show_source(lr._gradient)
""")

code(r"""
dv.show_source(lr._hessian)
""")

md(r"""
The derived formulas, turned into NumPy functions by `sympy.lambdify`, agree with derivlib's
`gradient` and `hessian` at random points (the explicit $N = 3$, $D = 2$ case above; no
intercept, no penalty):
""")

code(r"""
def lambdified(expr):
    expr = expr.doit().subs({z_[n]: (X_[n, :] * w_)[0] for n in range(N_)})
    expr = expr.subs({s_[n]: sigma(z_[n]) * (1 - sigma(z_[n])) for n in range(N_)})
    expr = expr.subs({z_[n]: (X_[n, :] * w_)[0] for n in range(N_)})
    return sp.lambdify([list(X_), list(w_), list(y_)], expr, modules=[{"sigma": expit}, "numpy"])


grad_from_sympy = lambdified(grad.result)
hess_from_sympy = lambdified(hess.result)
rng = np.random.default_rng(0)
for _ in range(5):
    Xr, wr, yr = rng.normal(size=(3, 2)), rng.normal(size=2), rng.integers(0, 2, 3).astype(float)
    g_sym = np.asarray(grad_from_sympy(Xr.ravel(), wr, yr), dtype=float).ravel()
    h_sym = np.asarray(hess_from_sympy(Xr.ravel(), wr, yr), dtype=float)
    assert np.allclose(g_sym, lr.gradient(wr, None, Xr, yr), rtol=1e-12, atol=1e-14)
    assert np.allclose(h_sym, lr.hessian(wr, None, Xr), rtol=1e-12, atol=1e-14)
print("derived gradient and Hessian == derivlib's at 5 random points")
""")

md(r"""
The softmax gradient {eq}`logreg-softmax-grad`, summed over samples, against
`lr.softmax_gradient`:
""")

code(r"""
soft_from_sympy = sp.lambdify([list(xj), list(zk), list(yk)],
                              softmax_grad.result.doit().subs(dict(eq.args for eq in SOFTMAX)))
for _ in range(5):
    Xr, Wr = rng.normal(size=(4, 2)), rng.normal(size=(2, 3))
    labels = rng.integers(0, 3, 4)
    total = sum(np.asarray(soft_from_sympy(Xr[i], Xr[i] @ Wr, np.eye(3)[labels[i]]), dtype=float)
                for i in range(4))
    assert np.allclose(total, lr.softmax_gradient(Wr, None, Xr, labels), rtol=1e-12, atol=1e-14)
print("derived softmax gradient == derivlib's at 5 random points")
""")

md(r"""
`irls` puts the pieces together (its loop is the private `_irls`, shown here): the
Cholesky-solved Newton step {eq}`logreg-newton`, a backtracking line search, the stopping
rule of scikit-learn's lbfgs solver ($\max_j|\partial L/\partial\theta_j|/N \le$ `tol`),
and the separation check of {prf:ref}`logreg-thm-separation`. Two guards keep it honest:
inputs too large for $\tilde{\mathbf{X}}^\top\mathbf{S}\tilde{\mathbf{X}}$ in float64 are
rescaled by a power of two (an exact change of units), and `converged` is the gradient test
on the weights it returns, never "the last step was small":
""")

code(r"""
dv.show_source(lr._irls)
""")

# ------------------------------------------------------------------------------- Experiments
md(r"""
## Experiments

### A decision boundary

Two overlapping Gaussian classes in the plane, fitted by IRLS with $C = 1$. The line is
$\hat{\mathbf{w}}^\top\mathbf{x} + \hat b = 0$, where $p = \frac12$; the shading is $\sigma(\hat{\mathbf{w}}^\top\mathbf{x} + \hat b)$,
which changes along $\hat{\mathbf{w}}$ only.
""")

code(r"""
rng = np.random.default_rng(1)
N_blob = 200
labels = rng.integers(0, 2, N_blob)
X_blob = rng.normal(size=(N_blob, 2)) * 0.9 + np.where(labels[:, None] == 1, [1.0, 0.8], [-1.0, -0.6])
y_blob = labels.astype(float)
fit = lr.irls(X_blob, y_blob, C=1.0, tol=1e-12)
print(f"IRLS: {fit.n_iter} Newton steps, converged = {fit.converged}, "
      f"w = {np.round(fit.w, 4)}, b = {fit.b:.4f}")

xx, yy = np.meshgrid(np.linspace(-4, 4, 150), np.linspace(-4, 4, 150))
grid = np.column_stack([xx.ravel(), yy.ravel()])


def draw_boundary(ax, w, b, X, y, title):
    prob = lr.predict_proba(w, b, grid).reshape(xx.shape)
    ax.contourf(xx, yy, prob, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.5)
    ax.contour(xx, yy, prob, levels=[0.5], colors="k", linewidths=1.5)
    ax.scatter(*X[y == 0].T, s=12, c="tab:blue", edgecolors="w", linewidths=0.3, label="y = 0")
    ax.scatter(*X[y == 1].T, s=12, c="tab:red", edgecolors="w", linewidths=0.3, label="y = 1")
    ax.set(xlim=(-4, 4), ylim=(-4, 4), aspect="equal", title=title)


fig, ax = plt.subplots(figsize=(4.8, 4.4))
draw_boundary(ax, fit.w, fit.b, X_blob, y_blob, "IRLS, C = 1: p(y = 1 | x)")
ax.legend(loc="upper left", fontsize=8)
plt.show()
""")

md(r"""
### Newton (IRLS) against gradient descent

The objective gap $L(\boldsymbol\theta_t) - L(\hat{\boldsymbol\theta})$ per iteration, on the same data
(IRLS from its least-squares start, gradient descent from $\boldsymbol\theta = \mathbf{0}$).
Newton's method converges quadratically: the number of correct digits roughly doubles at
each step, and it is done in a handful of iterations. Gradient descent with the safe step
$1/(\lVert\tilde{\mathbf{X}}\rVert_2^2/4 + 1/C)$ converges linearly; both decrease the objective
monotonically.
""")

code(r"""
gd = lr.gradient_descent(X_blob, y_blob, C=1.0, max_iter=300, tol=1e-14, warn=False)
best = min(fit.history[-1], gd.history[-1])
fig, ax = plt.subplots(figsize=(6, 3.6))
def gap(history):  # below 1e-13 the difference is rounding noise: not drawn
    g = history - best
    return np.where(g > 1e-13, g, np.nan)


ax.semilogy(gap(fit.history), "o-", label=f"IRLS (Newton), {fit.n_iter} steps")
ax.semilogy(gap(gd.history), "-", label="gradient descent, step 1/Lipschitz")
ax.set(xlabel="iteration t", ylabel=r"$L(\theta_t) - L(\hat\theta)$", ylim=(1e-13, 1e3), xlim=(-2, 300),
       title="Objective gap per iteration (C = 1)")
ax.legend()
plt.show()
rounding = 1e-12 * fit.history[0]  # both decrease monotonically, up to rounding
assert np.all(np.diff(fit.history) <= rounding) and np.all(np.diff(gd.history) <= rounding)
""")

md(r"""
### Separable data: the weights run away, the penalty holds them

On data that a line separates, gradient descent without penalty keeps lowering the loss by
stretching $\mathbf{w}$ ({prf:ref}`logreg-thm-separation`); its norm grows without bound, eventually like
$\log t$. With a
penalty it converges, and its norm stays below the bound {eq}`logreg-bound`. IRLS stops at the
first iterate that separates the data (here its least-squares start already does), with a
warning:
""")

code(r"""
rng = np.random.default_rng(2)
labels = rng.integers(0, 2, 40)
X_sep = rng.normal(size=(40, 2)) * 0.6 + np.where(labels[:, None] == 1, [1.2, 1.0], [-1.2, -1.0])
y_sep = labels.astype(float)

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    newton_sep = lr.irls(X_sep, y_sep, C=np.inf)
print(f"{caught[0].category.__name__}: {str(caught[0].message)[:95]}...")
print(f"IRLS stopped after {newton_sep.n_iter} Newton step(s): |w| = {newton_sep.norms[-1]:.2f}, "
      f"converged = {newton_sep.converged}")
""")

code(r"""
runs = {}
with warnings.catch_warnings():
    warnings.simplefilter("ignore", lr.SeparationWarning)
    for C_value in (np.inf, 10.0, 1.0):
        runs[C_value] = lr.gradient_descent(X_sep, y_sep, C=C_value, max_iter=2000, tol=1e-10, warn=False)

fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(10, 3.8))
for C_value, run in runs.items():
    ax0.semilogx(np.arange(1, len(run.norms)), run.norms[1:], label=f"C = {C_value:g}")
    if np.isfinite(C_value):  # eq. (logreg-bound)
        assert run.norms[-1] ** 2 <= 2 * C_value * len(y_sep) * np.log(2)
ax0.set(xlabel="iteration t (log scale)", ylabel=r"$\|w_t\|$", title="Gradient descent on separable data")
ax0.legend()
draw_boundary(ax1, runs[np.inf].w, runs[np.inf].b, X_sep, y_sep, "C = inf after 2000 steps")
ax1.contour(xx, yy, lr.predict_proba(runs[1.0].w, runs[1.0].b, grid).reshape(xx.shape),
            levels=[0.5], colors="g", linestyles="--")
fig.tight_layout()
plt.show()
print("final |w|:", ", ".join(f"C = {c:g}: {r.norms[-1]:.3f}" for c, r in runs.items()))
""")

md(r"""
Left: without a penalty the norm never levels off (asymptotically it grows like $\log t$);
with $C = 10$ and $C = 1$ it settles. Right: the unpenalised probabilities are almost a step
function (the boundary in black), while $C = 1$ (green, dashed) gives a similar boundary with
calibrated, softer probabilities.

### Three classes

Softmax regression on three Gaussian classes; Newton's method with the Hessian
{eq}`logreg-softmax-hess`, and the regions where each class is the most probable:
""")

code(r"""
rng = np.random.default_rng(3)
centres = np.array([[-1.5, -1.0], [1.5, -1.0], [0.0, 1.6]])
labels3 = rng.integers(0, 3, 240)
X3 = centres[labels3] + rng.normal(size=(240, 2)) * 0.8
soft = lr.fit_softmax(X3, labels3, C=1.0, method="newton", tol=1e-12)
print(f"Newton: {soft.n_iter} steps, converged = {soft.converged}, "
      f"intercepts sum to zero: {abs(soft.b.sum()) < 1e-12}")
P_grid = lr.softmax_predict_proba(soft.W, soft.b, grid)
fig, ax = plt.subplots(figsize=(4.8, 4.4))
ax.contourf(xx, yy, P_grid.argmax(axis=1).reshape(xx.shape), levels=[-0.5, 0.5, 1.5, 2.5],
            colors=["tab:blue", "tab:orange", "tab:green"], alpha=0.25)
ax.contour(xx, yy, P_grid.max(axis=1).reshape(xx.shape), levels=[0.5, 0.8], colors="k", linewidths=0.6)
for k, colour in enumerate(["tab:blue", "tab:orange", "tab:green"]):
    ax.scatter(*X3[labels3 == k].T, s=10, c=colour, edgecolors="w", linewidths=0.3, label=f"class {k}")
ax.set(xlim=(-4, 4), ylim=(-4, 4), aspect="equal", title="Softmax regression, C = 1")
ax.legend(loc="upper left", fontsize=8)
plt.show()
""")

md(r"""
The boundaries between regions are straight lines ($\mathbf{w}_k^\top\mathbf{x} + b_k = \mathbf{w}_j^\top\mathbf{x} + b_j$);
the thin contours mark where the winning class has probability $0.5$ and $0.8$.
""")

# ------------------------------------------------------------------------------- Explore
md(r"""
## Explore: the regularisation strength

Move $\log_{10} C$ and watch the fit on a small, noisy data set: a small $C$ (strong penalty)
shrinks $\mathbf{w}$, so the probabilities flatten towards the class frequency and the boundary
tilts; a large $C$ approaches maximum likelihood, with steep probabilities. With a kernel
(Binder, Colab, a local Jupyter) each move of the slider refits and redraws; on the website
the slider steps through figures drawn when the book was built.
""")

code(r"""
rng = np.random.default_rng(4)
labels = rng.integers(0, 2, 30)
X_small = rng.normal(size=(30, 2)) * 1.1 + np.where(labels[:, None] == 1, [0.8, 0.4], [-0.8, -0.4])
y_small = labels.astype(float)


def show_fit(log10_C=0.0):
    small_fit = lr.irls(X_small, y_small, C=10.0**log10_C, tol=1e-10)
    fig = Figure(figsize=(4.6, 4.2))
    ax = fig.subplots()
    draw_boundary(ax, small_fit.w, small_fit.b, X_small, y_small,
                  f"C = {10.0**log10_C:.3g}:  |w| = {np.linalg.norm(small_fit.w):.2f}")
    fig.tight_layout()
    return fig


widgets.explore(show_fit, log10_C=np.arange(-3.0, 3.01, 0.25))
""")

md(r"""
The same fit for five values of $C$ side by side. As $C$ grows, $\lVert\hat{\mathbf{w}}\rVert$
grows and the band between $p = 0.1$ and $p = 0.9$ narrows:
""")

code(r"""
fig, axes = plt.subplots(1, 5, figsize=(15, 3.3), sharey=True)
for ax, C_value in zip(axes, [0.001, 0.01, 0.1, 1.0, 100.0], strict=True):
    small_fit = lr.irls(X_small, y_small, C=C_value, tol=1e-10)
    draw_boundary(ax, small_fit.w, small_fit.b, X_small, y_small,
                  f"C = {C_value:g}\n|w| = {np.linalg.norm(small_fit.w):.2f}")
fig.tight_layout()
plt.show()
""")

# ------------------------------------------------------------------------------- Check
md(r"""
## Check against a library

scikit-learn's `LogisticRegression` minimises $C\sum_n\ell_n + \frac12\lVert\mathbf{w}\rVert^2$ with an
unpenalised intercept, i.e. {eq}`logreg-obj` times $C$. Same data, same $C$, a tight tolerance:
""")

code(r"""
C_check = 0.5
sk = LogisticRegression(C=C_check, solver="newton-cg", tol=1e-12, max_iter=10_000).fit(X_blob, y_blob)
ours = lr.irls(X_blob, y_blob, C=C_check, tol=1e-12)
same_binary = bool(np.max(np.abs(ours.w - sk.coef_[0])) < 1e-6 and abs(ours.b - sk.intercept_[0]) < 1e-6)
assert same_binary
print("binary:   max |w - w_sklearn| < 1e-6:", same_binary)
print(f"          objective (logreg-obj): derivlib {ours.history[-1]:.6f}, "
      f"scikit-learn {lr.objective(sk.coef_[0], sk.intercept_[0], X_blob, y_blob, C=C_check):.6f}")

sk3 = LogisticRegression(C=C_check, solver="newton-cg", tol=1e-12, max_iter=10_000).fit(X3, labels3)
ours3 = lr.fit_softmax(X3, labels3, C=C_check, method="newton", tol=1e-12)
same_softmax = bool(np.max(np.abs(ours3.W.T - sk3.coef_)) < 1e-6 and np.max(np.abs(ours3.b - sk3.intercept_)) < 1e-6)
same_proba = np.allclose(lr.softmax_predict_proba(ours3.W, ours3.b, X3), sk3.predict_proba(X3), atol=1e-8)
assert same_softmax and same_proba
print("softmax:  max |W - W_sklearn| < 1e-6:", same_softmax)
print("          same predicted probabilities:", same_proba)
""")

md(r"""
The tests (`tests/linear_models/test_logistic_regression.py`) repeat this for several seeds,
values of $C$, with and without intercept, against scikit-learn's `lbfgs` and `newton-cg`
solvers (binary and multinomial), and check the gradients and Hessians by finite
differences, convexity on random points, finite losses for logits of $\pm1000$, the
separation warning, and every input error. The benchmark `benchmarks/bench_logistic.py` times
IRLS against scikit-learn's default solver on $N = 10^5$, $D = 50$; the ratios are on the
[benchmark page](../../benchmarks.ipynb).

## Exercises

```{exercise}
:label: logreg-ex-logsigmoid

Differentiate $\log\sigma(z)$. Write the answer in $z$ without the symbol $\sigma$, and check it
in the cell below.
```

""")

code(r"""
zz = sp.Symbol("z", real=True)
answer = "0"  # replace by your expression in z, e.g. "exp(-z)"
dv.check_answer(answer, 1 / (1 + sp.exp(zz)), symbols=[zz],
                hint="use sigma' = sigma (1 - sigma) and 1 - sigma(z) = sigma(-z).")
""")

md(r"""
```{solution-start} logreg-ex-logsigmoid
:class: dropdown
```

$\frac{d}{dz}\log\sigma(z) = \sigma'(z)/\sigma(z) = 1 - \sigma(z) = \sigma(-z) = 1/(1 + e^{z})$ by
{eq}`logreg-sigmoid-deriv` and {eq}`logreg-sigmoid-sym`. It is the gradient of $-\ell$ for a
sample with $y = 1$.

Both forms pass the checker:
""")

code(r"""
print(dv.check_answer("1/(1 + exp(z))", 1 / (1 + sp.exp(zz)), symbols=[zz]).correct,
      dv.check_answer("1 - 1/(1 + exp(-z))", 1 / (1 + sp.exp(zz)), symbols=[zz]).correct)
""")
md(r"""
```{solution-end}
```
""")


md(r"""
```{exercise}
:label: logreg-ex-two-classes

Softmax regression with $K = 2$ classes and penalty $\lVert\mathbf{W}\rVert_F^2/(2C)$ has the same
decision function as binary logistic regression. Show that
$\mathbf{w} = \mathbf{w}_2 - \mathbf{w}_1$ solves the binary problem with penalty parameter $2C$.
```

```{solution} logreg-ex-two-classes
:class: dropdown

$\operatorname{softmax}(z_1, z_2)_2 = 1/(1 + e^{-(z_2 - z_1)}) = \sigma(z_2 - z_1)$, so the likelihood
depends on $\mathbf{w} = \mathbf{w}_2 - \mathbf{w}_1$ only. At the optimum $\mathbf{W}\mathbf{1} = \mathbf{0}$
(see the softmax section), i.e. $\mathbf{w}_1 + \mathbf{w}_2 = \mathbf{0}$, so $\mathbf{W} = [-\mathbf{w}/2, \mathbf{w}/2]$, and
$\lVert\mathbf{W}\rVert_F^2/(2C) = \lVert\mathbf{w}\rVert^2/(4C) = \lVert\mathbf{w}\rVert^2/(2\cdot 2C)$. The test
`test_two_class_softmax_is_logistic_regression_with_twice_the_C` checks it numerically.
```

```{exercise}
:label: logreg-ex-softmax-psd

Show that $\mathbf{A} = \operatorname{diag}(\mathbf{p}) - \mathbf{p}\mathbf{p}^\top$ is positive semi-definite
for every probability vector $\mathbf{p}$, and find a vector in its null space.
```

```{solution} logreg-ex-softmax-psd
:class: dropdown

$\mathbf{v}^\top\mathbf{A}\mathbf{v} = \sum_k p_k v_k^2 - (\sum_k p_k v_k)^2 = \operatorname{Var}_{k\sim\mathbf{p}}[v_k] \ge 0$.
A constant vector has zero variance: $\mathbf{A}\mathbf{1} = \mathbf{p} - \mathbf{p}(\mathbf{p}^\top\mathbf{1}) = \mathbf{0}$,
the flat direction of the softmax.
```

```{exercise}
:label: logreg-ex-irls-ridge

With the penalty, the Newton step is still a weighted least-squares problem. Which one?
Write $\boldsymbol\theta_{t+1}$ in the form of {eq}`logreg-irls`.
```

```{solution} logreg-ex-irls-ridge
:class: dropdown

$\boldsymbol\theta_{t+1} = (\tilde{\mathbf{X}}^\top\mathbf{S}\tilde{\mathbf{X}} + \boldsymbol\Lambda)^{-1}\tilde{\mathbf{X}}^\top\mathbf{S}\,\mathbf{r}$
with the same working response $\mathbf{r} = \tilde{\mathbf{X}}\boldsymbol\theta_t + \mathbf{S}^{-1}(\mathbf{y} - \mathbf{p})$:
a weighted **ridge** regression. Indeed $\boldsymbol\theta_t - \mathbf{H}^{-1}(\tilde{\mathbf{X}}^\top(\mathbf{p} - \mathbf{y}) + \boldsymbol\Lambda\boldsymbol\theta_t) = \mathbf{H}^{-1}(\mathbf{H}\boldsymbol\theta_t - \boldsymbol\Lambda\boldsymbol\theta_t + \tilde{\mathbf{X}}^\top(\mathbf{y} - \mathbf{p})) = \mathbf{H}^{-1}\tilde{\mathbf{X}}^\top\mathbf{S}\mathbf{r}$.
```
""")

# ------------------------------------------------------------------------------- References
md(r"""
## References

Logistic regression as a generalised linear model fitted by IRLS is in
{cite}`mccullagh1989generalized` and {cite}`hastie2009elements` (sec. 4.4); the Newton and
Cholesky machinery in {cite}`nocedal2006numerical`; the probabilistic view and softmax
regression in {cite}`bishop2006prml` (sec. 4.3) and {cite}`murphy2012mlpp` (ch. 8). The
(non-)existence of the maximum-likelihood estimate under separation is due to
{cite}`albert1984existence`; the $\log t$ growth of gradient descent on separable data and
its convergence in direction to the maximum-margin separator to {cite}`soudry2018implicit`.

```{bibliography}
:filter: docname in docnames
```
""")

write(OUT)
