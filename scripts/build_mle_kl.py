"""Build chapters/foundations/mle_kl.ipynb (cells only, no outputs) from the cells below.

The helpers come from scripts/_chapter.py. Usage, from the repository root::

    .venv/bin/python scripts/build_mle_kl.py
    make execute NB=chapters/foundations/mle_kl.ipynb
"""

# ruff: noqa: E501  (the chapter's markdown has long LaTeX lines)
from __future__ import annotations

from _chapter import ROOT, code, colab, md, write

OUT = ROOT / "chapters" / "foundations" / "mle_kl.ipynb"


# =====================================================================================
md(r"""
# Maximum likelihood as KL minimisation, and the losses it gives
""")

colab()

code(r"""

import matplotlib.pyplot as plt
import numpy as np
import sympy as sp
from matplotlib.figure import Figure
from scipy import integrate, optimize, special, stats
from sklearn.metrics import log_loss, mean_squared_error

from derivlib import derivation as dv
from derivlib import widgets
from derivlib.foundations import mle_kl

plt.rcParams.update({"figure.dpi": 100, "axes.grid": True, "grid.alpha": 0.3})
""", "hide-input")

# ------------------------------------------------------------------------------- Goal
md(r"""
## Goal

Why do we fit models by maximising the likelihood, and where do the losses of machine
learning come from? This chapter derives that **maximum likelihood is the same as
minimising the Kullback–Leibler divergence from the data distribution to the model**
{cite}`goodfellow2016deep` (sec. 5.5), and then reads the three everyday losses off three
likelihoods:

| noise model | negative log-likelihood | its gradient |
|---|---|---|
| Gaussian, mean $\mathbf{w}^\top \mathbf{x}$ | squared loss | $-\mathbf{X}^\top(\mathbf{y} - \mathbf{X}\mathbf{w})/\sigma^2$ |
| Bernoulli, $p = \sigma(z)$ | binary cross-entropy | $\sigma(z) - y$ |
| categorical, $p = \operatorname{softmax}(z)$ | softmax cross-entropy | $p_k - y_k$ |

Every step is checked by the derivation checker ([symbolic] proved by SymPy for all values,
[instance] proved for the fixed size the chain names, [numeric] checked at sample points,
[cited: key] taken from the reference; definitions, hypotheses and facts are listed under
each chain), and
the formulas are compared with the functions of `derivlib.foundations.mle_kl`, with finite
differences and with scikit-learn and SciPy.

**Prerequisites**: expectations, logarithms, the chain rule; the maximum-likelihood
estimate of a Gaussian from {doc}`sample_variance`.
**Afterwards you can** read a loss as a negative log-likelihood and write the loss of a new
noise model (exercises), derive and check gradients such as $\sigma(z) - y$, and compute
these losses stably from logits.
""")

# ------------------------------------------------------------------------------- Model
md(r"""
## Model

Data $x \in \mathcal X$ come from an unknown distribution $p_{\text{data}}$. A model is a
family of distributions $p_{\text{model}}(x \mid \theta)$, $\theta \in \Theta$. We observe an
i.i.d. sample $x_1, \dots, x_N$, whose **empirical distribution** puts mass $1/N$ on each
observation, $\hat p_{\text{data}} = \frac1N \sum_{n=1}^N \delta_{x_n}$, so that
$\mathbb E_{\hat p_{\text{data}}}[f(x)] = \frac1N \sum_n f(x_n)$ for every $f$.

The **Kullback–Leibler divergence** from $p$ to $q$ (sums become integrals for densities) is

$$
\operatorname{KL}(p \,\|\, q) = \mathbb E_{x\sim p}\!\left[\log\frac{p(x)}{q(x)}\right]
 = \sum_{x} p(x) \log \frac{p(x)}{q(x)} .
$$ (mle-kl-def)

For supervised learning the model is a conditional $p_{\text{model}}(y \mid \mathbf{x}, \theta)$ and
the same argument applies to the pairs $(x_n, y_n)$. The three models of this chapter are,
with a linear score $z = \mathbf{w}^\top \mathbf{x}$ (or $\mathbf{z} = \mathbf{W}\mathbf{x} \in \mathbb R^K$):

* **Gaussian**: $y \mid \mathbf{x} \sim \mathcal N(\mathbf{w}^\top \mathbf{x}, \sigma^2)$;
* **Bernoulli**: $y \mid \mathbf{x} \sim \operatorname{Bern}(\sigma(z))$, $y \in \{0, 1\}$, with the
  logistic sigmoid $\sigma(z) = 1/(1 + e^{-z})$;
* **categorical**: $\mathbf{y} \mid \mathbf{x} \sim \operatorname{Cat}(\operatorname{softmax}(\mathbf{z}))$,
  $\mathbf{y}$ one-hot in $\{0,1\}^K$, $\operatorname{softmax}(\mathbf{z})_k = e^{z_k} / \sum_j e^{z_j}$.

As on the {doc}`notation page </notation>`, $\sigma(\cdot)$ with an argument is the sigmoid
and $\sigma^2$ the noise variance. Two symbols differ from that page, to match scikit-learn's
`y_true` and the arguments of derivlib: targets are $y$ (there $t$), and the **logit** $z$,
the model's output before the sigmoid or softmax, is the activation $a$ there. SymPy prints
its matrix symbols $X$, $w$, $y$ in plain type.
In derivlib every loss averages over the $N$ samples (as scikit-learn does), and every
`*_grad` function returns the per-sample derivatives $\partial\ell_n/\partial z_n$, i.e. the
gradient of the *summed* loss.
""")

# ------------------------------------------------------------------------------- Derivation
md(r"""
## Derivation

### KL = cross-entropy minus entropy

Take the logarithm of the ratio in {eq}`mle-kl-def` apart. For a discrete distribution on
$K$ outcomes with probabilities $p_k$ (data) and $q_k$ (model):
""")

code(r"""
K = sp.Symbol("K", integer=True, positive=True)
k = sp.Symbol("k", integer=True, positive=True)
p = sp.IndexedBase("p", positive=True)  # data probabilities p_k
q = sp.IndexedBase("q", positive=True)  # model probabilities q_k(theta)

kl_split = dv.Derivation(sp.Sum(p[k] * sp.log(p[k] / q[k]), (k, 1, K)),
                         title="KL splits into two expectations")
kl_split.step(sp.Sum(p[k] * sp.log(p[k]) - p[k] * sp.log(q[k]), (k, 1, K)),
              "log of a ratio")
kl_split.step(sp.Sum(p[k] * sp.log(p[k]), (k, 1, K)) - sp.Sum(p[k] * sp.log(q[k]), (k, 1, K)),
              "linearity of the sum")
kl_split
""")

