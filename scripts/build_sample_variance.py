"""Build chapters/foundations/sample_variance.ipynb (cells only, no outputs) from the cells below.

The helpers come from scripts/_chapter.py. Usage, from the repository root::

    .venv/bin/python scripts/build_sample_variance.py
    make execute NB=chapters/foundations/sample_variance.ipynb
"""

# ruff: noqa: E501
from __future__ import annotations

from _chapter import ROOT, code, colab, md, write

OUT = ROOT / "chapters" / "foundations" / "sample_variance.ipynb"


# ----------------------------------------------------------------------------------- title
md(
    r"""
# Why the maximum-likelihood variance is biased

Fit a Gaussian to data by maximum likelihood and you get the sample mean and the sample
variance that divides by $N$. The mean is right on average; the variance is not: it is
too small, on average by the factor $(N-1)/N$. This chapter derives that factor step by
step, with every step checked by SymPy, and shows where it comes from: the estimated
mean sits closer to the data than the true mean does.
"""
)

colab()

# ------------------------------------------------------------------------------------ goal
md(
    r"""
## Goal

We derive

- the maximum-likelihood estimates $\hat\mu_{\text{ML}}$ and $\hat\sigma^2_{\text{ML}}$ of a Gaussian's mean
  and variance, by setting the derivatives of the log-likelihood to zero;
- the expectation $\mathbb{E}[\hat\sigma^2_{\text{ML}}] = \frac{N-1}{N}\sigma^2$
  {cite}`bishop2006prml` (eq. 1.58), for general $N$, with the independence of the samples
  stated as an assumption of the derivation rather than used silently; and again, exactly,
  with `sympy.stats` for $N = 2, 3, 4$;
- Bessel's correction $s^2 = \frac{N}{N-1}\hat\sigma^2_{\text{ML}}$, the unbiased estimator.

**Prerequisites.** Expectations of sums of random variables, the Gaussian density,
derivatives of logarithms. The [notation](../../notation.md) page fixes the symbols.

**Afterwards you can** say why `numpy.var` divides by $N$ and `statistics.variance`
by $N-1$, predict the size of the bias for any $N$, and explain why the biased estimator
nevertheless has the smaller mean squared error.
"""
)

code(
    """
import matplotlib.pyplot as plt
import numpy as np
import scipy.stats
import sympy as sp
from IPython.display import Markdown

from derivlib import derivation as dv
from derivlib import widgets
from derivlib.foundations import sample_variance as sv
""",
    "hide-input",
)

# ----------------------------------------------------------------------------------- model
md(
    r"""
## Model

The data are $N$ numbers $x_1, \dots, x_N$, drawn independently from one Gaussian,

$$
x_n \sim \mathcal{N}(\mu, \sigma^2), \qquad n = 1, \dots, N,
$$

with mean $\mu$ and variance $\sigma^2$ unknown. An *estimator* is a function of the
data; it is itself random, and its *bias* is $\mathbb{E}[\hat\theta] - \theta$, the
expectation taken over data sets of size $N$.

Everything below about expectations uses only the first two moments. Independence gives
$\mathbb{E}[x_n x_m] = \mathbb{E}[x_n]\,\mathbb{E}[x_m] = \mu^2$ for $n \ne m$, and for
$n = m$ the definition of the variance gives $\mathbb{E}[x_n^2] = \sigma^2 + \mu^2$.
Together, with the Kronecker delta $\delta_{nm}$,

$$
\mathbb{E}[x_n] = \mu, \qquad \mathbb{E}[x_n x_m] = \mu^2 + \sigma^2 \delta_{nm}.
$$ (sv-moments)

These two statements are what the derivations below are given as hypotheses (`assume=`,
shown under each chain after "assuming"): the checker expands expectations by linearity and
then replaces what is left by {eq}`sv-moments`; it knows nothing else about the $x_n$.
Inside an expectation every symbol is declared random (the $x_n$) or constant (e.g. $\mu$);
sizes and the limits of sums, such as $N$, count as constants.
"""
)

code(
    r"""
N = sp.Symbol("N", integer=True, positive=True)           # data set size
n, m = sp.symbols("n m", integer=True, positive=True)     # indices of observations
mu = sp.Symbol("mu", real=True)                           # true mean
sigma = sp.Symbol("sigma", positive=True)                 # true standard deviation
x = sp.IndexedBase("x")                                   # x[n]: the n-th observation
mu_ML = sp.Symbol(r"\hat{\mu}_{\text{ML}}", real=True)  # ML mean, a function of the data

i, j = sp.Wild("i"), sp.Wild("j")                          # any two indices
moments = [                                               # eq. (sv-moments)
    sp.Eq(dv.E(x[i]), mu),
    sp.Eq(dv.E(x[i] ** 2), mu**2 + sigma**2),
    sp.Eq(dv.E(x[i] * x[j]), mu**2 + sigma**2 * sp.KroneckerDelta(i, j)),
]
"""
)

# ------------------------------------------------------------------------------ derivation
md(
    r"""
## Derivation

In the chains below each step carries its reason and a mark saying how it was verified:
[symbolic] SymPy proved it for all values of the symbols; [numeric] the two sides agreed
at sample points (random $N$ and data, drawn wide, with edge values), used where SymPy
cannot decide, typically sums with a symbolic number of terms; [cited: key] a result taken
from the reference, not checked. What a chain rests on is listed under it: definitions
("where"), hypotheses ("assuming") and claims ("facts", each checked or cited). A wrong
step raises an error, so this page could not have been built with one.

### The maximum-likelihood estimates

The likelihood of independent data is the product of the densities; its logarithm
{cite}`bishop2006prml` (eq. 1.54) is

$$
\log p(\mathbf{x} \mid \mu, \sigma^2) = -\frac{1}{2\sigma^2}\sum_{n=1}^N (x_n - \mu)^2
- \frac{N}{2}\log \sigma^2 - \frac{N}{2}\log(2\pi).
$$ (sv-loglik)

We treat the variance $\sigma^2$ itself as the parameter (the symbol `v` below).
"""
)

