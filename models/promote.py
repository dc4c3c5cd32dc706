"""Move ``champion`` to a reviewed model version, with the reason on record.

    python -m models.promote models:/botsieve/3 --reason "beats v2 on every release"
                             [--alias champion] [--tracking-uri URI]

``predict.py`` scores with ``models:/botsieve@champion`` by default, so this is the step that puts
a retrained model to work. It refuses a version that does not exist and a promotion without a
reason. The record: the version's tags ``promoted_at``, ``promoted_by``, ``promotion_reason`` and
``promoted_over`` (the version that held the alias before, or ``none``), and one line per
promotion appended to the registered model's description, so the MLflow UI's model page shows the
history. ``python -m models.compare`` judges versions on the same rows first (its ``--promote``
moves the alias by a rule; this command moves it by a person's decision). Exit code 0 when the
alias moved (or already pointed there), 2 on errors.
"""

from __future__ import annotations

import argparse
import getpass
import os
import re
import sys
from datetime import UTC, datetime

#: How much of the promotion history the registered model's description keeps.
HISTORY_CHARS = 4_000
_VERSION_URI = re.compile(r"^models:/(?P<name>[^/@]+)/(?P<version>\d+)$")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m models.promote", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", metavar="models:/NAME/VERSION")
    parser.add_argument("--reason", required=True, help="why this version (kept on record)")
    parser.add_argument("--alias", default="champion")
    parser.add_argument("--tracking-uri", help="default: $MLFLOW_TRACKING_URI, else "
                        "sqlite:///mlflow.db")
    args = parser.parse_args(argv)
    if not _VERSION_URI.match(args.model):
        parser.error(f"{args.model}: give a registered version as models:/NAME/VERSION "
                     "(e.g. models:/botsieve/3)")
    if not args.reason.strip():
        parser.error("--reason must say why (it is kept with the version)")
    if not re.fullmatch(r"[\w-]+", args.alias):
        parser.error(f"--alias {args.alias!r}: letters, digits, '_' and '-' only")
    return args


def promote(client, name: str, version: str, reason: str, alias: str = "champion") -> str | None:
    """Point ``alias`` of ``name`` at ``version`` and record why; returns the version that
    held the alias before (None: none did)."""
    before = client.get_registered_model(name).aliases.get(alias)
    before = None if before is None else str(before)
    if before == version:
        return before
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    who = os.environ.get("BOTSIEVE_USER") or getpass.getuser()
    # the record first, the alias last: a failure on the way leaves the alias where it was
    for key, value in {"promoted_at": when, "promoted_by": who, "promotion_reason": reason,
                       "promoted_over": before or "none"}.items():
        client.set_model_version_tag(name, version, key, value)
    line = (f"{when}: {alias} -> version {version} (was {before or 'none'}) by {who}: "
            f"{reason}")
    history = [p for p in (client.get_registered_model(name).description or "").split("\n\n")
               if p.strip()]
    # the newest promotions (the versions' tags keep every one): MLflow stores a
    # description in 5,000 characters on MySQL and PostgreSQL
    kept = [*history, line]
    while len("\n\n".join(kept)) > HISTORY_CHARS and len(kept) > 1:
        kept.pop(0)
    client.update_registered_model(name, description="\n\n".join(kept))
    client.set_registered_model_alias(name, alias, version)
    return before


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    uri = args.tracking_uri or os.environ.get("MLFLOW_TRACKING_URI") or "sqlite:///mlflow.db"
    match = _VERSION_URI.match(args.model)
    name, version = match["name"], match["version"]
    client = MlflowClient(uri)
    try:
        client.get_model_version(name, version)
    except MlflowException as exc:
        print(f"error: {args.model}: no such registered version in {uri} ({exc.message})",
              file=sys.stderr)
        return 2
    try:
        before = promote(client, name, version, args.reason.strip(), args.alias)
    except MlflowException as exc:
        print(f"error: {args.model}: {exc.message}", file=sys.stderr)
        return 2
    if before == version:
        print(f"{args.alias}: already models:/{name}/{version}; nothing changed")
        return 0
    print(f"{args.alias}: models:/{name}/{version} (was {before or 'none'}); reason recorded "
          f"on the version and in the model's description")
    print(f"predict.py --model models:/{name}@{args.alias} now scores with version {version}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