md(r"""
In words, with $H[p] = -\mathbb E_p[\log p]$ the entropy of the data:

$$
\operatorname{KL}\bigl(p_{\text{data}} \,\|\, p_{\text{model}}(\cdot \mid \theta)\bigr)
 = \underbrace{\mathbb E_{p_{\text{data}}}[\log p_{\text{data}}(x)]}_{-H[p_{\text{data}}],\ \text{no }\theta}
 \;-\; \underbrace{\mathbb E_{p_{\text{data}}}[\log p_{\text{model}}(x \mid \theta)]}_{\text{expected log-likelihood}} .
$$ (mle-kl-split)

The second term with its minus sign is the **cross-entropy** of the model relative to the
data. Only it depends on $\theta$, which is the whole theorem:

```{prf:theorem} Maximum likelihood minimises the KL divergence
:label: mle-thm-kl

Let $p_{\text{model}}(\cdot \mid \theta)$, $\theta\in\Theta$, be a family with
$\operatorname{KL}(p_{\text{data}}\,\|\,p_{\text{model}}(\cdot \mid \theta))$ finite. Then

$$
\arg\min_{\theta} \operatorname{KL}\bigl(p_{\text{data}} \,\|\, p_{\text{model}}(\cdot \mid \theta)\bigr)
 = \arg\max_{\theta} \mathbb E_{x\sim p_{\text{data}}}\bigl[\log p_{\text{model}}(x \mid \theta)\bigr].
$$

With the empirical distribution $\hat p_{\text{data}}$ of a sample $x_1,\dots,x_N$ in place
of $p_{\text{data}}$, the right-hand side is the maximum-likelihood estimate
$\hat\theta_{\text{ML}} = \arg\max_\theta \frac1N\sum_{n=1}^N \log p_{\text{model}}(x_n \mid \theta)$.
```

```{prf:proof}
By {eq}`mle-kl-split` the KL divergence and the negative expected log-likelihood differ by
$-H[p_{\text{data}}]$, which does not depend on $\theta$: the two functions of $\theta$ have the
same minimisers, and minimising a negative is maximising. For $\hat p_{\text{data}}$ the
expectation of $\log p_{\text{model}}(x \mid \theta)$ is the average $\frac1N\sum_n \log
p_{\text{model}}(x_n \mid \theta)$ (definition of the empirical distribution), and the positive
factor $\frac1N$ does not move the maximiser. $\square$
```

For continuous data $\hat p_{\text{data}}$ has no density, so it is the cross-entropy form
(the right-hand side) that one minimises: the average negative log-likelihood
{cite}`goodfellow2016deep`. Each loss below is exactly that average for one noise model.

### Gibbs' inequality

The divergence is a sensible target because it is never negative and vanishes only when
the model matches the data {cite}`cover2006elements` (Thm. 2.6.3):

```{prf:theorem} Gibbs' inequality
:label: mle-thm-gibbs

For distributions $p, q$ on the same space, $\operatorname{KL}(p\,\|\,q) \ge 0$, with
equality if and only if $p = q$.
```

```{prf:proof}
$\log$ is concave, so by Jensen's inequality
$-\operatorname{KL}(p\,\|\,q) = \mathbb E_p[\log(q/p)] \le \log \mathbb E_p[q/p]
= \log \sum_{x:\,p(x)>0} q(x) \le \log 1 = 0$. Jensen's inequality is an equality only when
$q/p$ is constant on the support of $p$, i.e. $q = p$. $\square$
```

The proof rests on Jensen's inequality, which this chapter takes from the literature:
""")

code(r"""
dv.cite("Jensen's inequality (concave f)",
        r"\mathbb{E}[f(X)] \le f(\mathbb{E}[X]),\ \text{with equality for strictly concave } f "
        r"\text{ only if } X = \mathbb{E}[X] \text{ almost surely}",
        "cover2006elements", note="Theorem 2.6.2 (stated there for convex f); here f = log")
""", "hide-input")

md(r"""
The checker verifies the chain for three outcomes (an instance of the theorem, $K = 3$),
sampling $p$ and $q$ on the simplex (the inequality step is checked at many random points):

$$
\operatorname{KL}(p\,\|\,q) \ge 0 .
$$ (mle-gibbs)
""")

code(r"""
p1, p2, p3, q1, q2, q3 = sp.symbols("p1:4 q1:4", positive=True)
P3, Q3 = (p1, p2, p3), (q1, q2, q3)
on_simplex = [sp.Eq(p3, 1 - p1 - p2), sp.Eq(q3, 1 - q1 - q2)]
simplex_domain = {s: (0.05, 0.45) for s in (p1, p2, q1, q2)}  # keeps p3, q3 in (0.1, 0.9)

gibbs = dv.Derivation(sum(pk * sp.log(pk / qk) for pk, qk in zip(P3, Q3, strict=True)),
                      assume=on_simplex, domains=simplex_domain, instance="K = 3",
                      title="Gibbs' inequality, three outcomes")
gibbs.step(-sum(pk * sp.log(qk / pk) for pk, qk in zip(P3, Q3, strict=True)),
           "$\\log(a/b) = -\\log(b/a)$")
gibbs.step(-sp.log(q1 + q2 + q3),
           "Jensen: $\\mathbb{E}_p[\\log(q/p)] \\le \\log \\mathbb{E}_p[q/p]$", rel=">=")
gibbs.step(sp.Integer(0), "$q$ sums to 1")
gibbs
""")

md(r"""
A direct numerical check of the same fact, with derivlib's `kl_divergence`
(eq. {eq}`mle-kl-def`) on random pairs of distributions over 2 to 10 outcomes:
""")

code(r"""
rng = np.random.default_rng(0)
kls = []
for _ in range(2000):
    K_ = int(rng.integers(2, 11))
    p_, q_ = rng.dirichlet(np.ones(K_)), rng.dirichlet(np.ones(K_))
    kls.append(mle_kl.kl_divergence(p_, q_))
    assert mle_kl.kl_divergence(p_, p_) == 0.0
print(f"smallest KL over 2000 random pairs: {min(kls):.4f} (>= 0: {min(kls) >= 0})")
""")

md(r"""
### A worked example: the Bernoulli

Let the data be coin flips with $P(x=1) = \mu$ and the model $\operatorname{Bern}(\theta)$.
The divergence splits as in {eq}`mle-kl-split`, and its derivative vanishes exactly at
$\theta = \mu$:
""")

code(r"""
mu, theta = sp.symbols("mu theta", positive=True)
unit = {mu: (0.05, 0.95), theta: (0.05, 0.95)}
kl_bern = mu * sp.log(mu / theta) + (1 - mu) * sp.log((1 - mu) / (1 - theta))
neg_entropy = mu * sp.log(mu) + (1 - mu) * sp.log(1 - mu)
exp_loglik = mu * sp.log(theta) + (1 - mu) * sp.log(1 - theta)

bern = dv.Derivation(kl_bern, domains=unit, title="Bernoulli: KL(Bern(mu) || Bern(theta))")
bern.step(neg_entropy - exp_loglik, "log of a ratio: $-H(\\mu)$ minus the expected log-likelihood")
bern
""")