code(
    r"""
v = sp.Symbol("sigma^2", positive=True)                   # the variance as a parameter


def gaussian(z, mean, var):
    # UnevaluatedExpr keeps sqrt(2 pi sigma^2) in one piece on the page
    return sp.exp(-((z - mean) ** 2) / (2 * var)) / sp.sqrt(sp.UnevaluatedExpr(2 * sp.pi * var))


loglik = (-sp.Sum((x[n] - mu) ** 2, (n, 1, N)) / (2 * v)
          - N / 2 * sp.log(v) - N / 2 * sp.log(2 * sp.pi))            # eq. (sv-loglik)

L = dv.Derivation(sp.log(sp.Product(gaussian(x[n], mu, v), (n, 1, N))),
                  title="Gaussian log-likelihood")
L.step(sp.Sum(sp.log(gaussian(x[n], mu, v)), (n, 1, N)),
       "the log of a product is the sum of the logs", check="numeric")
L.step(sp.Sum(-(x[n] - mu) ** 2 / (2 * v) - sp.log(v) / 2 - sp.log(2 * sp.pi) / 2, (n, 1, N)),
       "log of the Gaussian density", check="numeric")
L.step(loglik, "the constant terms, summed $N$ times", check="numeric")
"""
)

md(
    r"""
The derivative with respect to $\mu$ vanishes where $\mu$ equals the sample mean; we name
that point $\hat\mu_{\text{ML}} = \frac1N \sum_n x_n$ and give its definition to the checker
(`define=`).
"""
)

code(
    r"""
mean_def = sp.Eq(mu_ML, sp.Sum(x[n], (n, 1, N)) / N)       # eq. (sv-mu-ml), as a definition

d_mu = dv.Derivation(sp.Derivative(loglik, mu), define=[mean_def],
                     title="derivative in the mean")
d_mu.step(sp.Sum(x[n] - mu, (n, 1, N)) / v, "differentiate term by term")
d_mu.step((sp.Sum(x[n], (n, 1, N)) - N * mu) / v, "$N$ equal terms $\\mu$")
d_mu.step(N * (mu_ML - mu) / v, "definition of $\\hat\\mu_{\\text{ML}}$")
"""
)

code(
    r"""
assert sp.solve(d_mu.result, mu) == [mu_ML]                # the only stationary point

curvature = dv.Derivation(sp.Derivative(loglik, mu, 2), title="curvature in the mean")
curvature.step(-N / v, "differentiate twice").step(0, "$N, \\sigma^2 > 0$", rel="<")
"""
)

md(
    r"""
The stationary point in $\mu$ does not depend on $\sigma^2$, so we can substitute it and
maximise over $\sigma^2$ next.
"""
)

code(
    r"""
d_v = dv.Derivation(sp.Derivative(loglik, v), title="derivative in the variance")
d_v.step(sp.Sum((x[n] - mu) ** 2, (n, 1, N)) / (2 * v**2) - N / (2 * v), "differentiate")
d_v.step(N / (2 * v**2) * (sp.Sum((x[n] - mu) ** 2, (n, 1, N)) / N - v),
         "factor out $N/(2\\sigma^4)$")
"""
)

code(
    r"""
v_hat = sp.Sum((x[n] - mu) ** 2, (n, 1, N)) / N
assert len(sp.solve(d_v.result, v)) == 1                     # one stationary point ...
assert sp.simplify(d_v.result.subs(v, v_hat)) == 0           # ... and it is v_hat
v_hat.subs(mu, mu_ML)
"""
)

md(
    r"""
The derivative in $\sigma^2$ is positive below that point and negative above it (the
factor $N/(2\sigma^4)$ is positive), so it is the maximum.

```{prf:theorem} Maximum-likelihood estimates of a Gaussian
:label: sv-thm-ml

For data $x_1, \dots, x_N$ with $N \ge 1$ and not all equal, the log-likelihood
{eq}`sv-loglik` has its unique maximum at

$$
\hat\mu_{\text{ML}} = \frac{1}{N}\sum_{n=1}^N x_n ,
$$ (sv-mu-ml)

$$
\hat\sigma^2_{\text{ML}} = \frac{1}{N}\sum_{n=1}^N (x_n - \hat\mu_{\text{ML}})^2 .
$$ (sv-var-ml)
```

```{prf:proof}
The chains above give $\partial_\mu \log p = N(\hat\mu_{\text{ML}} - \mu)/\sigma^2$, zero only at
$\mu = \hat\mu_{\text{ML}}$ and with second derivative $-N/\sigma^2 < 0$, for every $\sigma^2$. At
$\mu = \hat\mu_{\text{ML}}$, $\partial_{\sigma^2} \log p = \frac{N}{2\sigma^4}(\hat\sigma^2_{\text{ML}} - \sigma^2)$
is positive for $\sigma^2 < \hat\sigma^2_{\text{ML}}$ and negative above. Hence, for every $\mu$ and
$\sigma^2 > 0$,
$\log p(\mathbf x \mid \mu, \sigma^2) \le \log p(\mathbf x \mid \hat\mu_{\text{ML}}, \sigma^2)
\le \log p(\mathbf x \mid \hat\mu_{\text{ML}}, \hat\sigma^2_{\text{ML}})$, with equality only at
$(\hat\mu_{\text{ML}}, \hat\sigma^2_{\text{ML}})$.
```

### The expectation of $\hat\sigma^2_{\text{ML}}$

First an algebraic identity (no expectations yet): the mean squared deviation from the
sample mean is the mean of the squares minus the square of the mean.
"""
)

