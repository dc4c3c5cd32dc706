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
from features.schema import validation_problems
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
    #: train: trained on, and left out in turn in leave-one-collection-out evaluation;
    #: evaluate: only ever scored as a left-out collection, never trained on (a collection
    #: that teaches its collection rather than bots, see the generalisation report);
    #: holdout: scored by the final model only
    role: Literal["train", "evaluate", "holdout"] = "train"
    #: the collection the source belongs to: a data source with its own collection method and
    #: era (the unit left out in leave-one-collection-out evaluation); default: the source
    collection: str | None = None

    @field_validator("format")
    @classmethod
    def _known_format(cls, value: str) -> str:
        if value not in FORMATS:
            raise ValueError(f"unknown format {value!r}; known: {', '.join(FORMATS)}")
        return value


#: Directions the collections agree on, so the model may not learn the opposite from one
#: collection's quirks: -1 = more of it never makes an account more likely inauthentic. Bots
#: have fewer followers relative to whom they follow, fewer posts, likes and list memberships
#: (also per day of age), and fewer banners and description words than the organic accounts of
#: their own collection: single-feature ROC-AUC below 0.5 in cresci-2017, caverlee-2011 and
#: cresci-stock-2018 wherever the collection has the field (follower share 0.15, 0.22, 0.45;
#: posts 0.07, 0.27, 0.44), but for two: caverlee-2011's polluters have more followers (0.66),
#: with far more followees (their follower share is lower, as everywhere), and
#: cresci-stock-2018's likes per day say nothing (0.51). Without the constraints the mean
#: leave-one-collection-out ROC-AUC falls from 0.843 to 0.798, cresci-2017's from 0.956 to
#: 0.664 (README, "Results").
MONOTONE = {"log_followers": -1, "follower_share": -1, "followers_per_following": -1,
            "log_statuses": -1, "log_favourites": -1, "log_listed": -1,
            "statuses_per_day": -1, "favourites_per_day": -1, "listed_per_day": -1,
            "profile_banner": -1, "description_words": -1,
            # accounts created together far beyond the organic expectation: never less likely
            "cohort_burst_ratio_same_day": 1, "cohort_burst_ratio_3d": 1,
            "cohort_burst_ratio_15d": 1}
#: Features left out by default. Account age says when a collection was made rather than
#: what the account is: caverlee-2011's humans, collected in 2009, are a few months old,
#: cresci-2017's, collected in 2015, years; leaving it out raised the mean
#: leave-one-collection-out ROC-AUC from 0.830 to 0.843, cresci-stock-2018's from 0.470 to
#: 0.524 and the IRA sample's from 0.850 to 0.894 (README, "Results"). The counts per day of
#: age keep its signal where it transfers (activity relative to the account's life).
EXCLUDE = ["age_days"]


class FeatureConfig(Strict):
    """Which features to use, the format-leak guard and the cohort population."""

    families: list[str] = list(FAMILIES)
    exclude: list[str] = list(EXCLUDE)
    #: features kept even when the presence rule would drop them
    force_include: list[str] = []
    #: train on every account also masked to every other source's field profile
    augment: bool = True
    #: training weight of a masked copy (an account as it is weighs 1)
    augment_weight: float = Field(1.0, gt=0)
    #: which classes are copied into a profile whose own sources hold one class (a takedown
    #: release's): only the other one (``missing``), or ``both`` (features.profiles.augment)
    augment_classes: Literal["missing", "both"] = "missing"
    #: every (collection, label) cell of the training accounts gets the same total weight
    balance: bool = False
    #: the presence rule on the augmented training table (features.guard.presence_guard)
    guard: bool = True
    max_presence_gap: float = Field(0.2, ge=0, le=1)
    min_presence_ratio: float = Field(0.1, ge=0, le=1)
    leak_threshold: float = Field(0.98, ge=0.5, le=1)
    #: LightGBM monotone constraints: feature -> -1 (never raises the score), 1, 0 (free)
    monotone: dict[str, Literal[-1, 0, 1]] = dict(MONOTONE)
    #: families kept in trees of their own, so that their evidence adds to the rest whatever
    #: the rest says: a creation burst counts for an account whose profile looks organic (the
    #: training data's bursts come with bot-like profiles, and a model free to combine the two
    #: learns "burst and bot-like profile" instead of "burst")
    separate_families: list[Literal["profile", "name", "cadence", "cohort"]] = ["cohort"]
    #: cohort population in training: each collection is one scored list (an IO release is a
    #: list of its own), each source, or all training accounts together
    population: Literal["collection", "source", "all"] = "collection"
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

    @field_validator("exclude", "force_include", "monotone")
    @classmethod
    def _known_features(cls, value: list[str] | dict) -> list[str] | dict:
        unknown = sorted(set(value) - set(FEATURE_NAMES))
        if unknown:
            raise ValueError(f"unknown features {unknown}")
        return value


class CVConfig(Strict):
    """Evaluation: leave-one-collection-out is the headline and the tuning objective;
    leave-one-group-out (bot family, release) and random stratified K-fold beside it."""

    metric: Literal["roc_auc", "pr_auc", "neg_log_loss", "neg_brier"] = "roc_auc"
    #: how the per-collection scores make the objective: their mean, or the worst collection
    aggregate: Literal["mean", "worst"] = "mean"
    #: organic accounts are split into this many folds: a left-out takedown release (no
    #: negatives of its own) is scored against a fold of them that its model never saw
    control_folds: int = Field(5, ge=2)
    random_folds: int = Field(5, ge=2)


class TuneConfig(Strict):
    """Optuna search over LightGBM parameters, objective = the leave-one-collection-out
    metric (``cv.aggregate`` over the collections)."""

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
    feature_fraction: tuple[float, float] = (0.3, 1.0)
    #: features sampled at each split (as a random forest does): trees that cannot all lean
    #: on the one feature that separates a training collection best transfer better
    feature_fraction_bynode: tuple[float, float] = (0.2, 1.0)
    bagging_fraction: tuple[float, float] = (0.4, 1.0)
    lambda_l2: tuple[float, float] = (1e-3, 10.0)


class ModelConfig(Strict):
    """Final model: calibration, decision thresholds, registry."""

    calibration: Literal["isotonic", "platt"] = "isotonic"
    target_precisions: list[float] = [0.9, 0.99]
    #: deployment prior: the share of inauthentic accounts expected in a scored list. The
    #: calibrated probability and the precision thresholds are for this share, not for the
    #: training mix; predict.py --prior overrides it for a list.
    prior: float = Field(0.05, gt=0, lt=1)
    registered_name: str = "botsieve"
    num_threads: int = Field(2, ge=1)


class PeerConfig(Strict):
    """The BotometerLite-style random forest run through the same folds (models/peer.py)."""

    enabled: bool = True
    n_estimators: int = Field(100, ge=1)


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
    peer: PeerConfig = PeerConfig()
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
        raise ConfigError(f"{path}: invalid config: {validation_problems(exc)}") from exc
    base = path.resolve().parent
    for source in config.sources:
        source.paths = [p if os.path.isabs(p) else str(base / p) for p in source.paths]
        for attr in ("labels_file", "mapping"):
            value = getattr(source, attr)
            if value and not os.path.isabs(value):
                setattr(source, attr, str(base / value))
    return config