code(r"""
bern_grad = dv.Derivation(sp.Derivative(kl_bern, theta), domains=unit,
                          title="Bernoulli: derivative in theta")
bern_grad.step(sp.Derivative(-exp_loglik, theta), "the entropy term does not depend on $\\theta$")
bern_grad.step(-mu / theta + (1 - mu) / (1 - theta), "differentiate the logs")
bern_grad.step((theta - mu) / (theta * (1 - theta)), "common denominator")
bern_grad
""")

md(r"""
The derivative is negative for $\theta < \mu$ and positive for $\theta > \mu$: the unique
minimiser is $\theta = \mu$. With the empirical distribution, $\mu$ is the fraction of ones
$\bar x$, so $\hat\theta_{\text{ML}} = \bar x$, the familiar maximum-likelihood estimate.

### The KL divergence between two Gaussians

The Gaussian case is the one every variational method uses. With
$x \sim \mathcal N(\mu_0, \sigma_0^2)$, the facts $\mathbb E[x] = \mu_0$ and
$\mathbb E[x^2] = \mu_0^2 + \sigma_0^2$ turn the expectation of the log-density ratio into a
closed form:
""")

code(r"""
x = sp.Symbol("x", real=True)
mu0, mu1 = sp.symbols("mu_0 mu_1", real=True)
s0, s1 = sp.symbols("sigma_0 sigma_1", positive=True)


def log_normal(x, m, s):
    # log N(x | m, s^2)
    return -sp.log(s) - sp.log(2 * sp.pi) / 2 - (x - m) ** 2 / (2 * s**2)


moments = [sp.Eq(dv.E(x), mu0), sp.Eq(dv.E(x**2), mu0**2 + s0**2)]
gauss_kl = dv.Derivation(dv.E(log_normal(x, mu0, s0) - log_normal(x, mu1, s1)),
                         assume=moments, random=[x], constants=[mu0, mu1, s0, s1],
                         title="KL between two Gaussians")
gauss_kl.step(sp.log(s1 / s0)
              - (dv.E(x**2) - 2 * mu0 * dv.E(x) + mu0**2) / (2 * s0**2)
              + (dv.E(x**2) - 2 * mu1 * dv.E(x) + mu1**2) / (2 * s1**2),
              "expand the squares, linearity of $\\mathbb{E}$")
gauss_kl.step(sp.log(s1 / s0) + (s0**2 + (mu0 - mu1) ** 2) / (2 * s1**2) - sp.Rational(1, 2),
              "$\\mathbb{E}[x] = \\mu_0$, $\\mathbb{E}[x^2] = \\mu_0^2 + \\sigma_0^2$")
gauss_kl
""")

md(r"""
$$
\operatorname{KL}\bigl(\mathcal N(\mu_0,\sigma_0^2)\,\|\,\mathcal N(\mu_1,\sigma_1^2)\bigr)
 = \log\frac{\sigma_1}{\sigma_0} + \frac{\sigma_0^2 + (\mu_0-\mu_1)^2}{2\sigma_1^2} - \frac12 .
$$ (mle-gauss-kl)

The checker used the two moments as hypotheses (listed under the chain); an independent
check integrates the definition
{eq}`mle-kl-def` numerically with `scipy.integrate.quad`:
""")

code(r"""
def kl_by_quadrature(m0, sd0, m1, sd1):
    def integrand(t):
        return stats.norm.pdf(t, m0, sd0) * (stats.norm.logpdf(t, m0, sd0)
                                             - stats.norm.logpdf(t, m1, sd1))
    value, _ = integrate.quad(integrand, m0 - 12 * sd0, m0 + 12 * sd0, epsabs=1e-12)
    return value


closed_form = sp.lambdify((mu0, s0, mu1, s1), gauss_kl.result)
for args in [(0.0, 1.0, 0.0, 1.0), (0.3, 0.7, -1.2, 1.9), (2.0, 2.5, 1.0, 0.8)]:
    numeric = kl_by_quadrature(*args)
    assert abs(closed_form(*args) - numeric) < 1e-9
    print(f"mu0, sigma0, mu1, sigma1 = {args}: closed form {closed_form(*args):.8f}, "
          f"quad {numeric:.8f}")
""")

# --------------------------- Gaussian -> squared loss
md(r"""
### Squared loss from the Gaussian

For one observation of $y \sim \mathcal N(\mu, \sigma^2)$ (the mean will be $\mu_n = w^\top
x_n$), the negative log-density is a scaled square plus a constant. `Normal` is an
unevaluated density that the step replaces by its definition:
""")

code(r"""
from sympy.core.function import AppliedUndef


class Normal(AppliedUndef):
    # the Gaussian density N(y | mu, s2): an undefined function, kept unevaluated for display,
    # whose formula the step gives as a definition (define=)
    nargs = 3

    def _latex(self, printer, exp=None):
        a, m, v = (printer._print(arg) for arg in self.args)
        return rf"\mathcal{{N}}\left({a} \mid {m}, {v}\right)"


y, m = sp.symbols("y mu", real=True)
s2 = sp.Symbol("sigma^2", positive=True)
a_, b_, c_ = sp.Wild("a"), sp.Wild("b"), sp.Wild("c")
normal_pdf = sp.Eq(Normal(a_, b_, c_), sp.exp(-(a_ - b_) ** 2 / (2 * c_)) / sp.sqrt(2 * sp.pi * c_))

gauss_nll = dv.Derivation(-sp.log(Normal(y, m, s2)), title="Gaussian negative log-likelihood")
root = sp.sqrt(sp.UnevaluatedExpr(2 * sp.pi * s2))  # unevaluated: displayed as sqrt(2 pi sigma^2)
gauss_nll.step(-sp.log(sp.exp(-(y - m) ** 2 / (2 * s2)) / root), "the Gaussian density",
               define=[normal_pdf])
gauss_nll.step((y - m) ** 2 / (2 * s2) + sp.log(2 * sp.pi * s2) / 2, "log of a product")
gauss_nll
""")

md(r"""
Summed over the sample, with $\mu_n = \mathbf{w}^\top \mathbf{x}_n$:
""")

code(r"""
N = sp.Symbol("N", integer=True, positive=True)
n = sp.Symbol("n", integer=True, positive=True)
yi, mui = sp.IndexedBase("y", real=True), sp.IndexedBase("mu", real=True)
per_sample = gauss_nll.result.subs({y: yi[n], m: mui[n]})

gauss_sum = dv.Derivation(sp.Sum(per_sample, (n, 1, N)), title="summed over the sample")
gauss_sum.step(sp.Sum((yi[n] - mui[n]) ** 2, (n, 1, N)) / (2 * s2) + N * sp.log(2 * sp.pi * s2) / 2,
               "linearity of the sum")
gauss_sum
""")

