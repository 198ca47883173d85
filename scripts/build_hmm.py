"""Build chapters/sequences/hmm.ipynb (cells only, no outputs) from the cells below.

The helpers come from scripts/_chapter.py. Usage, from the repository root::

    .venv/bin/python scripts/build_hmm.py
    make execute NB=chapters/sequences/hmm.ipynb
"""

# ruff: noqa: E501
from __future__ import annotations

from _chapter import ROOT, code, colab, md, write

OUT = ROOT / "chapters" / "sequences" / "hmm.ipynb"


# ----------------------------------------------------------------------------------- title
md(
    r"""
# Hidden Markov models: forward-backward, Viterbi and Baum-Welch

A hidden Markov model (HMM) explains a sequence of observations by a sequence of hidden
states that evolves as a Markov chain. Everything one wants to compute with it (the
likelihood of the data, the probability of each state at each time, the single most
probable state sequence, the maximum-likelihood parameters) is a sum or a maximum over the
$K^N$ possible state paths. This chapter derives the recursions that do these sums in
$O(NK^2)$ operations, checks each one against brute-force enumeration of the paths, and
turns them into code that is tested against hmmlearn.
"""
)

colab()

# ------------------------------------------------------------------------------------ goal
md(
    r"""
## Goal

We derive, for an HMM with $K$ states and $N$ observations,

- the **joint factorisation** of states and observations, and from it the **forward**
  ($\alpha$) and **backward** ($\beta$) recursions, the likelihood $p(X)$, the smoothing
  posteriors $\gamma_n$ and the pairwise posteriors $\xi_n$ {cite}`rabiner1989tutorial,bishop2006prml`;
- the **scaled** recursions with normalisers $c_n = p(x_n \mid x_1, \dots, x_{n-1})$ and the
  log-likelihood $\log p(X) = \sum_n \log c_n$, which never underflow;
- **Viterbi**: the most probable state path by max-product in log space, with backtracking
  {cite}`viterbi1967error`;
- **Baum-Welch**: EM for the parameters {cite}`baum1970maximization,dempster1977maximum`,
  with the M-step formulas derived with Lagrange multipliers for the probability
  constraints (categorical emissions) and by stationarity (Gaussian emissions).

Every recursion is checked by SymPy on a small model with symbolic parameters
($N = 3$ or $N = 2$ steps, $K = 2$ states): the recursion must equal the brute-force sum
(or maximum) over all state paths. These checks are proofs for that fixed size only, and
the chains say so (their mark is *instance*, not *symbolic*); the general case is the
induction in the proofs of the theorems.

**Prerequisites.** Maximum likelihood and the Kullback-Leibler divergence
([MLE as KL minimisation](../foundations/mle_kl.ipynb)), Gaussian maximum-likelihood
estimates ([the sample variance](../foundations/sample_variance.ipynb)), conditional
probability. The [notation](../../notation.md) page fixes the symbols.

**Afterwards you can** compute likelihoods and posteriors of long sequences without
underflow, decode the most probable state path, fit an HMM with EM, and read the
source code of hmmlearn (or of derivlib) line by line against the equations.
"""
)

code(
    """
import matplotlib.pyplot as plt
import numpy as np
import sympy as sp
from hmmlearn.hmm import CategoricalHMM, GaussianHMM

from derivlib import derivation as dv
from derivlib import widgets
from derivlib.sequences import hmm

plt.rcParams["figure.dpi"] = 90
""",
    "hide-input",
)

# ----------------------------------------------------------------------------------- model
md(
    r"""
## Model

Hidden states $z_n \in \{1, \dots, K\}$ and observations $x_n$, for $n = 1, \dots, N$. The
states form a Markov chain with initial distribution $\pi_k = p(z_1 = k)$ and transition
matrix $A_{ij} = p(z_n = j \mid z_{n-1} = i)$, whose rows sum to one; each observation depends
only on the state at its time, through the emission likelihood
$b_n(k) = p(x_n \mid z_n = k)$. The joint distribution of observations $X = (x_1, \dots, x_N)$
and states $Z = (z_1, \dots, z_N)$ factorises along the chain:

$$
p(X, Z) = p(z_1) \prod_{n=2}^{N} p(z_n \mid z_{n-1}) \prod_{n=1}^{N} p(x_n \mid z_n)
        = \pi_{z_1} \prod_{n=2}^{N} A_{z_{n-1} z_n} \prod_{n=1}^{N} b_n(z_n).
$$ (hmm-joint)

Two emission models are used in this chapter: **categorical**, $x_n \in \{1, \dots, M\}$
with $b_n(k) = B_{k x_n}$ for an emission matrix $\mathbf{B}$ with rows on the simplex;
and **Gaussian**, $b_n(k) = \mathcal{N}(\mathbf{x}_n \mid \boldsymbol\mu_k, \boldsymbol\Sigma_k)$.
The recursions below only see the numbers $b_n(k)$, so they are the same for both.

Every question we ask is a sum or a maximum over the $K^N$ paths $Z$:

| quantity | definition |
|:--|:--|
| likelihood | $p(X) = \sum_Z p(X, Z)$ |
| smoothing posterior | $\gamma_n(k) = p(z_n = k \mid X)$ |
| pairwise posterior | $\xi_n(i, j) = p(z_{n-1} = i, z_n = j \mid X)$ |
| most probable path | $\arg\max_Z p(X, Z)$ |

In the SymPy cells, `pi[k]`, `A[i, j]` and `b[n, k]` are these symbols (so `b[n, k]` is
$b_n(k)$, printed $b_{n,k}$), all positive; the hidden path is $z_1, z_2, z_3$. In the code,
Python counts from 0: row `B_obs[0]` of the emission-likelihood matrix is $b_1$.
"""
)

code(
    r"""
K = 2                                                      # states in the symbolic model
pi = sp.IndexedBase("pi", positive=True)                   # pi[k] = p(z_1 = k)
A = sp.IndexedBase("A", positive=True)                     # A[i, j] = p(z_n = j | z_{n-1} = i)
b = sp.IndexedBase("b", positive=True)                     # b[n, k] = p(x_n | z_n = k)
alpha = sp.IndexedBase("alpha", positive=True)
beta = sp.IndexedBase("beta", positive=True)
z1, z2, z3 = sp.symbols("z_1 z_2 z_3", integer=True, positive=True)
i, j, k = sp.symbols("i j k", integer=True, positive=True)
w = sp.Wild("w")                                           # "any index" in the definitions

joint = pi[z1] * b[1, z1] * A[z1, z2] * b[2, z2] * A[z2, z3] * b[3, z3]   # eq. (hmm-joint)
evidence = sp.Sum(joint, (z1, 1, K), (z2, 1, K), (z3, 1, K))                # p(X), brute force
joint
"""
)

# ------------------------------------------------------------------------------ derivation
md(
    r"""
## Derivation

### The forward recursion

The brute-force likelihood sums {eq}`hmm-joint` over all $K^N$ paths. Most factors depend
on only one or two of the $z_n$, so they can be moved out of the sums over the others
(distributivity, $\sum_i a c_i = a \sum_i c_i$). Pushing every sum as far right as it goes
leaves a nested expression whose innermost sum defines a new quantity, the **forward
variable** $\alpha_n(k) = p(x_1, \dots, x_n, z_n = k)$:

$$
\alpha_1(k) = \pi_k\, b_1(k), \qquad
\alpha_n(j) = b_n(j) \sum_{i=1}^{K} \alpha_{n-1}(i)\, A_{ij}, \qquad
p(X) = \sum_{k=1}^{K} \alpha_N(k).
$$ (hmm-alpha)

The chain below starts from the brute-force sum for $N = 3$, $K = 2$ and ends at
$\sum_k \alpha_3(k)$. Each step that introduces $\alpha_n$ is checked with the
recursion {eq}`hmm-alpha` as its definition (`define=`), so the recursion is verified,
not assumed: a wrong recursion makes the step fail.
"""
)

