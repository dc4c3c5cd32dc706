"""Cohort family: accounts created together, the signal analysts used to expose troll farms.

The features must mean the same on any list: an account's value may not move because the list
it is scored in is larger, smaller or of another mix, unless the list holds a real creation
burst. So they compare the accounts created around an account's creation day with what the
list itself and the organic reference lead one to expect there, and they count a burst only
when it is certain, not when a small count happens to be high.

For an account created on UTC day ``d`` in a scored list (the population) of ``N`` accounts
whose creation days are ``d_1..d_N`` (everything works on whole days; day-only dates are fine):

- ``c_k(d) = #{j : |d_j - d| <= k}``: accounts of the list created within ``k`` days of ``d``
  (the account itself included; ``k = 0`` is the same day).
- Expected count: the list's own accounts in the months before ``d`` and in the months after
  it, between ``G = LOCAL_GAP`` and ``W = LOCAL_DAYS`` days away, each side cut to the days the
  list covers (from its first to its last creation day): ``b(d)`` and ``a(d)``, each plus one so
  that an empty side expects a little; scaled by the organic reference's shape, the larger of
  the two sides: ``e_k(d) = max((b(d) + 1) E_k(d) / B(d), (a(d) + 1) E_k(d) / A(d))``.
  ``E_k(d)`` is the share of organic training accounts created within ``k`` days of ``d``,
  ``B(d)`` and ``A(d)`` their shares in the same days before and after
  (:class:`CreationReference`, smoothed, with a uniform floor; fitted on training rows only and
  stored with the model), so ``E_k / B`` says how much denser organic sign-ups were in the
  window than in the months before it (Twitter's 2009 surge, a holiday). Organic sign-ups
  change slowly, so a window that holds many more accounts than the months on both sides of it
  is a burst whatever the list's era and size; the gap keeps a campaign that created its
  accounts over weeks out of its own baseline. Judging by the denser side makes a step in the
  list's density no burst: the edge of a list cut by creation date (the accounts created since
  some date, or half of a list ordered by id) and the end of one collection pooled with another
  of other years (caverlee-2011's legitimate users, dense until late 2009, with cresci-2017's
  genuine accounts, sparse after it) are steps, not peaks. The price: a campaign that created
  its accounts over months is a plateau, found in its middle but not at its edges. Where the
  list covers neither side (it spans less than about four months around ``d``), there is
  nothing to judge a burst by, and the ratio is 1.
- Certainty: ``L(c)``, the one-sided lower confidence bound (``CONFIDENCE``) of a Poisson count
  observed as ``c`` (Wilson-Hilferty: ``c * (1 - 1/(9c) - z / (3 sqrt(c)))^3``; 0 for small c).
- Burst ratio: ``cohort_burst_ratio_kd = max(1, L(c_k(d)) / (m * e_k(d)))``, ``m =
  BURST_MARGIN``: how many times more than ``m`` times the expected count were certainly
  created around ``d``; 1 means no burst. Organic sign-ups surge too (in caverlee-2011's
  legitimate users, Twitter's 2009 growth gives weeks of up to twice the rate of the months
  around them), so only a window certainly above twice its expectation counts as a burst.

Both ``c_k`` and ``e_k`` scale with the list: halving an organic list, or adding organic
accounts of another era, leaves its accounts at 1 (their counts are what is expected), while a
troll farm's hundreds of accounts within days stay far above 1 in any list that holds them. A
single account, or a few, can never be certain of a burst: 1.

The counts come from the population step (:class:`CohortCounter`, one pass over all accounts,
which also works chunk by chunk); the features for each account are then a lookup.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Twitter opened to the public on 2006-03-21: the earliest plausible creation day.
TWITTER_LAUNCH_DAY = int(pd.Timestamp("2006-03-21").value // 86_400_000_000_000)
#: Half-widths (days) of the burst windows, and of the list's own neighbourhood around them.
WINDOWS = (0, 3, 15)
LOCAL_GAP, LOCAL_DAYS = 60, 180
#: One-sided confidence of the lower bound on a window's count (z = 3.09).
CONFIDENCE = 0.999
_Z = 3.090232306167813
#: How many times its expected count a window must certainly exceed to count as a burst.
BURST_MARGIN = 2.0


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
        """Learn ``r(t)`` from the creation times of organic training accounts (none at all:
        a flat reference over Twitter's first year, the floor alone)."""
        days = creation_days(created_at)
        days = days[days >= 0]
        if not len(days):
            days = np.array([TWITTER_LAUNCH_DAY + 365])
            created_at = None
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
        weight = self.uniform_weight if created_at is not None else 1.0
        self.density_ = (1 - weight) * smooth + weight / span
        self.n_accounts_ = len(days) if created_at is not None else 0
        return self

    def expected_share(self, days: np.ndarray, k: int) -> np.ndarray:
        """``E_k(d)``: reference share of accounts created within ``k`` days of each day."""
        return self.share_between(days - k, days + k)

    def share_between(self, first: np.ndarray, last: np.ndarray) -> np.ndarray:
        """Reference share of accounts created from day ``first`` to day ``last`` (both
        included; 0 where ``last < first``)."""
        n = len(self.density_)
        before = self.uniform_weight / n  # before Twitter's launch: the floor
        after = float(self.density_[-365:].mean())  # after the reference: its last year
        cum = np.concatenate([[0.0], np.cumsum(self.density_)])
        lo = first - self.start_day_
        hi = np.maximum(last - self.start_day_ + 1, lo)
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

    @classmethod
    def from_day_counts(cls, days: np.ndarray, counts: np.ndarray) -> CohortCounter:
        """A counter from (UTC day number, accounts created that day) pairs, e.g. the small
        table a cluster's aggregation gives; days below 0 (missing) are left out."""
        days, counts = np.asarray(days, dtype=np.int64), np.asarray(counts, dtype=np.int64)
        keep = days >= 0
        days, counts = days[keep], counts[keep]
        out = cls()
        if len(days):
            out._cover(int(days.min()), int(days.max()))
            np.add.at(out.counts, days - out.first, counts)
            out.n = int(counts.sum())
        return out

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

    def _cumulative(self) -> tuple[int, np.ndarray]:
        """(first day, cumulative counts from it), padded by ``LOCAL_DAYS`` on each side."""
        if self._tables is None:
            k = LOCAL_DAYS
            at = np.flatnonzero(self.counts)
            days, mult = at + self.first, self.counts[at]
            lo = int(days.min()) - k - 1
            hi = int(days.max()) + k + 1
            hist = np.zeros(hi - lo + 1, dtype=np.int64)
            hist[days - lo] = mult
            self._tables = (lo, np.cumsum(hist))
        return self._tables

    def span(self) -> tuple[int, int] | None:
        """(first, last) creation day of the population, None when it is empty."""
        at = np.flatnonzero(self.counts)
        return (self.first + int(at[0]), self.first + int(at[-1])) if len(at) else None

    def window_counts(self, days: np.ndarray, k: int) -> np.ndarray:
        """``c_k(d)`` for each day (NaN where the day is missing, i.e. -1)."""
        return self.counts_between(days, days - k, days + k)

    def counts_between(self, days: np.ndarray, first: np.ndarray, last: np.ndarray
                       ) -> np.ndarray:
        """Accounts created from day ``first`` to day ``last`` (both included; none where
        ``last < first``), for each of ``days`` (NaN where the day is missing, i.e. -1).
        The days must lie within ``LOCAL_DAYS`` of the population's."""
        out = np.full(len(days), np.nan)
        ok = days >= 0
        if not self.n or not ok.any():
            return out
        lo, cum = self._cumulative()
        upper = np.clip(last[ok] - lo, 0, len(cum) - 1)
        lower = np.clip(first[ok] - 1 - lo, 0, len(cum) - 1)
        out[ok] = np.where(upper > lower, cum[upper] - cum[lower], 0)
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


def poisson_lower_bound(count: np.ndarray) -> np.ndarray:
    """One-sided lower confidence bound (:data:`CONFIDENCE`) of the mean of a Poisson count
    observed as ``count`` (Wilson-Hilferty approximation of the chi-square quantile; 0 where
    the bound would be below 0, i.e. for counts of a few)."""
    c = np.asarray(count, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        cube = 1.0 - 1.0 / (9.0 * c) - _Z / (3.0 * np.sqrt(c))
        bound = c * np.clip(cube, 0.0, None) ** 3
    return np.where(c > 0, bound, 0.0)


def expected_counts(days: np.ndarray, k: int, counter: CohortCounter,
                    reference: CreationReference) -> np.ndarray:
    """``e_k(d)``: the accounts within ``k`` days of each day that the list's own months
    before it, or after it (60 to 180 days away, cut to the days the list covers, plus one),
    lead one to expect, scaled by the organic reference's shape: the larger of the two sides;
    infinite where the list covers neither side (no neighbourhood: no burst can be told)."""
    span = counter.span()
    if span is None:
        return np.full(len(days), np.inf)
    share = reference.expected_share(days, k)
    expected = np.full(len(days), -np.inf)
    for first, last in ((np.maximum(days - LOCAL_DAYS, span[0]), days - LOCAL_GAP - 1),
                        (days + LOCAL_GAP + 1, np.minimum(days + LOCAL_DAYS, span[1]))):
        side = np.nan_to_num(counter.counts_between(days, first, last))
        organic_side = reference.share_between(first, last)
        with np.errstate(divide="ignore", invalid="ignore"):
            # (a reference empty beside the day: as flat as the days counted)
            shape = np.where(organic_side > 0, share / organic_side,
                             (2 * k + 1) / np.maximum(last - first + 1, 1))
        expected = np.where(last >= first, np.fmax(expected, (side + 1) * shape), expected)
    return np.where(np.isneginf(expected), np.inf, expected)


def _cohort_of_days(days: np.ndarray, counter: CohortCounter,
                    reference: CreationReference) -> dict[str, np.ndarray]:
    """The cohort features for creation days (-1: missing)."""
    missing = days < 0
    safe = np.where(missing, 0, days)
    out: dict[str, np.ndarray] = {}
    for k, label in ((0, "same_day"), (3, "3d"), (15, "15d")):
        count = counter.window_counts(days, k)
        expected = expected_counts(safe, k, counter, reference)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.maximum(poisson_lower_bound(count) / (BURST_MARGIN * expected), 1.0)
        out[f"cohort_burst_ratio_{label}"] = np.where(missing | np.isnan(count), np.nan, ratio)
    return out


def bursts_of(counter: CohortCounter, reference: CreationReference, *,
              min_ratio: float = 2.0, min_accounts: int = 10, gap_days: int = 3
              ) -> pd.DataFrame:
    """Creation bursts of a population from its creation-day counts (what a scorer keeps of
    any list, however long): runs of days whose +-3 day burst ratio is above ``min_ratio``
    (1: no certain burst; organic lists stay below 2: Twitter's own surges, seen against a
    reference of another list), merged when at most ``gap_days`` apart, kept when they hold at
    least ``min_accounts`` accounts. Columns: start, end (UTC days), accounts, share of the
    population, max_burst_ratio, mean_burst_ratio (over the burst's accounts)."""
    cols = ["start", "end", "accounts", "share", "max_burst_ratio", "mean_burst_ratio"]
    at = np.flatnonzero(counter.counts)
    if not counter.n or not len(at):
        return pd.DataFrame(columns=cols)
    days, accounts = at + counter.first, counter.counts[at]
    ratio = _cohort_of_days(days, counter, reference)["cohort_burst_ratio_3d"]
    hot = days[ratio > min_ratio]
    rows = []
    if len(hot):
        breaks = np.flatnonzero(np.diff(hot) > gap_days)
        for part in np.split(hot, breaks + 1):
            inside = (days >= part[0]) & (days <= part[-1])
            n = int(accounts[inside].sum())
            if n < min_accounts:
                continue
            rows.append({"start": _day(part[0]), "end": _day(part[-1]), "accounts": n,
                         "share": n / counter.n,
                         "max_burst_ratio": float(ratio[inside].max()),
                         "mean_burst_ratio": float(np.average(ratio[inside],
                                                              weights=accounts[inside]))})
    return pd.DataFrame(rows, columns=cols)


def _day(day: int) -> str:
    return str(np.datetime64(int(day), "D"))
