"""Evaluation that measures generalisation.

Primary: leave-one-group-out over the positive groups (bot families, IO releases). Controls carry
no campaign, so they are spread over the folds at random (seeded): each fold scores one held-out
positive group against controls the model has not seen. Beside it, for contrast only: random
stratified K-fold, the split that flatters metadata classifiers.

Every fold fits the stateful feature pieces (bigram model, creation reference) on its own training
rows. Cohort counts use no labels: their population is the whole training table for every fold,
as at scoring it is the whole input, so they do not depend on how the folds were cut.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    log_loss,
    precision_recall_curve,
    roc_auc_score,
)
from sklearn.model_selection import StratifiedKFold

from models.config import Config
from models.dataset import Dataset, make_builder, transform

log = logging.getLogger(__name__)

#: Metric names, the same in every run so the MLflow UI can compare runs.
METRICS = ("roc_auc", "pr_auc", "log_loss", "brier", "recall_at_p90", "recall_at_p99")


@dataclass
class Fold:
    """One split: its name (the held-out group, or ``random_k``) and row positions."""

    name: str
    train: np.ndarray
    test: np.ndarray


def grouped_folds(labels: np.ndarray, groups: np.ndarray, seed: int) -> list[Fold]:
    """Leave-one-positive-group-out folds; controls spread over the folds at random.

    Raises
    ------
    ValueError
        Fewer than two positive groups (nothing to leave out and still train on).
    """
    pos_groups = sorted(set(groups[labels == 1]))
    if len(pos_groups) < 2:
        raise ValueError(f"grouped evaluation needs at least two positive groups, found "
                         f"{pos_groups}")
    rng = np.random.default_rng(seed)
    controls = np.flatnonzero(labels == 0)
    assignment = rng.permutation(len(controls)) % len(pos_groups)
    folds = []
    for i, group in enumerate(pos_groups):
        test = np.sort(np.concatenate([np.flatnonzero((labels == 1) & (groups == group)),
                                       controls[assignment == i]]))
        train = np.setdiff1d(np.arange(len(labels)), test)
        folds.append(Fold(group, train, test))
    return folds


def random_folds(labels: np.ndarray, n_splits: int, seed: int) -> list[Fold]:
    """Random stratified K-fold (for contrast with the grouped score)."""
    skf = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    return [Fold(f"random_{k}", tr, te)
            for k, (tr, te) in enumerate(skf.split(np.zeros(len(labels)), labels))]


def recall_at_precision(y: np.ndarray, p: np.ndarray, precision: float) -> float:
    """Highest recall at which precision is at least ``precision`` (0 when never reached)."""
    prec, rec, _ = precision_recall_curve(y, p)
    ok = prec >= precision
    return float(rec[ok].max()) if ok.any() else 0.0


def metrics(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    """The standard metric set for probabilities ``p`` of labels ``y``."""
    if len(np.unique(y)) < 2:
        return dict.fromkeys(METRICS, float("nan"))
    clipped = np.clip(p, 1e-7, 1 - 1e-7)
    return {
        "roc_auc": float(roc_auc_score(y, p)),
        "pr_auc": float(average_precision_score(y, p)),
        "log_loss": float(log_loss(y, clipped, labels=[0, 1])),
        "brier": float(brier_score_loss(y, p)),
        "recall_at_p90": recall_at_precision(y, p, 0.90),
        "recall_at_p99": recall_at_precision(y, p, 0.99),
    }


def lgb_params(params: dict, *, seed: int, num_threads: int) -> dict:
    """LightGBM parameters: the tuned ones plus fixed settings that make training repeatable."""
    fixed = {"objective": "binary", "verbosity": -1, "seed": seed, "deterministic": True,
             "force_row_wise": True, "num_threads": num_threads, "bagging_fraction": 1.0}
    return {**{k: v for k, v in params.items() if k != "num_boost_round"}, **fixed}


def train_booster(X: pd.DataFrame, y: np.ndarray, params: dict, *, seed: int,
                  num_threads: int) -> lgb.Booster:
    """Fit LightGBM on a feature frame (NaN = missing, handled by LightGBM)."""
    data = lgb.Dataset(X, label=y, free_raw_data=True, params={"verbosity": -1})
    return lgb.train(lgb_params(params, seed=seed, num_threads=num_threads), data,
                     num_boost_round=int(params["num_boost_round"]))


class PreparedFolds:
    """Feature frames of every fold, computed once before tuning (folds are fixed)."""

    def __init__(self, data: Dataset, folds: list[Fold], config: Config,
                 features: list[str]) -> None:
        self.folds = folds
        self.features = features
        self.labels = data.labels
        self.frames = []
        for fold in folds:
            builder = make_builder(config.features).fit(data.accounts.iloc[fold.train])
            x_train = transform(builder, data, config.features, fold.train, features)
            x_test = transform(builder, data, config.features, fold.test, features)
            self.frames.append((x_train, x_test))

    def run(self, params: dict, *, seed: int, num_threads: int,
            on_fold: Callable[[int, float], None] | None = None,
            objective: str = "roc_auc") -> tuple[pd.DataFrame, np.ndarray]:
        """Train and score every fold with ``params``.

        Returns a per-fold table (fold name, n_test, positives, metrics) and the out-of-fold raw
        scores (NaN for rows in no test fold). ``on_fold(i, running_mean)`` is called after each
        fold with the running mean of the objective metric (for pruning).
        """
        oof = np.full(len(self.labels), np.nan)
        rows = []
        for i, (fold, (x_train, x_test)) in enumerate(zip(self.folds, self.frames, strict=True)):
            booster = train_booster(x_train, self.labels[fold.train], params, seed=seed,
                                    num_threads=num_threads)
            p = booster.predict(x_test)
            oof[fold.test] = p
            y = self.labels[fold.test]
            rows.append({"fold": fold.name, "n_test": len(fold.test), "positives": int(y.sum()),
                         **metrics(y, p)})
            if on_fold is not None:
                on_fold(i, objective_value(pd.DataFrame(rows), objective))
        return pd.DataFrame(rows), oof


def objective_value(table: pd.DataFrame, metric: str) -> float:
    """Mean over folds of the objective metric, oriented so that higher is better."""
    if metric.startswith("neg_"):
        return -float(table[metric[4:]].mean())
    return float(table[metric].mean())


def summarise(table: pd.DataFrame, prefix: str) -> dict[str, float]:
    """Mean of each metric over folds, named ``<prefix>_<metric>``."""
    return {f"{prefix}_{m}": float(table[m].mean()) for m in METRICS}