md(r"""
$$
-\sum_{n=1}^N \log \mathcal N(y_n \mid \mathbf{w}^\top \mathbf{x}_n, \sigma^2)
 = \frac{1}{2\sigma^2}\sum_{n=1}^N (y_n - \mathbf{w}^\top \mathbf{x}_n)^2 + \frac N2 \log(2\pi\sigma^2).
$$ (mle-gauss-nll)

For any fixed $\sigma^2$ the constant and the positive factor $1/(2\sigma^2)$ do not move
the minimiser: **maximum likelihood under Gaussian noise is least squares**. In matrix form,
with the design matrix $\mathbf{X} \in \mathbb R^{N\times D}$ (rows $\mathbf{x}_n^\top$), the sum of squares is
$(\mathbf{y} - \mathbf{X}\mathbf{w})^\top(\mathbf{y} - \mathbf{X}\mathbf{w})$. The checker states its gradient with matrix symbols of
symbolic size and, since it never trusts SymPy's matrix calculus, verifies it by central
differences at sampled sizes and values (hence the mark [numeric]):
""")

code(r"""
D = sp.Symbol("D", integer=True, positive=True)
X = sp.MatrixSymbol("X", N, D)
w = sp.MatrixSymbol("w", D, 1)
yv = sp.MatrixSymbol("y", N, 1)
sq_loss = (yv - X * w).T * (yv - X * w) / (2 * s2)

sq_grad = dv.Derivation(sp.Derivative(sq_loss, w), title="gradient of the squared loss in w")
sq_grad.step(-X.T * (yv - X * w) / s2,
             "matrix calculus: $\\partial_w (r^\\top r) = 2 (\\partial_w r)^\\top r$")
sq_grad
""")

md(r"""
$$
\nabla_{\mathbf{w}} \left[\frac{1}{2\sigma^2}\lVert \mathbf{y} - \mathbf{X}\mathbf{w}\rVert^2\right] = -\frac{1}{\sigma^2} \mathbf{X}^\top (\mathbf{y} - \mathbf{X}\mathbf{w}).
$$ (mle-sq-grad)

Setting it to zero gives the normal equations $\mathbf{X}^\top \mathbf{X} \mathbf{w} = \mathbf{X}^\top \mathbf{y}$, whatever $\sigma^2$.

### Binary cross-entropy from the Bernoulli

The sigmoid enters SymPy as a function that knows its own derivative,
$\sigma'(z) = \sigma(z)(1-\sigma(z))$, written next to its definition:
""")

code(r"""
class sigmoid(sp.Function):  # lowercase, like SymPy's own functions
    # the logistic sigmoid 1 / (1 + exp(-z)), displayed as \sigma(z)
    def fdiff(self, argindex=1):
        s = sigmoid(self.args[0])
        return s * (1 - s)  # local derivative: sigma' = sigma (1 - sigma)

    def _eval_rewrite_as_exp(self, z, **kwargs):
        return 1 / (1 + sp.exp(-z))

    def _eval_evalf(self, prec):
        return self.rewrite(sp.exp)._eval_evalf(prec)

    def _latex(self, printer, exp=None):
        s = rf"\sigma\left({printer._print(self.args[0])}\right)"
        return s if exp is None else rf"{s}^{{{exp}}}"


z = sp.Symbol("z", real=True)
# the derivative written in `fdiff` is itself checked, from the definition in exponentials
dsig = dv.Derivation(sp.Derivative(1 / (1 + sp.exp(-z)), z), title="derivative of the sigmoid")
dsig.step(sp.exp(-z) / (1 + sp.exp(-z)) ** 2, "chain rule")
dsig.step(sigmoid(z) * (1 - sigmoid(z)), "$e^{-z}/(1+e^{-z}) = 1 - \\sigma(z)$")
dsig
""")

md(r"""
The Bernoulli probability of a label $y\in\{0,1\}$ is $p^y(1-p)^{1-y}$, with
$p = \sigma(z)$:
""")

code(r"""
class Bern(AppliedUndef):
    # the Bernoulli probability Bern(y | p): an undefined function, kept unevaluated for
    # display, whose formula the step gives as a definition (define=)
    nargs = 2

    def _latex(self, printer, exp=None):
        a, b = (printer._print(arg) for arg in self.args)
        return rf"\operatorname{{Bern}}\left({a} \mid {b}\right)"


bern_pmf = sp.Eq(Bern(a_, b_), b_**a_ * (1 - b_) ** (1 - a_))
labels01 = {y: (0, 1)}  # the identities hold for y in [0, 1]; sample there

bce = dv.Derivation(-sp.log(Bern(y, sigmoid(z))), domains=labels01,
                    title="Bernoulli negative log-likelihood")
bce.step(-sp.log(sigmoid(z) ** y * (1 - sigmoid(z)) ** (1 - y)), "the Bernoulli probability",
         define=[bern_pmf])
bce.step(-(y * sp.log(sigmoid(z)) + (1 - y) * sp.log(1 - sigmoid(z))), "log of a product")
bce
""")

md(r"""
$$
\ell(y, z) = -\bigl[y \log\sigma(z) + (1-y)\log(1-\sigma(z))\bigr] .
$$ (mle-bce)

Its derivative in the logit is strikingly simple; the chain is checked symbolically, and
once more numerically at random points:
""")

code(r"""
bce_grad = dv.Derivation(sp.Derivative(bce.result, z), domains=labels01,
                         title="derivative of the binary cross-entropy in z")
bce_grad.step(-(y * (1 - sigmoid(z)) - (1 - y) * sigmoid(z)),
              "chain rule with $\\sigma' = \\sigma(1-\\sigma)$")
bce_grad.step(sigmoid(z) - y, "expand: the $y\\,\\sigma(z)$ terms cancel")
bce_grad
""")

code(r"""
dv.Derivation(sp.Derivative(bce.result, z), domains=labels01,
              title="the same, numerically").step(sigmoid(z) - y, "random points", check="numeric")
""")

md(r"""
$$
\frac{\partial \ell}{\partial z} = \sigma(z) - y .
$$ (mle-bce-grad)

Prediction minus label: the same form as the Gaussian's $\mu - y$ (divided by $\sigma^2$).
Both are canonical-link generalised linear models, where this always happens
{cite}`bishop2006prml` (sec. 4.3.6), a result this chapter does not prove:
""")

code(r"""
dv.cite("Canonical link: the gradient is prediction minus target",
        r"\nabla_{\mathbf{w}} \Bigl(-\sum_{n=1}^N \log p(y_n \mid \mathbf{x}_n, \mathbf{w})\Bigr) "
        r"= \frac{1}{s} \sum_{n=1}^N (\hat y_n - y_n)\, \mathbf{x}_n",
        "bishop2006prml",
        note="sec. 4.3.6: exponential-family noise with its canonical link; the prediction "
             "is the model's mean, s its scale parameter")
""", "hide-input")

