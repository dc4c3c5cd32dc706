"""Dataset composition: the config's sources read into one labeled training table.

Each row keeps its ``source``, its ``group`` (release or bot family, for grouped evaluation)
and its collection (a data source with its own collection method and era, for
leave-one-collection-out evaluation). An account id read from two sources is one account seen
twice: when the labels agree the first source's row is kept, when they contradict each other
every row of it is rejected; both with the reason in the rejects. Format tells shared by every
feature are normalised here; the format-leak guard (field-profile augmentation and the presence
rule) runs on the feature frames (:func:`augmented`, :func:`choose_features`).
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
from features.guard import leakage_audit, normalise_formats, presence_guard
from features.profiles import FieldProfile, augment, distinct_profiles, field_profile
from features.registry import BY_NAME, FEATURE_NAMES
from features.schema import (
    ACCOUNT_DTYPES,
    POST_DTYPES,
    concat_frames,
    concat_rejects,
    make_rejects,
)
from features.sources import ReadOptions, read_files
from models.config import Config, FeatureConfig, SourceConfig

log = logging.getLogger(__name__)


@dataclass
class Dataset:
    """Canonical accounts (labeled) with their cadence, and what reading them reported.

    ``collections``: the collection of each row (its source's ``collection``, default the
    source's name). ``profiles``: the distinct field profiles of the sources;
    ``profile_of``: the index in ``profiles`` of each row's own profile. ``trainable``:
    False for the rows of sources with role ``evaluate`` (scored when their collection is
    left out, never trained on).
    """

    accounts: pd.DataFrame
    cadence: pd.DataFrame
    rejects: pd.DataFrame
    collections: np.ndarray
    profiles: list[FieldProfile]
    profile_of: np.ndarray
    trainable: np.ndarray
    notes: list[str] = field(default_factory=list)

    @property
    def labels(self) -> np.ndarray:
        """Labels as int array (0 organic, 1 inauthentic)."""
        return self.accounts["label"].astype(int).to_numpy()

    @property
    def groups(self) -> np.ndarray:
        """Group of each row (release or bot family)."""
        return self.accounts["group"].astype(str).to_numpy()

    def subset(self, rows: np.ndarray) -> Dataset:
        """The rows ``rows`` only (same cadence, profiles re-derived from what is left)."""
        acc = self.accounts.iloc[rows].reset_index(drop=True)
        profiles, profile_of = source_profiles(acc)
        return Dataset(acc, self.cadence, self.rejects, self.collections[rows], profiles,
                       profile_of, self.trainable[rows], list(self.notes))


def read_source(source: SourceConfig, *, chunksize: int | None = None):
    """Read one configured source."""
    extra = {"chunksize": chunksize} if chunksize else {}
    opts = ReadOptions(source=source.name, group=source.group, label=source.label,
                       labels_file=source.labels_file, observed_at=source.observed_at,
                       mapping=source.mapping, **extra)
    return read_files(source.paths, fmt=source.format, options=opts)


def load_dataset(config: Config, role: str = "train") -> Dataset:
    """Read every source of ``role`` (``train`` also reads the ``evaluate`` sources, marked
    not trainable); unlabeled rows are an error (training needs labels)."""
    accounts, posts, rejects, notes = [], [], [], []
    collection_of, evaluate_only = {}, set()
    roles = ("train", "evaluate") if role == "train" else (role,)
    for source in config.sources:
        if source.role not in roles:
            continue
        if source.role == "evaluate":
            evaluate_only.add(source.name)
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
        collection_of[source.name] = source.collection or source.name
    acc = concat_frames(accounts, ACCOUNT_DTYPES)
    acc, dup_rejects, dup_notes = resolve_repeated_ids(acc)
    rejects.append(dup_rejects)
    notes.extend(dup_notes)
    acc, norm_notes = normalise_formats(acc)
    notes.extend(norm_notes)
    all_posts = concat_frames(posts, POST_DTYPES)
    cadence = compute_cadence(all_posts) if len(all_posts) else pd.DataFrame()
    collections = acc["source"].astype(str).map(collection_of).to_numpy()
    profiles, profile_of = source_profiles(acc)
    trainable = ~acc["source"].astype(str).isin(evaluate_only).to_numpy()
    return Dataset(acc, cadence, concat_rejects(rejects), collections, profiles, profile_of,
                   trainable, notes)


def resolve_repeated_ids(accounts: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame,
                                                           list[str]]:
    """One row per account id: an id read from several sources (the same account seen twice)
    keeps its first row when the labels agree; when they contradict each other (caverlee-2011
    lists 44 ids as both content polluter and legitimate user) every row of the id goes.
    Returns (accounts, rejects naming each row left out and why, notes)."""
    ids = accounts["account_id"]
    repeated = ids.duplicated(keep=False).to_numpy()
    if not repeated.any():
        return accounts, concat_rejects([]), []
    rows = accounts.loc[repeated, ["account_id", "source", "label"]]
    labels = rows.groupby("account_id")["label"].nunique()
    conflicting = set(labels.index[labels > 1])
    first = rows.groupby("account_id")["source"].first()
    conflict = ids.isin(conflicting).to_numpy()
    later = ids.duplicated(keep="first").to_numpy() & ~conflict
    sources_of = rows.groupby("account_id")["source"].unique()
    why = {
        "conflict": lambda r: ("account labelled both 1 and 0 (sources "
                               f"{', '.join(sorted(sources_of[r.account_id]))})"),
        "later": lambda r: (f"account already read from source {first[r.account_id]} "
                            "(same label; the first observation is kept)"),
    }
    out = []
    for mask, kind in ((conflict, "conflict"), (later, "later")):
        if mask.any():
            hit = accounts.loc[mask]
            reasons = pd.Series([why[kind](r) for r in hit.itertuples()])
            out.append(make_rejects("", pd.Series(pd.NA, index=range(len(hit)), dtype="Int64"),
                                    "account_id", reasons).assign(file=hit["source"].to_numpy()))
    notes = [f"{int(conflict.sum())} rows of {len(conflicting)} account ids with contradicting "
             f"labels left out; {int(later.sum())} later observations of accounts read "
             "before left out (reasons in the rejects)"]
    keep = ~(conflict | later)
    return accounts.loc[keep].reset_index(drop=True), concat_rejects(out), notes


def source_profiles(accounts: pd.DataFrame) -> tuple[list[FieldProfile], np.ndarray]:
    """The distinct field profiles of the sources, and each row's (its source's) profile."""
    by_source = accounts.groupby("source", sort=False).indices
    own = {name: field_profile(accounts.iloc[rows], str(name))
           for name, rows in by_source.items()}
    profiles = distinct_profiles(list(own.values()))
    index = {p.key: i for i, p in enumerate(profiles)}
    profile_of = np.empty(len(accounts), dtype=int)
    for name, rows in by_source.items():
        profile_of[rows] = index[own[name].key]
    return profiles, profile_of


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


def populations(data: Dataset, cfg: FeatureConfig) -> tuple[np.ndarray, dict]:
    """The cohort population of each row (its collection, its source, or one for all; see
    ``FeatureConfig.population``) and the creation-day counts of each population.

    Cohort counts use no labels, so a population is always all of its rows, whichever rows
    are transformed: a fold's features do not depend on how the folds were cut."""
    if cfg.population == "collection":
        keys = data.collections
    elif cfg.population == "source":
        keys = data.accounts["source"].astype(str).to_numpy()
    else:
        keys = np.zeros(len(data.accounts), dtype=object)
    counters = {key: CohortCounter().add(data.accounts["created_at"].iloc[rows])
                for key, rows in pd.Series(keys).groupby(keys).indices.items()}
    return keys, counters


