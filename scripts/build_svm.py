"""Build chapters/linear_models/svm.ipynb (cells only, no outputs) from the cells below.

The helpers come from scripts/_chapter.py. Usage, from the repository root::

    .venv/bin/python scripts/build_svm.py
    make execute NB=chapters/linear_models/svm.ipynb
"""

from _chapter import ROOT, code, colab, md, write

OUT = ROOT / "chapters" / "linear_models" / "svm.ipynb"


# ---------------------------------------------------------------------------------- title
md(r"""
# Support vector machines: the dual, kernels and SMO

A support vector machine separates two classes by the hyperplane that stays as far as
possible from both. That one geometric wish turns into a quadratic program; its Lagrangian
dual depends on the data only through inner products, so a kernel can replace them; and the
dual is solved, in LIBSVM and hence in scikit-learn, by *sequential minimal optimisation*
(SMO): an update of two variables at a time, in closed form. This chapter derives all of it,
with every algebraic step checked by SymPy, and ends with an SMO solver in NumPy that
reproduces scikit-learn's `SVC` to four decimals.
""")

colab()

# ---------------------------------------------------------------------------------- goal
md(r"""
## Goal

We derive

- the **maximum-margin** classifier as a quadratic program in $(\mathbf{w}, b)$ (the primal);
- its **Lagrangian**, the **KKT conditions** and the **dual**, by substituting the
  stationarity conditions $\mathbf{w} = \sum_n \alpha_n y_n \mathbf{x}_n$ and
  $\sum_n \alpha_n y_n = 0$ back into the Lagrangian, checked on explicit symbolic vectors;
- the **soft margin**: slack variables turn into the box constraints $0 \le \alpha_n \le C$,
  and the primal becomes a **hinge-loss** minimisation;
- **kernels** (RBF, polynomial) and why a kernel matrix is positive semi-definite;
- **SMO**: the two-variable analytic update with clipping, the second-order working-set
  selection of LIBSVM {cite}`fan2005working`, the stopping rule and the bias.

**Prerequisites.** Lagrange multipliers; the [chapter on maximum likelihood and
KL divergence](../foundations/mle_kl.ipynb) for losses as negative log-likelihoods, and
[logistic regression](logistic_regression.ipynb), the other linear classifier, whose loss
we compare with the hinge loss. The [notation](../../notation.md) page applies.

**Afterwards** you can train a kernel SVM with a short NumPy loop, say what every number
in scikit-learn's `SVC` means (`support_`, `dual_coef_`, `intercept_`, `tol`), and read
LIBSVM's solver.
""")

code(r'''
import warnings

import matplotlib.pyplot as plt
import numpy as np
import sympy as sp
from IPython.display import Markdown
from matplotlib.figure import Figure
from sklearn import svm as sk_svm
from sklearn.datasets import make_blobs, make_moons

import derivlib
from derivlib import derivation as dv
from derivlib import widgets
from derivlib.linear_models import svm
''', "hide-input")

# ---------------------------------------------------------------------------------- model
md(r"""
## Model

The data are $N$ pairs $(\mathbf{x}_n, y_n)$ with inputs $\mathbf{x}_n \in \mathbb{R}^D$
and labels $y_n \in \{-1, +1\}$. (The [notation](../../notation.md) page calls targets
$t_n$; this chapter writes $y_n$, as the SVM literature and LIBSVM do, and keeps the
letter $f$ for the score.) A linear classifier scores an input by

$$
f(\mathbf{x}) = \mathbf{w}^\top \mathbf{x} + b
$$ (svm-f)

and predicts $\operatorname{sign} f(\mathbf{x})$; it classifies $(\mathbf{x}_n, y_n)$
correctly when the *functional margin* $y_n f(\mathbf{x}_n)$ is positive. The hyperplane
$f(\mathbf{x}) = 0$ has normal $\mathbf{w}$, and a point lies at distance

$$
\operatorname{dist}(\mathbf{x}, \{f = 0\}) = \frac{|f(\mathbf{x})|}{\|\mathbf{w}\|}
$$ (svm-distance)

from it. Scaling $(\mathbf{w}, b)$ by a positive constant changes neither the hyperplane nor
the distances; we fix the scale by asking the closest points to have $y_n f(\mathbf{x}_n) = 1$
(the *canonical* form). Later, $\mathbf{x}$ is replaced by features $\phi(\mathbf{x})$ that
are never computed, only their inner products $k(\mathbf{x}, \mathbf{x}') =
\phi(\mathbf{x})^\top \phi(\mathbf{x}')$: the **kernel**.

In the SymPy cells a label is a symbol that knows $y_n^2 = 1$ (so $y_n^{-1} = y_n$); that is
the only fact about labels the algebra below uses. The derivation checker evaluates every
step at sample points as well, where a symbol could take any real value; so the chains that
use $y_n^2 = 1$ state the hypothesis $y_n \in \{-1, +1\}$, written $y_n = (-1)^{k_n}$ with an
integer $k_n$, and the checker samples the labels as $\pm 1$.
""")

code(r'''
class Label(sp.Symbol):
    """A class label y = +1 or -1: SymPy simplifies y**2 to 1 and y**3, 1/y to y."""

    def _eval_power(self, e):
        if e.is_integer and e.is_even:
            return sp.S.One
        if e.is_integer and e.is_odd:
            return self
        return None


y_1 = Label("y_1")
(y_1**2, y_1**3, 1 / y_1)
''')

# ---------------------------------------------------------------------------------- derivation
md(r"""
## Derivation

Each chain marks how its steps were verified: [symbolic] SymPy simplified the difference
of the two sides to zero (or proved its sign) for all values of the symbols; [instance] the
same, for the fixed size the chain names (most chains below work with $N = 3$ points in
$D = 2$ dimensions); [numeric] the two sides agreed at sample points; [cited: key] a result
taken from the reference, not checked. Under each chain, *where* lists its definitions and
*assuming* its hypotheses; a theorem used without proof is shown as a cited block. A wrong
step raises an error, so this page could not have been built with one.

### Maximum margin: the primal quadratic program

In canonical form the points closest to the hyperplane satisfy $f(\mathbf{x}) = \pm 1$.
Start at a point $\mathbf{x}_-$ on the plane $f = -1$ and walk along the normal for a
distance $2/\|\mathbf{w}\|$: the chain checks, for explicit vectors in $\mathbb{R}^2$, that
we arrive on the plane $f = +1$. The two planes are $2/\|\mathbf{w}\|$ apart, and the margin
(the distance from the hyperplane to the closest points) is $1/\|\mathbf{w}\|$.
""")

code(r'''
w_1, w_2, u_1, u_2, b = sp.symbols("w_1 w_2 u_1 u_2 b", real=True)
w_vec, x_minus = sp.Matrix([w_1, w_2]), sp.Matrix([u_1, u_2])   # x_- = (u_1, u_2)
norm_w = sp.sqrt(w_vec.dot(w_vec))

margin = dv.Derivation(w_vec.dot(x_minus + 2 / norm_w * w_vec / norm_w) + b,
                       instance="D = 2", title="the planes f = -1 and f = +1 are 2/||w|| apart")
margin.step(w_vec.dot(x_minus) + b + 2, "$\\mathbf{w}^\\top\\mathbf{w} = \\|\\mathbf{w}\\|^2$")
margin.step(1, "$\\mathbf{x}_-$ lies on $f = -1$", define={b: -1 - w_vec.dot(x_minus)})
''')

