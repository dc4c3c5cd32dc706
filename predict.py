"""Score account lists with a botsieve model: files in, one scores file out.

    python predict.py --output SCORES.csv|.parquet INPUT... [--model MODEL] [--format NAME]
                      [--mapping MAPPING.yaml] [--posts POSTS...] [--threshold-precision P]

Reads top to bottom like train.py: arguments, model, the outputs (models.outputs: staged beside
their final names and landed together), pass 1 over the inputs (models.passes.read_pass: row
features staged on disk, creation days counted, repeated ids found, cadence from the posts),
pass 2 (models.passes.score_pass: vectors finished and scored a frame at a time), the metadata
file, the summary (models.run_report). One process: LightGBM scores with its own threads,
Arrow decodes the CSV inputs, DuckDB checks repeated ids on disk.

MODEL is a registry URI (``models:/NAME@champion``, the default), a run's model URI
(``runs:/RUN_ID/model``) or a bundle directory.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import signal
import sys
from pathlib import Path

import pandas as pd

from features.cohort import bursts_of
from features.schema import ACCOUNT_DTYPES, SchemaError
from features.sources import FORMATS, ReadOptions, expand_paths
from models import passes
from models.bundle import Bundle, BundleError
from models.drift import DriftMonitor
from models.outputs import Outputs, RejectsFile, ScoresWriter, scoring_metadata
from models.run_report import ScoreSummary, describe_bursts, flagged_warning

log = logging.getLogger("botsieve.predict")

DEFAULT_MODEL = "models:/botsieve@champion"
OUTPUT_COLUMNS = ["account_id", "bot_probability", "raw_score", "is_bot", "reasons",
                  "model_version"]
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="files, globs or folders")
    parser.add_argument("--output", required=True, help="scores file (.csv or .parquet)")
    parser.add_argument("--model", default=DEFAULT_MODEL,
                        help="registry URI, runs:/ URI or bundle directory")
    parser.add_argument("--format", default="auto", choices=FORMATS)
    parser.add_argument("--mapping", help="YAML column mapping (the mapped format)")
    parser.add_argument("--posts", nargs="+", help="posts files for cadence features")
    parser.add_argument("--threshold-precision", type=float, default=None,
                        help="decide is_bot at the threshold that reaches this precision "
                             "(default: the model's first target precision)")
    parser.add_argument("--prior", type=float, default=None,
                        help="share of inauthentic accounts expected in this list: the "
                             "probability and the precision threshold are for it (default: "
                             "the model's deployment prior)")
    parser.add_argument("--observed-at", help="when the input counts were observed (UTC)")
    parser.add_argument("--chunksize", type=int, default=100_000,
                        help="accounts per chunk (the reader thread may be two chunks ahead: "
                             "the peak memory grows with it)")
    parser.add_argument("--tmp-dir", help="where pass 1 keeps the staged row features and "
                        "keys (about 150 to 200 bytes an account; default: the scores file's "
                        "folder, on disk rather than a RAM-backed /tmp)")
    parser.add_argument("--drift-threshold", type=float, default=0.2,
                        help="warn about features whose population stability index against "
                             "the training data exceeds this")
    parser.add_argument("--reasons", default="all", choices=("all", "flagged", "none"),
                        help="which rows get reasons")
    parser.add_argument("--reasons-method", default="paths", choices=("paths", "shap"),
                        help="credit each feature by the paths of the account's leaves "
                             "(default; about the cost of the score) or by TreeSHAP (30 to "
                             "60 times the cost)")
    parser.add_argument("--keep", default="",
                        help="input columns to pass through to the scores, comma-separated: "
                             "canonical account columns (e.g. screen_name,source,group) and "
                             "file,row (where the account was read)")
    parser.add_argument("--tracking-uri", help="MLflow tracking URI for registry/run models "
                        "(default: $MLFLOW_TRACKING_URI, else sqlite:///mlflow.db)")
    args = parser.parse_args(argv)
    args.keep = kept_columns(args.keep, parser)
    if Path(args.output).suffix.lower() not in (".csv", ".parquet"):
        parser.error(f"--output {args.output}: the scores file must end in .csv or .parquet")
    if args.chunksize < 1:
        parser.error("--chunksize must be at least 1")
    for name in ("threshold_precision", "prior"):
        value = getattr(args, name)
        if value is not None and not 0 < value < 1:
            parser.error(f"--{name.replace('_', '-')} must lie strictly between 0 and 1")
    return args


def kept_columns(text: str, parser: argparse.ArgumentParser) -> list[str]:
    """The columns ``--keep`` names (comma-separated), checked: canonical account columns and
    ``file``, ``row`` (where the account was read), each once."""
    keep = [c.strip() for c in text.split(",") if c.strip()]
    allowed = [c for c in ACCOUNT_DTYPES if c != "account_id"] + ["file", "row"]
    unknown = [c for c in keep if c not in allowed]
    if unknown or len(set(keep)) != len(keep):
        what = f"unknown column(s) {unknown}" if unknown else "a column named twice"
        parser.error(f"--keep {text}: {what}; columns that can be kept: {', '.join(allowed)}")
    return keep


def load_model(spec: str, tracking_uri: str | None) -> Bundle:
    """A bundle from a directory, or from a registry/run model URI (downloaded by MLflow)."""
    if os.path.isdir(spec):
        return Bundle.load(spec)
    if not spec.startswith(("models:/", "runs:/")):
        raise BundleError(f"{spec}: not a bundle directory nor a models:/ or runs:/ URI")
    import mlflow  # only needed for registry and run URIs

    mlflow.set_tracking_uri(tracking_uri or os.environ.get("MLFLOW_TRACKING_URI")
                            or "sqlite:///mlflow.db")
    try:
        local = mlflow.artifacts.download_artifacts(artifact_uri=spec)
    except Exception as exc:
        hint = (" Train one on real data first (python train.py --config configs/real.yaml: "
                "its first version becomes the champion), or pass --model; `make run` "
                "registers the sample's toy model apart, as models:/botsieve-sample."
                if spec == DEFAULT_MODEL else "")
        raise BundleError(f"{spec}: cannot fetch the model: {exc}.{hint}") from exc
    return Bundle.load(Path(local) / "artifacts" / "bundle")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s",
                        datefmt="%H:%M:%S")
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    # SIGTERM (a scheduler's stop, `kill`) and SIGHUP (a closed terminal) end the run as
    # Ctrl-C does: its temporary files are removed on the way out
    handlers = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        return _score(args)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


def _stop(signum: int, frame) -> None:
    raise SystemExit(128 + signum)


def _score(args: argparse.Namespace) -> int:
    try:
        bundle = load_model(args.model, args.tracking_uri)
        opts = ReadOptions(mapping=args.mapping, chunksize=args.chunksize,
                           observed_at=pd.Timestamp(args.observed_at) if args.observed_at
                           else None)
        threshold = bundle.threshold(args.threshold_precision, args.prior)
        decision = passes.Decision(args.threshold_precision,
                                   bundle.prior if args.prior is None else args.prior,
                                   args.reasons, args.reasons_method)
    except (BundleError, SchemaError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    # the model's row stage, keeping the input columns passed through to the scores
    stager = dataclasses.replace(bundle.stager, keep=tuple(
        c for c in args.keep if c in ACCOUNT_DTYPES))
    log.info("model %s (%d features), decision threshold %s for precision %s at a prior of "
             "%s inauthentic", bundle.contract.get("model_version"), len(bundle.features),
             threshold, args.threshold_precision or bundle.default_precision, decision.prior)
    meta = scoring_metadata(bundle, model=args.model, threshold=threshold,
                            precision=args.threshold_precision or bundle.default_precision,
                            prior=decision.prior, reasons=args.reasons,
                            method=args.reasons_method)
    writer = None
    try:
        inputs = expand_paths(args.inputs) + (expand_paths(args.posts) if args.posts else [])
        with Outputs(args.output, inputs) as outputs, outputs.tmp_dir(args.tmp_dir) as tmp:
            run = passes.Run(bundle, stager, args.keep, tmp, args.chunksize)
            rejects = RejectsFile(outputs.stage(outputs.rejects))
            population = passes.read_pass(run, args.inputs, args.format, opts, args.posts,
                                          rejects)
            writer = ScoresWriter(outputs.stage(outputs.scores), metadata=meta,
                                  parquet=outputs.scores.suffix.lower() == ".parquet",
                                  columns=OUTPUT_COLUMNS + args.keep)
            summary = ScoreSummary()
            monitor = (DriftMonitor(bundle.contract["drift_reference"])
                       if "drift_reference" in bundle.contract else None)
            passes.score_pass(run, population, decision, writer, summary, monitor)
            writer.close()
            if monitor is not None and monitor.n:
                monitor.write(outputs.stage(outputs.drift), args.drift_threshold,
                              outputs.drift)
            meta.update(accounts_scored=summary.n, flagged=summary.flagged,
                        rejected=rejects.n, inputs=inputs,
                        scored_at=pd.Timestamp.now(tz="UTC").isoformat(timespec="seconds"))
            outputs.stage(outputs.meta).write_text(json.dumps(meta, indent=1) + "\n",
                                                   encoding="utf-8")
            outputs.commit()
    except (SchemaError, BundleError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        if writer is not None and writer.writer is not None:
            writer.writer.close()  # (its file is gone already, with the run's other files)

    print(f"read {summary.n + rejects.n:,} rows: scored {summary.n:,} accounts, rejected "
          f"{rejects.n:,} (reasons in {outputs.rejects})")
    if summary.n:
        print(summary.describe())
        print(describe_bursts(bursts_of(population.counter, bundle.builder.reference_)))
        warning = flagged_warning(summary, decision.prior)
        if warning:
            print(warning)
    print(f"scores: {args.output} (what they were scored with: {outputs.meta})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