code(
    r"""
alpha_rec = [                                              # eq. (hmm-alpha), N = 3
    sp.Eq(alpha[1, w], pi[w] * b[1, w]),
    sp.Eq(alpha[2, w], b[2, w] * sp.Sum(alpha[1, z1] * A[z1, w], (z1, 1, K))),
    sp.Eq(alpha[3, w], b[3, w] * sp.Sum(alpha[2, z2] * A[z2, w], (z2, 1, K))),
]


def nested(inner, n_levels):
    # sum_{z3} b[3, z3] sum_{z2} A[z2, z3] b[2, z2] (inner), for the last n_levels levels
    if n_levels == 2:
        return sp.Sum(b[3, z3] * sp.Sum(A[z2, z3] * b[2, z2] * inner, (z2, 1, K)), (z3, 1, K))
    return sp.Sum(b[3, z3] * inner, (z3, 1, K))


forward = dv.Derivation(evidence, title="p(X) by the forward recursion", instance="N = 3, K = 2")
forward.step(nested(sp.Sum(pi[z1] * b[1, z1] * A[z1, z2], (z1, 1, K)), 2),
             "move each factor out of the sums it does not depend on")
forward.step(nested(sp.Sum(alpha[1, z1] * A[z1, z2], (z1, 1, K)), 2),
             r"$\alpha_1(k) = \pi_k b_1(k)$", define=alpha_rec[0])
forward.step(nested(sp.Sum(A[z2, z3] * alpha[2, z2], (z2, 1, K)), 1),
             r"recursion (hmm-alpha) for $\alpha_2$", define=alpha_rec[1])
forward.step(sp.Sum(alpha[3, z3], (z3, 1, K)),
             r"recursion (hmm-alpha) for $\alpha_3$", define=alpha_rec[2])
forward
"""
)

md(
    r"""
A derivation that is wrong does not run. Here the emission factor $b_n(j)$ is forgotten in
the recursion; the checker refuses the step and shows a point where the two sides differ:
"""
)

code(
    r"""
wrong_rec = [sp.Eq(alpha[1, w], pi[w] * b[1, w]),
             sp.Eq(alpha[2, w], sp.Sum(alpha[1, z1] * A[z1, w], (z1, 1, K)))]   # b_2 missing
try:
    dv.Derivation(forward.steps[0].expr).step(
        nested(sp.Sum(A[z2, z3] * alpha[2, z2], (z2, 1, K)), 1), "a wrong recursion",
        define=wrong_rec, check="numeric")
except dv.StepError as err:
    lines = str(err).splitlines()
    print(lines[0], lines[-2].strip())                     # the step and the reason given
    print(lines[-1].split(" at ")[0].strip(), "at a random point (shown in the full message)")
"""
)

md(
    r"""
```{prf:theorem} Forward recursion
:label: hmm-thm-forward

For an HMM with joint distribution {eq}`hmm-joint`, the quantities defined by {eq}`hmm-alpha`
satisfy $\alpha_n(k) = p(x_1, \dots, x_n, z_n = k)$, and $p(X) = \sum_k \alpha_N(k)$. The
likelihood costs $O(N K^2)$ operations instead of the $O(N K^N)$ of the brute-force sum.
```

```{prf:proof}
By induction on $n$. For $n = 1$, $p(x_1, z_1 = k) = \pi_k b_1(k)$. If the claim holds at
$n - 1$, then summing the joint of $x_1..x_n, z_{n-1}, z_n$ over $z_{n-1}$ and using the
two conditional independences of {eq}`hmm-joint` ($z_n$ depends on the past only through
$z_{n-1}$, and $x_n$ only on $z_n$),
$p(x_{1:n}, z_n = j) = \sum_i p(x_{1:n-1}, z_{n-1} = i)\, A_{ij}\, b_n(j)$.
Summing $\alpha_N$ over the last state gives $p(X)$. Each step costs $K^2$ products.
The chain above is this argument carried out, and checked, for $N = 3$.
```

### The backward recursion

Pushing the sums the other way, from the first state, leaves the **backward variable**
$\beta_n(k) = p(x_{n+1}, \dots, x_N \mid z_n = k)$, with

$$
\beta_N(k) = 1, \qquad
\beta_n(i) = \sum_{j=1}^{K} A_{ij}\, b_{n+1}(j)\, \beta_{n+1}(j), \qquad
p(X) = \sum_{k=1}^{K} \alpha_1(k)\, \beta_1(k).
$$ (hmm-beta)
"""
)

code(
    r"""
beta_rec = [                                               # eq. (hmm-beta), N = 3
    sp.Eq(beta[3, w], 1),
    sp.Eq(beta[2, w], sp.Sum(A[w, z3] * b[3, z3] * beta[3, z3], (z3, 1, K))),
    sp.Eq(beta[1, w], sp.Sum(A[w, z2] * b[2, z2] * beta[2, z2], (z2, 1, K))),
]


def first(inner):
    return sp.Sum(pi[z1] * b[1, z1] * inner, (z1, 1, K))


backward = dv.Derivation(evidence, title="p(X) by the backward recursion",
                         instance="N = 3, K = 2")
backward.step(first(sp.Sum(A[z1, z2] * b[2, z2] * sp.Sum(A[z2, z3] * b[3, z3], (z3, 1, K)),
                           (z2, 1, K))), "move each factor out of the sums it does not depend on")
backward.step(first(sp.Sum(A[z1, z2] * b[2, z2] * sp.Sum(A[z2, z3] * b[3, z3] * beta[3, z3],
                                                         (z3, 1, K)), (z2, 1, K))),
              r"$\beta_3 = 1$", define=beta_rec[0])
backward.step(first(sp.Sum(A[z1, z2] * b[2, z2] * beta[2, z2], (z2, 1, K))),
              r"recursion (hmm-beta) for $\beta_2$", define=beta_rec[1])
backward.step(first(beta[1, z1]), r"recursion (hmm-beta) for $\beta_1$", define=beta_rec[2])
backward.step(sp.Sum(alpha[1, z1] * beta[1, z1], (z1, 1, K)), r"$\alpha_1(k) = \pi_k b_1(k)$",
              define=alpha_rec[0])
backward
"""
)

md(
    r"""
### Posteriors of one state and of two consecutive states

Fix $z_n = k$ and sum the joint over all other states: the sums to the left of $n$ make
$\alpha_n(k)$, those to the right $\beta_n(k)$. Dividing by $p(X)$,

$$
\gamma_n(k) = p(z_n = k \mid X) = \frac{\alpha_n(k)\, \beta_n(k)}{p(X)} .
$$ (hmm-gamma)

Fixing two consecutive states the same way leaves one transition and one emission between
them:

$$
\xi_n(i, j) = p(z_{n-1} = i, z_n = j \mid X)
            = \frac{\alpha_{n-1}(i)\, A_{ij}\, b_n(j)\, \beta_n(j)}{p(X)} .
$$ (hmm-xi)

The checks fix $z_2 = k$ (for $\gamma_2$) and $z_1 = i, z_2 = j$ (for $\xi_2$) in the
brute-force sum, with $k, i, j$ symbolic; the definitions of $\alpha$, $\beta$ and $p(X)$
are the definitions of the chain.
"""
)

code(
    r"""
pX = sp.Symbol("p(X)", positive=True)
definitions = alpha_rec + beta_rec + [sp.Eq(pX, evidence)]

gamma_2 = dv.Derivation(sp.Sum(joint.subs(z2, k), (z1, 1, K), (z3, 1, K)) / pX,
                        define=definitions, domains={k: (1, K)}, instance="N = 3, K = 2",
                        title="gamma_2(k): fix z_2 = k, sum out z_1 and z_3")
gamma_2.step(alpha[2, k] * beta[2, k] / pX, "left sums give alpha, right sums give beta")
gamma_2
"""
)

code(
    r"""
xi_2 = dv.Derivation(sp.Sum(joint.subs({z1: i, z2: j}), (z3, 1, K)) / pX,
                     define=definitions, domains={i: (1, K), j: (1, K)}, instance="N = 3, K = 2",
                     title="xi_2(i, j): fix z_1 = i, z_2 = j, sum out z_3")
xi_2.step(alpha[1, i] * A[i, j] * b[2, j] * beta[2, j] / pX,
          "alpha on the left, one transition and one emission, beta on the right")
xi_2
"""
)