code(
    r"""
sum_x = sp.Sum(x[n], (n, 1, N))

square = dv.Derivation(sp.Sum((x[n] - mu_ML) ** 2, (n, 1, N)) / N,
                       title="the ML variance, expanded")
square.step(sp.Sum(x[n] ** 2, (n, 1, N)) / N - 2 * mu_ML * sum_x / N + mu_ML**2,
            "expand the square; $\\hat\\mu_{\\text{ML}}$ is constant in $n$")
square.step(sp.Sum(x[n] ** 2, (n, 1, N)) / N - mu_ML**2,
            "$\\sum_n x_n = N\\hat\\mu_{\\text{ML}}$",
            define=[mean_def], facts=[sp.Eq(sum_x, N * mu_ML)])
"""
)

md(
    r"""
So $\mathbb{E}[\hat\sigma^2_{\text{ML}}]$ needs $\mathbb{E}[x_n^2]$, given by {eq}`sv-moments`, and
$\mathbb{E}[\hat\mu_{\text{ML}}^2]$, which is a double sum over pairs of observations:
"""
)

code(
    r"""
mean_sq = dv.Derivation(dv.E((sum_x / N) ** 2), assume=moments, random=[x],
                        title="expectation of the squared ML mean")
mean_sq.step(dv.E(sp.Sum(x[n] * x[m], (n, 1, N), (m, 1, N))) / N**2,
             "the square of a sum is a double sum")
mean_sq.step(sp.Sum(dv.E(x[n] * x[m]), (n, 1, N), (m, 1, N)) / N**2,
             "linearity of $\\mathbb{E}$")
mean_sq.step(sp.Sum(mu**2 + sigma**2 * sp.KroneckerDelta(n, m), (n, 1, N), (m, 1, N)) / N**2,
             "independence, eq. (sv-moments)")
mean_sq.step((N**2 * mu**2 + N * sigma**2) / N**2,
             "$N^2$ terms $\\mu^2$; $\\delta_{nm}$ keeps the $N$ terms $m = n$")
mean_sq.step(mu**2 + sigma**2 / N, "simplify")
"""
)

md(
    r"""
```{prf:theorem} The maximum-likelihood variance is biased
:label: sv-thm-bias

For $N$ independent observations with mean $\mu$ and variance $\sigma^2$ (Gaussian or not),

$$
\mathbb{E}[\hat\sigma^2_{\text{ML}}] = \frac{N-1}{N}\,\sigma^2 .
$$ (sv-bias)
```

```{prf:proof}
By the identity above, $\hat\sigma^2_{\text{ML}} = \frac1N\sum_n x_n^2 - \hat\mu_{\text{ML}}^2$. Take expectations
by linearity, use $\mathbb{E}[x_n^2] = \mu^2 + \sigma^2$ from {eq}`sv-moments` and
$\mathbb{E}[\hat\mu_{\text{ML}}^2] = \mu^2 + \sigma^2/N$ from the chain above; the $\mu^2$ cancel.
This is the argument of {cite}`bishop2006prml` (section 1.2.4); the chain below checks
each step.
```
"""
)

code(
    r"""
bias = dv.Derivation(dv.E(sp.Sum(x[n] ** 2, (n, 1, N)) / N - mu_ML**2),
                     assume=moments, random=[x, mu_ML],
                     title="expectation of the ML variance")
bias.step(sp.Sum(dv.E(x[n] ** 2), (n, 1, N)) / N - dv.E(mu_ML**2), "linearity of $\\mathbb{E}$")
bias.step(sp.Sum(mu**2 + sigma**2, (n, 1, N)) / N - (mu**2 + sigma**2 / N),
          "eq. (sv-moments) and $\\mathbb{E}[\\hat\\mu_{\\text{ML}}^2]$ above",
          define=[mean_def], facts=[dv.claim(sp.Eq(dv.E(mu_ML**2), mean_sq.result), by=mean_sq)])
bias.step(mu**2 + sigma**2 - mu**2 - sigma**2 / N, "$N$ equal terms")
bias.step((N - 1) / N * sigma**2, "the $\\mu^2$ cancel")
"""
)

md(
    r"""
The same result in one chain, starting from the definition {eq}`sv-var-ml` with the sample
mean written out (so nothing but {eq}`sv-moments` is assumed):
"""
)

code(
    r"""
mean_m = sp.Sum(x[m], (m, 1, N)) / N                      # mu_ML with its own index

direct = dv.Derivation(dv.E(sp.Sum((x[n] - mean_m) ** 2, (n, 1, N)) / N),
                       assume=moments, random=[x],
                       title="expectation of the ML variance, in one chain")
direct.step(dv.E(sp.Sum(x[n] ** 2, (n, 1, N)) / N
                 - sp.Sum(x[n] * x[m], (n, 1, N), (m, 1, N)) / N**2),
            "expand the square; the cross term and the square of the mean combine")
direct.step(sp.Sum(dv.E(x[n] ** 2), (n, 1, N)) / N
            - sp.Sum(dv.E(x[n] * x[m]), (n, 1, N), (m, 1, N)) / N**2, "linearity of $\\mathbb{E}$")
direct.step(sp.Sum(mu**2 + sigma**2, (n, 1, N)) / N
            - sp.Sum(mu**2 + sigma**2 * sp.KroneckerDelta(n, m), (n, 1, N), (m, 1, N)) / N**2,
            "independence, eq. (sv-moments)")
direct.step((N - 1) / N * sigma**2, "sum the constants and the delta; simplify")
"""
)