md(r"""
Maximising the margin $1/\|\mathbf{w}\|$ is minimising $\frac12\|\mathbf{w}\|^2$, a convex
quadratic, and the canonical form says that every point is at least that far away:

```{prf:theorem} Hard-margin primal
:label: svm-thm-primal

For linearly separable data, the maximum-margin hyperplane solves

$$
\min_{\mathbf{w}, b} \; \frac12 \|\mathbf{w}\|^2
\quad \text{subject to} \quad y_n(\mathbf{w}^\top \mathbf{x}_n + b) \ge 1, \quad n = 1, \dots, N,
$$ (svm-primal)

a quadratic program with a unique solution {cite}`cortes1995support,bishop2006prml`.
```

### The Lagrangian, KKT conditions and the dual

One multiplier $\alpha_n \ge 0$ per constraint gives the Lagrangian

$$
L(\mathbf{w}, b, \boldsymbol{\alpha}) = \frac12\|\mathbf{w}\|^2
- \sum_{n=1}^N \alpha_n \bigl(y_n(\mathbf{w}^\top\mathbf{x}_n + b) - 1\bigr).
$$ (svm-lagrangian)

We let SymPy work with explicit vectors: $N = 3$ points in $D = 2$ dimensions, every
coordinate a symbol. The stationarity conditions are the derivatives in $w_1$ and $b$ (the
one in $w_2$ is the same with the second coordinate).
""")

code(r'''
N, D = 3, 2
X_sym = sp.Matrix(N, D, lambda n, d: sp.Symbol(f"x_{n + 1}{d + 1}", real=True))
y_sym = [Label(f"y_{n + 1}") for n in range(N)]
alpha = sp.symbols("alpha_1:4", nonnegative=True)
k = sp.symbols("k_1:4", integer=True)
LABELS = [sp.Eq(y_sym[n], (-1) ** k[n]) for n in range(N)]         # y_n = +-1 (hypothesis)
w = sp.Matrix([w_1, w_2])
x = [X_sym[n, :].T for n in range(N)]                              # x_n as column vectors

L = w.dot(w) / 2 - sum(alpha[n] * (y_sym[n] * (w.dot(x[n]) + b) - 1) for n in range(N))

dL_dw1 = dv.Derivation(sp.Derivative(L, w_1), instance="N = 3, D = 2", title="stationarity in w_1")
dL_dw1.step(w_1 - sum(alpha[n] * y_sym[n] * X_sym[n, 0] for n in range(N)),
            "differentiate eq. (svm-lagrangian)")
''')

code(r'''
dL_db = dv.Derivation(sp.Derivative(L, b), instance="N = 3, D = 2", title="stationarity in b")
dL_db.step(-sum(alpha[n] * y_sym[n] for n in range(N)), "differentiate eq. (svm-lagrangian)")
''')

md(r"""
Setting both to zero gives

$$
\mathbf{w} = \sum_{n=1}^N \alpha_n y_n \mathbf{x}_n, \qquad \sum_{n=1}^N \alpha_n y_n = 0 .
$$ (svm-stationarity)

Substituting the first into the Lagrangian leaves a term $-b\sum_n \alpha_n y_n$, which the
second removes. We hand both facts to the checker as substitutions for one step each: the
weight vector by its components, the constraint by solving it for $\alpha_3$.
""")

code(r'''
w_star = sum((alpha[n] * y_sym[n] * x[n] for n in range(N)), sp.zeros(D, 1))
stationary_w = {w_1: w_star[0], w_2: w_star[1]}                        # eq. (svm-stationarity)
constraint = {alpha[2]: -(alpha[0] * y_sym[0] + alpha[1] * y_sym[1]) / y_sym[2]}

K_lin = [[x[n].dot(x[m]) for m in range(N)] for n in range(N)]       # x_n^T x_m
dual_expr = sum(alpha) - sp.Rational(1, 2) * sum(
    alpha[n] * alpha[m] * y_sym[n] * y_sym[m] * K_lin[n][m] for n in range(N) for m in range(N))

dual = dv.Derivation(L, assume=LABELS, instance="N = 3, D = 2",
                     title="the dual: substitute the stationarity conditions")
dual.step(dual_expr - b * sum(alpha[n] * y_sym[n] for n in range(N)),
          "insert $\\mathbf{w} = \\sum_n \\alpha_n y_n \\mathbf{x}_n$, expand, $y_n^2 = 1$",
          define=stationary_w)
dual.step(dual_expr, "$\\sum_n \\alpha_n y_n = 0$", define=constraint)
''')

md(r"""
What is left depends on the data only through the inner products
$\mathbf{x}_n^\top \mathbf{x}_m$. With $K_{nm} = \mathbf{x}_n^\top\mathbf{x}_m$ (soon a
kernel) and $Q_{nm} = y_n y_m K_{nm}$:

```{prf:theorem} The SVM dual
:label: svm-thm-dual

The multipliers of the hard-margin problem maximise

$$
D(\boldsymbol{\alpha}) = \sum_{n=1}^N \alpha_n
- \frac12 \sum_{n=1}^N\sum_{m=1}^N \alpha_n \alpha_m y_n y_m K_{nm}
\quad\text{subject to}\quad \alpha_n \ge 0, \;\; \sum_{n=1}^N \alpha_n y_n = 0,
$$ (svm-dual)

and $f(\mathbf{x}) = \sum_n \alpha_n y_n \mathbf{x}_n^\top\mathbf{x} + b$. The KKT conditions
at the solution are stationarity {eq}`svm-stationarity`, primal and dual feasibility, and
complementary slackness $\alpha_n\bigl(y_n f(\mathbf{x}_n) - 1\bigr) = 0$ {cite}`bishop2006prml`.
```

```{prf:proof}
The chains above derive {eq}`svm-stationarity` and the value of $L$ at the stationary
point for explicit $N = 3$, $D = 2$; the computation is the same term by term for any $N$,
$D$. Since $L$ is convex in $(\mathbf{w}, b)$, this value is $\min_{\mathbf{w}, b} L$, the
dual function; the constraints of the primal are affine, so strong duality holds (Slater;
{cite}`boyd2004convex`) and the KKT conditions characterise the optimum.
```
""")

code(r'''
dv.cite("Strong duality and the KKT conditions (Slater)",
        r"\min_{\mathbf{w}, b}\,\max_{\boldsymbol{\alpha} \ge \mathbf{0}} "
        r"L(\mathbf{w}, b, \boldsymbol{\alpha}) = "
        r"\max_{\boldsymbol{\alpha} \ge \mathbf{0}}\,\min_{\mathbf{w}, b} "
        r"L(\mathbf{w}, b, \boldsymbol{\alpha})",
        "boyd2004convex",
        note="convex objective, affine constraints, a feasible point; then the KKT conditions "
             "are necessary and sufficient (sec. 5.2.3 and 5.5.3)")
''', "hide-input")

