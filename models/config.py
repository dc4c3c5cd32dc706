"""The training configuration: one typed schema, loaded from YAML, overridable on the command line.

This module is the single source of truth for every default. ``load_config`` reads a YAML file,
applies ``--set section.key=value`` overrides (values parsed as YAML: ``5``, ``0.1``, ``true``,
``[a, b]``), rejects unknown keys and wrong types with a message naming the key, and returns a
validated :class:`Config`. The resolved config is saved with every run.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from features.registry import FAMILIES, FEATURE_NAMES
from features.sources import FORMATS


class Strict(BaseModel):
    """Unknown keys are errors."""

    model_config = ConfigDict(extra="forbid")


class SourceConfig(Strict):
    """One input dataset: files, their format and what the files do not say themselves."""

    name: str = Field(description="source name (dataset or release)")
    paths: list[str] = Field(description="files, globs or folders; relative to the config file")
    format: str = "auto"
    label: Literal[0, 1] | None = Field(None, description="label of every account, if known")
    labels_file: str | None = None
    group: str | None = Field(None, description="group of every account (default: reader's)")
    observed_at: datetime | None = None
    mapping: str | None = None
    role: Literal["train", "holdout"] = "train"

    @field_validator("format")
    @classmethod
    def _known_format(cls, value: str) -> str:
        if value not in FORMATS:
            raise ValueError(f"unknown format {value!r}; known: {', '.join(FORMATS)}")
        return value


class FeatureConfig(Strict):
    """Which features to use and how the format-leak guard treats them."""

    families: list[str] = list(FAMILIES)
    #: cohort counts, shares and ranks depend on the size of the scored population (15k accounts
    #: in training; ten, or hundreds of millions, when scoring: ten organic accounts scored
    #: together each have a same-day share of at least 0.1). The burst ratios compare with the
    #: organic reference scaled to the population and fall back to the reference for a single
    #: account, so they are the cohort signal models use by default.
    exclude: list[str] = ["cohort_same_day_count", "cohort_3d_count", "cohort_15d_count",
                          "cohort_same_day_share", "cohort_3d_share", "cohort_15d_share",
                          "cohort_rank_pct"]
    #: features kept even when a source cannot supply them (overrides the guard)
    force_include: list[str] = []
    guard: bool = True
    min_presence: float = Field(0.5, ge=0, le=1)
    #: largest difference between sources in the share of accounts with posts (cadence) or
    #: with a needed input column: a larger gap makes "missing" itself a format tell
    max_presence_gap: float = Field(0.2, ge=0, le=1)
    leak_threshold: float = Field(0.98, ge=0.5, le=1)
    #: cohort population: all training accounts together, or each source on its own
    population: Literal["all", "source"] = "all"
    bigram_alpha: float = Field(0.5, gt=0)
    reference_smooth_days: int = Field(15, ge=0)
    reference_uniform_weight: float = Field(0.1, ge=0, le=1)

    @field_validator("families")
    @classmethod
    def _known_families(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(FAMILIES))
        if unknown:
            raise ValueError(f"unknown feature families {unknown}; known: {list(FAMILIES)}")
        return value

    @field_validator("exclude", "force_include")
    @classmethod
    def _known_features(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(FEATURE_NAMES))
        if unknown:
            raise ValueError(f"unknown features {unknown}")
        return value


class CVConfig(Strict):
    """Evaluation: leave-one-group-out is the headline, random stratified K-fold beside it."""

    metric: Literal["roc_auc", "pr_auc", "neg_log_loss", "neg_brier"] = "roc_auc"
    random_folds: int = Field(5, ge=2)


class TuneConfig(Strict):
    """Optuna search over LightGBM parameters, objective = the grouped-CV metric."""

    n_trials: int = Field(20, ge=1)
    timeout_s: float | None = Field(None, gt=0)
    storage: str = "sqlite:///optuna.db"
    study_name: str | None = Field(None, description="default: <config name>-<data fingerprint>")
    pruner: Literal["median", "none"] = "median"
    num_leaves: tuple[int, int] = (7, 63)
    #: bounded depth keeps LightGBM's per-account contributions (the reasons) cheap to compute
    max_depth: tuple[int, int] = (3, 8)
    learning_rate: tuple[float, float] = (0.02, 0.3)
    num_boost_round: tuple[int, int] = (50, 400)
    min_child_samples: tuple[int, int] = (5, 100)
    feature_fraction: tuple[float, float] = (0.5, 1.0)
    lambda_l2: tuple[float, float] = (1e-3, 10.0)


class ModelConfig(Strict):
    """Final model: calibration, decision thresholds, registry."""

    calibration: Literal["isotonic", "platt"] = "isotonic"
    target_precisions: list[float] = [0.9, 0.99]
    registered_name: str = "botsieve"
    num_threads: int = Field(2, ge=1)


class TrackingConfig(Strict):
    """Where runs go. ``uri`` None: $MLFLOW_TRACKING_URI, else sqlite:///mlflow.db here."""

    uri: str | None = None
    experiment: str = "botsieve"

    def resolved_uri(self) -> str:
        """The tracking URI in force."""
        return self.uri or os.environ.get("MLFLOW_TRACKING_URI") or "sqlite:///mlflow.db"