md(
    r"""
### Where the bias comes from

Measure the deviations from the *true* mean instead, and the estimator is unbiased: each
term has expectation $\sigma^2$.
"""
)

code(
    r"""
known = dv.Derivation(dv.E(sp.Sum((x[n] - mu) ** 2, (n, 1, N)) / N), assume=moments,
                      random=[x], constants=[mu], title="known mean")
known.step(sp.Sum(dv.E(x[n] ** 2) - 2 * mu * dv.E(x[n]) + mu**2, (n, 1, N)) / N,
           "expand; linearity of $\\mathbb{E}$")
known.step(sigma**2, "eq. (sv-moments): each term is $\\sigma^2$")
"""
)

md(
    r"""
The sample mean is, by construction, the point closest to the data in squared distance
(it minimises $\sum_n (x_n - c)^2$ over $c$), so deviations from it are smaller than
deviations from the true mean. By exactly how much is Pythagoras' theorem for the data:

$$
\sum_{n=1}^N (x_n - \mu)^2 = \sum_{n=1}^N (x_n - \hat\mu_{\text{ML}})^2 + N(\hat\mu_{\text{ML}} - \mu)^2 ,
$$ (sv-decomp)

checked here with the definition of $\hat\mu_{\text{ML}}$ as the only premise:
"""
)

code(
    r"""
decomp = dv.Derivation(sp.Sum((x[n] - mu) ** 2, (n, 1, N)), title="Pythagoras for the data")
decomp.step(sp.Sum(sp.Add(x[n] - mu_ML, mu_ML - mu, evaluate=False) ** 2, (n, 1, N)),
            "add and subtract $\\hat\\mu_{\\text{ML}}$")
decomp.step(sp.Sum((x[n] - mu_ML) ** 2, (n, 1, N)) + 2 * (mu_ML - mu) * (sum_x - N * mu_ML)
            + N * (mu_ML - mu) ** 2,
            "expand; the middle terms add up to a multiple of "
            "$\\sum_n x_n - N\\hat\\mu_{\\text{ML}}$")
decomp.step(sp.Sum((x[n] - mu_ML) ** 2, (n, 1, N)) + N * (mu_ML - mu) ** 2,
            "$\\sum_n x_n = N\\hat\\mu_{\\text{ML}}$",
            define=[mean_def], facts=[sp.Eq(sum_x, N * mu_ML)])
"""
)

md(
    r"""
Divide {eq}`sv-decomp` by $N$ and take expectations:
$\sigma^2 = \mathbb{E}[\hat\sigma^2_{\text{ML}}] + \mathbb{E}[(\hat\mu_{\text{ML}} - \mu)^2] = \mathbb{E}[\hat\sigma^2_{\text{ML}}] + \operatorname{Var}[\hat\mu_{\text{ML}}]$.
The ML variance misses exactly the variance of the estimated mean, $\sigma^2/N$
(exercise {ref}`sv-ex-varmean`): the bias is the price of having fitted $\mu$ to the same
data. In models with more fitted parameters the same effect is larger; it is one face of
over-fitting {cite}`bishop2006prml` (section 1.2.4).

### Bessel's correction

Multiplying by $N/(N-1)$ removes the bias. For $N \ge 2$,

$$
s^2 = \frac{N}{N-1}\,\hat\sigma^2_{\text{ML}} = \frac{1}{N-1}\sum_{n=1}^N (x_n - \hat\mu_{\text{ML}})^2 .
$$ (sv-s2)
"""
)

code(
    r"""
sigma2_ML = sp.Symbol(r"\hat{\sigma}^2_{\text{ML}}", nonnegative=True)

bessel = dv.Derivation(dv.E(N / (N - 1) * sigma2_ML), random=[sigma2_ML], constants=[N],
                       title="Bessel's correction removes the bias")
bessel.step(N / (N - 1) * dv.E(sigma2_ML), "linearity of $\\mathbb{E}$")
bessel.step(sp.Mul(N / (N - 1), bias.result, evaluate=False), "theorem (sv-bias)",
            facts=[dv.claim(sp.Eq(dv.E(sigma2_ML), bias.result), cite="bishop2006prml")])
bessel.step(sigma**2, "cancel")
"""
)

md(
    r"""
```{prf:corollary} Bessel's correction
:label: sv-cor-bessel

For $N \ge 2$ independent observations with variance $\sigma^2$, $\mathbb{E}[s^2] = \sigma^2$.
```

```{prf:proof}
Linearity of $\mathbb{E}$ and {prf:ref}`sv-thm-bias`, as checked in the chain above.
```

### Exact expectations for concrete $N$

An independent check of {eq}`sv-bias` that shares no code with the chains above:
`sympy.stats` integrates against the joint density of $N$ Gaussian random symbols and
returns $\mathbb{E}[\hat\sigma^2_{\text{ML}}]$ exactly.
"""
)

