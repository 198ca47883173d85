"""Part III, graphical models.

Modules
-------
naive_bayes
    Chapter *Naive Bayes*: Gaussian, multinomial, Bernoulli and categorical models.
semi_naive_bayes
    Chapter *Semi-naive Bayes*: SPODE, TAN by Chow-Liu, AODE.
bayesian_networks
    Chapter *Bayesian networks*: factorisation, d-separation, parameter and structure learning.
belief_propagation
    Chapter *Belief propagation*: sum-product and max-sum on chains, trees and factor graphs;
    loopy belief propagation.
"""
