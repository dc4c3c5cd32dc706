"""Format-leak guard and leakage audit.

Training mixes sources of different formats: IO-archive positives (hashed names, day-only
creation dates, no avatar flag) with API-format controls. A model can then learn the format
instead of the behaviour. The guard keeps only features that every source supplies and
normalises format tells (creation time truncated to the day everywhere when any source is
day-only); the audit measures each feature's single-feature ROC-AUC and warns about features that
alone separate the classes almost perfectly.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from features.names import usable_names
from features.registry import FEATURES, Feature

log = logging.getLogger(__name__)

#: Canonical text columns: formats write "no text" as empty, so a source carries the column
#: when any of its rows has text.
TEXT_COLUMNS = frozenset({"description", "location", "url", "lang", "name"})


def normalise_formats(accounts: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Remove format tells shared by all features: when any row's creation time is day-only,
    truncate every creation time to its UTC day. Returns (new frame, notes)."""
    day_only = accounts["created_at_day_only"].fillna(False).astype(bool)
    if not day_only.any() or day_only.all():
        return accounts, []
    out = accounts.copy()
    out["created_at"] = out["created_at"].dt.floor("D")
    out["created_at_day_only"] = True
    n = int((~day_only).sum())
    return out, [f"creation times truncated to the day for {n} rows (a source is day-only)"]


def _column_present(rows: pd.DataFrame, column: str, min_presence: float) -> bool:
    if column == "screen_name":
        return bool(usable_names(rows).notna().mean() >= min_presence)
    if column == "ids_hashed":
        return True
    if column in TEXT_COLUMNS:
        return bool(rows[column].notna().any())
    return bool(rows[column].notna().mean() >= min_presence)


def supplied_features(accounts: pd.DataFrame, feature_frame: pd.DataFrame, *,
                      by: str = "source", min_presence: float = 0.5,
                      max_presence_gap: float = 0.2) -> tuple[list[str], pd.DataFrame]:
    """The features every source can supply, and why the others are dropped.

    A source supplies a feature when every canonical column the feature needs is carried by the
    source (present on at least ``min_presence`` of its rows; for text columns, on any row; for
    name features, an unhashed screen name on ``min_presence`` of rows) and the feature itself is
    non-missing on at least ``min_presence`` of the source's rows.

    A feature is also dropped when whether it is missing depends on the source: when the share
    of rows carrying a needed count/flag/date column, or (for cadence) the share of accounts
    with posts, differs between sources by more than ``max_presence_gap``. Otherwise "missing"
    alone would tell the formats apart (API controls always have posts; IO accounts often
    none).

    Returns
    -------
    (kept feature names in registry order, table of dropped features with the sources lacking
    them and the reason)
    """
    kept, dropped = [], []
    groups = list(accounts.groupby(by, dropna=False, sort=True).groups.items())
    for feature in FEATURES:
        if feature.name not in feature_frame.columns:
            continue
        lacking = []
        for name, idx in groups:
            rows = accounts.loc[idx]
            reason = _lacks(feature, rows, feature_frame.loc[idx, feature.name], min_presence)
            if reason:
                lacking.append(f"{name}: {reason}")
        if not lacking and len(groups) > 1:
            gap = _presence_gap(feature, accounts, feature_frame[feature.name], groups)
            if gap and gap[0] > max_presence_gap:
                lacking.append(gap[1])
        if lacking:
            dropped.append({"feature": feature.name, "family": feature.family,
                            "reason": "; ".join(lacking)})
        else:
            kept.append(feature.name)
    table = pd.DataFrame(dropped, columns=["feature", "family", "reason"])
    return kept, table


def _presence_gap(feature: Feature, accounts: pd.DataFrame, values: pd.Series, groups
                  ) -> tuple[float, str] | None:
    """Largest between-source difference in presence of the feature's inputs, with a reason."""
    if feature.stage == "cadence":
        shares = {name: float(values.loc[idx].notna().mean()) for name, idx in groups}
        what = "accounts with posts"
    else:
        columns = [c for c in feature.needs if c in accounts.columns
                   and c not in TEXT_COLUMNS and c not in ("screen_name", "ids_hashed")]
        if not columns:
            return None
        present = accounts[columns].notna().all(axis=1)
        shares = {name: float(present.loc[idx].mean()) for name, idx in groups}
        what = "rows with " + ", ".join(columns)
    hi = max(shares, key=shares.get)
    lo = min(shares, key=shares.get)
    gap = shares[hi] - shares[lo]
    return gap, (f"{what}: {shares[hi]:.0%} in {hi} vs {shares[lo]:.0%} in {lo} "
                 "(missing would reveal the source)")


def _lacks(feature: Feature, rows: pd.DataFrame, values: pd.Series, min_presence: float
           ) -> str | None:
    for column in feature.needs:
        if column.startswith("posts."):
            continue
        if not _column_present(rows, column, min_presence):
            return f"does not carry {column}"
    share = float(values.notna().mean()) if len(values) else 0.0
    if share < min_presence:
        return f"feature present on {share:.0%} of rows"
    return None


def leakage_audit(features: pd.DataFrame, labels: pd.Series, *, threshold: float = 0.98
                  ) -> pd.DataFrame:
    """Single-feature ROC-AUC of every feature, flagging near-perfect separators.

    For each feature: ``auc`` of the value on rows where it is present, oriented so that 0.5 is
    no signal and 1.0 is perfect either way (max(AUC, 1 - AUC)); ``presence_auc``, the same for
    the indicator "feature is present" over all rows (a format tell when high); ``flagged`` when
    either is at least ``threshold``. A warning names the flagged features.

    Returns
    -------
    DataFrame with columns feature, auc, presence_auc, n_present, flagged; sorted by auc.
    """
    y = pd.Series(labels).astype("float64").to_numpy()
    known = ~np.isnan(y)
    rows = []
    for name in features.columns:
        x = features[name].to_numpy(dtype="float64")[known]
        yk = y[known]
        present = ~np.isnan(x)
        rows.append({
            "feature": name,
            "auc": _oriented_auc(yk[present], x[present]),
            "presence_auc": _oriented_auc(yk, present.astype(float)),
            "n_present": int(present.sum()),
        })
    table = pd.DataFrame(rows)
    table["flagged"] = (table["auc"] >= threshold) | (table["presence_auc"] >= threshold)
    flagged = table.loc[table["flagged"], "feature"].tolist()
    if flagged:
        log.warning("leakage audit: %d feature(s) alone separate the classes with ROC-AUC >= "
                    "%.2f: %s", len(flagged), threshold, ", ".join(flagged))
    return table.sort_values("auc", ascending=False, na_position="last").reset_index(drop=True)


def _oriented_auc(y: np.ndarray, x: np.ndarray) -> float:
    if len(y) == 0 or len(np.unique(y)) < 2 or len(np.unique(x)) < 2:
        return float("nan")
    from sklearn.metrics import roc_auc_score  # training only: scoring never loads sklearn

    auc = roc_auc_score(y, x)
    return float(max(auc, 1 - auc))