code(
    r"""
from sympy.stats import E as expectation
from sympy.stats import Normal

exact = {}
for N_ in (2, 3, 4):
    xs = [Normal(f"x{k}", mu, sigma) for k in range(1, N_ + 1)]
    mean = sum(xs) / N_
    sigma2_ml = sum((xk - mean) ** 2 for xk in xs) / N_
    exact[N_] = sp.factor(expectation(sp.expand(sigma2_ml)))
    assert sp.simplify(exact[N_] - bias.result.subs(N, N_)) == 0   # eq. (sv-bias)

Markdown("| $N$ | $\\mathbb{E}[\\hat\\sigma^2_{\\text{ML}}]$ by `sympy.stats` |\n|---|---|\n"
         + "\n".join(f"| {k} | ${sp.latex(e)}$ |" for k, e in exact.items()))
"""
)

# -------------------------------------------------------------------- derivation to code
md(
    r"""
## From derivation to code

The estimators are `derivlib.foundations.sample_variance.ml_variance` and
`unbiased_variance`. The line under the comment `(sv-var-ml)` is {eq}`sv-var-ml`,
computed in two passes (mean first), the numerically stable form; the one-pass
$\overline{x^2} - \bar x^2$ of the identity above is exact algebra but cancels
catastrophically in floating point when $|\mu| \gg \sigma$.
"""
)

code(
    """
dv.show_source(sv.ml_variance)
"""
)

code(
    """
dv.show_source(sv.unbiased_variance)
"""
)

md(
    r"""
The closed form {eq}`sv-bias` is `expected_ml_variance`. Both are compared with the
formulas derived above, turned into NumPy functions by `sympy.lambdify`: the expectation
`bias.result`, and the definition {eq}`sv-var-ml` written out for $N = 7$.
"""
)

code(
    r"""
rng = np.random.default_rng(0)

expected_from_derivation = sp.lambdify((N, sigma), bias.result)
Ns = rng.integers(1, 100, size=50)
sigmas = rng.uniform(0.1, 5.0, size=50)
assert np.allclose(expected_from_derivation(Ns, sigmas), sv.expected_ml_variance(sigmas**2, Ns))

N7 = 7
xs7 = sp.symbols(f"x1:{N7 + 1}")
formula7 = (square.start.subs(mu_ML, sp.Sum(x[m], (m, 1, N)) / N).subs(N, N7).doit()
            .xreplace({x[k]: xs7[k - 1] for k in range(1, N7 + 1)}))
ml_variance_from_derivation = sp.lambdify(xs7, formula7)
data = rng.normal(3.0, 2.0, size=(100, N7))
assert np.allclose(ml_variance_from_derivation(*data.T), sv.ml_variance(data, axis=1))
"""
)

# ---------------------------------------------------------------------------- experiments
md(
    r"""
## Experiments

`sv.simulate_estimators` draws many data sets of size $N$ and returns the three estimates
for each. Averaged over 20 000 data sets per $N$, the ML variance follows the curve
$\frac{N-1}{N}\sigma^2$ of {eq}`sv-bias`, and $s^2$ stays at $\sigma^2$. The error bars are
$\pm 2$ standard errors, $2\sqrt{\operatorname{Var}/20\,000}$, with the exact variances of
exercise {ref}`sv-ex-vars2`. Those variances, the mean squared errors below and the
densities in the Explore section rest on a theorem about Gaussian samples that this chapter
uses without proving it:
"""
)

code(
    r"""
dv.cite("Sampling distribution of the sample variance (Gaussian data)",
        r"x_n \overset{\text{iid}}{\sim} \mathcal{N}(\mu, \sigma^2) \;\Rightarrow\; "
        r"\frac{N\hat\sigma^2_{\text{ML}}}{\sigma^2} = \frac{(N-1)s^2}{\sigma^2} \sim \chi^2_{N-1},"
        r"\quad \operatorname{Var}[\chi^2_{N-1}] = 2(N-1)",
        "casella2002statistical",
        note="Theorem 5.3.1(c); the chi-squared variance in sec. 3.3")
""",
    "hide-input",
)

code(
    r"""
sigma_true, n_trials = 1.0, 20_000
N_grid = np.arange(2, 21)
sims = [sv.simulate_estimators(N_, sigma_true, n_trials=n_trials, rng=N_) for N_ in N_grid]
mean_ml = np.array([s.sigma2_ml.mean() for s in sims])
mean_s2 = np.array([s.s2.mean() for s in sims])
se_ml = np.sqrt(sv.variance_of_ml_variance(sigma_true**2, N_grid) / n_trials)
se_s2 = np.sqrt(sv.variance_of_unbiased_variance(sigma_true**2, N_grid) / n_trials)
# agreement within 4 standard errors at every N
assert np.all(np.abs(mean_ml - sv.expected_ml_variance(sigma_true**2, N_grid)) < 4 * se_ml)
assert np.all(np.abs(mean_s2 - sigma_true**2) < 4 * se_s2)
"""
)

code(
    r"""
N_fine = np.linspace(2, 20, 200)
fig, ax = plt.subplots(figsize=(7, 4))
ax.axhline(sigma_true**2, color="C1", lw=1, label=r"$\sigma^2$")
ax.plot(N_fine, (N_fine - 1) / N_fine * sigma_true**2, color="C0", lw=1,
        label=r"$\frac{N-1}{N}\sigma^2$, eq. (sv-bias)")
ax.errorbar(N_grid, mean_ml, yerr=2 * se_ml, fmt="o", color="C0", ms=4,
            label=r"mean of $\hat\sigma^2_{\text{ML}}$ over data sets")
ax.errorbar(N_grid, mean_s2, yerr=2 * se_s2, fmt="s", color="C1", ms=4,
            label=r"mean of $s^2$ over data sets")
ax.set_xlabel("$N$ (observations per data set)")
ax.set_ylabel("average estimate")
ax.set_xticks(N_grid[::2])
ax.legend(loc="lower right")
plt.show()
""",
    "hide-input",
)

