"""Format-leak guard and leakage audit.

Training mixes sources of different formats: IO-archive positives (hashed names, day-only
creation dates, no avatar flag) with API-format controls, collections of other eras with other
fields. A model can then learn the format instead of the behaviour. Three defences:

- format tells shared by every feature are normalised for all sources (:func:`normalise_formats`:
  creation time truncated to the day everywhere when any source is day-only);
- the training table is augmented so that every account is also seen in every other source's
  field profile (:mod:`features.profiles`): a missing field then occurs with both labels;
- the presence rule (:func:`presence_guard`), checked on that augmented table, drops a feature
  whose presence still differs between the classes (e.g. posting cadence when only the
  takedown releases come with posts): missingness must not stand in for the label.

The audit (:func:`leakage_audit`) measures each feature's single-feature ROC-AUC and the ROC-AUC
of its presence, and warns about features that alone separate the classes almost perfectly.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

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


def presence_guard(features: pd.DataFrame, labels: np.ndarray, *,
                   profiles: np.ndarray | None = None, max_presence_gap: float = 0.2,
                   min_ratio: float = 0.1) -> tuple[list[str], pd.DataFrame]:
    """The features whose presence does not tell the classes apart, and why the others fail.

    On the (augmented) training table, for each feature: ``p1`` and ``p0``, the share of
    inauthentic and of organic rows where it is present. A feature is dropped when

    - no training row has it;
    - one class has it on fewer than ``min_ratio`` times the share of rows the other class
      has it on (e.g. posting cadence on 1% of inauthentic rows and no organic row): a field
      that (nearly) only one class comes with;
    - ``|p1 - p0| > max_presence_gap``: presence alone would rank the classes (its ROC-AUC is
      ``0.5 + |p1 - p0| / 2``);
    - with ``profiles`` (the field profile each row is shown in): a profile whose rows hold one
      class only (a takedown release's format when no organic account can be shown in it)
      lacks a feature that other profiles have: its missingness alone would say the class.

    Returns
    -------
    (kept feature names in column order, table of dropped features: feature, reason)
    """
    y = np.asarray(labels)
    present = features.notna().to_numpy()
    p1 = present[y == 1].mean(axis=0) if (y == 1).any() else np.zeros(present.shape[1])
    p0 = present[y == 0].mean(axis=0) if (y == 0).any() else np.zeros(present.shape[1])
    lacking = _lacking_in_single_class_profiles(features, y, profiles)
    kept, dropped = [], []
    for j, name in enumerate(features.columns):
        hi, lo = max(p1[j], p0[j]), min(p1[j], p0[j])
        shares = f"present on {p1[j]:.1%} of inauthentic and {p0[j]:.1%} of organic rows"
        if hi == 0:
            reason = "no training row has it"
        elif lo < min_ratio * hi:
            reason = f"{shares}: only one class comes with it"
        elif hi - lo > max_presence_gap:
            reason = f"{shares}: its presence alone would tell the classes apart"
        elif name in lacking:
            reason = lacking[name]
        else:
            kept.append(name)
            continue
        dropped.append({"feature": name, "reason": reason})
    return kept, pd.DataFrame(dropped, columns=["feature", "reason"])


def _lacking_in_single_class_profiles(features: pd.DataFrame, y: np.ndarray,
                                      profiles: np.ndarray | None) -> dict[str, str]:
    """Feature -> reason, for features missing (on most rows) in a profile whose rows are of
    one class while present (on most rows) in another profile."""
    if profiles is None:
        return {}
    present = features.notna().groupby(np.asarray(profiles)).mean() >= 0.5
    classes = pd.Series(y).groupby(np.asarray(profiles)).agg(lambda v: sorted(set(v)))
    out = {}
    for profile, held in classes.items():
        if len(held) > 1:
            continue
        kind = "inauthentic" if held[0] == 1 else "organic"
        for name in features.columns:
            if not present.loc[profile, name] and present[name].any() and name not in out:
                out[name] = (f"missing in profile {profile}, whose accounts are all {kind} "
                             "(no account of the other class can be shown in it): its absence "
                             "would tell the class")
    return out


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