md(
    r"""
### Scaling: normalisers $c_n$ and the log-likelihood

The $\alpha_n(k)$ are joint probabilities of $n$ observations: they shrink geometrically and
underflow double precision after a few hundred steps (see the experiment below). The cure
{cite}`rabiner1989tutorial,bishop2006prml` is to carry the *conditional* quantities instead,

$$
\hat\alpha_n(k) = p(z_n = k \mid x_1, \dots, x_n) = \frac{\alpha_n(k)}{p(x_1, \dots, x_n)},
\qquad c_n = p(x_n \mid x_1, \dots, x_{n-1}),
$$

so that $p(x_1, \dots, x_n) = \prod_{m \le n} c_m$. Dividing {eq}`hmm-alpha` by
$p(x_1, \dots, x_n)$ gives the **scaled forward recursion**

$$
c_n\, \hat\alpha_n(j) = b_n(j) \sum_{i=1}^{K} \hat\alpha_{n-1}(i)\, A_{ij},
\qquad c_1\, \hat\alpha_1(j) = \pi_j\, b_1(j),
$$ (hmm-scaled-alpha)

where $c_n$ is simply the number that makes $\hat\alpha_n$ sum to one: the sum over $j$
of the right-hand side. The likelihood is the product of the normalisers, so

$$
\log p(X) = \sum_{n=1}^{N} \log c_n ,
$$ (hmm-loglik)

a sum of moderate numbers instead of a product of tiny ones. In the chain below, $c_1, c_2,
c_3$ are defined exactly as the normalisers of {eq}`hmm-scaled-alpha` (built in Python from
$\pi$, $\mathbf{A}$, $b$ and the previous normalisers), and the check is that their product
is the brute-force $p(X)$.
"""
)

code(
    r"""
c1, c2, c3 = sp.symbols("c_1 c_2 c_3", positive=True)
states = range(1, K + 1)
unnormalised = [pi[q] * b[1, q] for q in states]           # c_1 alpha_hat_1(q)
c_defs, alpha_hat = [], []
for n_, c_n in zip((1, 2, 3), (c1, c2, c3), strict=True):  # eq. (hmm-scaled-alpha)
    if n_ > 1:
        unnormalised = [b[n_, q] * sum(alpha_hat[p - 1] * A[p, q] for p in states)
                        for q in states]
    c_defs.append(sp.Eq(c_n, sum(unnormalised)))           # c_n normalises ...
    alpha_hat = [v / c_n for v in unnormalised]            # ... to alpha_hat_n

scaled = dv.Derivation(sp.log(evidence), define=c_defs, instance="N = 3, K = 2",
                       title="log p(X) from the normalisers")
scaled.step(sp.log(c1 * c2 * c3), r"$c_1 c_2 \cdots c_n = p(x_1, \dots, x_n)$")
scaled.step(sp.log(c1) + sp.log(c2) + sp.log(c3), "the log of a product")
scaled
"""
)

md(
    r"""
The backward variables are scaled by the normalisers of the *future*,
$\hat\beta_n(k) = \beta_n(k) / \prod_{m > n} c_m$, which turns {eq}`hmm-beta` into

$$
c_{n+1}\, \hat\beta_n(i) = \sum_{j=1}^{K} A_{ij}\, b_{n+1}(j)\, \hat\beta_{n+1}(j),
\qquad \hat\beta_N(k) = 1 ,
$$ (hmm-scaled-beta)

and since $\prod_{m \le n} c_m \prod_{m > n} c_m = p(X)$, the posteriors {eq}`hmm-gamma` and
{eq}`hmm-xi` lose their division by $p(X)$:

$$
\gamma_n(k) = \hat\alpha_n(k)\, \hat\beta_n(k), \qquad
\xi_n(i, j) = c_n^{-1}\, \hat\alpha_{n-1}(i)\, A_{ij}\, b_n(j)\, \hat\beta_n(j) .
$$ (hmm-scaled-post)
"""
)

code(
    r"""
alpha_hat_b = sp.IndexedBase(r"\hat{\alpha}", positive=True)
beta_hat_b = sp.IndexedBase(r"\hat{\beta}", positive=True)
hat_defs = [sp.Eq(alpha_hat_b[2, w], alpha[2, w] / (c1 * c2)),   # alpha_n / p(x_1..x_n)
            sp.Eq(beta_hat_b[2, w], beta[2, w] / c3)]             # beta_n / prod_{m > n} c_m
scaled_post = dv.Derivation(alpha_hat_b[2, k] * beta_hat_b[2, k], domains={k: (1, K)},
                            instance="N = 3, K = 2",
                            title="gamma_2(k) from the scaled variables")
scaled_post.step(alpha[2, k] * beta[2, k] / (c1 * c2 * c3), "definitions of the scaled variables",
                 define=hat_defs)
scaled_post.step(alpha[2, k] * beta[2, k] / pX,
                 r"$c_1 c_2 c_3 = p(X)$ (the chain above); this is $\gamma_2(k)$ by eq. (hmm-gamma)",
                 define=c_defs + [sp.Eq(pX, evidence)])
scaled_post
"""
)

md(
    r"""
```{prf:theorem} Scaled forward-backward
:label: hmm-thm-scaled

With $c_n$, $\hat\alpha_n$ from {eq}`hmm-scaled-alpha` and $\hat\beta_n$ from
{eq}`hmm-scaled-beta`: $\hat\alpha_n(k) = p(z_n = k \mid x_{1:n})$, $c_n = p(x_n \mid x_{1:n-1})$,
$\log p(X) = \sum_n \log c_n$, and the posteriors are {eq}`hmm-scaled-post`. Every
$\hat\alpha_n$ sums to one and every $c_n$ is a probability (or density) of a single
observation, so no quantity under- or overflows however long the sequence.
```

```{prf:proof}
Divide {eq}`hmm-alpha` at step $n$ by $p(x_{1:n-1})$. On the left,
$\alpha_n(j) = \hat\alpha_n(j)\, p(x_{1:n})$ and $p(x_{1:n}) = c_n\, p(x_{1:n-1})$ leave
$c_n \hat\alpha_n(j)$; on the right, $\alpha_{n-1}(i) / p(x_{1:n-1}) = \hat\alpha_{n-1}(i)$ leaves
$b_n(j)\sum_i \hat\alpha_{n-1}(i) A_{ij}$. Summing over $j$, as $\hat\alpha_n$ sums to one,
shows that $c_n$ is the normaliser of the right-hand side. For $\hat\beta$, divide {eq}`hmm-beta`
by $\prod_{m > n} c_m = c_{n+1} \prod_{m > n+1} c_m$. Finally
$\alpha_n \beta_n / p(X) = \hat\alpha_n \hat\beta_n \prod_{m \le n} c_m \prod_{m > n} c_m / p(X)
= \hat\alpha_n \hat\beta_n$, and the same for $\xi$ with one factor $c_n$ left over.
The chains `scaled` and `scaled_post` check these identities for $N = 3$.
```

### The same recursions in log space

An alternative to scaling is to carry $\log \alpha$ and $\log \beta$ and to replace each sum
by a numerically stable log-sum-exp, $\operatorname{logsumexp}_i(a_i) = m + \log\sum_i e^{a_i - m}$
with $m = \max_i a_i$ (this is what hmmlearn does by default):

$$
\log \alpha_n(j) = \log b_n(j) + \operatorname{logsumexp}_i \bigl(\log \alpha_{n-1}(i) + \log A_{ij}\bigr),
$$ (hmm-log-alpha)

$$
\log \beta_n(i) = \operatorname{logsumexp}_j \bigl(\log A_{ij} + \log b_{n+1}(j) + \log \beta_{n+1}(j)\bigr).
$$ (hmm-log-beta)

It is exact, but each step needs $K^2$ exponentials and logarithms where the scaled version
needs one matrix-vector product; derivlib has both, and the tests check that they agree.

### Viterbi: max-product in log space

The most probable path maximises {eq}`hmm-joint` instead of summing it. A maximum also
distributes over products of non-negative factors, $\max_i a c_i = a \max_i c_i$ for
$a \ge 0$, so the same pushing-in works with $\max$ in place of $\sum$. In logs (the
logarithm is increasing, so it commutes with $\max$, and products become sums that cannot
underflow), with $\omega_n(j)$ the log-probability of the best path that ends in state $j$
at time $n$:

$$
\omega_1(j) = \log \pi_j + \log b_1(j), \qquad
\omega_n(j) = \log b_n(j) + \max_{i} \bigl[\omega_{n-1}(i) + \log A_{ij}\bigr],
\qquad \max_Z \log p(X, Z) = \max_j \omega_N(j).
$$ (hmm-viterbi)

Storing the maximiser $\psi_n(j) = \arg\max_i [\omega_{n-1}(i) + \log A_{ij}]$ at each step
lets us read the path back from its end: $z_N^\star = \arg\max_j \omega_N(j)$ and
$z_{n-1}^\star = \psi_n(z_n^\star)$. The check uses $N = 2$, where the brute-force maximum
has only $K^N = 4$ terms; steps with maxima that SymPy does not simplify are checked at random points.
"""
)

