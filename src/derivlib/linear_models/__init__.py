"""Part II, linear models.

Modules
-------
linear_regression
    Chapter *Linear regression*: least squares, ridge, lasso, gradient descent.
logistic_regression
    Chapter *Logistic regression*: cross-entropy, IRLS, softmax regression.
svm
    Chapter *Support vector machines*: the dual, kernels, SMO.
"""