md(r"""
### Softmax cross-entropy from the categorical

For a one-hot $\mathbf{y}$, $\operatorname{Cat}(\mathbf{y} \mid \mathbf{p}) = \prod_k p_k^{y_k}$ picks the probability of
the observed class, so the negative log-likelihood is

$$
\ell(\mathbf{y}, \mathbf{z}) = -\sum_{k=1}^K y_k \log \operatorname{softmax}(\mathbf{z})_k
 = \log\sum_{j=1}^K e^{z_j} - \sum_{k=1}^K y_k z_k \qquad \Bigl(\textstyle\sum_k y_k = 1\Bigr).
$$ (mle-softmax-ce)

The checker verifies this for $K = 3$ written out, with $y_3 = 1 - y_1 - y_2$:
""")

code(r"""
z1, z2, z3 = Z3 = sp.symbols("z1:4", real=True)
y1, y2, y3 = Y3 = sp.symbols("y1:4", real=True)
targets_sum_to_one = [sp.Eq(y3, 1 - y1 - y2)]
S = sum(sp.exp(zk) for zk in Z3)

ce = dv.Derivation(-sum(yk * sp.log(sp.exp(zk) / S) for yk, zk in zip(Y3, Z3, strict=True)),
                   assume=targets_sum_to_one, instance="K = 3",
                   title="softmax cross-entropy, K = 3")
ce.step((y1 + y2 + y3) * sp.log(S) - sum(yk * zk for yk, zk in zip(Y3, Z3, strict=True)),
        "$\\log \\mathrm{softmax}(z)_k = z_k - \\log \\sum_j e^{z_j}$")
ce.step(sp.log(S) - sum(yk * zk for yk, zk in zip(Y3, Z3, strict=True)), "the targets sum to 1")
ce
""")

code(r"""
ce_grad = dv.Derivation(sp.Matrix([sp.Derivative(ce.result, zk) for zk in Z3]),
                        assume=targets_sum_to_one, instance="K = 3",
                        title="gradient in z, K = 3")
ce_grad.step(sp.Matrix([sp.exp(zk) / S - yk for zk, yk in zip(Z3, Y3, strict=True)]),
             "differentiate: $\\partial_{z_k} \\log\\sum_j e^{z_j} = \\mathrm{softmax}(z)_k$")
ce_grad
""")

md(r"""
For a general number of classes the sums stay symbolic, and the checker draws $K$ (here
between 2 and 6), the class $k \in \{1, 2\}$ and the values of $z_j$ and $y_j$ at random:
""")

code(r"""
j = sp.Symbol("j", integer=True, positive=True)
zi, yk_ = sp.IndexedBase("z", real=True), sp.IndexedBase("y", real=True)
lse = sp.log(sp.Sum(sp.exp(zi[j]), (j, 1, K))) - sp.Sum(yk_[j] * zi[j], (j, 1, K))
softmax_k = sp.exp(zi[k]) / sp.Sum(sp.exp(zi[j]), (j, 1, K))

ce_grad_K = dv.Derivation(sp.Derivative(lse, zi[k]), domains={K: (2, 6), k: (1, 2)},
                          title="gradient in z_k, any K")
ce_grad_K.step(softmax_k - yk_[k], "differentiate, checked at random $K$, $z$, $y$",
               check="numeric")
ce_grad_K
""")

md(r"""
$$
\frac{\partial \ell}{\partial z_k} = \operatorname{softmax}(\mathbf{z})_k - y_k = p_k - y_k .
$$ (mle-softmax-grad)

The gradient's entries sum to zero (both $\mathbf{p}$ and $\mathbf{y}$ sum to one). With $K = 2$ and
$z = z_2 - z_1$ the softmax cross-entropy is the binary cross-entropy {eq}`mle-bce`.
""")

# ------------------------------------------------------------------------------- Code
md(r"""
## From derivation to code

`derivlib.foundations.mle_kl` implements each equation as a NumPy function. The losses take
**logits**, not probabilities, so they never form $\log\sigma(z)$ from a rounded
$\sigma(z)$: {eq}`mle-bce` is computed with `scipy.special.log_expit`, using
$1 - \sigma(z) = \sigma(-z)$:
""")

code(r"""
dv.show_source(mle_kl.binary_cross_entropy)
""")

md(r"""
and {eq}`mle-softmax-ce` with `scipy.special.log_softmax`, a log-sum-exp shifted by the
row maximum; the gradient {eq}`mle-softmax-grad` is one line:
""")

code(r"""
dv.show_source(mle_kl.softmax_cross_entropy_grad)
""")

md(r"""
The derived formulas, turned into NumPy functions by `sympy.lambdify`, agree with derivlib
on random inputs (derivlib's `*_grad` functions return per-sample derivatives, as the
formulas do):
""")

code(r"""
rng = np.random.default_rng(1)
n_test = 200
numpy_sigmoid = [{"sigmoid": special.expit}, "numpy"]

# binary: (mle-bce) and (mle-bce-grad)
y_b = rng.integers(0, 2, size=n_test).astype(float)
z_b = rng.normal(scale=3.0, size=n_test)
bce_f = sp.lambdify((y, z), bce.result, modules=numpy_sigmoid)
bce_grad_f = sp.lambdify((y, z), bce_grad.result, modules=numpy_sigmoid)
np.testing.assert_allclose(bce_f(y_b, z_b),
                           mle_kl.binary_cross_entropy(y_b, z_b, reduction="none"), rtol=1e-10)
np.testing.assert_allclose(bce_grad_f(y_b, z_b), mle_kl.binary_cross_entropy_grad(y_b, z_b),
                           atol=1e-12)

# multiclass, K = 3: (mle-softmax-ce) and (mle-softmax-grad)
Z_m = rng.normal(scale=2.0, size=(n_test, 3))
Y_m = np.eye(3)[rng.integers(0, 3, size=n_test)]
ce_f = sp.lambdify((*Y3, *Z3), ce.start)
ce_grad_f = [sp.lambdify((*Y3, *Z3), g) for g in ce_grad.result]
np.testing.assert_allclose(ce_f(*Y_m.T, *Z_m.T),
                           mle_kl.softmax_cross_entropy(Y_m, Z_m, reduction="none"), rtol=1e-10)
np.testing.assert_allclose(np.column_stack([g(*Y_m.T, *Z_m.T) for g in ce_grad_f]),
                           mle_kl.softmax_cross_entropy_grad(Y_m, Z_m), atol=1e-12)

# Gaussian: (mle-gauss-nll) per sample, (mle-sq-grad) through the chain rule, (mle-gauss-kl)
y_g, mu_g, var = rng.normal(size=n_test), rng.normal(size=n_test), 0.7
nll_f = sp.lambdify((y, m, s2), gauss_nll.result)
np.testing.assert_allclose(nll_f(y_g, mu_g, var),
                           mle_kl.gaussian_nll(y_g, mu_g, var, reduction="none"), rtol=1e-12)
X_g, w_g = rng.normal(size=(30, 4)), rng.normal(size=(4, 1))
yv_g = rng.normal(size=(30, 1))
sq_grad_f = sp.lambdify((X, yv, w, s2), sq_grad.result)
via_derivlib = X_g.T @ mle_kl.gaussian_nll_grad(yv_g[:, 0], (X_g @ w_g)[:, 0], var)
np.testing.assert_allclose(np.asarray(sq_grad_f(X_g, yv_g, w_g, var))[:, 0], via_derivlib,
                           rtol=1e-10)
m0_, m1_ = rng.normal(size=50), rng.normal(size=50)
sd0_, sd1_ = rng.uniform(0.2, 3, size=50), rng.uniform(0.2, 3, size=50)
np.testing.assert_allclose(closed_form(m0_, sd0_, m1_, sd1_),
                           mle_kl.gaussian_kl(m0_, sd0_, m1_, sd1_), rtol=1e-10, atol=1e-13)
print("lambdify(derivation) == derivlib for BCE, softmax CE (K = 3), Gaussian NLL, "
      "the squared-loss gradient and the Gaussian KL")
""")