code(
    r"""
omega = sp.IndexedBase("omega", real=True)
pairs = [(p, q) for p in states for q in states]
best_path = sp.log(sp.Max(*[pi[p] * b[1, p] * A[p, q] * b[2, q] for p, q in pairs]))
viterbi_rec = [                                            # eq. (hmm-viterbi), N = 2
    sp.Eq(omega[1, w], sp.log(pi[w]) + sp.log(b[1, w])),
    sp.Eq(omega[2, w], sp.log(b[2, w]) + sp.Max(*[omega[1, p] + sp.log(A[p, w]) for p in states])),
]
viterbi = dv.Derivation(best_path, title="max over paths by the Viterbi recursion",
                        instance="N = 2, K = 2")
viterbi.step(sp.log(sp.Max(*[b[2, q] * sp.Max(*[pi[p] * b[1, p] * A[p, q] for p in states])
                             for q in states])),
             r"$\max_i a c_i = a \max_i c_i$ for $a \geq 0$", check="numeric")
viterbi.step(sp.Max(*[sp.log(b[2, q]) + sp.Max(*[sp.log(pi[p]) + sp.log(b[1, p]) + sp.log(A[p, q])
                                                for p in states]) for q in states]),
             "log is increasing: it commutes with max and turns products into sums",
             check="numeric")
viterbi.step(sp.Max(*[sp.log(b[2, q]) + sp.Max(*[omega[1, p] + sp.log(A[p, q]) for p in states])
                      for q in states]),
             r"definition of $\omega_1$", define=viterbi_rec[0])
viterbi.step(sp.Max(omega[2, 1], omega[2, 2]), r"recursion (hmm-viterbi) for $\omega_2$",
             define=viterbi_rec[1])
viterbi
"""
)

md(
    r"""
### Baum-Welch: EM for the parameters

The parameters $\theta = (\boldsymbol\pi, \mathbf{A}, \text{emission parameters})$ are fitted
by maximum likelihood, and the hidden path makes $\log p(X \mid \theta) = \log \sum_Z
p(X, Z \mid \theta)$ awkward to maximise directly. EM {cite}`dempster1977maximum` alternates
between an **E-step**, computing the posterior over paths under the current parameters
$\theta^{\text{old}}$, and an **M-step**, maximising the expected complete-data log-likelihood

$$
Q(\theta, \theta^{\text{old}}) = \sum_Z p(Z \mid X, \theta^{\text{old}}) \log p(X, Z \mid \theta)
= \sum_{k} \gamma_1(k) \log \pi_k + \sum_{n=2}^{N} \sum_{i,j} \xi_n(i, j) \log A_{ij}
+ \sum_{n=1}^{N} \sum_{k} \gamma_n(k) \log b_n(k) .
$$ (hmm-q)

The second form follows from taking the log of {eq}`hmm-joint`: each term depends on
one or two states only, so the posterior over whole paths is needed only through its
marginals $\gamma$ and $\xi$, which forward-backward provides. The chain checks this for
$N = 2$ with *arbitrary* weights $w(z_1, z_2)$ on the four paths in place of the posterior:
the regrouping does not depend on what the weights are.
"""
)

code(
    r"""
path_weight = sp.IndexedBase("w", positive=True)           # w[z1, z2] = p(Z | X, theta_old)
gamma_b, xi_b = sp.IndexedBase("gamma", positive=True), sp.IndexedBase("xi", positive=True)
n = sp.Symbol("n", integer=True, positive=True)
marginals = [                                              # gamma and xi: marginals of w
    *(sp.Eq(gamma_b[1, q], sp.Sum(path_weight[q, z2], (z2, 1, K))) for q in states),
    *(sp.Eq(gamma_b[2, q], sp.Sum(path_weight[z1, q], (z1, 1, K))) for q in states),
    *(sp.Eq(xi_b[p_, q], path_weight[p_, q]) for p_ in states for q in states),
]
joint_2 = pi[z1] * b[1, z1] * A[z1, z2] * b[2, z2]
Q = dv.Derivation(sp.Sum(path_weight[z1, z2] * sp.log(joint_2), (z1, 1, K), (z2, 1, K)),
                  define=marginals, instance="N = 2, K = 2",
                  title="Q as a function of gamma and xi")
Q.step(sp.Sum(path_weight[z1, z2] * (sp.log(pi[z1]) + sp.log(A[z1, z2]) + sp.log(b[1, z1])
                                     + sp.log(b[2, z2])), (z1, 1, K), (z2, 1, K)),
       "the log of the product (hmm-joint)", check="numeric")
Q.step(sp.Sum(gamma_b[1, k] * sp.log(pi[k]), (k, 1, K))
       + sp.Sum(xi_b[i, j] * sp.log(A[i, j]), (i, 1, K), (j, 1, K))
       + sp.Sum(gamma_b[n, k] * sp.log(b[n, k]), (n, 1, 2), (k, 1, K)),
       "collect the terms of each parameter; sum the weights into marginals")
Q
"""
)

md(
    r"""
**M-step for $\boldsymbol\pi$, $\mathbf{A}$ and categorical $\mathbf{B}$.** Each parameter
vector lives on a simplex: $\sum_k \pi_k = 1$, every row of $\mathbf{A}$ and of $\mathbf{B}$
sums to one. The part of {eq}`hmm-q` that involves $\boldsymbol\pi$ is
$\sum_k \gamma_1(k) \log \pi_k$; add a Lagrange multiplier $\lambda$ for the constraint,

$$
\mathcal{L}(\boldsymbol\pi, \lambda) = \sum_{k=1}^{K} \gamma_1(k) \log \pi_k
+ \lambda \Bigl(1 - \sum_{k=1}^{K} \pi_k\Bigr),
$$

and solve the stationarity conditions $\partial\mathcal{L}/\partial\pi_k = \gamma_1(k)/\pi_k -
\lambda = 0$, $\partial\mathcal{L}/\partial\lambda = 0$. SymPy solves them for $K = 3$ (with
$\gamma_k$ standing for $\gamma_1(k)$), and the chains verify the solution:
"""
)

code(
    r"""
g = sp.symbols("gamma_1:4", positive=True)                 # gamma_1(k), k = 1, 2, 3
p = sp.symbols("pi_1:4", positive=True)
lam = sp.Symbol("lambda", real=True)
lagrangian = sum(gk * sp.log(pk) for gk, pk in zip(g, p, strict=True)) + lam * (1 - sum(p))
stationary = [sp.diff(lagrangian, var) for var in (*p, lam)]
solution = sp.solve(stationary, [*p, lam], dict=True)
assert len(solution) == 1                                  # a unique stationary point
solution = solution[0]
solution
"""
)

code(
    r"""
pi_step = dv.Derivation(sp.Derivative(lagrangian, p[0]), title="stationarity in pi_1",
                        instance="K = 3")
pi_step.step(g[0] / p[0] - lam, "differentiate the Lagrangian")
pi_step.step(0, r"at $\pi_k = \gamma_k / \sum_j \gamma_j$, $\lambda = \sum_j \gamma_j$",
             define=solution)
pi_step
"""
)