class Config(Strict):
    """A whole training configuration."""

    name: str
    seed: int = 0
    sources: list[SourceConfig]
    features: FeatureConfig = FeatureConfig()
    cv: CVConfig = CVConfig()
    tune: TuneConfig = TuneConfig()
    model: ModelConfig = ModelConfig()
    tracking: TrackingConfig = TrackingConfig()
    output_dir: str = "out"

    @field_validator("sources")
    @classmethod
    def _sources(cls, value: list[SourceConfig]) -> list[SourceConfig]:
        names = [s.name for s in value]
        if len(set(names)) != len(names):
            raise ValueError(f"source names must be unique: {names}")
        if not any(s.role == "train" for s in value):
            raise ValueError("at least one source must have role 'train'")
        return value


class ConfigError(ValueError):
    """A config file or override that is not valid."""


def apply_override(data: dict, assignment: str) -> None:
    """Apply ``section.key=value`` to nested ``data`` in place (value parsed as YAML)."""
    if "=" not in assignment:
        raise ConfigError(f"--set {assignment!r}: expected section.key=value")
    key, raw = assignment.split("=", 1)
    parts = key.strip().split(".")
    node = data
    for part in parts[:-1]:
        if isinstance(node, list):
            try:
                node = node[int(part)]
            except (ValueError, IndexError) as exc:
                raise ConfigError(f"--set {key}: {part!r} is not an index of the list") from exc
            continue
        node = node.setdefault(part, {})
        if not isinstance(node, (dict, list)):
            raise ConfigError(f"--set {key}: {part!r} is not a section")
    try:
        value = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise ConfigError(f"--set {key}: cannot parse value {raw!r}: {exc}") from exc
    if isinstance(node, list):
        index = int(parts[-1])
        if index == len(node):  # one past the end appends: --set sources.3={...}
            node.append(value)
        else:
            node[index] = value
    else:
        node[parts[-1]] = value


def load_config(path: str | Path, overrides: list[str] | None = None) -> Config:
    """Read, override and validate a config; source paths become relative to the config file."""
    path = Path(path)
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read config: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a config is a mapping of sections")
    for assignment in overrides or []:
        apply_override(data, assignment)
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigError(f"{path}: invalid config: {problems}") from exc
    base = path.resolve().parent
    for source in config.sources:
        source.paths = [p if os.path.isabs(p) else str(base / p) for p in source.paths]
        for attr in ("labels_file", "mapping"):
            value = getattr(source, attr)
            if value and not os.path.isabs(value):
                setattr(source, attr, str(base / value))
    return config