md(r"""
Finite differences check the gradient functions against the losses themselves
(`scipy.optimize.approx_fprime` on the summed loss):
""")

code(r"""
def fd_gradient(f, v):
    return optimize.approx_fprime(v, f, 1e-6)


y8, z8 = y_b[:8], z_b[:8]
fd = fd_gradient(lambda v: mle_kl.binary_cross_entropy(y8, v, reduction="sum"), z8)
np.testing.assert_allclose(mle_kl.binary_cross_entropy_grad(y8, z8), fd, atol=1e-5)

Y4, Z4 = Y_m[:4], Z_m[:4]
fd = fd_gradient(lambda v: mle_kl.softmax_cross_entropy(Y4, v.reshape(4, 3), reduction="sum"),
                 Z4.ravel())
np.testing.assert_allclose(mle_kl.softmax_cross_entropy_grad(Y4, Z4).ravel(), fd, atol=1e-5)

fd = fd_gradient(lambda v: mle_kl.gaussian_nll(yv_g[:, 0], X_g @ v, var, reduction="sum"),
                 w_g[:, 0])
np.testing.assert_allclose(via_derivlib, fd, rtol=1e-5, atol=1e-5)
print("finite differences agree with binary_cross_entropy_grad, softmax_cross_entropy_grad "
      "and X^T gaussian_nll_grad")
""")

md(r"""
Why logits? The textbook formula {eq}`mle-bce` evaluated through $\sigma(z)$ breaks down
for confident predictions: $\sigma(-1000)$ rounds to $0$ and $\log 0 = -\infty$, while the
exact loss is $1000$.
""")

code(r"""
z_ext = np.array([-1000.0, -40.0, 40.0, 1000.0])
y_ext = np.ones(4)
with np.errstate(divide="ignore"):
    naive = -np.log(special.expit(z_ext)) + 0.0  # + 0.0 turns -0.0 into 0.0
print("z        :", z_ext)
print("naive    :", naive)
print("derivlib :", mle_kl.binary_cross_entropy(y_ext, z_ext, reduction="none"))
print("gradient :", mle_kl.binary_cross_entropy_grad(y_ext, z_ext))
""")

# ------------------------------------------------------------------------------- Experiments
md(r"""
## Experiments

**KL and negative log-likelihood differ by a constant.** Left: 50 coin flips with
$\mu = 0.3$; the model $\operatorname{Bern}(\theta)$ is scored by
$\operatorname{KL}(\hat p_{\text{data}}\,\|\,\operatorname{Bern}(\theta))$ (`kl_divergence`)
and by the average negative log-likelihood (`binary_cross_entropy` with logit
$\operatorname{logit}\theta$). Right: data from $\mathcal N(1, 1)$ and the model
$\mathcal N(\theta, 1)$, scored by the closed-form KL {eq}`mle-gauss-kl` and by the expected
negative log-likelihood (by quadrature), plus the average negative log-likelihood of a sample
of 100 points, whose minimiser is the sample mean.
""")

code(r"""
rng = np.random.default_rng(2)
flips = (rng.random(50) < 0.3).astype(float)
mu_hat = flips.mean()
thetas = np.linspace(0.02, 0.98, 97)
kl_b = np.array([mle_kl.kl_divergence([1 - mu_hat, mu_hat], [1 - t, t]) for t in thetas])
nll_b = np.array([mle_kl.binary_cross_entropy(flips, np.full(50, special.logit(t)))
                  for t in thetas])
entropy_b = stats.entropy([1 - mu_hat, mu_hat])

mus = np.linspace(-1.0, 3.0, 41)
kl_g = mle_kl.gaussian_kl(1.0, 1.0, mus, 1.0)
exp_nll_g = np.array([
    integrate.quad(lambda t, c=c: -stats.norm.pdf(t, 1.0, 1.0) * stats.norm.logpdf(t, c, 1.0),
                   -11.0, 13.0)[0]
    for c in mus
])
sample = rng.normal(1.0, 1.0, size=100)
avg_nll_g = np.array([mle_kl.gaussian_nll(sample, c, 1.0) for c in mus])

gap_b, gap_g = nll_b - kl_b, exp_nll_g - kl_g
print(f"Bernoulli: NLL - KL is constant ({np.ptp(gap_b) < 1e-12}), equal to the entropy "
      f"H(p_hat) = {entropy_b:.4f}: {np.allclose(gap_b, entropy_b)}")
print(f"Gaussian: expected NLL - KL is constant ({np.ptp(gap_g) < 1e-8}), equal to "
      f"log(2 pi e)/2 = {0.5 * np.log(2 * np.pi * np.e):.4f}: "
      f"{np.allclose(gap_g, 0.5 * np.log(2 * np.pi * np.e))}")

fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
ax = axes[0]
ax.plot(thetas, nll_b, label="average NLL")
ax.plot(thetas, kl_b, label=r"KL$(\hat p_{data} \,\|\, $Bern$(\theta))$")
ax.plot(thetas, nll_b - entropy_b, "k:", label=r"average NLL $- H(\hat p_{data})$")
ax.axvline(mu_hat, color="gray", lw=1)
ax.set(xlabel=r"$\theta$", ylabel="nats", ylim=(0, 2.5),
       title=rf"Bernoulli, 50 flips, $\hat\theta_{{ML}} = \bar x = {mu_hat:.2f}$")
ax.legend(fontsize=8)
ax = axes[1]
ax.plot(mus, exp_nll_g, label="expected NLL (quadrature)")
ax.plot(mus, kl_g, label=r"KL$(\mathcal{N}(1,1) \,\|\, \mathcal{N}(\theta,1))$")
ax.plot(mus, avg_nll_g, "--", label="average NLL, 100 samples")
ax.axvline(sample.mean(), color="gray", lw=1)
ax.set(xlabel=r"$\theta$", ylabel="nats",
       title=rf"Gaussian mean, $\bar x = {sample.mean():.2f}$")
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()
""")

