"""Figures logged with every training run (matplotlib's object API: no global backend)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn.calibration import calibration_curve
from sklearn.metrics import precision_recall_curve, roc_curve


def roc_pr(y: np.ndarray, scores: dict[str, np.ndarray]) -> tuple[Figure, Figure]:
    """ROC and precision-recall curves of one or more score vectors (e.g. grouped vs random)."""
    roc, pr = Figure(figsize=(5, 4.5)), Figure(figsize=(5, 4.5))
    ax_roc, ax_pr = roc.subplots(), pr.subplots()
    for name, p in scores.items():
        ok = ~np.isnan(p)
        fpr, tpr, _ = roc_curve(y[ok], p[ok])
        ax_roc.plot(fpr, tpr, label=name)
        prec, rec, _ = precision_recall_curve(y[ok], p[ok])
        ax_pr.plot(rec, prec, label=name)
    ax_roc.plot([0, 1], [0, 1], ls=":", c="grey")
    ax_roc.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC (out of fold)")
    ax_pr.set(xlabel="recall", ylabel="precision", title="Precision-recall (out of fold)")
    for ax in (ax_roc, ax_pr):
        ax.legend(loc="lower right" if ax is ax_roc else "lower left")
    return roc, pr


def calibration(y: np.ndarray, raw: np.ndarray, calibrated: np.ndarray) -> Figure:
    """Reliability diagram of raw and calibrated out-of-fold probabilities."""
    fig = Figure(figsize=(5, 4.5))
    ax = fig.subplots()
    ok = ~np.isnan(raw)
    for name, p in (("raw", raw[ok]), ("calibrated", calibrated[ok])):
        frac, mean = calibration_curve(y[ok], p, n_bins=10, strategy="quantile")
        ax.plot(mean, frac, marker="o", label=name)
    ax.plot([0, 1], [0, 1], ls=":", c="grey")
    ax.set(xlabel="predicted probability", ylabel="observed share of bots",
           title="Calibration (grouped out of fold)")
    ax.legend()
    return fig


def importance(names: list[str], gain: np.ndarray, top: int = 25) -> Figure:
    """Total gain per feature of the final model."""
    order = np.argsort(gain)[-top:]
    fig = Figure(figsize=(6, 0.25 * len(order) + 1))
    ax = fig.subplots()
    ax.barh([names[i] for i in order], gain[order])
    ax.set(xlabel="total gain", title="Feature importance (final model)")
    fig.tight_layout()
    return fig


def cohort_histogram(accounts: pd.DataFrame) -> Figure:
    """Monthly account creations by label: the creation cohorts the model sees."""
    fig = Figure(figsize=(8, 3.5))
    ax = fig.subplots()
    months = accounts["created_at"].dt.tz_localize(None).dt.to_period("M")
    for label, name in ((0, "organic"), (1, "inauthentic")):
        counts = months[accounts["label"] == label].value_counts().sort_index()
        if len(counts):
            ax.bar(counts.index.to_timestamp(), counts.to_numpy(), width=25, alpha=0.6,
                   label=name)
    ax.set(ylabel="accounts created per month", title="Creation dates of the training accounts")
    ax.legend()
    fig.tight_layout()
    return fig