md(r"""
Complementary slackness is what makes the solution sparse: $\alpha_n > 0$ only for points
with $y_n f(\mathbf{x}_n) = 1$, on the margin. These are the **support vectors**; the other
points could be deleted without changing the classifier.

### The soft margin: box constraints and the hinge loss

Overlapping classes violate any margin. Slack variables $\xi_n \ge 0$ let point $n$ sit at
functional margin $1 - \xi_n$, at a price $C$ per unit {cite}`cortes1995support`:

$$
\min_{\mathbf{w}, b, \boldsymbol{\xi}} \; \frac12\|\mathbf{w}\|^2 + C\sum_{n=1}^N \xi_n
\quad\text{s.t.}\quad y_n f(\mathbf{x}_n) \ge 1 - \xi_n, \;\; \xi_n \ge 0 .
$$ (svm-soft-primal)

The Lagrangian gets multipliers $\mu_n \ge 0$ for $\xi_n \ge 0$. Its derivative in $\xi_n$
gives $C - \alpha_n - \mu_n = 0$: with $\mu_n = C - \alpha_n \ge 0$ every slack term cancels
and the dual is *the same* function {eq}`svm-dual`, now with $\alpha_n \le C$.
""")

code(r'''
xi = sp.symbols("xi_1:4", nonnegative=True)
mu = sp.symbols("mu_1:4", nonnegative=True)
C = sp.Symbol("C", positive=True)
L_soft = (w.dot(w) / 2 + C * sum(xi)
          - sum(alpha[n] * (y_sym[n] * (w.dot(x[n]) + b) - 1 + xi[n]) for n in range(N))
          - sum(mu[n] * xi[n] for n in range(N)))

dL_dxi = dv.Derivation(sp.Derivative(L_soft, xi[0]), instance="N = 3, D = 2",
                       title="stationarity in xi_1")
dL_dxi.step(C - alpha[0] - mu[0], "differentiate")
''')

code(r'''
soft = dv.Derivation(L_soft, assume=LABELS, instance="N = 3, D = 2",
                     title="soft margin: the same dual")
soft.step(dual_expr - b * sum(alpha[n] * y_sym[n] for n in range(N))
          + sum((C - alpha[n] - mu[n]) * xi[n] for n in range(N)),
          "insert $\\mathbf{w}$, collect the slack terms", define=stationary_w)
soft.step(dual_expr, "$\\mu_n = C - \\alpha_n$ and $\\sum_n \\alpha_n y_n = 0$",
          define={**constraint, **{mu[n]: C - alpha[n] for n in range(N)}})
''')

md(r"""
```{prf:theorem} Soft-margin dual, KKT cases and the hinge loss
:label: svm-thm-soft

The soft-margin multipliers maximise {eq}`svm-dual` subject to
$0 \le \alpha_n \le C$ and $\sum_n \alpha_n y_n = 0$. At the optimum, with
$m_n = y_n f(\mathbf{x}_n)$,

$$
\alpha_n = 0 \Rightarrow m_n \ge 1, \qquad
0 < \alpha_n < C \Rightarrow m_n = 1, \qquad
\alpha_n = C \Rightarrow m_n \le 1 .
$$ (svm-kkt-cases)

Eliminating the slacks, the primal {eq}`svm-soft-primal` is the unconstrained problem

$$
\min_{\mathbf{w}, b}\; \frac12\|\mathbf{w}\|^2
+ C\sum_{n=1}^N \max\bigl(0,\, 1 - y_n f(\mathbf{x}_n)\bigr),
$$ (svm-primal-hinge)

a ridge penalty plus the **hinge loss** $\max(0, 1 - m)$.
```

```{prf:proof}
The box: $\alpha_n = C - \mu_n \le C$ because $\mu_n \ge 0$. The cases: complementary
slackness gives $\alpha_n(m_n - 1 + \xi_n) = 0$ and $\mu_n\xi_n = (C - \alpha_n)\xi_n = 0$.
If $\alpha_n < C$ then $\xi_n = 0$ and $m_n \ge 1$, with equality if also $\alpha_n > 0$;
if $\alpha_n = C > 0$ then $m_n = 1 - \xi_n \le 1$. The hinge: for fixed $(\mathbf{w}, b)$
the constraints on $\xi_n$ are $\xi_n \ge 1 - m_n$ and $\xi_n \ge 0$, and the objective
increases with $\xi_n$, so the best slack is $\xi_n = \max(0, 1 - m_n)$.
```

The hinge loss is the SVM's answer to logistic regression's $\log(1 + e^{-m})$: both are
convex upper bounds (up to a scale) of the 0-1 loss, but the hinge is exactly zero beyond the
margin, which is why points there get $\alpha_n = 0$ and drop out. (There is no likelihood
behind it: an SVM outputs a score, not a probability.)

### Kernels

In {eq}`svm-dual` and in $f$ the inputs appear only in inner products. Replacing
$\mathbf{x}$ by features $\phi(\mathbf{x})$ replaces $K_{nm}$ by
$k(\mathbf{x}_n, \mathbf{x}_m) = \phi(\mathbf{x}_n)^\top\phi(\mathbf{x}_m)$, and the
classifier becomes

$$
K_{nm} = k(\mathbf{x}_n, \mathbf{x}_m), \qquad
f(\mathbf{x}) = \sum_{n=1}^N \alpha_n y_n\, k(\mathbf{x}_n, \mathbf{x}) + b .
$$ (svm-kernel)

The two kernels of this chapter are the Gaussian (RBF) and the polynomial kernel

$$
k(\mathbf{x}, \mathbf{x}') = \exp\bigl(-\gamma\|\mathbf{x} - \mathbf{x}'\|^2\bigr),
$$ (svm-rbf)

$$
k(\mathbf{x}, \mathbf{x}') = (\gamma\,\mathbf{x}^\top\mathbf{x}' + c_0)^p ,
$$ (svm-poly)

parametrised as in scikit-learn. The polynomial kernel is an inner product of explicit
features; for $p = 2$, $\gamma = 1$ in two dimensions there are six of them:
""")

code(r'''
x_1, x_2, z_1, z_2 = sp.symbols("x_1 x_2 z_1 z_2", real=True)
c_0 = sp.Symbol("c_0", positive=True)


def phi(a, b):                                  # the feature map of the degree-2 kernel
    return sp.Matrix([a**2, b**2, sp.sqrt(2) * a * b, sp.sqrt(2 * c_0) * a,
                      sp.sqrt(2 * c_0) * b, c_0])


poly = dv.Derivation((x_1 * z_1 + x_2 * z_2 + c_0) ** 2, instance="D = 2, p = 2, gamma = 1",
                     title="polynomial kernel = phi^T phi")
poly.step(phi(x_1, x_2).dot(phi(z_1, z_2)), "expand the square, match the six features")
''')

md(r"""
A valid kernel must give a positive semi-definite matrix $\mathbf{K}$ for every data set,
since $\mathbf{v}^\top\mathbf{K}\mathbf{v} = \|\sum_n v_n \phi(\mathbf{x}_n)\|^2 \ge 0$;
that is what makes {eq}`svm-dual` a *concave* quadratic and its maximum global. For the
linear kernel $\mathbf{K} = \mathbf{X}\mathbf{X}^\top$ the chain is a sum of squares:
""")