md(
    r"""
The multiplier is the total weight, $\lambda = \sum_j \gamma_1(j) = 1$, and the objective is
concave in $\boldsymbol\pi$ (a sum of logarithms) on a convex set, so the stationary point
is the maximum:

$$
\pi_k = \frac{\gamma_1(k)}{\sum_{j} \gamma_1(j)} = \gamma_1(k) .
$$ (hmm-mstep-pi)

That a stationary point of the Lagrangian is the maximum when the objective is concave and
the constraints are linear is the sufficiency of the KKT conditions, which we use without
proof:
"""
)

code(
    r"""
dv.cite("KKT conditions are sufficient for a concave objective",
        r"f \text{ concave},\ \mathbf{a}_l^\top \boldsymbol\theta = 1,\ "
        r"\nabla f(\boldsymbol\theta^\star) = \textstyle\sum_l \lambda_l \mathbf{a}_l"
        r"\ \Rightarrow\ \boldsymbol\theta^\star = \arg\max_{\mathbf{a}_l^\top \boldsymbol\theta = 1} f",
        "boyd2004convex", note="sec. 5.5.3; here f is a weighted sum of logarithms")
""",
    "hide-input",
)

md(
    r"""
Each row $i$ of $\mathbf{A}$ is the same problem with the expected transition counts
$\sum_{n} \xi_n(i, j)$ as weights and one multiplier per row; each row $k$ of $\mathbf{B}$ with
the expected emission counts $\sum_n \gamma_n(k) [x_n = m]$:

$$
A_{ij} = \frac{\sum_{n=2}^{N} \xi_n(i, j)}{\sum_{l=1}^{K} \sum_{n=2}^{N} \xi_n(i, l)},
$$ (hmm-mstep-A)

$$
B_{km} = \frac{\sum_{n=1}^{N} \gamma_n(k)\, [x_n = m]}{\sum_{n=1}^{N} \gamma_n(k)} .
$$ (hmm-mstep-B)

The cell solves the $K = 2$ transition matrix with its two multipliers at once ($X_{ij}$
stands for the expected count $\sum_n \xi_n(i, j)$) and checks the stationarity in one entry:
"""
)

code(
    r"""
X_counts = sp.Matrix(2, 2, sp.symbols("X_11 X_12 X_21 X_22", positive=True))
A_sym = sp.Matrix(2, 2, sp.symbols("A_11 A_12 A_21 A_22", positive=True))
lam_rows = sp.symbols("lambda_1 lambda_2", real=True)
lagrangian_A = (sum(X_counts[r, s] * sp.log(A_sym[r, s]) for r in range(2) for s in range(2))
                + sum(lam_rows[r] * (1 - A_sym[r, 0] - A_sym[r, 1]) for r in range(2)))
solution_A = sp.solve([sp.diff(lagrangian_A, var) for var in (*A_sym, *lam_rows)],
                      [*A_sym, *lam_rows], dict=True)
assert len(solution_A) == 1
solution_A = solution_A[0]
A_step = dv.Derivation(sp.Derivative(lagrangian_A, A_sym[0, 1]), title="stationarity in A_12",
                       instance="K = 2")
A_step.step(X_counts[0, 1] / A_sym[0, 1] - lam_rows[0], "differentiate the Lagrangian")
A_step.step(0, "at the solution (hmm-mstep-A)", define=solution_A)
A_step
"""
)

code(
    r"""
A_new = A_sym.subs(solution_A)                             # eq. (hmm-mstep-A) for K = 2
A_new
"""
)

md(
    r"""
A row $k$ of the categorical emission matrix $\mathbf{B}$ is the same problem once more.
The emission part of {eq}`hmm-q` is $\sum_n \gamma_n(k) \log B_{k x_n} = \sum_m Y_m \log B_{km}$,
where $Y_m = \sum_n \gamma_n(k)\, [x_n = m]$ is the expected number of times state $k$
emits the symbol $m$, and the row must sum to one. For $M = 3$ symbols, with one
multiplier $\lambda_k$:
"""
)

code(
    r"""
Y_counts = sp.symbols("Y_1:4", positive=True)              # sum_n gamma_n(k) [x_n = m]
B_row = sp.symbols("B_k1:4", positive=True)                # row k of B, M = 3 symbols
lam_B = sp.Symbol("lambda_k", real=True)
lagrangian_B = (sum(y * sp.log(bm) for y, bm in zip(Y_counts, B_row, strict=True))
                + lam_B * (1 - sum(B_row)))
solution_B = sp.solve([sp.diff(lagrangian_B, var) for var in (*B_row, lam_B)],
                      [*B_row, lam_B], dict=True)
assert len(solution_B) == 1                                # a unique stationary point
solution_B = solution_B[0]
B_step = dv.Derivation(sp.Derivative(lagrangian_B, B_row[0]), title="stationarity in B_k1",
                       instance="M = 3")
B_step.step(Y_counts[0] / B_row[0] - lam_B, "differentiate the Lagrangian")
B_step.step(0, "at the solution (hmm-mstep-B)", define=solution_B)
B_step
"""
)

md(
    r"""
The multiplier is the expected number of visits of state $k$, $\lambda_k = \sum_m Y_m =
\sum_n \gamma_n(k)$, and the row is {eq}`hmm-mstep-B` (concave objective, convex set: the
maximum):
"""
)

code(
    r"""
B_new = sp.Matrix([[solution_B[bm] for bm in B_row]])      # eq. (hmm-mstep-B), one row
B_new
"""
)

md(
    r"""
**M-step for Gaussian emissions.** The emission part of {eq}`hmm-q` for state $k$ is a
weighted Gaussian log-likelihood, $\sum_n \gamma_n(k) \log \mathcal{N}(\mathbf{x}_n \mid
\boldsymbol\mu_k, \boldsymbol\Sigma_k)$, with no constraint. Setting its derivatives to zero
gives the weighted versions of the maximum-likelihood mean and covariance of the
[sample-variance chapter](../foundations/sample_variance.ipynb), with $N_k = \sum_n \gamma_n(k)$.
We derive and check them for **one-dimensional** observations ($D = 1$) below; the
$D$-dimensional forms, which need the derivatives of $\log\det\boldsymbol\Sigma_k$ and of a
quadratic form, are Bishop's eqs. (13.20)–(13.21) {cite}`bishop2006prml` (sec. 13.2.1),
stated here as cited results (the block after the equations):

$$
\boldsymbol\mu_k = \frac{1}{N_k} \sum_{n=1}^{N} \gamma_n(k)\, \mathbf{x}_n ,
$$ (hmm-mstep-mu)

$$
\boldsymbol\Sigma_k = \frac{1}{N_k} \sum_{n=1}^{N} \gamma_n(k)\, (\mathbf{x}_n - \boldsymbol\mu_k)(\mathbf{x}_n - \boldsymbol\mu_k)^\top .
$$ (hmm-mstep-sigma)
"""
)

code(
    r"""
dv.cite("Gaussian M-step in D dimensions",
        r"\boldsymbol\mu_k = \frac{1}{N_k} \sum_n \gamma_n(k)\, \mathbf{x}_n,\quad "
        r"\boldsymbol\Sigma_k = \frac{1}{N_k} \sum_n \gamma_n(k)\, (\mathbf{x}_n - \boldsymbol\mu_k)"
        r"(\mathbf{x}_n - \boldsymbol\mu_k)^\top",
        "bishop2006prml", note="eqs. (13.20)-(13.21), sec. 13.2.1")
""",
    "hide-input",
)

md(
    r"""
For $D = 1$ these are $\mu_k = \sum_n \gamma_n(k)\, x_n / N_k$ and $\sigma_k^2 = \sum_n
\gamma_n(k)\, (x_n - \mu_k)^2 / N_k$; a diagonal $\boldsymbol\Sigma_k$ (derivlib's `covars`
of shape `(K, D)`) is $D$ such problems side by side, one per coordinate. The check solves
the stationarity conditions for one state with $D = 1$ and three observations (weights
$g_n$ for $\gamma_n(k)$):
"""
)

