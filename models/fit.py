"""The final model: trained on every training row, calibrated and thresholded out of fold.

The booster is trained on all training accounts (augmented with every field profile, as in the
folds). Its probability and decision thresholds come from the pooled leave-one-collection-out
predictions, the scores of collections each fold model never saw: a calibration fitted on
in-sample scores would be as optimistic as the in-sample fit. Both are stated for the deployment
prior of the config (``model.prior``), and the bundle keeps the out-of-fold operating curve so
that scoring can ask for another prior (:mod:`models.bundle`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from models import drift
from models.bundle import (
    BUNDLE_VERSION,
    Bundle,
    fit_calibrator,
    operating_curve,
    package_versions,
    thresholds_at_precision,
)
from models.config import Config
from models.dataset import (
    Dataset,
    augmented,
    learnable_rows,
    load_dataset,
    make_builder,
    transform,
)
from models.evaluate import metrics, train_booster, training_set, training_weights
from models.generalisation import Evaluation


def fit_bundle(data: Dataset, config: Config, features: list[str], params: dict,
               ev: Evaluation, *, model_version: str, training: dict) -> Bundle:
    """Train on all rows and package the model with its calibration, operating curve,
    thresholds at the deployment prior and the training deciles for the drift check."""
    cfg = config.features
    # (sources with role evaluate are never trained on; nor a format only one class comes in)
    rows = learnable_rows(data, np.flatnonzero(data.trainable))
    builder = make_builder(cfg).fit(data.accounts.iloc[rows])
    X, at, _ = augmented(builder, data, cfg, rows, features)
    weight = training_weights(data, cfg, at, len(rows))
    booster = train_booster(training_set(X, data.labels[at], weight), None, params,
                            seed=config.seed, num_threads=config.model.num_threads,
                            monotone=cfg.monotone, separate=tuple(cfg.separate_families))
    calibrator = fit_calibrator(ev.loco_scores, ev.loco_y, config.model.calibration)
    curve = operating_curve(ev.loco_scores, ev.loco_y)
    prior = config.model.prior
    own = transform(builder, data, cfg, rows, features)  # the accounts as they came
    return Bundle(booster, builder, {
        "bundle_version": BUNDLE_VERSION,
        "model_version": model_version,
        "feature_names": features,
        "feature_state": builder.to_dict(),
        # a scored list is one population (training's collections are lists of their own)
        "population": "source" if cfg.population == "source" else "all",
        "created_at_to_day": bool(data.accounts["created_at_day_only"].all()),
        "calibrator": calibrator,
        "operating_curve": curve,
        "prior": prior,
        "target_precisions": list(config.model.target_precisions),
        "thresholds": thresholds_at_precision(curve, config.model.target_precisions, prior,
                                              calibrator),
        "drift_reference": drift.reference(own),
        "params": params,
        "monotone": {f: v for f, v in cfg.monotone.items() if f in features},
        "versions": package_versions(),
        "training": training,
    })


def holdout_scores(config: Config, bundle: Bundle, train_ids: set[str]) -> dict[str, float]:
    """Score the held-out sources together with the final model (they form the scored
    population): metrics over all of them (``holdout_<metric>``), and per source the mean
    probability and the share flagged at the first target precision, at the prior."""
    sources = [s for s in config.sources if s.role == "holdout"]
    if not sources:
        return {}
    data = load_dataset(config, role="holdout")
    shared = set(data.accounts["account_id"].astype(str)) & train_ids
    if shared:
        raise ValueError(f"{len(shared)} held-out accounts are also training accounts, e.g. "
                         f"{sorted(shared)[:3]}: a holdout must be disjoint from training")
    scores = bundle.score(data.accounts, cadence=data.cadence, reasons="none")
    raw = bundle.booster.predict(bundle.features_of(data.accounts, cadence=data.cadence))
    out = {f"holdout_{k}": v for k, v in metrics(data.labels, raw).items()}
    for source in sources:
        mine = (data.accounts["source"] == source.name).to_numpy()
        out[f"holdout_{source.name}_mean_probability"] = float(
            scores.loc[mine, "bot_probability"].mean())
        out[f"holdout_{source.name}_flagged_share"] = float(scores.loc[mine, "is_bot"].mean())
    return out


def save(bundle: Bundle, config: Config, run_id: str) -> Path:
    """Write the bundle under the config's output folder, in a folder named after the run."""
    return bundle.save(Path(config.output_dir) / run_id / "bundle")


__all__ = ["fit_bundle", "holdout_scores", "save"]