code(r'''
v = sp.Matrix(sp.symbols("v_1:4", real=True))
z = X_sym.T * v
psd = dv.Derivation((v.T * X_sym * X_sym.T * v)[0], instance="N = 3, D = 2",
                    title="v^T X X^T v >= 0")
psd.step(z[0] ** 2 + z[1] ** 2,
         "$\\mathbf{v}^\\top\\mathbf{X}\\mathbf{X}^\\top\\mathbf{v}"
         " = \\|\\mathbf{X}^\\top\\mathbf{v}\\|^2$")
psd.step(0, "a sum of squares", rel=">=")
''')

md(r"""
For the RBF kernel the feature space is infinite-dimensional and positive definiteness is a
theorem (Bochner's; {cite}`scholkopf2002learning`, section 2.3). We check it numerically:
the smallest eigenvalue of kernel matrices of random data, relative to the largest, is
positive or zero up to rounding (the cell asserts it is above $-10^{-10}$). The linear kernel
in three dimensions has rank 3, so its matrices for $N > 3$ points are singular.
""")

code(r'''
dv.cite("The Gaussian kernel is positive definite (Bochner)",
        r"\sum_{n=1}^N\sum_{m=1}^N v_n v_m\, e^{-\gamma\|\mathbf{x}_n - \mathbf{x}_m\|^2} \ge 0"
        r"\quad\text{for all } N,\ \mathbf{x}_1, \dots, \mathbf{x}_N,\ \mathbf{v},\ \gamma > 0",
        "scholkopf2002learning", note="section 2.3")
''', "hide-input")

code(r'''
rng = np.random.default_rng(0)
rows = ["| kernel | N | smallest eigenvalue / largest |", "|---|---:|---:|"]
for name, params in [("rbf", {"gamma": 0.5}), ("poly", {"gamma": 1.0, "degree": 3, "coef0": 1.0}),
                     ("linear", {})]:
    for n_points in (10, 200):
        K_num = svm.kernel_matrix(rng.normal(size=(n_points, 3)), kernel=name, **params)
        eig = np.linalg.eigvalsh(K_num)
        assert eig.min() >= -1e-10 * eig.max()
        ratio = eig.min() / eig.max()
        shown = f"{ratio:.1e}" if ratio > 1e-12 else "0 (to rounding)"
        rows.append(f"| {name} | {n_points} | {shown} |")
Markdown("\n".join(rows))
''')

md(r"""
### SMO: the two-variable update

The dual is a quadratic program in $N$ variables, too large for a generic solver when $N$
is in the thousands. SMO {cite}`platt1998sequential` optimises it a few variables at a time.
One variable alone cannot move: $\sum_n\alpha_n y_n = 0$ pins it once the others are fixed.
Two can, along the line

$$
y_i \alpha_i + y_j \alpha_j = \zeta \quad (\text{constant}),
$$

and on that line the dual is a quadratic in one variable with a closed-form maximiser. In
terms of the errors $E_n = f(\mathbf{x}_n) - y_n$ at the current $\boldsymbol{\alpha}$ and
the curvature $\eta$,

$$
E_n = \sum_m \alpha_m y_m K_{nm} + b - y_n, \qquad \eta = K_{ii} + K_{jj} - 2K_{ij} .
$$ (svm-error)

The chain differentiates the restricted dual for $N = 3$, $(i, j) = (1, 2)$, with
$\alpha_1 = y_1(\zeta - y_2\alpha_2)$ and a symmetric kernel matrix of symbols.
""")

code(r'''
K = sp.Matrix(N, N, lambda n, m: sp.Symbol(f"K_{min(n, m) + 1}{max(n, m) + 1}", real=True))
a_1_old, a_2_old, a_3 = sp.symbols("alpha_1^old alpha_2^old alpha_3", real=True)
a_2 = sp.Symbol("alpha_2", real=True)                             # the free variable
E_1, E_2, eta = sp.symbols("E_1 E_2 eta", real=True)


def dual_of(a):                                                   # eq. (svm-dual)
    return sum(a) - sp.Rational(1, 2) * sum(a[n] * a[m] * y_sym[n] * y_sym[m] * K[n, m]
                                            for n in range(N) for m in range(N))


def f_old(n):                                                     # f(x_n) before the update
    return (a_1_old * y_sym[0] * K[n, 0] + a_2_old * y_sym[1] * K[n, 1]
            + a_3 * y_sym[2] * K[n, 2] + b)


zeta = y_sym[0] * a_1_old + y_sym[1] * a_2_old
on_line = dual_of([y_sym[0] * (zeta - y_sym[1] * a_2), a_2, a_3])
smo_facts = [sp.Eq(E_1, f_old(0) - y_sym[0]), sp.Eq(E_2, f_old(1) - y_sym[1]),   # eq. (svm-error)
             sp.Eq(eta, K[0, 0] + K[1, 1] - 2 * K[0, 1])]

slope = dv.Derivation(sp.Derivative(on_line, a_2), define=smo_facts, assume=LABELS,
                      instance="N = 3", title="the dual along the line, differentiated")
slope.step(y_sym[1] * (E_1 - E_2) - eta * (a_2 - a_2_old), "collect $E_1$, $E_2$, $\\eta$")
''')

code(r'''
curvature = dv.Derivation(sp.Derivative(on_line, a_2, 2), define=smo_facts, assume=LABELS,
                          instance="N = 3",
                          title="curvature along the line")
curvature.step(-eta, "differentiate again")
''')

code(r'''
a_2_new = a_2_old + y_sym[1] * (E_1 - E_2) / eta                 # eq. (svm-smo-step)
assert [sp.simplify(r - a_2_new) for r in sp.solve(slope.result, a_2)] == [0]
a_2_new
''')

md(r"""
The curvature $-\eta$ is never positive: $\eta = \|\phi(\mathbf{x}_i) - \phi(\mathbf{x}_j)\|^2$
for a valid kernel. So the stationary point is the maximum, and since a concave function of
one variable restricted to an interval is maximised at the clipped stationary point, the box
is handled by clipping.

```{prf:theorem} The two-variable update
:label: svm-thm-smo

With $\eta > 0$ the dual, restricted to $(\alpha_i, \alpha_j)$ and to the box, is maximised by

$$
\alpha_j^{\text{new}} = \operatorname{clip}_{[L, H]}
\Bigl(\alpha_j + \frac{y_j(E_i - E_j)}{\eta}\Bigr),
$$ (svm-smo-step)

$$
\alpha_i^{\text{new}} = \alpha_i + y_i y_j\,(\alpha_j - \alpha_j^{\text{new}}),
$$ (svm-smo-clip)

where $[L, H]$ is the part of the line inside $[0, C]^2$: if $y_i \ne y_j$,
$L = \max(0, \alpha_j - \alpha_i)$ and $H = \min(C, C + \alpha_j - \alpha_i)$; if $y_i = y_j$,
$L = \max(0, \alpha_i + \alpha_j - C)$ and $H = \min(C, \alpha_i + \alpha_j)$
{cite}`platt1998sequential`.
```

```{prf:proof}
The unclipped maximiser is the root of the checked slope above. Eq. {eq}`svm-smo-clip` keeps
$y_i\alpha_i + y_j\alpha_j$ fixed (multiply by $y_i$ and use $y_i^2 = 1$). On the line,
$\alpha_i \in [0, C]$ translates into $\alpha_j \in [\alpha_j - \alpha_i, C + \alpha_j -
\alpha_i]$ when $y_iy_j = -1$ and into $[\alpha_i + \alpha_j - C, \alpha_i + \alpha_j]$ when
$y_iy_j = 1$; intersecting with $\alpha_j \in [0, C]$ gives $[L, H]$. A concave quadratic on
an interval is maximised at its stationary point projected onto the interval.
```

If $\eta \le 0$ (two identical points, or a kernel that is not positive definite) LIBSVM
replaces it by a tiny $\tau = 10^{-12}$, which sends $\alpha_j$ to an end of the segment;
derivlib does the same.

### Which pair? Second-order working-set selection

Write $F_n = E_n - b = y_n \nabla_n$, where $\nabla = \mathbf{Q}\boldsymbol{\alpha} -
\mathbf{1}$ is the gradient of $-D$ (LIBSVM's form). Moving along $d_i = y_i$, $d_j = -y_j$
(which keeps $\sum_n \alpha_n y_n$) by a step $t$ changes the dual by a quadratic in $t$:
""")