code(
    r"""
xs = sp.symbols("x_1:4", real=True)
gs = sp.symbols("g_1:4", positive=True)
mu, s2 = sp.Symbol("mu", real=True), sp.Symbol("sigma^2", positive=True)
Q_k = sum(gn * (-sp.log(2 * sp.pi * s2) / 2 - (xn - mu) ** 2 / (2 * s2))
          for gn, xn in zip(gs, xs, strict=True))
mu_roots = sp.solve(sp.diff(Q_k, mu), mu)                  # dQ/dmu = 0: linear in mu
s2_roots = sp.solve(sp.diff(Q_k, s2).subs(mu, mu_roots[0]), s2)   # then dQ/dsigma^2 = 0
assert len(mu_roots) == 1 and len(s2_roots) == 1          # a unique stationary point
solution_g = {mu: mu_roots[0], s2: s2_roots[0]}
N_k = sum(gs)
mu_k = sum(gn * xn for gn, xn in zip(gs, xs, strict=True)) / N_k
gauss_step = dv.Derivation(solution_g[s2], title="the stationary variance is eq. (hmm-mstep-sigma)",
                           instance="D = 1, N = 3")
gauss_step.step(sum(gn * (xn - mu_k) ** 2 for gn, xn in zip(gs, xs, strict=True)) / N_k,
                r"rewrite SymPy's solution as a weighted average around $\mu_k$")
gauss_step
"""
)

md(
    r"""
and the stationarity in $\mu$ is checked at the weighted mean {eq}`hmm-mstep-mu`:
"""
)

code(
    r"""
mu_step = dv.Derivation(sp.Derivative(Q_k, mu), title="stationarity in mu",
                        instance="D = 1, N = 3")
mu_step.step(sum(gn * (xn - mu) for gn, xn in zip(gs, xs, strict=True)) / s2,
             "differentiate the quadratic")
mu_step.step(0, r"at $\mu = \sum_n g_n x_n / \sum_n g_n$ (hmm-mstep-mu)", define={mu: mu_k})
assert sp.simplify(solution_g[mu] - mu_k) == 0            # SymPy's root is the same point
mu_step
"""
)

md(
    r"""
```{prf:theorem} Baum-Welch never decreases the likelihood
:label: hmm-thm-em

One E-step ({eq}`hmm-scaled-post`) followed by the M-step {eq}`hmm-mstep-pi`-{eq}`hmm-mstep-sigma`
gives parameters $\theta^{\text{new}}$ with $\log p(X \mid \theta^{\text{new}}) \ge
\log p(X \mid \theta^{\text{old}})$.
```

```{prf:proof}
For any $\theta$, $\log p(X \mid \theta) = Q(\theta, \theta^{\text{old}}) + H(\theta, \theta^{\text{old}})$
with $H = -\sum_Z p(Z \mid X, \theta^{\text{old}}) \log p(Z \mid X, \theta)$. By Gibbs'
inequality (the KL divergence is non-negative, see [MLE as KL minimisation](../foundations/mle_kl.ipynb)),
$H(\theta, \theta^{\text{old}}) \ge H(\theta^{\text{old}}, \theta^{\text{old}})$. The M-step
makes $Q(\theta^{\text{new}}, \theta^{\text{old}}) \ge Q(\theta^{\text{old}}, \theta^{\text{old}})$;
adding the two inequalities gives the claim {cite}`dempster1977maximum,bishop2006prml`.
```

The argument is the general EM inequality, which is not checked here; it is displayed as a
cited result:
"""
)

code(
    r"""
dv.cite("EM never decreases the likelihood",
        r"\log p(X \mid \theta^{\text{new}}) \ge \log p(X \mid \theta^{\text{old}})",
        "dempster1977maximum", note="for any M-step that does not decrease Q")
""",
    "hide-input",
)

md(
    r"""
## From derivation to code

The scaled forward recursion {eq}`hmm-scaled-alpha` and the scaled backward recursion
{eq}`hmm-scaled-beta`, line by line (the comments name the terms):
"""
)

code(
    r"""
dv.show_source(hmm.forward)
"""
)

code(
    r"""
dv.show_source(hmm.backward)
"""
)

md(
    r"""
`hmm.forward_backward` returns $\gamma$, $\sum_n \xi_n$, $\log p(X)$ and $\log c_n$
({eq}`hmm-scaled-post`, {eq}`hmm-loglik`). It computes the same numbers as the two
functions above, organised for speed: for small $K$ a Python loop over $n$ costs far more
than its arithmetic, so the products of the matrices $\mathbf{A}\operatorname{diag}(b_n)$
are formed block by block for all blocks at once; for larger $K$ the forward and backward
loops are fused into one (see the benchmark below). Viterbi
{eq}`hmm-viterbi`, with the back-pointers $\psi_n$ (for small $K$ the recursion for $\omega_n$
runs block by block in the same way, with $(\max, +)$ in place of $(+, \times)$):
"""
)

code(
    r"""
dv.show_source(hmm.viterbi)
"""
)

md(
    r"""
The M-step, {eq}`hmm-mstep-pi` to {eq}`hmm-mstep-sigma`, after one forward-backward pass
(`baum_welch` repeats this step and records $\log p(X \mid \theta)$ before each update):
"""
)

code(
    r"""
dv.show_source(hmm._baum_welch_step)
"""
)

md(
    r"""
Now the derived formulas themselves, turned into NumPy functions by `sympy.lambdify`, against
derivlib on random parameters: the brute-force likelihood and posterior $\gamma_2$ of the
$N = 3$ model, the Viterbi maximum of the $N = 2$ model, and the M-step solutions of SymPy
applied to the expected counts that derivlib computes.
"""
)

code(
    r"""
rng = np.random.default_rng(0)
symbols_pi = [pi[q] for q in states]
symbols_A = [A[r, s] for r in states for s in states]
symbols_b = [b[n_, q] for n_ in (1, 2, 3) for q in states]
args = symbols_pi + symbols_A + symbols_b
evidence_f = sp.lambdify(args, evidence.doit())
gamma_f = [sp.lambdify(args, (sp.Sum(joint.subs(z2, q), (z1, 1, K), (z3, 1, K)) / evidence).doit())
           for q in states]
best_f = sp.lambdify(args[:6] + symbols_b[:4], best_path)

for _trial in range(5):
    pi_v = rng.dirichlet(np.ones(K))
    A_v = rng.dirichlet(np.ones(K), size=K)
    B_obs = rng.uniform(0.05, 1.0, size=(3, K))          # any positive emission likelihoods
    values = [*pi_v, *A_v.ravel(), *B_obs.ravel()]
    post = hmm.forward_backward(pi_v, A_v, B_obs)
    assert np.isclose(post.loglik, np.log(evidence_f(*values)), rtol=1e-12)
    assert np.allclose(post.gamma[1], [f(*values) for f in gamma_f], atol=1e-12)
    assert np.isclose(hmm.viterbi(pi_v, A_v, B_obs[:2]).log_prob,
                      best_f(*values[:6], *B_obs[:2].ravel()), rtol=1e-12)
print("forward-backward and Viterbi agree with the lambdified derivations on 5 random models")
"""
)

