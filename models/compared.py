"""The models a comparison holds (:mod:`models.compare`): model specs and registered versions
resolved to pinned references, their bundles loaded, and which of the scored accounts each was
trained on (from the config logged with its training run)."""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from features.schema import SchemaError
from models.bundle import Bundle
from models.config import Config, SourceConfig
from models.dataset import read_source

if TYPE_CHECKING:
    import argparse

log = logging.getLogger("botsieve.compare")

_MODEL_URI = re.compile(r"^models:/(?P<name>[^/@]+)(?:/(?P<version>\d+)|@(?P<alias>[\w-]+))$")


class CompareError(ValueError):
    """A comparison that cannot be made, with the reason."""


@dataclass
class ModelRef:
    """One compared model: how to load it and what the registry knows about it."""

    label: str
    uri: str
    name: str | None = None
    version: int | None = None
    run_id: str | None = None
    aliases: list[str] = field(default_factory=list)


@dataclass
class Seen:
    """Which scored rows a model was trained on (None: unknown) and how that was found."""

    rows: np.ndarray | None
    how: str


def store_exists(uri: str) -> bool:
    """False for a SQLite store whose file is missing (MLflow would create an empty one)."""
    if uri.startswith("sqlite:///"):
        return Path(uri[len("sqlite:///"):]).exists()
    return True


def _registered(client, name: str, version: int, aliases: dict[str, int]) -> ModelRef:
    from mlflow.exceptions import MlflowException

    try:
        mv = client.get_model_version(name, str(version))
    except MlflowException as exc:
        known = sorted(int(v.version) for v in client.search_model_versions(f"name = '{name}'"))
        raise CompareError(f"{name} has no version {version} (versions: "
                           f"{', '.join(map(str, known)) or 'none'})") from exc
    mine = sorted(a for a, v in aliases.items() if int(v) == int(version))
    return ModelRef(f"v{version}", f"models:/{name}/{version}", name, int(version), mv.run_id,
                    mine)


def aliases_of(client, name: str) -> dict[str, int]:
    """The aliases of registered model ``name`` and the versions they point to."""
    from mlflow.exceptions import MlflowException

    try:
        return {a: int(v) for a, v in client.get_registered_model(name).aliases.items()}
    except MlflowException as exc:
        raise CompareError(f"no registered model named {name!r} in the tracking store") from exc


def _from_spec(client, spec: str, name: str) -> ModelRef:
    """A model spec: a registry URI becomes its pinned version; others are loaded as given."""
    match = _MODEL_URI.match(spec)
    if match and client is not None:
        reg = match["name"]
        aliases = aliases_of(client, reg)
        if match["alias"]:
            if match["alias"] not in aliases:
                raise CompareError(f"{reg} has no alias {match['alias']!r} (aliases: "
                                   f"{', '.join(sorted(aliases)) or 'none'})")
            version = aliases[match["alias"]]
        else:
            version = int(match["version"])
        ref = _registered(client, reg, version, aliases)
        if reg != name:
            ref.label = f"{reg}/v{version}"
        return ref
    if spec.startswith("runs:/"):
        return ModelRef(f"run:{spec.split('/')[1][:8]}", spec, run_id=spec.split("/")[1])
    if spec.startswith("models:/") and client is None:
        raise CompareError(f"{spec}: no tracking store to resolve it")
    return ModelRef(spec, spec)


def resolve_models(args: argparse.Namespace, client, name: str) -> list[ModelRef]:
    """The models to compare, in the order given (registered ones by version)."""
    if client is None and (args.versions or args.all or not args.models or args.promote):
        raise CompareError("no tracking store: registered versions need one (see --tracking-uri)")
    if args.models:
        refs = [_from_spec(client, spec, name) for spec in args.models]
    else:
        aliases = aliases_of(client, name)
        if args.versions:
            versions = args.versions
        elif args.all:
            versions = sorted(int(v.version)
                              for v in client.search_model_versions(f"name = '{name}'"))
        else:
            versions = sorted(set(aliases.values()))
        if not versions:
            raise CompareError(f"{name} has no versions to compare")
        refs = [_registered(client, name, v, aliases) for v in versions]
    if args.promote:
        aliases = aliases_of(client, name)
        champion = aliases.get("champion")
        if champion is not None and not any(r.name == name and r.version == champion
                                            for r in refs):
            log.info("adding the current champion v%d to the comparison", champion)
            refs.append(_registered(client, name, champion, aliases))
    unique: dict[str, ModelRef] = {}
    for ref in refs:
        unique.setdefault(ref.uri, ref)
    return list(unique.values())


