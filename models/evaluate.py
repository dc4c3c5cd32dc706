"""Evaluation that measures generalisation.

Headline: leave-one-collection-out. A collection is a data source with its own collection method
and era (cresci-2017, caverlee-2011, cresci-stock-2018, each takedown release). A collection with
both classes is scored whole by a model trained on every other collection. A takedown release
has no negatives of its own: it is scored together with a fold of the organic accounts that its
model never saw, those shown in the release's field profile (hashed names, no statuses count,
...), so that the comparison is made in one format and cannot be won by telling formats apart.

Beside it: leave-one-group-out over the positive groups (bot families, releases; controls spread
over the folds at random), and random stratified K-fold, the split that flatters metadata
classifiers, for contrast only.

Every fold fits the stateful feature pieces (bigram model, creation reference) on its own training
rows and trains on them augmented with the other field profiles of its training sources. Cohort
counts use no labels: their population is a whole collection for every fold, as at scoring it is
the whole input list, so they do not depend on how the folds were cut.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    log_loss,
    precision_recall_curve,
    roc_auc_score,
)
from sklearn.model_selection import StratifiedKFold

from features.registry import BY_NAME
from models.config import Config
from models.dataset import (
    Dataset,
    augmented,
    choose_features,
    learnable_rows,
    make_builder,
    transform,
    wanted_features,
)
from models.peer import INPUTS as PEER_INPUTS
from models.peer import PeerForest

log = logging.getLogger(__name__)

#: Metric names, the same in every run so the MLflow UI can compare runs.
METRICS = ("roc_auc", "pr_auc", "log_loss", "brier", "recall_at_p90", "recall_at_p99")


@dataclass
class Fold:
    """One split: its name (the held-out collection or group, or ``random_k``), its kind
    (``collection``, ``group``, ``random``), row positions, and the field profile (an index
    into ``Dataset.profiles``) the test rows are shown in, when they must share one."""

    name: str
    train: np.ndarray
    test: np.ndarray
    kind: str = "group"
    test_profile: int | None = None


def control_fold_of(data: Dataset, n_folds: int, seed: int) -> np.ndarray:
    """Fold number of every organic row (-1 for the others), stratified by collection."""
    rng = np.random.default_rng(seed)
    fold_of = np.full(len(data.labels), -1)
    for collection in dict.fromkeys(data.collections):
        idx = np.flatnonzero((data.collections == collection) & (data.labels == 0))
        fold_of[idx] = rng.permutation(len(idx)) % n_folds
    return fold_of


def own_profile(data: Dataset, rows: np.ndarray) -> int:
    """The field profile most of ``rows`` come in."""
    return int(np.bincount(data.profile_of[rows]).argmax())


def shown_in(data: Dataset, profile: int) -> np.ndarray:
    """Rows whose source's profile can show them exactly in ``profile`` (e.g. cresci-2017's
    full user objects as an IO release's accounts; caverlee-2011's rows lack its texts)."""
    target = data.profiles[profile]
    able = np.array([p.can_show(target) for p in data.profiles])
    return able[data.profile_of]


def collection_folds(data: Dataset, n_control_folds: int, seed: int) -> list[Fold]:
    """Leave-one-collection-out folds, in the config's order of collections.

    A collection with both classes: test = the collection, train = every other row. A
    collection with positives only (a takedown release): test = its accounts and organic
    control fold ``k`` (chosen by the release's name), those that can be shown exactly
    in the release's field profile and shown so; train = every other trainable row (rows of
    ``evaluate`` sources are only ever scored). A collection of organic accounts only is
    never left out alone (it has nothing to detect); its accounts serve as controls.

    A release none of whose organic accounts can be shown in its profile is not left out
    (with a warning): it could only be scored against accounts of another format.

    Raises
    ------
    ValueError
        No collection can be left out.
    """
    labels, collections = data.labels, data.collections
    control_fold = control_fold_of(data, n_control_folds, seed)
    folds = []
    for collection in dict.fromkeys(collections):
        inside = collections == collection
        has_pos, has_neg = (labels[inside] == 1).any(), (labels[inside] == 0).any()
        if has_pos and has_neg:
            folds.append(Fold(collection, np.flatnonzero(~inside & data.trainable),
                              np.flatnonzero(inside), "collection"))
        elif has_pos:
            target = own_profile(data, np.flatnonzero(inside))
            # a control fold of its own, by its name: leaving another release out (what each
            # collection adds) does not change which organic accounts it is scored against
            k = int(hashlib.sha256(collection.encode("utf-8")).hexdigest()[:8], 16)
            controls = (control_fold == k % n_control_folds) & ~inside & shown_in(data, target)
            if not controls.any():
                log.warning("collection %s is not left out: it has only positives, and no "
                            "organic account can be shown in its field profile %s",
                            collection, data.profiles[target].name)
                continue
            test = inside | controls
            folds.append(Fold(collection, np.flatnonzero(~test & data.trainable),
                              np.flatnonzero(test), "collection", target))
    if not folds:
        raise ValueError("leave-one-collection-out needs a collection with positives")
    return folds


def grouped_folds(data: Dataset, seed: int) -> list[Fold]:
    """Leave-one-positive-group-out folds; controls spread over the folds at random. A group
    whose collection has no organic accounts (a takedown release) is scored against those of
    its controls that can be shown in its own field profile, shown so.

    Raises
    ------
    ValueError
        Fewer than two positive groups (nothing to leave out and still train on).
    """
    labels, groups = data.labels, data.groups
    pos_groups = sorted(set(groups[labels == 1]))
    if len(pos_groups) < 2:
        raise ValueError(f"grouped evaluation needs at least two positive groups, found "
                         f"{pos_groups}")
    rng = np.random.default_rng(seed)
    controls = np.flatnonzero(labels == 0)
    assignment = rng.permutation(len(controls)) % len(pos_groups)
    folds = []
    for i, group in enumerate(pos_groups):
        positives = np.flatnonzero((labels == 1) & (groups == group))
        collection = data.collections[positives[0]]
        mine = controls[assignment == i]
        profile = None
        if not ((data.collections == collection) & (labels == 0)).any():
            profile = own_profile(data, positives)
            mine = mine[shown_in(data, profile)[mine]]
        test = np.sort(np.concatenate([positives, mine]))
        train = np.setdiff1d(np.arange(len(labels)), test)
        folds.append(Fold(group, train, test, "group", profile))
    return folds


def random_folds(labels: np.ndarray, n_splits: int, seed: int) -> list[Fold]:
    """Random stratified K-fold (for contrast with the grouped score)."""
    skf = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    return [Fold(f"random_{k}", tr, te, "random")
            for k, (tr, te) in enumerate(skf.split(np.zeros(len(labels)), labels))]


def recall_at_precision(y: np.ndarray, p: np.ndarray, precision: float) -> float:
    """Highest recall at which precision is at least ``precision`` (0 when never reached)."""
    prec, rec, _ = precision_recall_curve(y, p)
    ok = prec >= precision
    return float(rec[ok].max()) if ok.any() else 0.0


def metrics(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    """The standard metric set for probabilities ``p`` of labels ``y`` (NaN when ``y`` holds
    one class or ``p`` is missing)."""
    if len(np.unique(y)) < 2 or np.isnan(p).any():
        return dict.fromkeys(METRICS, float("nan"))
    clipped = np.clip(p, 1e-7, 1 - 1e-7)
    return {
        "roc_auc": float(roc_auc_score(y, p)),
        "pr_auc": float(average_precision_score(y, p)),
        "log_loss": float(log_loss(y, clipped, labels=[0, 1])),
        "brier": float(brier_score_loss(y, p)),
        "recall_at_p90": recall_at_precision(y, p, 0.90),
        "recall_at_p99": recall_at_precision(y, p, 0.99),
    }


def lgb_params(params: dict, *, seed: int, num_threads: int, features: list[str],
               monotone: dict[str, int], separate: tuple[str, ...] = ()) -> dict:
    """LightGBM parameters: the tuned ones, the monotone constraints of ``features``, the
    families in ``separate`` kept in trees of their own (interaction constraints: each such
    family's contribution adds to the others' log-odds, whatever their values), and fixed
    settings that make training repeatable."""
    fixed = {"objective": "binary", "verbosity": -1, "seed": seed, "deterministic": True,
             "force_row_wise": True, "num_threads": num_threads, "bagging_freq": 1,
             "monotone_constraints": [int(monotone.get(f, 0)) for f in features],
             "monotone_constraints_method": "advanced", "feature_pre_filter": False}
    groups = [[i for i, f in enumerate(features) if BY_NAME[f].family == family]
              for family in separate]
    groups = [g for g in groups if g]
    if groups:
        apart = {i for g in groups for i in g}
        fixed["interaction_constraints"] = [*groups,
                                            [i for i in range(len(features)) if i not in apart]]
    return {**{k: v for k, v in params.items() if k != "num_boost_round"}, **fixed}


def train_booster(X: pd.DataFrame | lgb.Dataset, y: np.ndarray | None, params: dict, *,
                  seed: int, num_threads: int, monotone: dict[str, int],
                  separate: tuple[str, ...] = ()) -> lgb.Booster:
    """Fit LightGBM on a feature frame (NaN = missing, handled by LightGBM) or on a Dataset
    already built (its bins are reused: a fold's Dataset serves every trial)."""
    data = X if isinstance(X, lgb.Dataset) else training_set(X, y)
    names = data.construct().get_feature_name()
    full = lgb_params(params, seed=seed, num_threads=num_threads, features=names,
                      monotone=monotone, separate=separate)
    rounds = int(params["num_boost_round"])
    first = [f for f in names if BY_NAME[f].family in separate]
    if not first:
        return lgb.train(full, data, num_boost_round=rounds)
    # the separate families first, alone: their trees take all the evidence they carry before
    # the other features explain what is left (one model: the penalty on the other features'
    # gains is lifted after the first quarter of the rounds)
    alone = [1.0 if f in first else 0.0 for f in names]
    booster = lgb.Booster({**full, "feature_contri": alone}, data)
    for i in range(rounds):
        if i == max(rounds // 4, 1):
            booster.reset_parameter({"feature_contri": [1.0] * len(names)})
        booster.update()
    return booster


def training_set(X: pd.DataFrame, y: np.ndarray, weight: np.ndarray | None = None
                 ) -> lgb.Dataset:
    """A LightGBM Dataset of a feature frame whose bins stay valid for any tree parameters."""
    return lgb.Dataset(X, label=y, weight=weight, free_raw_data=True,
                       params={"verbosity": -1, "feature_pre_filter": False})


def training_weights(data: Dataset, cfg, at: np.ndarray, n_own: int) -> np.ndarray:
    """Weight of each training row (``at``: its account's position in ``data``; the first
    ``n_own`` rows are the accounts as they are, the rest masked copies, each weighing
    ``augment_weight``). With ``balance``, every (collection, label) cell of the training
    accounts has the same total weight: a collection of 40,000 accounts has no more say than
    one of 10,000 (weights scaled to a mean of 1)."""
    weight = np.where(np.arange(len(at)) < n_own, 1.0, cfg.augment_weight)
    if cfg.balance:
        cell = pd.Series(data.collections[at]).astype(str) + "/" + data.labels[at].astype(str)
        total = pd.Series(weight).groupby(cell.to_numpy()).transform("sum").to_numpy()
        weight = weight / total
        weight *= len(weight) / weight.sum()
    return weight


@dataclass
class FoldFrames:
    """What one fold trains and scores on, built once before tuning."""

    train: lgb.Dataset
    test: pd.DataFrame
    peer_train: pd.DataFrame | None
    peer_y: np.ndarray | None
    peer_test: pd.DataFrame | None


class PreparedFolds:
    """Feature frames of every fold, computed once before tuning (folds are fixed).

    Each fold makes every choice on its own training rows, as training makes them on all of
    them: the sources it can learn from (:func:`models.dataset.learnable_rows`), the stateful
    feature pieces, the training table augmented with its profiles, and the features the
    presence rule keeps on that table (:func:`models.dataset.choose_features`): a held-out
    collection has no say in its own fold's features. With ``peer``, also the peer's frames:
    its training rows as they are (the peer is plain: no augmentation, no guard), its test rows
    the same as the model's.
    """

    def __init__(self, data: Dataset, folds: list[Fold], config: Config, *,
                 peer: bool = False) -> None:
        self.folds = folds
        self.labels = data.labels
        self.monotone = config.features.monotone
        self.separate = tuple(config.features.separate_families)
        self.frames: list[FoldFrames] = []
        self.features: list[list[str]] = []  # each fold's
        cfg = config.features
        for fold in folds:
            train_rows = learnable_rows(data, fold.train)
            builder = make_builder(cfg).fit(data.accounts.iloc[train_rows])
            x_train, at, shown = augmented(builder, data, cfg, train_rows, wanted_features(cfg))
            names, _ = choose_features(x_train, data.labels[at], shown, data, cfg)
            self.features.append(names)
            weight = training_weights(data, cfg, at, len(train_rows))
            wanted = list(dict.fromkeys([*names, *(PEER_INPUTS if peer else [])]))
            test = transform(builder, data, cfg, fold.test, wanted, profile=fold.test_profile)
            peer_train = (transform(builder, data, cfg, fold.train, PEER_INPUTS) if peer
                          else None)
            train = training_set(x_train[names], data.labels[at], weight).construct()
            self.frames.append(FoldFrames(train, test[names], peer_train,
                                          data.labels[fold.train] if peer else None,
                                          test[PEER_INPUTS] if peer else None))

    def run(self, params: dict, *, seed: int, num_threads: int,
            on_fold: Callable[[int, float], None] | None = None,
            objective: str = "roc_auc", aggregate: str = "mean"
            ) -> tuple[pd.DataFrame, list[np.ndarray]]:
        """Train and score every fold with ``params``.

        Returns a per-fold table (fold name, kind, n_test, positives, metrics) and each fold's
        raw test scores. ``on_fold(i, running)`` is called after each fold with the running
        objective (for pruning).
        """
        rows, scores = [], []
        for i, (fold, frames) in enumerate(zip(self.folds, self.frames, strict=True)):
            if len(np.unique(self.labels[fold.train])) < 2:  # nothing to learn: no score
                log.warning("fold %s: its training rows hold one class only; not scored",
                            fold.name)
                p = np.full(len(fold.test), np.nan)
            else:
                booster = train_booster(frames.train, None, params, seed=seed,
                                        num_threads=num_threads, monotone=self.monotone,
                                        separate=self.separate)
                p = booster.predict(frames.test)
            scores.append(p)
            rows.append(fold_row(fold, self.labels[fold.test], p))
            if on_fold is not None:
                on_fold(i, objective_value(pd.DataFrame(rows), objective, aggregate))
        return pd.DataFrame(rows), scores

    def run_peer(self, *, n_estimators: int, seed: int, num_threads: int
                 ) -> tuple[pd.DataFrame, list[np.ndarray]]:
        """The peer (:class:`models.peer.PeerForest`) through the same folds."""
        rows, scores = [], []
        for fold, frames in zip(self.folds, self.frames, strict=True):
            if frames.peer_train is None:
                raise ValueError("the folds were prepared without the peer's frames")
            forest = PeerForest(n_estimators=n_estimators, seed=seed, n_jobs=num_threads)
            p = forest.fit(frames.peer_train, frames.peer_y).predict(frames.peer_test)
            scores.append(p)
            rows.append(fold_row(fold, self.labels[fold.test], p))
        return pd.DataFrame(rows), scores

    def pooled(self, scores: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """(labels, scores) of every fold's test rows, one after the other (an organic account
        scored in two folds, e.g. in its collection and against a release, counts twice)."""
        y = np.concatenate([self.labels[f.test] for f in self.folds])
        return y, np.concatenate(scores)


def fold_row(fold: Fold, y: np.ndarray, p: np.ndarray) -> dict:
    """One row of a per-fold table."""
    return {"fold": fold.name, "kind": fold.kind, "n_test": len(y), "positives": int(y.sum()),
            **metrics(y, p)}


def objective_value(table: pd.DataFrame, metric: str, aggregate: str = "mean") -> float:
    """The folds' objective metric, oriented so that higher is better, aggregated over the
    folds: their mean, or the worst fold."""
    values = table[metric[4:]] if metric.startswith("neg_") else table[metric]
    values = -values if metric.startswith("neg_") else values
    return float(values.min() if aggregate == "worst" else values.mean())


def summarise(table: pd.DataFrame, prefix: str) -> dict[str, float]:
    """Mean of each metric over folds, named ``<prefix>_<metric>``."""
    return {f"{prefix}_{m}": float(table[m].mean()) for m in METRICS}
