"""What a scoring run tells its user: progress with the time left, memory, the score summary, the
list's creation bursts and a warning when far more is flagged than the prior expects."""

from __future__ import annotations

import logging
import resource
import sys
import time

import numpy as np
import pandas as pd
import pyarrow as pa

log = logging.getLogger("botsieve.predict")

#: Warn when the flagged share of a list is more than this many times the prior.
FLAGGED_WARNING = 3.0


def memory_note() -> str:
    """Resident memory now and at its peak, and what Arrow holds."""
    import psutil

    now = psutil.Process().memory_info().rss / 2**20
    return (f"memory {now:.0f} MiB (peak {peak_rss_mib():.0f} MiB, Arrow "
            f"{pa.total_allocated_bytes() / 2**20:.0f} MiB)")


def peak_rss_mib() -> float:
    """This process's peak resident memory: the kernel's high-water mark of its own memory
    (``getrusage`` would also count what the parent held before this program was started)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM")) / 1024
    except (OSError, StopIteration):  # not Linux
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def progress(total: int | None, desc: str):
    """A progress bar on a terminal (percentage and time left when ``total`` is known),
    plain log lines otherwise (the same figures)."""
    if sys.stderr.isatty():
        from tqdm import tqdm

        return tqdm(total=total, desc=desc, unit="acct")
    return _LogProgress(desc, total)


class _LogProgress:
    def __init__(self, desc: str, total: int | None = None) -> None:
        self.desc, self.total, self.n, self.t0 = desc, total, 0, time.perf_counter()

    def update(self, n: int) -> None:
        self.n += n
        rate = self.n / max(time.perf_counter() - self.t0, 1e-9)
        if self.total:
            log.info("%s: %d of %d accounts (%.0f%%, %.0f/s, about %.0f s left)", self.desc,
                     self.n, self.total, 100 * self.n / self.total, rate,
                     (self.total - self.n) / rate)
        else:
            log.info("%s: %d accounts (%.0f/s)", self.desc, self.n, rate)

    def close(self) -> None:
        pass


class ScoreSummary:
    """Count, mean, flagged count and quantiles of the scores: exact for up to a million
    scores, then from a fine histogram (to 1e-4), so the summary's memory is bounded for any
    number of accounts."""

    BINS = 10_000
    EXACT = 1_000_000

    def __init__(self) -> None:
        self.hist: np.ndarray | None = None
        self.kept: list[np.ndarray] = []
        self.n, self.total, self.flagged = 0, 0.0, 0

    def add(self, prob: np.ndarray, flagged: np.ndarray) -> None:
        self.n += len(prob)
        self.total += float(prob.sum())
        self.flagged += int(flagged.sum())
        if self.hist is None and self.n <= self.EXACT:
            self.kept.append(np.asarray(prob, dtype="float64"))
            return
        if self.hist is None:
            self.hist = np.zeros(self.BINS + 1, dtype="int64")
            prob = np.concatenate([*self.kept, prob])
            self.kept = []
        self.hist += np.bincount(np.rint(prob * self.BINS).astype("int64"),
                                 minlength=self.BINS + 1)

    def quantiles(self, qs: list[float]) -> list[float]:
        if self.hist is None:  # (one partial sort for all of them)
            return np.quantile(np.concatenate(self.kept), qs).tolist()
        cum = np.cumsum(self.hist)
        return [float(np.searchsorted(cum, q * self.n, side="left")) / self.BINS for q in qs]

    def quantile(self, q: float) -> float:
        return self.quantiles([q])[0]

    def describe(self) -> str:
        q = self.quantiles([0.1, 0.5, 0.9, 0.99])
        return (f"bot_probability: mean {self.total / self.n:.3f}, p10 {q[0]:.3f}, median "
                f"{q[1]:.3f}, p90 {q[2]:.3f}, p99 {q[3]:.3f}; is_bot: {self.flagged:,} "
                f"({self.flagged / self.n:.1%})")


def describe_bursts(bursts: pd.DataFrame) -> str:
    """One line on the list's creation bursts (the seed's signal, for the whole list): how many
    accounts were created in certain bursts, and the largest ones."""
    if not len(bursts):
        return ("creation bursts: none (no window of the list's creation days holds certainly "
                "four times what the months beside it and the organic reference expect)")
    top = bursts.sort_values("accounts", ascending=False).head(3)
    largest = "; ".join(f"{r.start} to {r.end}: {r.accounts:,} accounts (burst ratio up to "
                        f"{r.max_burst_ratio:.1f})" for r in top.itertuples())
    return (f"creation bursts: {int(bursts['accounts'].sum()):,} accounts "
            f"({bursts['share'].sum():.1%}) in {len(bursts)} burst(s); largest: {largest} "
            "(python -m models.cohort_report for the list's report)")


def flagged_warning(summary: ScoreSummary, prior: float) -> str | None:
    """A warning when the flagged share is more than :data:`FLAGGED_WARNING` times the prior."""
    flagged = summary.flagged / summary.n if summary.n else 0.0
    if flagged <= FLAGGED_WARNING * prior:
        return None
    return (f"WARNING: {flagged:.1%} of this list is flagged, far above the {prior:.1%} of "
            "inauthentic accounts the decision assumes (--prior). Either the list holds that "
            "many (then score it again with --prior near that share), or it is unlike the "
            "data the model learned from and its flags mean little: check the drift table.")
