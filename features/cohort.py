"""Cohort family: accounts created together, the signal analysts used to expose troll farms.

Definitions, for an account created on UTC day ``d`` in a population of ``N`` accounts whose
creation days are ``d_1..d_N`` (day-only dates are fine: everything works on whole days):

- ``c_k(d) = #{j : |d_j - d| <= k}``: accounts of the population created within ``k`` days of
  ``d``, the account itself included (``k = 0``: the same day).
- ``share_k(d) = c_k(d) / N``.
- Reference: ``r(t)``, the share of organic training accounts created on day ``t``, smoothed with
  a ``smooth_days``-wide box and mixed with a uniform density over [Twitter's launch, last
  training observation] so that no day has zero expected sign-ups:
  ``r(t) = (1 - u) * hist_smooth(t) + u / span`` (``u = uniform_weight``). Days after the
  reference's last day expect the mean daily density of its last 365 days (organic sign-ups go
  on after the controls were collected; without this, every account newer than the controls
  would look like a burst). Fitted on training rows only (:class:`CreationReference`) and
  stored with the model.
- ``E_k(d) = sum_{|t - d| <= k} r(t)``: the share of accounts the reference expects in the window.
- Burst ratio: ``burst_k(d) = (c_k(d) + 1) / (N * E_k(d) + 1)``: how many times more accounts
  were created around ``d`` than the organic reference expects. The +1 keeps it finite and, for
  a population of one account, reduces it to ``2 / (E_k(d) + 1)``: the reference alone.
- Rank: ``cohort_rank_pct``, the share of the population whose ``c_3`` is at most this
  account's (1.0: the account is in the densest creation window of its population).

The counts come from the population step (:class:`CohortCounter`, one pass over all accounts,
which also works chunk by chunk); the features for each account are then a lookup.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Twitter opened to the public on 2006-03-21: the earliest plausible creation day.
TWITTER_LAUNCH_DAY = int(pd.Timestamp("2006-03-21").value // 86_400_000_000_000)
WINDOWS = (0, 3, 15)


def creation_days(created_at: pd.Series) -> np.ndarray:
    """UTC day number (days since 1970-01-01) of each creation time; -1 where missing."""
    ts = pd.to_datetime(created_at, utc=True)
    # whole days of the UTC instant; a time before 1970 gives a negative day, which the
    # cohort features treat as missing (no account predates Twitter)
    values = ts.dt.tz_localize(None).to_numpy(dtype="datetime64[us]").view("int64")
    days = values // 86_400_000_000
    return np.where(ts.isna().to_numpy(), -1, days)


class CreationReference:
    """The organic creation-date distribution ``r(t)`` (see the module docstring).

    Parameters
    ----------
    smooth_days : int
        Half-width of the box that smooths the daily histogram.
    uniform_weight : float
        Weight ``u`` of the uniform floor density in [0, 1].
    """

    def __init__(self, *, smooth_days: int = 15, uniform_weight: float = 0.1) -> None:
        self.smooth_days = smooth_days
        self.uniform_weight = uniform_weight

    def fit(self, created_at: pd.Series, observed_at: pd.Series | None = None
            ) -> CreationReference:
        """Learn ``r(t)`` from the creation times of organic training accounts."""
        days = creation_days(created_at)
        days = days[days >= 0]
        if not len(days):
            raise ValueError("no creation dates to fit the creation reference on")
        self.start_day_ = TWITTER_LAUNCH_DAY
        last = days.max()
        if observed_at is not None and observed_at.notna().any():
            last = max(last, creation_days(observed_at[observed_at.notna()]).max())
        self.end_day_ = int(last)
        span = self.end_day_ - self.start_day_ + 1
        hist = np.bincount(np.clip(days - self.start_day_, 0, span - 1), minlength=span)
        k = self.smooth_days
        kernel = np.ones(2 * k + 1) / (2 * k + 1)
        smooth = np.convolve(hist.astype(float), kernel, mode="same")
        smooth /= smooth.sum()
        self.density_ = (1 - self.uniform_weight) * smooth + self.uniform_weight / span
        self.n_accounts_ = len(days)
        return self

    def expected_share(self, days: np.ndarray, k: int) -> np.ndarray:
        """``E_k(d)``: reference share of accounts created within ``k`` days of each day."""
        n = len(self.density_)
        before = self.uniform_weight / n  # before Twitter's launch: the floor
        after = float(self.density_[-365:].mean())  # after the reference: its last year
        cum = np.concatenate([[0.0], np.cumsum(self.density_)])
        lo = days - k - self.start_day_
        hi = days + k - self.start_day_ + 1
        lo_c = np.clip(lo, 0, n)
        hi_c = np.clip(hi, 0, n)
        inside = cum[hi_c] - cum[lo_c]
        days_before = np.clip(np.minimum(hi, 0) - lo, 0, None)
        days_after = np.clip(hi - np.maximum(lo, n), 0, None)
        return inside + days_before * before + days_after * after

    def to_dict(self) -> dict:
        """JSON-ready learned state."""
        return {"smooth_days": self.smooth_days, "uniform_weight": self.uniform_weight,
                "start_day_": self.start_day_, "end_day_": self.end_day_,
                "n_accounts_": self.n_accounts_,
                "density_": np.round(self.density_, 14).tolist()}

    @classmethod
    def from_dict(cls, data: dict) -> CreationReference:
        """Rebuild from :meth:`to_dict` output."""
        ref = cls(smooth_days=data["smooth_days"], uniform_weight=data["uniform_weight"])
        ref.start_day_ = int(data["start_day_"])
        ref.end_day_ = int(data["end_day_"])
        ref.n_accounts_ = int(data["n_accounts_"])
        ref.density_ = np.asarray(data["density_"], dtype=float)
        return ref


class CohortCounter:
    """Population step: how many accounts were created on each UTC day.

    Feed it every account of the scored population (``add`` may be called chunk by chunk), then
    ask for each account's window counts. The tables behind the lookups are built once per
    population (and rebuilt after ``add``), so scoring a large population chunk by chunk costs
    a few array lookups per account.
    """

    def __init__(self) -> None:
        self.first = 0  # the day of counts[0]
        self.counts = np.zeros(0, dtype=np.int64)  # accounts created on each day from first
        self.n = 0
        self._tables: tuple | None = None

    def add(self, created_at: pd.Series, *, sign: int = 1) -> CohortCounter:
        """Count the creation days of more accounts of the population (``sign=-1`` takes
        accounts back out, e.g. duplicates found after counting)."""
        days = creation_days(created_at)
        days = days[days >= 0]
        if not len(days):
            return self
        lo, hi = int(days.min()), int(days.max())
        self._cover(lo, hi)
        span = self.counts[lo - self.first:hi - self.first + 1]  # (a view)
        left = span + sign * np.bincount(days - lo, minlength=hi - lo + 1)
        if (left < 0).any():
            raise ValueError(f"day {lo + int(np.argmax(left < 0))}: more accounts taken out "
                             "than were counted")
        span[:] = left
        self.n += sign * len(days)
        self._tables = None
        return self

    def _cover(self, lo: int, hi: int) -> None:
        """Widen the day counts to cover days ``lo`` to ``hi``."""
        if not len(self.counts):
            self.first, self.counts = lo, np.zeros(hi - lo + 1, dtype=np.int64)
            return
        last = self.first + len(self.counts) - 1
        if lo < self.first or hi > last:
            start = min(lo, self.first)
            wider = np.zeros(max(hi, last) - start + 1, dtype=np.int64)
            wider[self.first - start:self.first - start + len(self.counts)] = self.counts
            self.first, self.counts = start, wider

    def _cumulative(self) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
        """(first day, cumulative counts from it, the population's sorted distinct c_3
        values, and how many accounts have c_3 at most each of them)."""
        if self._tables is None:
            k = max(WINDOWS)
            at = np.flatnonzero(self.counts)
            days, mult = at + self.first, self.counts[at]
            lo = int(days.min()) - k - 1
            hi = int(days.max()) + k + 1
            hist = np.zeros(hi - lo + 1, dtype=np.int64)
            hist[days - lo] = mult
            cum = np.cumsum(hist)
            c3 = cum[days + 3 - lo] - cum[days - 4 - lo]
            values, inverse = np.unique(c3, return_inverse=True)
            at_most = np.cumsum(np.bincount(inverse, weights=mult, minlength=len(values)))
            self._tables = (lo, cum, values, at_most)
        return self._tables

    def window_counts(self, days: np.ndarray, k: int) -> np.ndarray:
        """``c_k(d)`` for each day (NaN where the day is missing, i.e. -1)."""
        out = np.full(len(days), np.nan)
        ok = days >= 0
        if not self.n or not ok.any():
            return out
        lo, cum, _, _ = self._cumulative()
        d = days[ok]
        upper = np.clip(d + k - lo, 0, len(cum) - 1)
        lower = np.clip(d - k - 1 - lo, 0, len(cum) - 1)
        out[ok] = cum[upper] - cum[lower]
        return out

    def rank_pct(self, c3: np.ndarray) -> np.ndarray:
        """Share of the population whose ``c_3`` is at most each value (NaN stays NaN)."""
        out = np.full(len(c3), np.nan)
        if not self.n:
            return out
        _, _, values, at_most = self._cumulative()
        ok = ~np.isnan(c3)
        pos = np.searchsorted(values, c3[ok], side="right")
        out[ok] = np.where(pos > 0, at_most[np.maximum(pos - 1, 0)], 0.0) / at_most[-1]
        return out


def cohort_block(created_at: pd.Series, counter: CohortCounter, reference: CreationReference,
                 names: list[str] | None = None) -> dict[str, np.ndarray]:
    """The cohort features (only ``names`` when given) of accounts created at ``created_at``
    in ``counter``'s population.

    Every feature is a function of the creation day alone, so it is computed once per day of
    the span the accounts cover (all of them: a few thousand days) and then looked up for each
    account (only ``names``; NaN where the creation time is missing)."""
    days = creation_days(created_at)
    ok = days >= 0
    keep = (lambda block: block) if names is None else \
        (lambda block: {name: block[name] for name in names if name in block})
    if not ok.any():
        return keep(_cohort_of_days(days, counter, reference))
    lo, hi = int(days[ok].min()), int(days[ok].max())
    if hi - lo + 1 > len(days):  # a sparse span: compute per account instead
        return keep(_cohort_of_days(days, counter, reference))
    per_day = keep(_cohort_of_days(np.arange(lo, hi + 1), counter, reference))
    at = np.where(ok, days - lo, 0)
    return {name: np.where(ok, values[at], np.nan) for name, values in per_day.items()}


def _cohort_of_days(days: np.ndarray, counter: CohortCounter,
                    reference: CreationReference) -> dict[str, np.ndarray]:
    """The cohort features for creation days (-1: missing)."""
    missing = days < 0
    n = max(counter.n, 1)
    out: dict[str, np.ndarray] = {}
    counts = {k: counter.window_counts(days, k) for k in WINDOWS}
    for k, label in ((0, "same_day"), (3, "3d"), (15, "15d")):
        out[f"cohort_{label}_count"] = counts[k]
        out[f"cohort_{label}_share"] = counts[k] / n
    for k in (3, 15):
        expected = reference.expected_share(np.where(missing, 0, days), k)
        ratio = (counts[k] + 1) / (n * expected + 1)
        out[f"cohort_burst_ratio_{k}d"] = np.where(missing, np.nan, ratio)
    # rank: share of the population with c_3 at most this account's
    out["cohort_rank_pct"] = counter.rank_pct(counts[3])
    return out
