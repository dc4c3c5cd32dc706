"""Cohort report for a release: when were its accounts created, against the organic reference?

    python -m models.cohort_report FILE... --out DIR [--model MODEL] [--min-ratio 2]

The organic reference is the creation-date distribution a model learned at training (from its
bundle: registry URI, runs:/ URI or bundle directory). Bursts are the runs of days whose +-3 day
burst ratio (see features/cohort.py; 1 = no certain burst, organic lists stay below 2) is above
``--min-ratio``, merged when they are at most 3 days apart and kept when they hold at least
``--min-accounts`` accounts. Writes ``cohorts.csv``
(start, end, accounts, share of the release, max and mean burst ratio) and ``cohorts.png``
(weekly creations against the reference's expectation, bursts shaded).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from features.cohort import (
    CohortCounter,
    CreationReference,
    bursts_of,
    creation_days,
    expected_counts,
)
from features.schema import SchemaError
from features.sources import FORMATS, ReadOptions, read_files

log = logging.getLogger(__name__)


def detect_bursts(created_at: pd.Series, reference: CreationReference, *,
                  min_ratio: float = 2.0, min_accounts: int = 10, gap_days: int = 3
                  ) -> pd.DataFrame:
    """Creation bursts of a population given its creation times (:func:`bursts_of`)."""
    created = created_at.dropna()
    return bursts_of(CohortCounter().add(created), reference, min_ratio=min_ratio,
                     min_accounts=min_accounts, gap_days=gap_days)


def plot(created_at: pd.Series, reference: CreationReference, bursts: pd.DataFrame,
         title: str) -> Figure:
    """Weekly account creations against the organic expectation, bursts shaded."""
    created = created_at.dropna().dt.tz_convert("UTC").dt.tz_localize(None)
    weeks = created.dt.to_period("W").dt.start_time.value_counts().sort_index()
    fig = Figure(figsize=(9, 3.8))
    ax = fig.subplots()
    ax.bar(weeks.index, weeks.to_numpy(), width=6, label="accounts created per week")
    if len(weeks):
        days = creation_days(pd.Series(weeks.index.tz_localize("UTC")))
        counter = CohortCounter().add(created_at.dropna())
        expected = expected_counts(days + 3, 3, counter, reference)
        ax.plot(weeks.index, expected, c="k", lw=1,
                label="expected (the list's denser side, organic reference's shape)")
    for b in bursts.itertuples():
        ax.axvspan(pd.Timestamp(b.start), pd.Timestamp(b.end) + pd.Timedelta(days=1),
                   color="tab:red", alpha=0.25)
    ax.set(title=title, ylabel="accounts per week")
    ax.legend(loc="upper left")
    fig.tight_layout()
    return fig


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models.cohort_report", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+")
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--model", default="models:/botsieve@champion")
    parser.add_argument("--tracking-uri")
    parser.add_argument("--format", default="auto", choices=FORMATS)
    parser.add_argument("--min-ratio", type=float, default=2.0)
    parser.add_argument("--min-accounts", type=int, default=10)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    from models.bundle import BundleError
    from predict import load_model

    try:
        bundle = load_model(args.model, args.tracking_uri)
        data = read_files(args.files, fmt=args.format, options=ReadOptions())
    except (BundleError, SchemaError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    reference = bundle.builder.reference_
    bursts = detect_bursts(data.accounts["created_at"], reference, min_ratio=args.min_ratio,
                           min_accounts=args.min_accounts)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    bursts.to_csv(out / "cohorts.csv", index=False)
    name = ", ".join(sorted(data.accounts["source"].dropna().unique()))
    plot(data.accounts["created_at"], reference, bursts,
         f"Account creation: {name} ({len(data.accounts):,} accounts)").savefig(
        out / "cohorts.png", dpi=110)
    print(bursts.to_string(index=False, float_format="%.2f"))
    print(f"written: {out / 'cohorts.csv'}, {out / 'cohorts.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
