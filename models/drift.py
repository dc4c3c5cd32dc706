"""Drift check at scoring time: population stability index (PSI) of each feature.

At training, each feature's distribution is summarised as decile bins of its non-missing values
plus its missing share (:func:`reference`, stored in the bundle contract). At scoring,
:class:`DriftMonitor` counts the scored population into the same bins, chunk by chunk, and

    PSI = sum over bins (incl. "missing") of (s - t) * ln(s / t)

with ``t`` the training share and ``s`` the scored share of each bin (both floored at 1e-4).
Common reading: < 0.1 stable, 0.1-0.25 moderate shift, > 0.25 large shift.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

log = logging.getLogger("botsieve.predict")

EPS = 1e-4


def reference(X: pd.DataFrame, n_bins: int = 10) -> dict:
    """Per-feature bin edges (inner quantiles), bin shares and missing share of ``X``."""
    out = {}
    for name in X.columns:
        values = X[name].to_numpy(dtype="float64")
        present = values[~np.isnan(values)]
        edges = (np.unique(np.quantile(present, np.linspace(0, 1, n_bins + 1)[1:-1]))
                 if len(present) else np.array([]))
        counts = _counts(values, edges)
        out[name] = {"edges": edges.tolist(), "shares": (counts / max(len(values), 1)).tolist()}
    return out


def _counts(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Counts per bin (len(edges) + 1 value bins, then one "missing" bin)."""
    missing = np.isnan(values)
    bins = np.searchsorted(edges, values[~missing], side="right")
    counts = np.bincount(bins, minlength=len(edges) + 1).astype(float)
    return np.append(counts, missing.sum())


def psi(train_shares: np.ndarray, scored_shares: np.ndarray) -> float:
    """Population stability index of two share vectors over the same bins."""
    t = np.maximum(np.asarray(train_shares, float), EPS)
    s = np.maximum(np.asarray(scored_shares, float), EPS)
    return float(np.sum((s - t) * np.log(s / t)))


class DriftMonitor:
    """Accumulates the scored population's bin counts; ``table`` gives PSI per feature."""

    def __init__(self, ref: dict) -> None:
        self.ref = ref
        self.counts = {name: np.zeros(len(spec["shares"])) for name, spec in ref.items()}
        self.n = 0

    def add(self, X: pd.DataFrame) -> None:
        """Count a chunk of scored feature rows."""
        for name, spec in self.ref.items():
            self.counts[name] += _counts(X[name].to_numpy(dtype="float64"),
                                         np.asarray(spec["edges"]))
        self.n += len(X)

    def table(self) -> pd.DataFrame:
        """PSI, training and scored missing shares per feature, largest PSI first."""
        rows = []
        for name, spec in self.ref.items():
            scored = self.counts[name] / max(self.n, 1)
            rows.append({"feature": name, "psi": psi(spec["shares"], scored),
                         "missing_share_train": spec["shares"][-1],
                         "missing_share_scored": float(scored[-1])})
        return pd.DataFrame(rows).sort_values("psi", ascending=False).reset_index(drop=True)

    def write(self, path, threshold: float, shown_as) -> None:
        """Write :meth:`table` to ``path`` and warn about the features whose PSI exceeds
        ``threshold`` (naming the table as ``shown_as``, its final name)."""
        table = self.table()
        table.to_csv(path, index=False)
        drifted = table[table["psi"] > threshold]
        if len(drifted):
            log.warning("drift: %d feature(s) with PSI > %.2f against the training data: %s "
                        "(table: %s)", len(drifted), threshold,
                        ", ".join(f"{r.feature}={r.psi:.2f}" for r in drifted.itertuples()),
                        shown_as)
