"""Part I, foundations: the Gaussian, and estimators and losses from the likelihood.

Modules
-------
gaussian
    Chapter *The multivariate Gaussian*.
sample_variance
    Chapter *Why the maximum-likelihood variance is biased*.
mle_kl
    Chapter *Maximum likelihood as KL minimisation, and the losses it gives*.
"""