code(r'''
t, a_ij, b_ij = sp.symbols("t a_ij b_ij", real=True)
F_sym = sp.symbols("F_1:4", real=True)
al = sp.symbols("alpha_1:4", real=True)
F_facts = [sp.Eq(F_sym[n], sum(al[m] * y_sym[m] * K[n, m] for m in range(N)) - y_sym[n])
           for n in range(N)]                                    # F_n = E_n - b
d = [y_sym[0], -y_sym[1], 0]

gain = dv.Derivation(dual_of([al[n] + t * d[n] for n in range(N)]) - dual_of(al),
                     define=F_facts, assume=LABELS, instance="N = 3",
                     title="gain of a step t along (y_i, -y_j)")
gain.step(t * (F_sym[1] - F_sym[0]) - t**2 / 2 * (K[0, 0] + K[1, 1] - 2 * K[0, 1]),
          "expand; $F_n = \\sum_m \\alpha_m y_m K_{nm} - y_n$")
''')

code(r'''
quad_t = t * b_ij - t**2 / 2 * a_ij                    # the gain, with b_ij = F_j - F_i
best_t = dv.Derivation(sp.Derivative(quad_t, t), title="the best step")
best_t.step(b_ij - a_ij * t, "differentiate: zero at $t = b_{ij}/a_{ij}$")
''')

code(r'''
best = dv.Derivation(quad_t.xreplace({t: sp.UnevaluatedExpr(b_ij / a_ij)}),
                     title="the gain of the best step")
best.step(b_ij**2 / (2 * a_ij), "collect")
''')

md(r"""
With $b_{ij} = F_j - F_i$ and $a_{ij} = K_{ii} + K_{jj} - 2K_{ij}$ the best unclipped step
gains $b_{ij}^2 / (2a_{ij})$; its effect on $\alpha_j$ is
$-y_j\,b_{ij}/a_{ij} = y_j(E_i - E_j)/\eta$, exactly {eq}`svm-smo-step`. The step increases
the dual only if $b_{ij} > 0$, and it must be able to move: $\alpha_i$ up in the direction
$y_i$, $\alpha_j$ in the direction $-y_j$. Those index sets are

$$
I_{\text{up}} = \{t : \alpha_t < C, y_t = 1 \text{ or } \alpha_t > 0, y_t = -1\}, \qquad
I_{\text{low}} = \{t : \alpha_t < C, y_t = -1 \text{ or } \alpha_t > 0, y_t = 1\}.
$$

```{prf:theorem} WSS2 and the stopping rule
:label: svm-thm-wss2

LIBSVM picks {cite}`fan2005working,chang2011libsvm`

$$
i = \arg\min_{t \in I_{\text{up}}} F_t, \qquad
j = \arg\max_{t \in I_{\text{low}},\, F_t > F_i} \frac{(F_t - F_i)^2}{a_{it}} ,
$$ (svm-wss2)

the first index by the steepest first-order direction, the second by the largest
second-order gain. $\boldsymbol{\alpha}$ is optimal if and only if
$m(\boldsymbol{\alpha}) - M(\boldsymbol{\alpha}) = \max_{t \in I_{\text{low}}} F_t -
\min_{t \in I_{\text{up}}} F_t \le 0$, and SMO stops when

$$
\max_{t \in I_{\text{low}}} F_t - \min_{t \in I_{\text{up}}} F_t \le \varepsilon
$$ (svm-kkt)

(LIBSVM's `eps`, scikit-learn's `tol`, default $10^{-3}$).
```

```{prf:proof}
The gain formula is the checked chain above. For the optimality condition: the KKT
conditions of the dual ask for a $b$ with $F_t + b \ge 0$ for $t \in I_{\text{up}}$ and
$F_t + b \le 0$ for $t \in I_{\text{low}}$ (this is {eq}`svm-kkt-cases` written in $F$);
such a $b$ exists exactly when every $F$ in $I_{\text{low}}$ is at most every $F$ in
$I_{\text{up}}$ ({cite}`fan2005working`, section 2).
```
""")

code(r'''
dv.cite("Optimality of a feasible dual point",
        r"\boldsymbol{\alpha} \text{ maximises } D \iff "
        r"\max_{t \in I_{\text{low}}} F_t \le \min_{t \in I_{\text{up}}} F_t",
        "fan2005working", note="section 2, from the KKT conditions of the dual")
''', "hide-input")

md(r"""
### The bias

$b$ is not a variable of the dual. A *free* support vector, $0 < \alpha_n < C$, lies on its
margin, $y_n f(\mathbf{x}_n) = 1$; multiplying by $y_n$ gives $f(\mathbf{x}_n) = y_n$, so

$$
b = y_n - \sum_m \alpha_m y_m K_{nm} = -F_n \quad\text{for every free } n .
$$ (svm-bias)
""")

code(r'''
s_1 = sp.Symbol("s_1", real=True)                     # s_1 = sum_m alpha_m y_m K_1m
b_star = sp.Symbol("b^*", real=True)
bias = dv.Derivation(y_sym[0] * (s_1 + b) - 1, assume=LABELS[:1],
                     title="on the margin: y_1 f(x_1) - 1 = 0")
bias.step(y_sym[0] * (s_1 + b - y_sym[0]), "factor out $y_1$, using $y_1^2 = 1$")
bias.step(y_sym[0] * (b - b_star), "name $b^* = y_1 - s_1$", define={b_star: y_sym[0] - s_1})
''')

md(r"""
Since $y_1 \ne 0$, the last line vanishes exactly when $b = b^* = y_1 - s_1$: that is
{eq}`svm-bias`. At a finite tolerance the free vectors give slightly different values,
and LIBSVM averages them; if no vector is free, it takes the midpoint of the interval that
the bounded ones allow.

## From derivation to code

`derivlib.linear_models.svm` implements the update {eq}`svm-smo-step`–{eq}`svm-smo-clip`
as one scalar function, with the clipping interval of {prf:ref}`svm-thm-smo`:
""")

code(r'''
dv.show_source(svm.two_variable_update)
''')