def features_of(builder: FeatureBuilder, data: Dataset, cfg: FeatureConfig,
                accounts: pd.DataFrame, keys: np.ndarray, names: list[str] | None = None
                ) -> pd.DataFrame:
    """Feature frame of ``accounts`` (rows of ``data``, possibly masked), each row's cohort
    features against its population ``keys``."""
    _, counters = populations(data, cfg)
    parts = []
    for key, rows in pd.Series(keys).groupby(keys, sort=False).indices.items():
        part = accounts.iloc[rows]
        parts.append(builder.transform(part, cadence=data.cadence, population=counters[key],
                                       names=names))
    if not parts:
        return builder.transform(accounts, cadence=data.cadence, names=names)
    return pd.concat(parts).loc[accounts.index]


def transform(builder: FeatureBuilder, data: Dataset, cfg: FeatureConfig,
              rows: np.ndarray | None = None, names: list[str] | None = None,
              profile: int | None = None) -> pd.DataFrame:
    """Feature frame of ``data`` (or of its ``rows``); only the features ``names`` when given;
    with ``profile`` (an index into ``data.profiles``), the rows as a source of that profile
    would give them (:func:`features.profiles.mask_accounts`)."""
    from features.profiles import mask_accounts

    rows = np.arange(len(data.accounts)) if rows is None else np.asarray(rows)
    acc = data.accounts.iloc[rows].reset_index(drop=True)
    keys = populations(data, cfg)[0][rows]
    if profile is not None:
        other = data.profile_of[rows] != profile
        acc = pd.concat([acc.loc[~other], mask_accounts(acc.loc[other],
                                                        data.profiles[profile])]).sort_index()
    return features_of(builder, data, cfg, acc, keys, names)