md(r"""
The curves are vertical translates of each other: the same minimiser, as
{prf:ref}`mle-thm-kl` says. The gap is the entropy of the data distribution. The sample
average NLL (dashed) is a noisy version of the expected NLL; its minimiser, the sample
mean, estimates the minimiser of the KL.

**The three losses against the logit or residual.** Each loss (solid) with its derivative
(dashed): squared loss $r^2$ against the residual $r = \hat y - y$; binary cross-entropy
against $z$ for both labels; softmax cross-entropy of class 1 when the logits are
$(z, 0, 0)$.
""")

code(r"""
grid = np.linspace(-6, 6, 241)
ones, zeros = np.ones_like(grid), np.zeros_like(grid)
Z_grid = np.column_stack([grid, zeros, zeros])
first = np.zeros(len(grid), dtype=int)

fig, axes = plt.subplots(1, 3, figsize=(12, 3.4), sharex=True)
ax = axes[0]
ax.plot(grid, mle_kl.squared_loss(zeros, grid, reduction="none"), label=r"$r^2$")
ax.plot(grid, mle_kl.squared_loss_grad(zeros, grid), "--", label=r"$2r$")
ax.set(xlabel=r"residual $r = \hat y - y$", title="squared loss (Gaussian)", ylim=(-6, 12))
ax = axes[1]
for lab, col in [(1.0, "C0"), (0.0, "C1")]:
    yy = np.full_like(grid, lab)
    ax.plot(grid, mle_kl.binary_cross_entropy(yy, grid, reduction="none"), color=col,
            label=rf"$y = {lab:.0f}$")
    ax.plot(grid, mle_kl.binary_cross_entropy_grad(yy, grid), "--", color=col,
            label=rf"$\sigma(z) - {lab:.0f}$")
ax.set(xlabel="logit $z$", title="binary cross-entropy (Bernoulli)", ylim=(-1.5, 6.5))
ax = axes[2]
ax.plot(grid, mle_kl.softmax_cross_entropy(first, Z_grid, reduction="none"), label="loss, class 1")
ax.plot(grid, mle_kl.softmax_cross_entropy_grad(first, Z_grid)[:, 0], "--", label=r"$p_1 - 1$")
ax.set(xlabel=r"logit $z_1$ (others 0)", title="softmax cross-entropy (categorical)",
       ylim=(-1.5, 6.5))
for ax in axes:
    ax.axhline(0, color="k", lw=0.6)
    ax.legend(fontsize=8)
fig.tight_layout()
plt.show()
""")

md(r"""
The squared loss grows quadratically with the residual and its gradient without bound, so
an outlier dominates the fit. The cross-entropies grow only linearly for confidently wrong
logits, and their gradients saturate at $\pm 1$: at most one unit of "push" per sample.
For confidently right logits they vanish.
""")

# ------------------------------------------------------------------------------- Explore
md(r"""
## Explore

Move $\theta$, the model's probability of heads, and watch the model distribution against
the data's empirical distribution (left) and where $\theta$ sits on the KL and average NLL
curves (right). The two curves keep their vertical distance whatever $\theta$ is. With a
kernel (Binder, Colab, a local Jupyter) each move of the slider redraws the figure; on the
website the slider steps through figures drawn when the book was built.
""")

code(r"""
def show_bernoulli_fit(theta=0.6):
    kl = mle_kl.kl_divergence([1 - mu_hat, mu_hat], [1 - theta, theta])
    nll = mle_kl.binary_cross_entropy(flips, np.full(len(flips), special.logit(theta)))
    fig = Figure(figsize=(10, 3.2))
    ax0, ax1 = fig.subplots(1, 2)
    ax0.bar([-0.2, 0.8], [1 - mu_hat, mu_hat], width=0.4, label=r"data $\hat p_{data}$")
    ax0.bar([0.2, 1.2], [1 - theta, theta], width=0.4, label=r"model Bern$(\theta)$")
    ax0.set(xticks=[0, 1], xlabel="outcome", ylim=(0, 1), title=rf"$\theta = {theta:.2f}$")
    ax0.legend(fontsize=8)
    ax1.plot(thetas, nll_b, label="average NLL")
    ax1.plot(thetas, kl_b, label="KL")
    ax1.plot([theta, theta], [kl, nll], "ko-", ms=4)
    ax1.set(xlabel=r"$\theta$", ylim=(0, 2.5),
            title=f"KL = {kl:.3f}, NLL = {nll:.3f}, gap = {nll - kl:.3f}")
    ax1.legend(fontsize=8)
    fig.tight_layout()
    return fig


widgets.explore(show_bernoulli_fit, theta=np.round(np.arange(0.05, 0.96, 0.05), 2))
""")


md(r"""
The same view for four values of $\theta$ side by side: the divergence, and with it
the average negative log-likelihood, is smallest when the model's bars match the data's.
""")

code(r"""
fig, axes = plt.subplots(1, 4, figsize=(12, 2.8), sharey=True)
for ax, t in zip(axes, [0.1, mu_hat, 0.6, 0.9], strict=True):
    kl = mle_kl.kl_divergence([1 - mu_hat, mu_hat], [1 - t, t])
    nll = mle_kl.binary_cross_entropy(flips, np.full(len(flips), special.logit(t)))
    ax.bar([-0.2, 0.8], [1 - mu_hat, mu_hat], width=0.4, label="data")
    ax.bar([0.2, 1.2], [1 - t, t], width=0.4, label="model")
    ax.set(xticks=[0, 1], ylim=(0, 1), title=f"θ = {t:.2f}\nKL = {kl:.3f}, NLL = {nll:.3f}")
axes[0].legend(fontsize=8)
fig.tight_layout()
plt.show()
""")

# ------------------------------------------------------------------------------- Library
md(r"""
## Check against a library

The same numbers from scikit-learn and SciPy (the full, randomised comparison is in
`tests/foundations/test_mle_kl.py`):
""")

code(r"""
rng = np.random.default_rng(3)
y_bin = rng.integers(0, 2, size=100)
z_bin = rng.normal(scale=2.0, size=100)
labels = rng.integers(0, 4, size=100)
Z_mc = rng.normal(scale=2.0, size=(100, 4))
y_reg, y_pred = rng.normal(size=100), rng.normal(size=100)
p_dist, q_dist = rng.dirichlet(np.ones(5)), rng.dirichlet(np.ones(5))

rows = [
    ("binary cross-entropy", mle_kl.binary_cross_entropy(y_bin, z_bin),
     "sklearn log_loss", log_loss(y_bin, special.expit(z_bin))),
    ("softmax cross-entropy", mle_kl.softmax_cross_entropy(labels, Z_mc),
     "sklearn log_loss", log_loss(labels, special.softmax(Z_mc, axis=1), labels=range(4))),
    ("softmax CE, row 0", mle_kl.softmax_cross_entropy(labels[:1], Z_mc[:1]),
     "-scipy log_softmax", -special.log_softmax(Z_mc[0])[labels[0]]),
    ("squared loss", mle_kl.squared_loss(y_reg, y_pred),
     "sklearn mean_squared_error", mean_squared_error(y_reg, y_pred)),
    ("Gaussian NLL", mle_kl.gaussian_nll(y_reg, y_pred, 0.5),
     "-scipy norm.logpdf", -np.mean(stats.norm.logpdf(y_reg, y_pred, np.sqrt(0.5)))),
    ("KL divergence", mle_kl.kl_divergence(p_dist, q_dist),
     "scipy stats.entropy", stats.entropy(p_dist, q_dist)),
]
for name, ours, ref_name, ref in rows:
    assert np.isclose(ours, ref, rtol=1e-9, atol=0), name
    print(f"{name:22s} derivlib {ours:.10f}   {ref_name:27s} {ref:.10f}")
""")