code(
    r"""
A_update = sp.lambdify(list(X_counts), A_new)              # eq. (hmm-mstep-A), from SymPy
B_update = sp.lambdify(Y_counts, B_new)                    # eq. (hmm-mstep-B), one row
mu_update = sp.lambdify([*gs, *xs], solution_g[mu])        # eq. (hmm-mstep-mu)
var_update = sp.lambdify([*gs, *xs], solution_g[s2])       # eq. (hmm-mstep-sigma)

pi_v, A_v = np.array([0.3, 0.7]), np.array([[0.8, 0.2], [0.4, 0.6]])
symbols_x = rng.integers(0, 3, size=40)
B_v = np.array([[0.6, 0.3, 0.1], [0.1, 0.3, 0.6]])
post = hmm.forward_backward(pi_v, A_v, hmm.categorical_likelihood(symbols_x, B_v))
pi_new, A_next, B_next, _ = hmm.baum_welch_step(symbols_x, pi_v, A_v, hmm.Categorical(B_v))
assert np.allclose(A_next, np.array(A_update(*post.xi.ravel()), dtype=float), atol=1e-12)
assert np.allclose(pi_new, post.gamma[0], atol=1e-12)      # eq. (hmm-mstep-pi)
for state in range(2):                                     # eq. (hmm-mstep-B), row by row
    emitted = [post.gamma[symbols_x == m, state].sum() for m in range(3)]   # Y_1, Y_2, Y_3
    assert np.allclose(B_next.B[state], np.array(B_update(*emitted), dtype=float)[0], atol=1e-12)

x3 = np.array([[0.5], [1.7], [-0.3]])                      # three 1-D observations
means, covars = np.array([[0.0], [1.0]]), np.array([[1.0], [0.5]])
post3 = hmm.forward_backward(pi_v, A_v, log_B_obs=hmm.gaussian_log_likelihood(x3, means, covars))
_, _, fitted, _ = hmm.baum_welch_step(x3, pi_v, A_v, hmm.Gaussian(means, covars))
for state in range(2):
    weights = post3.gamma[:, state]
    assert np.isclose(fitted.means[state, 0], mu_update(*weights, *x3[:, 0]), rtol=1e-12)
    assert np.isclose(fitted.covars[state, 0], var_update(*weights, *x3[:, 0]), rtol=1e-12)
print("Baum-Welch updates of pi, A, B, mu and sigma^2 agree with the SymPy solutions of the "
      "stationarity conditions")
"""
)

# ---------------------------------------------------------------------------- experiments
md(
    r"""
## Experiments

A three-state HMM with 1-D Gaussian emissions whose means overlap, and a "sticky" chain
that stays in its state with probability 0.95. We sample 300 steps, then compute the
smoothing posteriors $\gamma_n$ by forward-backward and the Viterbi path.
"""
)

code(
    r"""
def sticky(stay, K=3):
    # transition matrix that stays with probability `stay` and else moves uniformly
    return np.full((K, K), (1 - stay) / (K - 1)) + (stay - (1 - stay) / (K - 1)) * np.eye(K)


pi_true = np.full(3, 1 / 3)
emission_true = hmm.Gaussian(means=np.array([[-1.5], [0.0], [1.5]]),
                             covars=np.array([[0.6], [0.6], [0.6]]))   # diagonal, D = 1
sample = hmm.sample(pi_true, sticky(0.95), emission_true, 300, rng=1)
log_B = hmm.emission_log_likelihood(sample.x, emission_true)
post = hmm.forward_backward(pi_true, sticky(0.95), log_B_obs=log_B)
path = hmm.viterbi(pi_true, sticky(0.95), log_B_obs=log_B).path
print(f"log p(X) = {post.loglik:.4f}")
print(f"states recovered: argmax gamma {np.mean(post.gamma.argmax(1) == sample.z):.1%}, "
      f"Viterbi {np.mean(path == sample.z):.1%}, "
      f"each x_n alone {np.mean(log_B.argmax(1) == sample.z):.1%}")
"""
)

code(
    r"""
def plot_posterior(ax_x, ax_g, sample, gamma, title=None):
    colors = ["C0", "C1", "C2"]
    n_steps = np.arange(1, len(sample.z) + 1)
    ax_x.scatter(n_steps, sample.x[:, 0], c=[colors[s] for s in sample.z], s=6)
    ax_x.set_ylabel("$x_n$")
    bottom = np.zeros(len(gamma))
    for state in range(gamma.shape[1]):
        ax_g.fill_between(n_steps, bottom, bottom + gamma[:, state], color=colors[state],
                          alpha=0.6, lw=0, step="mid")
        bottom += gamma[:, state]
    for state in range(gamma.shape[1]):                    # the true state as a band on top
        on = np.where(sample.z == state, 1.04, np.nan)
        ax_g.plot(n_steps, on, color=colors[state], lw=4, solid_capstyle="butt")
    ax_g.set_ylim(0, 1.08)
    ax_g.set_ylabel(r"$\gamma_n(k)$")
    if title:
        ax_x.set_title(title, fontsize=10)


fig, (ax_x, ax_g) = plt.subplots(2, 1, figsize=(9, 4.2), sharex=True)
plot_posterior(ax_x, ax_g, sample, post.gamma)
ax_g.set_xlabel("step $n$")
fig.tight_layout()
plt.show()
""",
    "hide-input",
)

md(
    r"""
*Figure: top, the observations coloured by their true hidden state; bottom, the posterior
probabilities $\gamma_n(k)$ of the three states stacked (they sum to one), with the true
state drawn as a band along the top.* Single observations are ambiguous (the emission
densities overlap), but the posterior pools the evidence of the neighbours through the
sticky transitions and follows the true states closely; it hesitates exactly around the
switches.

**Underflow.** The product $\prod_n c_n = p(X)$ is the unscaled $\sum_k \alpha_N(k)$: for a
few thousand steps it is zero in double precision, while the sum of logs {eq}`hmm-loglik`
is an ordinary number, equal to the log-space result.
"""
)

code(
    r"""
long = hmm.sample(pi_true, sticky(0.95), emission_true, 3000, rng=2)
log_B_long = hmm.emission_log_likelihood(long.x, emission_true)
scaled_run = hmm.forward_backward(pi_true, sticky(0.95), log_B_obs=log_B_long)
log_run = hmm.log_forward_backward(pi_true, sticky(0.95), log_B_obs=log_B_long)
print(f"product of the c_n:        {np.prod(np.exp(scaled_run.log_c))}")
print(f"sum of log c_n:            {scaled_run.loglik:.6f}")
print(f"log-space forward-backward {log_run.loglik:.6f}")
assert np.isclose(scaled_run.loglik, log_run.loglik, rtol=1e-10)
assert np.allclose(scaled_run.gamma, log_run.gamma, atol=1e-10)
"""
)

md(
    r"""
**Baum-Welch.** Starting from deliberately poor parameters (means pushed together, a
uniform transition matrix), EM recovers the model from 2000 observations. The
log-likelihood before each update never decreases ({prf:ref}`hmm-thm-em`):
"""
)

code(
    r"""
train = hmm.sample(pi_true, sticky(0.95), emission_true, 2000, rng=3)
start = hmm.Gaussian(means=np.array([[-0.5], [0.1], [0.4]]), covars=np.array([[2.0], [2.0], [2.0]]))
fit = hmm.baum_welch(train.x, pi_true, sticky(1 / 3), start, n_iter=60, tol=1e-8)
assert np.all(np.diff(fit.history) >= -1e-9 * np.abs(fit.history[1:]))
print(f"{len(fit.history)} updates, log-likelihood {fit.history[0]:.2f} -> {fit.history[-1]:.2f}")
print("fitted means:", np.round(np.sort(fit.emission.means[:, 0]), 2))
print("fitted self-transition probabilities:", np.round(np.sort(np.diag(fit.A)), 3))

fig, ax = plt.subplots(figsize=(6, 3))
ax.plot(np.arange(len(fit.history)), fit.history, marker=".", ms=3)
ax.set_xlabel("EM update")
ax.set_ylabel(r"$\log p(X \mid \theta)$")
fig.tight_layout()
plt.show()
"""
)

md(
    r"""
*Figure: the log-likelihood before each Baum-Welch update; a long climb while the
three states separate, then convergence.*

## Explore

The main knob of an HMM is how sticky its chain is. With the slider, the data are sampled
from a chain that stays in its state with probability `stay`, and decoded with the same
model. A chain that switches often gives the posterior little to pool; a sticky one lets it
average many observations. With a kernel (Binder, Colab, a local Jupyter) each move of the
slider samples and decodes again; on the website the slider steps through figures drawn when
the book was built. The figure after it shows four settings side by side.
"""
)

code(
    r"""
def decode(stay, n_steps=200, seed=4):
    data = hmm.sample(pi_true, sticky(stay), emission_true, n_steps, rng=seed)
    result = hmm.forward_backward(pi_true, sticky(stay),
                                  log_B_obs=hmm.emission_log_likelihood(data.x, emission_true))
    return data, result


def show(stay=0.95):
    data, result = decode(stay)
    fig, (ax_x, ax_g) = plt.subplots(2, 1, figsize=(9, 4), sharex=True)
    accuracy = np.mean(result.gamma.argmax(1) == data.z)
    plot_posterior(ax_x, ax_g, data, result.gamma,
                   title=f"stay = {stay:.2f}: argmax of the posterior is right {accuracy:.0%} of the time")
    ax_g.set_xlabel("step $n$")
    fig.tight_layout()
    return fig


widgets.explore(show, stay=[0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995])
""",
)