md(
    r"""
*Figure: average of each estimator over 20 000 simulated data sets with $\sigma = 1$,
against the data set size $N$; error bars $\pm 2$ standard errors.* At $N = 2$ the ML
variance is on average half the truth; the bias shrinks like $\sigma^2/N$.

Unbiased is not the same as better. The mean squared error is variance plus squared bias;
with the variances of exercise {ref}`sv-ex-vars2`,
$\operatorname{MSE}[\hat\sigma^2_{\text{ML}}] = \frac{2(N-1)\sigma^4}{N^2} + \frac{\sigma^4}{N^2}
= \frac{(2N-1)\sigma^4}{N^2}$, while $\operatorname{MSE}[s^2] = \frac{2\sigma^4}{N-1}$.
The biased estimator is always the more accurate one:
"""
)

code(
    r"""
mse = dv.Derivation(2 * (N - 1) * sigma**4 / N**2 + (sigma**2 / N) ** 2,
                    domains={N: (2, 1000)}, title="mean squared errors compared")
mse.step((2 * N - 1) * sigma**4 / N**2, "variance plus squared bias $\\sigma^2/N$")
mse.step(2 * sigma**4 / (N - 1), "$(2N-1)(N-1) = 2N^2 - 3N + 1 < 2N^2$ for $N \\ge 2$",
         rel="<")
""",
)

md(
    r"""
The inequality is checked by sampling (random $N \ge 2$ and $\sigma$); algebraically,
$(2N-1)(N-1) < 2N^2$ is $1 < 3N$. The simulation agrees:
"""
)

code(
    r"""
mse_sim_ml = np.array([np.mean((s.sigma2_ml - sigma_true**2) ** 2) for s in sims])
mse_sim_s2 = np.array([np.mean((s.s2 - sigma_true**2) ** 2) for s in sims])
fig, ax = plt.subplots(figsize=(7, 3.5))
ax.plot(N_fine, (2 * N_fine - 1) / N_fine**2, color="C0", lw=1,
        label=r"$(2N-1)\sigma^4/N^2$")
ax.plot(N_fine, 2 / (N_fine - 1), color="C1", lw=1, label=r"$2\sigma^4/(N-1)$")
ax.plot(N_grid, mse_sim_ml, "o", color="C0", ms=4,
        label=r"simulated MSE of $\hat\sigma^2_{\text{ML}}$")
ax.plot(N_grid, mse_sim_s2, "s", color="C1", ms=4, label=r"simulated MSE of $s^2$")
ax.set_yscale("log")
ax.set_xlabel("$N$")
ax.set_ylabel("mean squared error")
ax.set_xticks(N_grid[::2])
ax.legend()
plt.show()
""",
    "hide-input",
)

md(
    r"""
*Figure: mean squared error of the two estimators ($\sigma = 1$), simulated (markers) and
exact (lines). The biased estimator wins at every $N$.*
"""
)

# -------------------------------------------------------------------------------- explore
md(
    r"""
## Explore: the sampling distributions

Each estimate is one draw from a *sampling distribution*. For Gaussian data both
distributions are scaled chi-square: $N\hat\sigma^2_{\text{ML}}/\sigma^2 \sim \chi^2_{N-1}$ and
$(N-1)s^2/\sigma^2 \sim \chi^2_{N-1}$ {cite}`casella2002statistical` (theorem 5.3.1).
The histograms below are 4 000 simulated data sets; the curves are these densities. Move
$N$ to see the two distributions merge as the factor $N/(N-1)$ goes to one; $\sigma$ only
rescales the axis. With a kernel (Binder, Colab, a local Jupyter) each move of a slider
redraws the figure; on the website the sliders step through figures drawn when the book was
built. The small multiples after it show six values of $N$ at once.
"""
)

code(
    r"""
def plot_sampling_distributions(ax, N, sigma, n_trials=4_000, rng=0):
    draws = sv.simulate_estimators(N, sigma, n_trials=n_trials, rng=rng)
    s2 = sigma**2
    top = s2 * scipy.stats.chi2(N - 1).ppf(0.995) / (N - 1)
    bins = np.linspace(0, top, 40)
    grid = np.linspace(top / 400, top, 400)
    ax.hist(draws.sigma2_ml, bins=bins, density=True, alpha=0.45, color="C0",
            label=r"$\hat\sigma^2_{\text{ML}}$")
    ax.hist(draws.s2, bins=bins, density=True, alpha=0.45, color="C1", label=r"$s^2$")
    chi2 = scipy.stats.chi2(N - 1)
    ax.plot(grid, N / s2 * chi2.pdf(N * grid / s2), color="C0", lw=1)
    ax.plot(grid, (N - 1) / s2 * chi2.pdf((N - 1) * grid / s2), color="C1", lw=1)
    ax.axvline(sv.expected_ml_variance(s2, N), color="C0", ls="--", lw=1)
    ax.axvline(s2, color="C1", ls="--", lw=1)
    away_from_0 = grid > 0.05 * top           # the chi-square(1) density diverges at 0
    peak = max(N * chi2.pdf(N * grid[away_from_0] / s2).max(),
               (N - 1) * chi2.pdf((N - 1) * grid[away_from_0] / s2).max()) / s2
    ax.set_ylim(0, 1.15 * peak)
    ax.set_xlim(0, top)
    ax.set_title(f"N = {N}", fontsize=10)
""",
    "hide-input",
)

