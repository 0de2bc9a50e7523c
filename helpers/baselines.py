"""The classical methods of notebook 06: class-weighted logistic regression on grey pixels or eigenfaces."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

Arrays = tuple[np.ndarray, np.ndarray]

EIGENFACES = 30
C_GRID = (0.001, 0.01, 0.1, 1.0, 10.0)  # logistic regression's inverse regularisation, chosen on validation
MAX_ITER = 5000


def classical_pipeline(method: str, c: float, n_train: int, n_features: int) -> Pipeline:
    """The unfitted scikit-learn pipeline of a classical method (class-weighted logistic regression)."""
    logreg = LogisticRegression(C=c, class_weight="balanced", max_iter=MAX_ITER)
    if method == "pixel_logreg":
        return make_pipeline(StandardScaler(), logreg)
    if method == "eigenfaces_logreg":
        components = max(1, min(EIGENFACES, n_train - 1, n_features))
        return make_pipeline(PCA(components, whiten=True, random_state=0), logreg)  # PCA centres the pixels
    raise ValueError(f"unknown classical method {method!r}")

def run_classical(method: str, train: Arrays, validation: Arrays, test: Arrays
                  ) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Fit on the training features (``C`` chosen by validation AUC, ties to the smaller); validation and test scores.
    ``majority`` scores every image with the training set's majority class."""
    (x_train, y_train), (x_val, y_val), (x_test, _) = train, validation, test
    if method == "majority":
        majority = float(np.bincount(np.asarray(y_train, dtype=int), minlength=2).argmax())
        return np.full(len(x_val), majority), np.full(len(x_test), majority), {"majority_class": int(majority)}
    best_auc = -np.inf
    for c in C_GRID:
        pipeline = classical_pipeline(method, c, len(x_train), x_train.shape[1]).fit(x_train, y_train)
        val_scores = pipeline.predict_proba(x_val)[:, 1]
        auc = roc_auc_score(y_val, val_scores) if len(np.unique(y_val)) == 2 else 0.5
        if auc > best_auc + 1e-12:
            best_auc, best = auc, (val_scores, pipeline.predict_proba(x_test)[:, 1], {"C": c})
    return best


def refit_classical(method: str, c: float, refit_train: Arrays, test: Arrays) -> tuple[np.ndarray, dict[str, Any]]:
    """A classical method refitted on a split's training + validation features with the validation run's ``C``."""
    x_refit, y_refit = refit_train
    pipeline = classical_pipeline(method, c, len(x_refit), x_refit.shape[1]).fit(x_refit, y_refit)
    return pipeline.predict_proba(test[0])[:, 1], {"C": c}