md(r"""
scikit-learn's `log_loss` takes probabilities and clips them away from 0 and 1; derivlib
takes logits and needs no clipping, which is why it stays exact at $z = \pm 1000$.
""")

# ------------------------------------------------------------------------------- Exercises
md(r"""
## Exercises

```{exercise} Poisson rate
:label: mle-ex-poisson

Counts $x_1,\dots,x_N \in \{0, 1, 2, \dots\}$ are modelled as i.i.d.
$\operatorname{Poisson}(\lambda)$, $p(x;\lambda) = \lambda^x e^{-\lambda}/x!$. Show that the
maximum-likelihood rate is the sample mean, $\hat\lambda = \bar x$.
```

```{solution} mle-ex-poisson
:class: dropdown

The average log-likelihood is
$\frac1N\sum_n (x_n\log\lambda - \lambda - \log x_n!) = \bar x \log\lambda - \lambda - c$.
Its derivative $\bar x/\lambda - 1$ vanishes at $\lambda = \bar x$, and the second
derivative $-\bar x/\lambda^2 < 0$ (for $\bar x > 0$) makes it a maximum. If all counts are
zero, the likelihood $e^{-N\lambda}$ is largest at $\lambda = 0 = \bar x$.
```

```{exercise} Laplace noise gives the absolute loss
:label: mle-ex-laplace

Let $y \mid \mathbf{x} \sim \operatorname{Laplace}(\mathbf{w}^\top \mathbf{x}, b)$, with density
$\frac{1}{2b}\exp(-|y - \mathbf{w}^\top \mathbf{x}|/b)$. Write the negative log-likelihood of a sample and
show that, for fixed $b$, maximum likelihood minimises the absolute loss
$\sum_n |y_n - \mathbf{w}^\top \mathbf{x}_n|$. What is the estimate when $\mathbf{w}^\top \mathbf{x}$ is a constant $c$?
```

```{solution} mle-ex-laplace
:class: dropdown

$-\sum_n \log p(y_n \mid \mathbf{x}_n) = \frac1b \sum_n |y_n - \mathbf{w}^\top \mathbf{x}_n| + N\log(2b)$. The constant
and the positive factor $1/b$ do not move the minimiser, exactly as for the Gaussian in
{eq}`mle-gauss-nll`. For a constant $c$, $\sum_n|y_n - c|$ has subgradient
$\#\{y_n < c\} - \#\{y_n > c\}$, which contains 0 at a **median** of the $y_n$: Laplace
noise estimates the median where Gaussian noise estimates the mean, which is why the absolute
loss is robust to outliers.
```

```{exercise} Gradient of logistic regression
:label: mle-ex-logreg

In logistic regression $z_n = \mathbf{w}^\top \mathbf{x}_n$. Using {eq}`mle-bce-grad` and the chain rule, show
that the gradient of the summed binary cross-entropy in $\mathbf{w}$ is $\mathbf{X}^\top(\mathbf{p} - \mathbf{y})$, where
$p_n = \sigma(\mathbf{w}^\top \mathbf{x}_n)$ and $\mathbf{X}$ has rows $\mathbf{x}_n^\top$. Check it with
`mle_kl.binary_cross_entropy_grad` and finite differences.
```

````{solution} mle-ex-logreg
:class: dropdown

$\partial z_n/\partial \mathbf{w} = \mathbf{x}_n$, so
$\nabla_{\mathbf{w}} \sum_n \ell_n = \sum_n \frac{\partial \ell_n}{\partial z_n} \mathbf{x}_n
= \sum_n (\sigma(z_n) - y_n)\,\mathbf{x}_n = \mathbf{X}^\top(\mathbf{p} - \mathbf{y})$. In code:

```python
rng = np.random.default_rng(0)
X_, w_ = rng.normal(size=(20, 3)), rng.normal(size=3)
y_ = rng.integers(0, 2, size=20)
grad = X_.T @ mle_kl.binary_cross_entropy_grad(y_, X_ @ w_)
fd = optimize.approx_fprime(
    w_, lambda v: mle_kl.binary_cross_entropy(y_, X_ @ v, reduction="sum"), 1e-6)
np.testing.assert_allclose(grad, fd, atol=1e-5)
```
````

```{exercise} Self-checking: the derivative of the binary cross-entropy
:label: mle-ex-selfcheck

Without looking back, write
$\frac{\partial}{\partial z}\Bigl(-\bigl[y\log\sigma(z) + (1-y)\log(1-\sigma(z))\bigr]\Bigr)$
as a SymPy expression (or a string) in `y` and `z`. Use `exp`, not $\sigma$:
$\sigma(z) = 1/(1 + e^{-z})$. Replace the first attempt in the cell below by yours and run it.
```

""")

code(r"""
answer = "0"  # your expression in y and z, e.g. "y*z"
dv.check_answer(answer, sigmoid(z) - y, symbols=[y, z],
                hint="differentiate each log with the chain rule; sigma' = sigma (1 - sigma).")
""")

md(r"""
```{solution-start} mle-ex-selfcheck
:class: dropdown
```

`"1/(1 + exp(-z)) - y"`, or equivalently `"exp(z)/(1 + exp(z)) - y"`: the derivation
{eq}`mle-bce-grad`.

Both forms pass the checker:
""")

code(r"""
print(dv.check_answer("1/(1 + exp(-z)) - y", sigmoid(z) - y, symbols=[y, z]).correct,
      dv.check_answer("exp(z)/(1 + exp(z)) - y", sigmoid(z) - y, symbols=[y, z]).correct)
""")

md(r"""
```{solution-end}
```
""")

# ------------------------------------------------------------------------------- References
md(r"""
## References

The KL view of maximum likelihood follows {cite}`goodfellow2016deep` (sec. 5.5); Gibbs'
inequality is Theorem 2.6.3 of {cite}`cover2006elements`; the losses as negative
log-likelihoods of generalised linear models are in {cite}`bishop2006prml` (secs. 3.1, 4.3)
and {cite}`murphy2012mlpp` (chs. 7–8).

```{bibliography}
:filter: docname in docnames
```
""")

write(OUT)