md(r"""
and the selection {eq}`svm-wss2`, vectorised over all $N$ candidates; it returns the
kernel column $K_{:,i}$ it needed, so the caller can reuse it:
""")

code(r'''
dv.show_source(svm.select_working_set)
''')

md(r"""
The solver `svm.smo` loops: select $(i, j)$, update the pair, then update $F$ with the two
kernel columns, $F \leftarrow F + K_{:,i}\,y_i\Delta\alpha_i + K_{:,j}\,y_j\Delta\alpha_j$
(an $O(N)$ step), until the gap {eq}`svm-kkt` is below `tol`; the bias is {eq}`svm-bias`.
Up to `precompute_limit` points the kernel matrix is computed once; above it, columns are
computed on demand and cached. `svm.SVC` wraps it with scikit-learn's conventions.

We now evaluate the derived formulas with `sympy.lambdify` and compare them with derivlib on
random inputs: the update where it needs no clipping (a large $C$ and a positive result) against
`two_variable_update`, and the explicit three-point dual against `dual_objective`.
""")

code(r'''
step_fn = sp.lambdify((a_1_old, a_2_old, E_1, E_2, eta, y_sym[0], y_sym[1]),
                      [y_sym[0] * (zeta - y_sym[1] * a_2_new), a_2_new])
dual_fn = sp.lambdify((alpha, list(X_sym), y_sym), dual_expr)

rng = np.random.default_rng(1)
worst, n_compared = 0.0, 0
for _ in range(200):
    X3 = rng.normal(size=(3, 2))
    y3 = rng.choice([-1.0, 1.0], size=3)
    K3 = svm.linear_kernel(X3) + 0.5 * np.eye(3)               # any positive-definite kernel
    a_old = rng.uniform(0.5, 1.0, size=3)
    E = K3 @ (a_old * y3) - y3
    derived = step_fn(a_old[0], a_old[1], E[0], E[1], K3[0, 0] + K3[1, 1] - 2 * K3[0, 1],
                      y3[0], y3[1])
    ours = svm.two_variable_update(a_old[0], a_old[1], y3[0], y3[1], E[0], E[1],
                                   K3[0, 0], K3[1, 1], K3[0, 1], C=1e6)
    if min(derived) > 0:                                       # inside the box: no clipping
        n_compared += 1
        worst = max(worst, np.max(np.abs(np.subtract(ours, derived))))
    a3 = rng.uniform(0, 2, size=3)
    ours_dual = svm.dual_objective(a3, y3, svm.linear_kernel(X3))
    worst = max(worst, abs(dual_fn(a3, X3.ravel(), y3) - ours_dual))
assert worst < 1e-9 and n_compared > 50
print(f"{n_compared} unclipped updates and 200 duals compared; "
      f"largest difference between the derived formulas and derivlib: {worst:.1e}")
''')

md(r"""
The clipping of {prf:ref}`svm-thm-smo` is checked the same way, by brute force: on random
instances, the restricted dual evaluated on a fine grid of the segment $[L, H]$ never
exceeds its value at derivlib's update.
""")

code(r'''
def restricted(a_j, a_old, y, K):
    """The dual along y_1 a_1 + y_2 a_2 = const, as a function of a_2 (Python index 1)."""
    a = a_old.copy()
    a[0], a[1] = y[0] * (y[0] * a_old[0] + y[1] * a_old[1] - y[1] * a_j), a_j
    return svm.dual_objective(a, y, K)


rng = np.random.default_rng(3)
n_clipped = 0
for _ in range(200):
    X6, y6 = rng.normal(size=(6, 2)), rng.choice([-1.0, 1.0], size=6)
    K6, C6 = svm.rbf_kernel(X6, gamma=0.8), rng.uniform(0.5, 2.0)
    a6 = rng.uniform(0, C6, size=6) * (rng.random(6) > 0.3)
    E6 = K6 @ (a6 * y6) - y6
    ai, aj = svm.two_variable_update(a6[0], a6[1], y6[0], y6[1], E6[0], E6[1],
                                     K6[0, 0], K6[1, 1], K6[0, 1], C6)
    if y6[0] != y6[1]:
        L6, H6 = max(0, a6[1] - a6[0]), min(C6, C6 + a6[1] - a6[0])
    else:
        L6, H6 = max(0, a6[0] + a6[1] - C6), min(C6, a6[0] + a6[1])
    grid_best = max(restricted(g, a6, y6, K6) for g in np.linspace(L6, H6, 201))
    assert restricted(aj, a6, y6, K6) >= grid_best - 1e-12 and L6 <= aj <= H6
    n_clipped += aj in (L6, H6)
print(f"200 random updates, {n_clipped} of them clipped to an end of [L, H]: "
      "none is beaten by the grid")
''')

# ---------------------------------------------------------------------------------- experiments
md(r"""
## Experiments

### Margin and support vectors

Two overlapping Gaussian clouds, a linear kernel and $C = 1$. The solid line is
$f(\mathbf{x}) = 0$, the dashed lines are the margins $f = \pm 1$. Circled points are the
support vectors: free ones ($0 < \alpha_n < C$) sit exactly on a margin
({eq}`svm-kkt-cases`), bounded ones ($\alpha_n = C$, squares) are inside the margin or
misclassified; every other point has $\alpha_n = 0$ and does not matter.
""")

code(r'''
def plot_svc(ax, clf, X, y, title=None, grid=120):
    """Points, decision boundary f = 0, margins f = +-1, support vectors circled."""
    pad = 0.5
    (x0, y0), (x1, y1) = X.min(0) - pad, X.max(0) + pad
    gx, gy = np.meshgrid(np.linspace(x0, x1, grid), np.linspace(y0, y1, grid))
    score = clf.decision_function(np.c_[gx.ravel(), gy.ravel()]).reshape(gx.shape)
    ax.contourf(gx, gy, score, levels=[-1e9, 0, 1e9], colors=["#dbe8f5", "#f8e0d6"], alpha=0.8)
    ax.contour(gx, gy, score, levels=[-1, 0, 1], colors="k", linestyles=["--", "-", "--"],
               linewidths=[1, 1.6, 1])
    ax.scatter(*X[y == clf.classes_[0]].T, s=14, c="tab:blue")
    ax.scatter(*X[y == clf.classes_[1]].T, s=14, c="tab:red")
    a = clf.alpha_[clf.support_]
    at_C = np.isclose(a, clf.C)
    sv = clf.support_vectors_
    ax.scatter(*sv[~at_C].T, s=90, facecolors="none", edgecolors="k", linewidths=1.2,
               label=f"free SV ({np.sum(~at_C)})")
    ax.scatter(*sv[at_C].T, s=70, marker="s", facecolors="none", edgecolors="0.4",
               linewidths=1, label=f"SV at C ({np.sum(at_C)})")
    ax.set_xlim(x0, x1), ax.set_ylim(y0, y1)
    if title:
        ax.set_title(title, fontsize=10)


X_blobs, y_blobs = make_blobs(n_samples=80, centers=[[-1.2, -1.0], [1.2, 1.0]],
                              cluster_std=0.9, random_state=3)
linear = svm.SVC(C=1.0, kernel="linear", tol=1e-6).fit(X_blobs, y_blobs)
w_lin = linear.dual_coef_[0] @ linear.support_vectors_         # w = sum_n alpha_n y_n x_n

fig, ax = plt.subplots(figsize=(5.5, 4.5))
plot_svc(ax, linear, X_blobs, y_blobs,
         title=f"linear SVM, C = 1: margin 1/||w|| = {1 / np.linalg.norm(w_lin):.2f}")
ax.legend(loc="upper left", fontsize=8)
plt.show()
''')