def augmented(builder: FeatureBuilder, data: Dataset, cfg: FeatureConfig, rows: np.ndarray,
              names: list[str] | None = None) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Training frame of ``rows``: each account as it is and, unless ``cfg.augment`` is off,
    shown in each other field profile among ``rows`` (:func:`features.profiles.augment`).
    Returns (frame, for each frame row its position in ``data``, and the index in
    ``data.profiles`` of the profile it is shown in)."""
    rows = np.asarray(rows)
    acc = data.accounts.iloc[rows].reset_index(drop=True)
    own = data.profile_of[rows]
    present = sorted(set(own.tolist()))
    keys = populations(data, cfg)[0][rows]
    if not cfg.augment or len(present) < 2:
        return features_of(builder, data, cfg, acc, keys, names), rows, own
    profiles = [data.profiles[i] for i in present]
    local = np.searchsorted(present, own)
    frame, origin, shown = augment(acc, data.labels[rows], local, profiles,
                                   classes=cfg.augment_classes)
    shown_in = np.where(shown >= 0, np.asarray(present)[np.maximum(shown, 0)], own[origin])
    return (features_of(builder, data, cfg, frame, keys[origin], names), rows[origin],
            shown_in)


@dataclass
class FeatureSelection:
    """The features a model uses, and why the others are not used."""

    names: list[str]
    dropped: pd.DataFrame
    audit: pd.DataFrame


def wanted_features(cfg: FeatureConfig) -> list[str]:
    """The features the config asks for (its families, less its exclusions), in vector
    order."""
    return [n for n in FEATURE_NAMES
            if BY_NAME[n].family in cfg.families and n not in cfg.exclude]


def learnable_rows(data: Dataset, rows: np.ndarray) -> np.ndarray:
    """``rows`` without those of a field profile that lacks fields other profiles have and
    would hold one class only in training: no account of the other class among ``rows`` comes
    in it or can be shown in it (without cresci-2017, no organic account can be shown as a
    takedown release's). Such accounts could teach nothing but "this format is that class", so
    they are left out (with a warning), not the fields their format lacks."""
    rows = np.asarray(rows)
    own = data.profile_of[rows]
    labels = data.labels[rows]
    present = sorted(set(own.tolist()))
    keep = np.ones(len(rows), bool)
    for p in present:
        able = [q for q in present if q == p or data.profiles[q].can_show(data.profiles[p])]
        poorer = any(not data.profiles[p].can_show(data.profiles[q]) for q in present)
        # (a profile that lacks nothing others have, e.g. organic controls in the richest
        # format, leaks only through the fields it alone has: the presence rule drops those)
        if poorer and len(set(labels[np.isin(own, able)].tolist())) < 2:
            keep &= own != p
            sources = sorted(set(data.accounts["source"].iloc[rows[own == p]].astype(str)))
            log.warning("not trained on %s: no account of the other class comes in or can be "
                        "shown in its field profile, so it would teach only its format",
                        ", ".join(sources))
    return rows[keep]


def choose_features(frame: pd.DataFrame, y: np.ndarray, shown: np.ndarray, data: Dataset,
                    cfg: FeatureConfig) -> tuple[list[str], pd.DataFrame]:
    """The config's features that the presence rule keeps on a training frame (augmented as
    models are trained on it; ``shown``: the profile each row is shown in), and a table of
    the others with the reason (:func:`features.guard.presence_guard`)."""
    wanted = wanted_features(cfg)
    rows = [{"feature": n, "family": BY_NAME[n].family, "reason": "excluded by config"}
            for n in FEATURE_NAMES if n not in wanted]
    names = wanted
    if cfg.guard:
        names_of = np.array([p.name for p in data.profiles])
        kept, dropped = presence_guard(frame[wanted], y, profiles=names_of[shown],
                                       max_presence_gap=cfg.max_presence_gap,
                                       min_ratio=cfg.min_presence_ratio)
        forced = [n for n in cfg.force_include if n in wanted and n not in kept]
        names = [n for n in wanted if n in kept or n in forced]
        for rec in dropped.to_dict("records"):
            if rec["feature"] in forced:
                log.warning("feature %s kept by force_include although %s", rec["feature"],
                            rec["reason"])
            else:
                rows.append({**rec, "family": BY_NAME[rec["feature"]].family})
    return names, pd.DataFrame(rows, columns=["feature", "family", "reason"])


def select_features(data: Dataset, cfg: FeatureConfig) -> FeatureSelection:
    """The features of the final model (:func:`choose_features` on every training row), and
    the leakage audit. Every evaluation fold makes the same choice on its own training rows
    (:class:`models.evaluate.PreparedFolds`)."""
    rows = learnable_rows(data, np.flatnonzero(data.trainable))
    builder = make_builder(cfg).fit(data.accounts.iloc[rows])
    frame, at, shown = augmented(builder, data, cfg, rows, wanted_features(cfg))
    y = data.labels[at]
    names, table = choose_features(frame, y, shown, data, cfg)
    if len(table):
        log.info("%d features not used (reasons in evaluation/features_not_used): %s",
                 len(table), ", ".join(table["feature"]))
    audit = leakage_audit(frame[names], pd.Series(y), threshold=cfg.leak_threshold)
    return FeatureSelection(names, table, audit)