code(
    r"""
def show(N=10, sigma=1.0):
    fig, ax = plt.subplots(figsize=(7, 3.5))
    plot_sampling_distributions(ax, N, sigma)
    ax.set_title(f"N = {N}, sigma = {sigma:g}", fontsize=10)
    ax.set_xlabel("estimate of $\\sigma^2$ (dashed: the means, eq. (sv-bias) and $\\sigma^2$)")
    ax.legend()
    return fig


widgets.explore(show, N=[2, 3, 5, 10, 20, 50], sigma=[0.5, 1.0, 2.0])
""",
)

code(
    r"""
fig, axes = plt.subplots(2, 3, figsize=(10, 5.5))
for ax, N_ in zip(axes.flat, (2, 3, 5, 10, 20, 50), strict=True):
    plot_sampling_distributions(ax, N_, 1.0)
axes[0, 0].legend()
for ax in axes[1]:
    ax.set_xlabel("estimate of $\\sigma^2 = 1$")
fig.tight_layout()
plt.show()
""",
    "hide-input",
)

md(
    r"""
*Figure: sampling distributions of $\hat\sigma^2_{\text{ML}}$ (blue) and $s^2$ (orange) for $\sigma = 1$
and six values of $N$; histograms of 4 000 simulated data sets, curves the scaled
$\chi^2_{N-1}$ densities, dashed lines the means $\frac{N-1}{N}$ and $1$.* For small $N$
both are strongly skewed: most estimates fall below $\sigma^2$ even for the unbiased $s^2$,
whose mean is pulled up by the long right tail.
"""
)

# ------------------------------------------------------------------------------ libraries
md(
    r"""
## Check against a library

The same numbers from NumPy (`ddof=0` divides by $N$, `ddof=1` by $N - 1$), the standard
library's `statistics`, SciPy's Gaussian maximum-likelihood fit `scipy.stats.norm.fit`
(which returns $\hat\mu_{\text{ML}}$ and $\sqrt{\hat\sigma^2_{\text{ML}}}$), and scikit-learn's `StandardScaler`,
which standardises features with the ML variance. The randomized comparison lives in
`tests/foundations/test_sample_variance.py`.
"""
)

code(
    r"""
import statistics

from sklearn.preprocessing import StandardScaler

data = np.random.default_rng(42).normal(10.0, 3.0, size=12)
loc, scale = scipy.stats.norm.fit(data)
rows = [
    ("derivlib ml_variance", sv.ml_variance(data)),
    ("numpy.var(ddof=0)", np.var(data)),
    ("statistics.pvariance", statistics.pvariance(data)),
    ("scipy.stats.norm.fit scale**2", scale**2),
    ("sklearn StandardScaler.var_", StandardScaler().fit(data[:, None]).var_[0]),
    ("derivlib unbiased_variance", sv.unbiased_variance(data)),
    ("numpy.var(ddof=1)", np.var(data, ddof=1)),
    ("statistics.variance", statistics.variance(data)),
]
for name, value in rows:
    print(f"{name:32s} {value:.10f}")
assert np.allclose([r[1] for r in rows[:5]], sv.ml_variance(data), rtol=1e-12)
assert np.allclose([r[1] for r in rows[5:]], sv.unbiased_variance(data), rtol=1e-12)
assert np.isclose(loc, sv.ml_mean(data), rtol=1e-12)
"""
)

# ------------------------------------------------------------------------------ exercises
md(
    r"""
## Exercises

```{exercise}
:label: sv-ex-mean

Show that the maximum-likelihood mean is unbiased, $\mathbb{E}[\hat\mu_{\text{ML}}] = \mu$, using
only {eq}`sv-moments`. Does your argument need independence?
```

```{solution-start} sv-ex-mean
:class: dropdown
```

By linearity, $\mathbb{E}[\hat\mu_{\text{ML}}] = \frac1N \sum_n \mathbb{E}[x_n] = \frac1N N\mu = \mu$.
Only $\mathbb{E}[x_n] = \mu$ is used: no independence, not even identical distributions
beyond the common mean. As a checked chain:
"""
)

code(
    r"""
unbiased_mean = dv.Derivation(dv.E(sum_x / N), assume=moments, random=[x],
                              title="the ML mean is unbiased")
unbiased_mean.step(sp.Sum(dv.E(x[n]), (n, 1, N)) / N, "linearity of $\\mathbb{E}$")
unbiased_mean.step(mu, "$\\mathbb{E}[x_n] = \\mu$, $N$ equal terms")
"""
)