def load_bundle(ref: ModelRef, tracking_uri: str) -> Bundle:
    """Load a model's bundle (reusing predict.py's loader); name unregistered models after it."""
    from predict import load_model

    bundle = load_model(ref.uri, tracking_uri)
    if ref.version is None:
        ref.label = str(bundle.contract.get("model_version") or ref.label)
        ref.run_id = ref.run_id or (bundle.contract.get("training") or {}).get("run_id")
    return bundle


def unique_labels(refs: list[ModelRef]) -> None:
    """Number repeated labels (two bundles of one training run): ``label#2``, ..."""
    count: dict[str, int] = {}
    for ref in refs:
        count[ref.label] = count.get(ref.label, 0) + 1
        if count[ref.label] > 1:
            ref.label = f"{ref.label}#{count[ref.label]}"


def _training_config(run_id: str) -> Config | None:
    import mlflow
    from mlflow.exceptions import MlflowException

    try:
        return Config.model_validate(mlflow.artifacts.load_dict(f"runs:/{run_id}/config.json"))
    except (MlflowException, OSError, ValueError) as exc:
        log.warning("run %s: cannot read its config.json (%s)", run_id, exc)
        return None


def _tagged_sources(client, run_id: str) -> list[str]:
    from mlflow.exceptions import MlflowException

    try:
        tag = client.get_run(run_id).data.tags.get("sources", "")
    except MlflowException:
        return []
    return [s for s in tag.split(",") if s]


def _files_key(source: SourceConfig) -> str:
    """What decides which accounts a source reads: its files, format and mapping."""
    return json.dumps([sorted(os.path.realpath(p) for p in source.paths), source.format,
                       os.path.realpath(source.mapping) if source.mapping else None])


def _read_ids(source: SourceConfig) -> set[str] | None:
    """Account ids of one training source read again (None when it cannot be read)."""
    try:
        return set(read_source(source).accounts["account_id"].astype(str))
    except (SchemaError, ValueError, OSError) as exc:
        log.warning("training source %s: cannot read it again (%s)", source.name, exc)
        return None


def training_rows(ref: ModelRef, bundle: Bundle, accounts: pd.DataFrame,
                  evaluated: list[SourceConfig], client,
                  cache: dict[str, set[str] | None]) -> Seen:
    """The scored rows this model was trained on.

    By account id: the training sources come from the config logged with the model's run; one
    that reads the same files as an evaluated source contributes that source's accounts, any
    other is read again (``cache``: ids per training source). By source name when a training
    source cannot be read or the run has no config; unknown without a training run."""
    training = bundle.contract.get("training") or {}
    run_id = training.get("run_id") or ref.run_id
    if client is None or not run_id:
        return Seen(None, "unknown (no training run)")
    source = accounts["source"].astype(str)
    config = _training_config(run_id)
    if config is None:
        names = _tagged_sources(client, run_id)
        if not names:
            return Seen(None, "unknown (training run not found)")
        return Seen(source.isin(names).to_numpy(), "by source name (run tags)")
    same_files = {_files_key(s): s.name for s in evaluated}
    account_ids = accounts["account_id"].astype(str)
    seen = np.zeros(len(accounts), bool)
    rows, by_name = 0, []
    for ts in (s for s in config.sources if s.role == "train"):
        key = _files_key(ts)
        if key in same_files:
            mine = (source == same_files[key]).to_numpy()
            seen |= mine
            rows += int(mine.sum())
            continue
        if key not in cache:
            log.info("%s: reading its training source %s to find the accounts it was trained "
                     "on", ref.label, ts.name)
            cache[key] = _read_ids(ts)
        if cache[key] is None:
            seen |= (source == ts.name).to_numpy()
            by_name.append(ts.name)
        else:
            seen |= account_ids.isin(cache[key]).to_numpy()
            rows += len(cache[key])
    if by_name:
        return Seen(seen, f"by account id, by source name for {', '.join(by_name)} (unreadable)")
    if training.get("rows") is not None and rows != training["rows"]:
        log.warning("%s: its training sources read %d accounts now, %d at training (the files "
                    "or their readers changed): overlap is measured against the files as read "
                    "now", ref.label, rows, training["rows"])
    return Seen(seen, "by account id")
