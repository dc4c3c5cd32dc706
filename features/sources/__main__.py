"""Show what a reader makes of files: ``python -m features.sources FILE... [options]``.

Prints one JSON object: the format(s) chosen, row counts of accounts, posts and rejects, the
share of rows where each canonical column is present, label and group counts, and the reader's
notes (e.g. where ``observed_at`` came from). ``--rejects PATH`` writes the rejected rows.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys

import pandas as pd

from features.schema import ACCOUNT_DTYPES, POST_DTYPES, SchemaError
from features.sources import FORMATS, ReadOptions, read_files


def summary(result) -> dict:
    """A JSON-ready summary of a :class:`ReadResult`."""
    acc, posts = result.accounts, result.posts

    def present(frame: pd.DataFrame, columns) -> dict[str, float]:
        if not len(frame):
            return dict.fromkeys(columns, 0.0)
        return {c: round(float(frame[c].notna().mean()), 4) for c in columns}

    return {
        "format": result.format,
        "accounts": len(acc),
        "posts": len(posts),
        "rejects": len(result.rejects),
        "ids_hashed": int(acc["ids_hashed"].fillna(False).sum()),
        "labels": {str(k): int(v) for k, v in acc["label"].value_counts(dropna=False).items()},
        "groups": {str(k): int(v) for k, v in acc["group"].value_counts(dropna=False).items()},
        "created_at_range": [str(acc["created_at"].min()), str(acc["created_at"].max())],
        "accounts_present": present(acc, ACCOUNT_DTYPES),
        "posts_present": present(posts, POST_DTYPES),
        "reject_reasons": {
            str(k): int(v)
            for k, v in result.rejects["reason"].str.replace(r":.*", "", regex=True)
            .value_counts().head(20).items()
        },
        "notes": result.notes,
    }


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m features.sources", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+", help="files, globs or folders")
    parser.add_argument("--format", default="auto", choices=FORMATS)
    parser.add_argument("--mapping", help="YAML column mapping (the mapped format)")
    parser.add_argument("--labels", help="CSV of account_id,label[,group]")
    parser.add_argument("--label", type=int, choices=(0, 1), help="label for every account")
    parser.add_argument("--source", help="source name (default: from the file names)")
    parser.add_argument("--group", help="group for every account")
    parser.add_argument("--observed-at", help="when the counts were observed (UTC date/time)")
    parser.add_argument("--chunksize", type=int, help="rows per chunk while streaming")
    parser.add_argument("--rejects", help="write rejected rows to this CSV")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    extra = {"chunksize": args.chunksize} if args.chunksize else {}
    try:
        opts = ReadOptions(
            source=args.source, group=args.group, label=args.label, labels_file=args.labels,
            observed_at=pd.Timestamp(args.observed_at) if args.observed_at else None,
            mapping=args.mapping, **extra,
        )
        result = read_files(args.files, fmt=args.format, options=opts)
    except (SchemaError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.rejects:
        result.rejects.to_csv(args.rejects, index=False)
    print(json.dumps(summary(result), indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