code(
    r"""
fig, axes = plt.subplots(4, 2, figsize=(11, 6.5), sharex=True)
settings = (0.5, 0.8, 0.95, 0.99)
for idx, stay in enumerate(settings):
    row, col = 2 * (idx // 2), idx % 2
    data, result = decode(stay)
    accuracy = np.mean(result.gamma.argmax(1) == data.z)
    plot_posterior(axes[row, col], axes[row + 1, col], data, result.gamma,
                   title=f"stay = {stay}: posterior argmax right {accuracy:.0%}")
for ax in axes[-1]:
    ax.set_xlabel("step $n$")
fig.tight_layout()
plt.show()
""",
    "hide-input",
)

md(
    r"""
*Figure: four transition "stickiness" settings, each with its own sample of 200 steps
(observations coloured by true state above, stacked posteriors below).* With
`stay = 0.5` the states switch so often that the posterior is little better than reading
each observation alone; at `0.99` it is almost always right.

## Check against a library

hmmlearn {cite}`hmmlearn2024hmmlearn` implements the same algorithms in C++ (in log space by default,
with scaling as an option). With the same parameters set on its models
(`init_params=""` so that `fit` does not re-initialise them, and the priors of its
Gaussian M-step switched off), it gives the same log-likelihood, posteriors, Viterbi path
and Baum-Welch update. The randomized comparison, over many sizes and both emission
types, is in `tests/sequences/test_hmm.py`.
"""
)

code(
    r"""
reference = GaussianHMM(n_components=3, covariance_type="diag", init_params="", n_iter=1,
                        tol=1e-300, covars_prior=0.0, means_prior=0.0, means_weight=0.0)
reference.startprob_, reference.transmat_ = pi_true, sticky(0.95)
reference.means_, reference.covars_ = emission_true.means, emission_true.covars
ref_path = reference.decode(sample.x)[1]
checks = {
    "log-likelihood (score)": abs(reference.score(sample.x) - post.loglik),
    "posteriors (predict_proba)": np.abs(reference.predict_proba(sample.x) - post.gamma).max(),
    "Viterbi path (decode), mismatches": np.sum(ref_path != path),
}
reference.fit(sample.x)
_, A_fit, em_fit, _ = hmm.baum_welch_step(sample.x, pi_true, sticky(0.95), emission_true)
checks["Baum-Welch transmat_"] = np.abs(reference.transmat_ - A_fit).max()
checks["Baum-Welch means_"] = np.abs(reference.means_ - em_fit.means).max()
checks["Baum-Welch covars_"] = np.abs(reference.covars_[:, :, 0] - em_fit.covars).max()
for name, diff in checks.items():
    print(f"{name:36s} {'agrees (to 1e-8)' if diff < 1e-8 else 'DIFFERS'}")
    assert diff < 1e-8
"""
)

code(
    r"""
symbols_obs = hmm.sample(pi_v, A_v, hmm.Categorical(B_v), 500, rng=5).x
categorical = CategoricalHMM(n_components=2, n_features=3, init_params="", implementation="scaling")
categorical.startprob_, categorical.transmat_, categorical.emissionprob_ = pi_v, A_v, B_v
ours = hmm.forward_backward(pi_v, A_v, hmm.categorical_likelihood(symbols_obs, B_v))
assert np.isclose(categorical.score(symbols_obs[:, None]), ours.loglik, rtol=1e-10)
assert np.allclose(categorical.predict_proba(symbols_obs[:, None]), ours.gamma, atol=1e-10)
print(f"CategoricalHMM (scaling): log p(X) = {categorical.score(symbols_obs[:, None]):.6f}, "
      f"derivlib: {ours.loglik:.6f}")
"""
)

md(
    r"""
The benchmark `benchmarks/bench_hmm.py` times `forward_backward` and `viterbi` against
hmmlearn on the same data for $K \in \{4, 16, 64\}$ states and $N = 10^4$ steps; the
results are on the book's [benchmark page](../../benchmarks.ipynb).

## Exercises

```{exercise}
:label: hmm-ex-selfcheck

For $K = 2$, write the Baum-Welch update of $A_{12}$ in terms of the expected transition
counts `X_11`, `X_12`, `X_21`, `X_22` ($X_{ij} = \sum_n \xi_n(i, j)$). The cell below
holds a common first attempt; run it, read the hint, then replace it by your answer.
```

"""
)

code(
    r"""
answer = "X_12/(X_12 + X_22)"  # a first attempt (normalises a column): replace it by yours
dv.check_answer(answer, solution_A[A_sym[0, 1]], symbols=list(X_counts),
                hint="normalise over the transitions that leave state 1")
"""
)

md(r"""
```{solution-start} hmm-ex-selfcheck
:class: dropdown
```

{eq}`hmm-mstep-A`: $A_{12} = X_{12} / (X_{11} + X_{12})$: the expected number of
$1 \to 2$ transitions divided by the expected number of transitions out of state 1 (the
row, not the column, is normalised).

The right answer passes the checker:
""")

code(r"""
dv.check_answer("X_12/(X_11 + X_12)", solution_A[A_sym[0, 1]], symbols=list(X_counts),
                hint="normalise over the transitions that leave state 1")
""")

md(r"""
```{solution-end}
```
""")

md(
    r"""
```{exercise}
:label: hmm-ex-marginal

Show from {eq}`hmm-xi`, {eq}`hmm-beta` and {eq}`hmm-gamma` that
$\sum_j \xi_n(i, j) = \gamma_{n-1}(i)$. Which test in `tests/sequences/test_hmm.py` checks it?
```

```{solution} hmm-ex-marginal
:class: dropdown

$\sum_j \xi_n(i, j) = \alpha_{n-1}(i) \sum_j A_{ij} b_n(j) \beta_n(j) / p(X)
= \alpha_{n-1}(i) \beta_{n-1}(i) / p(X) = \gamma_{n-1}(i)$, by the backward recursion. The
test `test_fast_readable_and_log_space_recursions_agree` asserts both marginals of every
$\xi_n$.
```

```{exercise}
:label: hmm-ex-viterbi

Is the Viterbi path the same as the sequence of most probable states $\arg\max_k \gamma_n(k)$?
Find a small example where they differ, or argue that they cannot.
```

```{solution} hmm-ex-viterbi
:class: dropdown

They can differ: the pointwise argmax need not even be a possible path. Take $K = 3$ with
$A_{12} = 0$ (state 2 never follows state 1). If $\gamma_1$ favours state 1 and $\gamma_2$
favours state 2, each for different paths, the sequence $(1, 2)$ of pointwise maxima has
probability zero, while Viterbi returns the single best *path*. The experiment above shows
that the two usually agree in accuracy, but they answer different questions (most probable
state at each time vs most probable whole sequence).
```

```{exercise}
:label: hmm-ex-zeros

A *left-right* HMM has $A_{ij} = 0$ for $j < i$. Show that Baum-Welch keeps these zeros.
```

```{solution} hmm-ex-zeros
:class: dropdown

If $A_{ij} = 0$, then $\xi_n(i, j) = 0$ for every $n$ by {eq}`hmm-xi`, so the numerator of
{eq}`hmm-mstep-A` is zero and the update keeps $A_{ij} = 0$. The same holds for $\pi_k = 0$
and for zero emission probabilities. (The test `test_zero_transitions_and_forbidden_states`
runs such a model.)
```

## References

The recursions follow {cite}`bishop2006prml` (sections 13.2.2-13.2.5) and the tutorial of
{cite}`rabiner1989tutorial`; {cite}`murphy2012mlpp` (chapter 17) covers the same ground in a
different notation. The derivations are checked with SymPy {cite}`meurer2017sympy`.

```{bibliography}
:filter: docname in docnames
```
"""
)

write(OUT)