md(r"""
The free support vectors lie on the dashed lines to plotting accuracy; the table checks
{eq}`svm-kkt-cases` for each kind of point.
""")

code(r'''
m_all = np.where(y_blobs == linear.classes_[1], 1, -1) * linear.decision_function(X_blobs)
a_all, C_lin = linear.alpha_, linear.C
kinds = {"alpha = 0": a_all == 0, "0 < alpha < C": (a_all > 0) & (a_all < C_lin),
         "alpha = C": a_all == C_lin}
rows = ["| points | count | smallest margin y f(x) | largest margin y f(x) |",
        "|---|---:|---:|---:|"]
for kind, mask in kinds.items():
    rows.append(f"| {kind} | {mask.sum()} | {m_all[mask].min():.6f} | {m_all[mask].max():.6f} |")
Markdown("\n".join(rows))
''')

md(r"""
### SMO at work

SMO on 300 points of the two-moons data with the RBF kernel ($\gamma = 1$, $C = 10$),
run to a tight tolerance. Left: the dual objective, which never decreases (each step solves
a two-variable subproblem exactly); in the final phase its distance to the optimum falls
geometrically. Right: the primal
{eq}`svm-primal-hinge` at the current $\boldsymbol{\alpha}$ (with the bias of
{eq}`svm-bias`) approaches the dual from above, as weak duality requires.
""")

code(r'''
X_moons, y_moons = make_moons(n_samples=300, noise=0.2, random_state=0)
y_pm = np.where(y_moons == 1, 1.0, -1.0)
K_moons = svm.rbf_kernel(X_moons, gamma=1.0)
run = svm.smo(K_moons, y_pm, 10.0, kernel="precomputed", tol=1e-8)

checkpoints = np.unique(np.geomspace(1, run.n_iter, 25).astype(int))
primal, dual_at = [], []
for k in checkpoints:  # rerun to iteration k: cheap at this size, and keeps smo pure
    with warnings.catch_warnings():                  # stopping early is the point here
        warnings.simplefilter("ignore", derivlib.ConvergenceWarning)
        part = svm.smo(K_moons, y_pm, 10.0, kernel="precomputed", max_iter=int(k), tol=1e-8) \
            if k < run.n_iter else run
    primal.append(svm.primal_objective(part.alpha, part.b, y_pm, K_moons, 10.0))
    dual_at.append(part.dual[-1])

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.8))
ax1.semilogy(run.dual[-1] - run.dual[:-1] + 1e-16)
ax1.set_xlabel("SMO iteration"), ax1.set_ylabel("D* - D(alpha)")
ax1.set_title(f"{run.n_iter} iterations, final KKT gap {run.gap:.1e}", fontsize=10)
ax2.loglog(checkpoints, primal, "o-", ms=3, label="primal P (hinge form)")
ax2.loglog(checkpoints, dual_at, "s-", ms=3, label="dual D")
ax2.set_xlabel("SMO iteration"), ax2.legend()
ax2.set_title("weak duality: P >= D, equal at the optimum", fontsize=10)
plt.show()
''')

code(r'''
assert np.all(np.diff(run.dual) >= -1e-12)
assert np.all(np.array(primal) >= np.array(dual_at) - 1e-9)
print(f"final primal - dual = {primal[-1] - dual_at[-1]:.2e} (relative "
      f"{(primal[-1] - dual_at[-1]) / dual_at[-1]:.1e})")
''')

md(r"""
### The hinge loss and its neighbours

Written in the margin $m = y f(\mathbf{x})$, the SVM's hinge loss, logistic regression's
loss (divided by $\log 2$, so it passes through $(0, 1)$) and the 0-1 loss. Both convex
losses bound the 0-1 loss from above; only the hinge is exactly zero for $m \ge 1$.
""")

code(r'''
m_grid = np.linspace(-2.5, 3, 400)
fig, ax = plt.subplots(figsize=(5.5, 3.4))
ax.plot(m_grid, svm.hinge_loss(m_grid), lw=2, label="hinge max(0, 1 - m)")
ax.plot(m_grid, np.logaddexp(0, -m_grid) / np.log(2), lw=2, label="logistic log2(1 + e^-m)")
ax.step(m_grid, (m_grid <= 0).astype(float), where="post", c="k", lw=1, label="0-1 loss")
ax.set_xlabel("margin m = y f(x)"), ax.set_ylabel("loss"), ax.set_ylim(-0.1, 3.6)
ax.legend()
plt.show()
''')

# ---------------------------------------------------------------------------------- explore
md(r"""
## Explore: C and gamma

The two knobs of an RBF SVM: $C$ (how much a margin violation costs) and $\gamma$ (how
local the kernel is). Small $C$ buys a wide margin with many support vectors; large
$\gamma$ makes each support vector's influence local, and with large $C$ the boundary
wraps around single points. With a kernel (Binder, Colab, a local Jupyter) each move of a
slider refits and redraws; on the website the sliders step through figures drawn when the
book was built. The small multiples below show a grid of settings at once.
""")

code(r'''
def show(log10_C=0.0, log10_gamma=0.0):
    clf = svm.SVC(C=10**log10_C, gamma=10**log10_gamma).fit(X_moons, y_moons)
    fig = Figure(figsize=(5.5, 4.2))
    ax = fig.subplots()
    plot_svc(ax, clf, X_moons, y_moons, grid=80,
             title=f"C = {clf.C:.3g}, gamma = {clf.gamma_:.3g}: {len(clf.support_)} SVs, "
                   f"training accuracy {np.mean(clf.predict(X_moons) == y_moons):.2f}")
    return fig


widgets.explore(show, log10_C=[-2, -1, 0, 1, 2], log10_gamma=[-1.5, -1, -0.5, 0, 0.5, 1, 1.5])
''')

code(r'''
Cs, gammas = [0.1, 1.0, 100.0], [0.1, 1.0, 10.0]
fig, axes = plt.subplots(3, 3, figsize=(10, 9), sharex=True, sharey=True)
for r, C_value in enumerate(Cs):
    for c, gamma_value in enumerate(gammas):
        clf = svm.SVC(C=C_value, gamma=gamma_value).fit(X_moons, y_moons)
        plot_svc(axes[r, c], clf, X_moons, y_moons, grid=70,
                 title=f"C = {C_value:g}, gamma = {gamma_value:g}: {len(clf.support_)} SVs")
fig.tight_layout()
plt.show()
''')

md(r"""
Rows: $C = 0.1, 1, 100$; columns: $\gamma = 0.1, 1, 10$. Down a column the margin narrows
and the number of support vectors falls; along a row the boundary goes from almost linear
to a curve that wraps tightly around the training points (overfitting at $C = 100$,
$\gamma = 10$).

## Check against a library: scikit-learn's SVC (LIBSVM)

The same data, kernel, $C$, $\gamma$ and tolerance ($10^{-6}$) in derivlib and in
scikit-learn's `SVC`, which wraps LIBSVM {cite}`chang2011libsvm`: the dual objective
{eq}`svm-dual`, the support vectors, the largest difference in the decision function on a
grid of new points, and the largest KKT violation {eq}`svm-kkt-cases` of our solution. The
full comparison, for several kernels, values of $C$ and seeds, is in
`tests/linear_models/test_svm.py`.
""")