md(
    r"""
```{solution-end}
```

```{exercise}
:label: sv-ex-varmean

Show that the variance of the maximum-likelihood mean is

$$
\operatorname{Var}[\hat\mu_{\text{ML}}] = \frac{\sigma^2}{N} .
$$ (sv-var-mu)

Which chain of this chapter already did the work?
```

```{solution} sv-ex-varmean
:class: dropdown

$\operatorname{Var}[\hat\mu_{\text{ML}}] = \mathbb{E}[\hat\mu_{\text{ML}}^2] - \mathbb{E}[\hat\mu_{\text{ML}}]^2
= \mu^2 + \frac{\sigma^2}{N} - \mu^2 = \frac{\sigma^2}{N}$, with $\mathbb{E}[\hat\mu_{\text{ML}}^2]$
from the chain `mean_sq` and $\mathbb{E}[\hat\mu_{\text{ML}}] = \mu$ from exercise {ref}`sv-ex-mean`.
Here independence matters: it is what makes the $N^2 - N$ cross terms contribute $\mu^2$ and
no $\sigma^2$. In code: `sv.variance_of_ml_mean(sigma2, N)`.
```

```{exercise}
:label: sv-ex-vars2

For Gaussian data, show that

$$
\operatorname{Var}[s^2] = \frac{2\sigma^4}{N-1}, \qquad
\operatorname{Var}[\hat\sigma^2_{\text{ML}}] = \frac{2(N-1)\sigma^4}{N^2} .
$$ (sv-var-s2)

You may use the fact that $(N-1)s^2/\sigma^2$ has a chi-square distribution with $N - 1$
degrees of freedom. Unlike {eq}`sv-bias`, this result needs the Gaussian: why?
```

```{solution-start} sv-ex-vars2
:class: dropdown
```

By the cited fact {cite}`casella2002statistical` (theorem 5.3.1),
$(N-1)s^2/\sigma^2 \sim \chi^2_{N-1}$, whose variance is $2(N-1)$. Hence
$\operatorname{Var}[s^2] = \frac{\sigma^4}{(N-1)^2}\,2(N-1) = \frac{2\sigma^4}{N-1}$, and
since $\hat\sigma^2_{\text{ML}} = \frac{N-1}{N}s^2$,
$\operatorname{Var}[\hat\sigma^2_{\text{ML}}] = \frac{(N-1)^2}{N^2}\frac{2\sigma^4}{N-1}
= \frac{2(N-1)\sigma^4}{N^2}$.
The variance of a quadratic in the $x_n$ involves fourth moments, and
$\mathbb{E}[(x_n - \mu)^4] = 3\sigma^4$ is a Gaussian fact; {eq}`sv-moments` only fixes the
first two moments. The cell below checks the formula exactly with `sympy.stats` for
$N = 2, 3$ (the mean is set to 0, since $s^2$ does not depend on it).
"""
)

code(
    r"""
for N_ in (2, 3):
    xs = [Normal(f"z{k}", 0, sigma) for k in range(1, N_ + 1)]
    mean = sum(xs) / N_
    s2 = sum((xk - mean) ** 2 for xk in xs) / (N_ - 1)
    var_s2 = sp.simplify(expectation(sp.expand(s2**2)) - sigma**4)
    assert sp.simplify(var_s2 - 2 * sigma**4 / (N_ - 1)) == 0      # eq. (sv-var-s2)
    print(f"N = {N_}: Var[s^2] = {var_s2}")
"""
)

md(
    r"""
```{solution-end}
```

```{exercise}
:label: sv-ex-selfcheck

Write $\mathbb{E}[\hat\sigma^2_{\text{ML}}]$ as a SymPy expression (or a string) in `N` and `sigma`,
in the cell below. It holds a first attempt, `"sigma**2"`: run it to see what the checker
says, then replace it by your answer.
```

"""
)

code(
    r"""
answer = "sigma**2"  # a first attempt (the true variance): replace it by yours
dv.check_answer(answer, (N - 1) / N * sigma**2, symbols=[N, sigma],
                hint="the expectation is below sigma**2 and tends to it as N grows")
"""
)

md(r"""
```{solution-start} sv-ex-selfcheck
:class: dropdown
```

{eq}`sv-bias`: `(N - 1) / N * sigma**2`, or equivalently `sigma**2 - sigma**2/N` (the
checker compares expressions, not strings).

The right answer, in either form, passes the checker:
""")

code(r"""
dv.check_answer("(N - 1) / N * sigma**2", (N - 1) / N * sigma**2, symbols=[N, sigma],
                hint="the expectation is below sigma**2 and tends to it as N grows")
""")

md(r"""
```{solution-end}
```
""")

md(
    r"""
```{exercise}
:label: sv-ex-mse

The estimators $c\sum_n (x_n - \hat\mu_{\text{ML}})^2$ for $c > 0$ include $\hat\sigma^2_{\text{ML}}$
($c = 1/N$) and $s^2$ ($c = 1/(N-1)$). For Gaussian data, which $c$ minimises the mean
squared error? Write it in terms of `N` in the cell below. (Hint: with
$S = \sum_n (x_n - \hat\mu_{\text{ML}})^2 = (N-1)s^2$, $\mathbb{E}[S] = (N-1)\sigma^2$ and
$\operatorname{Var}[S] = 2(N-1)\sigma^4$; minimise $c^2\operatorname{Var}[S] +
(c\,\mathbb{E}[S] - \sigma^2)^2$.)
```

"""
)

code(
    r"""
answer = "1/(N - 1)"  # a first attempt (s^2's choice): replace it by yours
dv.check_answer(answer, 1 / (N + 1), symbols=[N],
                hint="s^2 is unbiased, but not the minimiser of the mean squared error")
"""
)

md(r"""
```{solution-start} sv-ex-mse
:class: dropdown
```

Setting the derivative in $c$ to zero, $2c\cdot 2(N-1)\sigma^4 + 2(c(N-1)\sigma^2 -
\sigma^2)(N-1)\sigma^2 = 0$, so $c(2 + N - 1) = 1$ and $c = \frac{1}{N+1}$: dividing by
$N + 1$ beats both $N$ and $N - 1$ in mean squared error, at the price of an even larger bias.

The right answer passes the checker:
""")

code(r"""
dv.check_answer("1/(N + 1)", 1 / (N + 1), symbols=[N],
                hint="s^2 is unbiased, but not the minimiser of the mean squared error")
""")

md(r"""
```{solution-end}
```
""")

# ------------------------------------------------------------------------------ references
md(
    r"""
## References

The derivation follows {cite}`bishop2006prml` (section 1.2.4); the chi-square facts are in
{cite}`casella2002statistical` (section 5.3); the derivations are checked with SymPy
{cite}`meurer2017sympy`.

```{bibliography}
:filter: docname in docnames
```
"""
)

write(OUT)
