"""Part VII, sequential models.

Modules
-------
hmm
    Chapter *Hidden Markov models*: forward-backward, Viterbi, Baum-Welch.
kalman
    Chapter *Linear dynamical systems*: Kalman filter, RTS smoother, EM.
"""