code(r'''
X_new = np.random.default_rng(2).uniform(-1.5, 2.5, size=(500, 2))
rows = ["| kernel | C | dual (derivlib) | dual (LIBSVM) | same SVs | max abs diff of f "
        "| max KKT violation |",
        "|---|---:|---:|---:|---|---:|---:|"]
for kernel, params in [("rbf", {"gamma": 1.0}), ("poly", {"gamma": 0.5, "degree": 2, "coef0": 1.0}),
                       ("linear", {})]:
    for C_value in (0.1, 1.0):
        ref = sk_svm.SVC(C=C_value, kernel=kernel, tol=1e-6, **params).fit(X_moons, y_moons)
        ours = svm.SVC(C=C_value, kernel=kernel, tol=1e-6, **params).fit(X_moons, y_moons)
        K_check = svm.kernel_matrix(X_moons, kernel=kernel, **({"gamma": 1.0} | params))
        a_ref = np.zeros(len(y_moons))
        a_ref[ref.support_] = np.abs(ref.dual_coef_[0])
        same = np.array_equal(ours.support_, np.sort(ref.support_))
        diff = np.abs(ours.decision_function(X_new) - ref.decision_function(X_new)).max()
        kkt = svm.kkt_violations(ours.alpha_, y_pm, K_check, ours.intercept_[0], C_value).max()
        assert same and diff < 1e-4 and kkt <= 1e-6
        rows.append(f"| {kernel} | {C_value:g} | {ours.dual_objective_:.6f} | "
                    f"{svm.dual_objective(a_ref, y_pm, K_check):.6f} | {same} | "
                    f"{diff:.1e} | {kkt:.1e} |")
Markdown("\n".join(rows))
''')

md(r"""
The two solvers stop at slightly different points, each within the tolerance, so the
decision functions agree to about the tolerance and not to machine precision. The
[benchmark page](../../benchmarks.ipynb) times the two on the same data
(`benchmarks/bench_svm.py`): LIBSVM, in C++ with shrinking and a kernel cache, is faster;
derivlib's NumPy loop pays Python overhead on every iteration.

## Exercises

```{exercise}
:label: svm-ex-w

For the linear kernel, show that the weight vector can be read off the solution as
$\mathbf{w} = \sum_{n \in \text{SV}} \alpha_n y_n \mathbf{x}_n$ and compute it from
`linear.dual_coef_` and `linear.support_vectors_` (the model of the first figure). Check
that $1/\|\mathbf{w}\|$ is the distance from a free support vector to the boundary.
```

```{solution} svm-ex-w
:class: dropdown

The first stationarity condition {eq}`svm-stationarity`, with $\alpha_n = 0$ off the support
vectors. In code, `w = linear.dual_coef_[0] @ linear.support_vectors_` (the first figure
already does this). A free support vector $\mathbf{x}_n$ has $|f(\mathbf{x}_n)| = 1$, so by
{eq}`svm-distance` its distance is $1/\|\mathbf{w}\|$: compare
`np.abs(X_blobs[k] @ w + linear.intercept_[0]) / np.linalg.norm(w)` for a free index `k`
with `1 / np.linalg.norm(w)`.
```

```{exercise}
:label: svm-ex-eta

For the RBF kernel {eq}`svm-rbf`, $K_{ii} = K_{jj} = 1$. Write the SMO curvature $\eta$ of
{eq}`svm-error` in terms of $\gamma$ and the distance $r = \|\mathbf{x}_i - \mathbf{x}_j\|$,
as a SymPy expression or a string in `gamma` and `r`, in the cell below. When is $\eta = 0$,
and what does SMO do then?
```

""")

code(r'''
gamma_s, r_s = sp.symbols("gamma r", positive=True)
answer = "1 - exp(-gamma*r^2)"  # a first attempt (one kernel term too few): replace it by yours
dv.check_answer(answer, 2 - 2 * sp.exp(-gamma_s * r_s**2), symbols=[gamma_s, r_s],
                hint="eta = K_ii + K_jj - 2 K_ij, and K_ij = exp(-gamma r^2)")
''')

md(r"""
```{solution-start} svm-ex-eta
:class: dropdown
```

$\eta = 2 - 2e^{-\gamma r^2}$, positive unless $r = 0$. Two identical inputs give
$\eta = 0$: the dual is flat along the line (if their labels agree) or linear, and the
update uses $\tau = 10^{-12}$ instead, which moves $\alpha_j$ to an end of $[L, H]$.

The right answer passes the checker:
""")

code(r"""
dv.check_answer("2 - 2*exp(-gamma*r^2)", 2 - 2 * sp.exp(-gamma_s * r_s**2), symbols=[gamma_s, r_s],
                hint="eta = K_ii + K_jj - 2 K_ij, and K_ij = exp(-gamma r^2)")
""")

md(r"""
```{solution-end}
```
""")

md(r"""
```{exercise}
:label: svm-ex-two

Why does SMO update *two* multipliers at a time, and why would a single coordinate-ascent
step on one $\alpha_n$ fail? Which term of the primal is responsible, and what changes if
the model has no bias $b$?
```

```{solution} svm-ex-two
:class: dropdown

The equality constraint $\sum_n\alpha_n y_n = 0$ comes from $\partial L/\partial b = 0$
(chain "stationarity in b"). With all other multipliers fixed it determines $\alpha_n$, so a
single variable cannot move; two can, along the line $y_i\alpha_i + y_j\alpha_j = \zeta$.
Without a bias there is no equality constraint and the dual is a box-constrained QP that
coordinate ascent solves one variable at a time (as in LIBLINEAR's dual solver).
```

```{exercise}
:label: svm-ex-hinge

Show that the hinge loss is an upper bound of the 0-1 loss,
$\max(0, 1 - m) \ge \mathbb{1}[m \le 0]$, and deduce that $\frac{1}{N}\sum_n \xi_n$ at the
soft-margin solution bounds the training error rate.
```

```{solution} svm-ex-hinge
:class: dropdown

If $m \le 0$ then $1 - m \ge 1$; otherwise the right side is 0 and the left is
non-negative. At the solution $\xi_n = \max(0, 1 - m_n)$ ({prf:ref}`svm-thm-soft`), so the
number of training errors, $\sum_n \mathbb{1}[m_n \le 0]$, is at most $\sum_n \xi_n$.
```

## References

The SVM and the soft margin are from {cite}`cortes1995support`; the derivation of the dual
follows {cite}`bishop2006prml` (sections 7.1 and 7.1.1) and {cite}`scholkopf2002learning`.
SMO is {cite}`platt1998sequential`; the working-set selection and the stopping rule are
those of LIBSVM {cite}`fan2005working,chang2011libsvm`. The derivations are checked with
SymPy {cite}`meurer2017sympy`.

```{bibliography}
:filter: docname in docnames
```
""")

write(OUT)
