"""Dataset composition: the config's sources read into one labeled training table.

Positives come from takedown releases, controls from other sources; each row keeps its
``source`` and ``group`` (release or bot family) for grouped evaluation. The format-leak guard
runs here: format tells are normalised for all sources, and the feature list is cut to what every
training source can supply (unless the config forces a feature in).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from features.build import FeatureBuilder
from features.cadence import compute_cadence
from features.cohort import CohortCounter
from features.guard import leakage_audit, normalise_formats, supplied_features
from features.registry import BY_NAME, FEATURE_NAMES
from features.schema import ACCOUNT_DTYPES, POST_DTYPES, concat_frames, concat_rejects
from features.sources import ReadOptions, read_files
from models.config import Config, FeatureConfig, SourceConfig

log = logging.getLogger(__name__)


@dataclass
class Dataset:
    """Canonical accounts (labeled) with their cadence, and what reading them reported."""

    accounts: pd.DataFrame
    cadence: pd.DataFrame
    rejects: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    @property
    def labels(self) -> np.ndarray:
        """Labels as int array (0 organic, 1 inauthentic)."""
        return self.accounts["label"].astype(int).to_numpy()

    @property
    def groups(self) -> np.ndarray:
        """Group of each row (release or bot family)."""
        return self.accounts["group"].astype(str).to_numpy()


def read_source(source: SourceConfig, *, chunksize: int | None = None):
    """Read one configured source."""
    extra = {"chunksize": chunksize} if chunksize else {}
    opts = ReadOptions(source=source.name, group=source.group, label=source.label,
                       labels_file=source.labels_file, observed_at=source.observed_at,
                       mapping=source.mapping, **extra)
    return read_files(source.paths, fmt=source.format, options=opts)


def load_dataset(config: Config, role: str = "train") -> Dataset:
    """Read every source of ``role``; unlabeled rows are an error (training needs labels)."""
    accounts, posts, rejects, notes = [], [], [], []
    for source in config.sources:
        if source.role != role:
            continue
        res = read_source(source)
        log.info("source %s: %d accounts, %d posts, %d rejects (%s)", source.name,
                 len(res.accounts), len(res.posts), len(res.rejects), res.format)
        unlabeled = res.accounts["label"].isna()
        if unlabeled.any():
            raise ValueError(f"source {source.name}: {int(unlabeled.sum())} accounts have no "
                             "label; give `label` or `labels_file` in the config")
        accounts.append(res.accounts)
        posts.append(res.posts)
        rejects.append(res.rejects)
        notes.extend(res.notes)
    acc = concat_frames(accounts, ACCOUNT_DTYPES)
    dup = acc["account_id"].duplicated(keep=False)
    if dup.any():
        clash = acc.loc[dup].groupby("account_id")["source"].unique().head(5).to_dict()
        raise ValueError(f"{int(dup.sum())} rows share an account_id across sources, e.g. "
                         f"{clash}; an account must appear in one source only")
    acc, norm_notes = normalise_formats(acc)
    notes.extend(norm_notes)
    all_posts = concat_frames(posts, POST_DTYPES)
    cadence = compute_cadence(all_posts) if len(all_posts) else pd.DataFrame()
    return Dataset(acc, cadence, concat_rejects(rejects), notes)


def fingerprint(accounts: pd.DataFrame, cadence: pd.DataFrame) -> str:
    """A short SHA-256 of the training table (accounts and cadence, order-independent)."""
    h = hashlib.sha256()
    acc = accounts.sort_values("account_id").reset_index(drop=True)
    h.update(pd.util.hash_pandas_object(acc.astype(str), index=False).to_numpy().tobytes())
    if len(cadence):
        # DuckDB's parallel aggregation sums in varying order (last-bit differences): round
        cad = cadence.sort_index().round(9)
        h.update(pd.util.hash_pandas_object(cad, index=True).to_numpy().tobytes())
    return h.hexdigest()[:16]


def make_builder(cfg: FeatureConfig) -> FeatureBuilder:
    """An unfitted feature builder with the config's parameters."""
    return FeatureBuilder(bigram_alpha=cfg.bigram_alpha,
                          reference_smooth_days=cfg.reference_smooth_days,
                          reference_uniform_weight=cfg.reference_uniform_weight)


def transform(builder: FeatureBuilder, data: Dataset, cfg: FeatureConfig,
              rows: np.ndarray | None = None, names: list[str] | None = None) -> pd.DataFrame:
    """Feature frame of ``data`` (or of its ``rows``); only the features ``names`` when given.

    Cohort counts use no labels, so their population is always the whole table (each source of
    it with ``population: source``), whichever rows are transformed: a fold's features do not
    depend on how the folds were cut.
    """
    acc = data.accounts if rows is None else data.accounts.iloc[rows]
    if cfg.population == "source":
        parts = []
        for source, idx in acc.groupby("source", sort=False).groups.items():
            counter = CohortCounter().add(
                data.accounts.loc[data.accounts["source"] == source, "created_at"])
            parts.append(builder.transform(acc.loc[idx], cadence=data.cadence,
                                           population=counter, names=names))
        return pd.concat(parts).loc[acc.index]
    counter = CohortCounter().add(data.accounts["created_at"])
    return builder.transform(acc, cadence=data.cadence, population=counter, names=names)


@dataclass
class FeatureSelection:
    """The features a model uses, and why the others are not used."""

    names: list[str]
    dropped: pd.DataFrame
    audit: pd.DataFrame


def select_features(data: Dataset, cfg: FeatureConfig) -> FeatureSelection:
    """Apply family/exclude choices and the format-leak guard; run the leakage audit.

    The guard looks at the whole training table (which columns each source carries); the audit
    uses a builder fitted on all training rows, for reporting only (models are always trained on
    features fitted inside their own training rows).
    """
    builder = make_builder(cfg).fit(data.accounts)
    frame = transform(builder, data, cfg)
    wanted = [n for n in FEATURE_NAMES
              if BY_NAME[n].family in cfg.families and n not in cfg.exclude]
    rows = [{"feature": n, "family": BY_NAME[n].family, "reason": "excluded by config"}
            for n in FEATURE_NAMES if n not in wanted]
    if cfg.guard:
        supplied, dropped = supplied_features(data.accounts, frame[wanted],
                                              min_presence=cfg.min_presence,
                                              max_presence_gap=cfg.max_presence_gap)
        forced = [n for n in cfg.force_include if n in wanted and n not in supplied]
        names = [n for n in wanted if n in supplied or n in forced]
        for rec in dropped.to_dict("records"):
            if rec["feature"] in forced:
                log.warning("feature %s kept by force_include although %s", rec["feature"],
                            rec["reason"])
            else:
                rows.append(rec)
    else:
        names = wanted
    table = pd.DataFrame(rows, columns=["feature", "family", "reason"])
    if len(table):
        log.info("%d features not used (reasons in evaluation/features_not_used): %s",
                 len(table), ", ".join(table["feature"]))
    audit = leakage_audit(frame[names], pd.Series(data.labels), threshold=cfg.leak_threshold)
    return FeatureSelection(names, table, audit)
