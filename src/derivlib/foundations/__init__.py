"""Part I, foundations: estimators and losses from the likelihood.

Modules
-------
sample_variance
    Chapter *Why the maximum-likelihood variance is biased*.
mle_kl
    Chapter *Maximum likelihood as KL minimisation, and the losses it gives*.
"""
