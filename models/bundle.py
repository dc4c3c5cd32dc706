"""The model bundle: everything scoring needs, loadable without pickle.

A bundle is a directory with

- ``model.txt``: LightGBM's own text model;
- ``contract.json``: feature names and order, fitted feature state (bigram model, creation
  reference), cohort population mode, calibrator, decision thresholds per target precision,
  package versions, a fingerprint of the training data, the SHA-256 of ``model.txt``.

:meth:`Bundle.load` checks the contract (bundle version, features known to this code, model file
intact, booster features equal to the contract's) and fails with a message that says what differs.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa

from features.build import FeatureBuilder
from features.cohort import CohortCounter
from features.registry import BY_NAME, FEATURE_NAMES
from models.native import NativeBooster, NativeError

if TYPE_CHECKING:
    import lightgbm as lgb

BUNDLE_VERSION = 3  # 3: decision thresholds on the raw score
CONTRACT = "contract.json"
MODEL = "model.txt"
N_REASONS = 3


class BundleError(ValueError):
    """A bundle that cannot be used by this code, with what differs."""


# ---------------------------------------------------------------------------------------------
# Calibration and thresholds


def fit_calibrator(raw: np.ndarray, y: np.ndarray, method: str) -> dict:
    """Map raw LightGBM probabilities to calibrated ones, fitted on out-of-fold predictions.

    Returns a JSON-ready description: isotonic (breakpoints, applied by linear interpolation and
    clipped at the ends, as scikit-learn does) or Platt (``1 / (1 + exp(-(a * logit(p) + b)))``).
    """
    from sklearn.isotonic import IsotonicRegression  # fitting only: scoring never loads sklearn
    from sklearn.linear_model import LogisticRegression

    ok = ~np.isnan(raw)
    raw, y = raw[ok], y[ok]
    if method == "isotonic":
        iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(raw, y)
        return {"method": "isotonic", "x": iso.X_thresholds_.tolist(),
                "y": iso.y_thresholds_.tolist()}
    lr = LogisticRegression(C=1e6, max_iter=1000).fit(_logit(raw)[:, None], y)
    return {"method": "platt", "a": float(lr.coef_[0, 0]), "b": float(lr.intercept_[0])}


def apply_calibrator(cal: dict, raw: np.ndarray) -> np.ndarray:
    """Calibrated probabilities for raw scores."""
    if cal["method"] == "isotonic":
        return np.interp(raw, np.asarray(cal["x"]), np.asarray(cal["y"]))
    return 1.0 / (1.0 + np.exp(-(cal["a"] * _logit(raw) + cal["b"])))


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return np.log(p / (1 - p))


def thresholds_at_precision(prob: np.ndarray, y: np.ndarray, targets: list[float],
                            calibrator: dict | None = None) -> dict:
    """For each target precision, the lowest score threshold whose flagged set (score >=
    threshold) reaches that precision on the out-of-fold predictions, with the recall there.

    ``prob`` are raw model scores (finer than isotonic-calibrated probabilities, whose plateaus
    would tie many accounts); with ``calibrator`` the entry also gives the calibrated probability
    at the threshold. A target never reached gets threshold ``null`` (nothing is flagged)."""
    ok = ~np.isnan(prob)
    prob, y = prob[ok], y[ok]
    order = np.argsort(-prob, kind="stable")
    p_sorted, y_sorted = prob[order], y[order]
    tp = np.cumsum(y_sorted)
    flagged = np.arange(1, len(y_sorted) + 1)
    # only cut between distinct probabilities
    last_of_value = np.r_[p_sorted[1:] != p_sorted[:-1], True]
    precision = tp / flagged
    out = {}
    for target in targets:
        cand = np.flatnonzero(last_of_value & (precision >= target))
        if not len(cand):
            out[str(target)] = {"threshold": None, "recall": 0.0, "precision": None}
            continue
        i = cand.max()  # largest flagged set that still meets the target
        out[str(target)] = {"threshold": float(p_sorted[i]), "recall": float(tp[i] / y.sum()),
                            "precision": float(precision[i])}
        if calibrator is not None:
            out[str(target)]["probability"] = float(
                apply_calibrator(calibrator, np.array([p_sorted[i]]))[0])
    return out


# ---------------------------------------------------------------------------------------------
# The bundle


def package_versions() -> dict[str, str]:
    """Versions of the packages a bundle depends on."""
    names = ["botsieve", "lightgbm", "numpy", "pandas", "scikit-learn", "duckdb", "mlflow"]
    out = {"python": platform.python_version()}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


@dataclass(frozen=True)
class RowStager:
    """The first stage of a bundle's feature vectors (:meth:`Bundle.row_stage`) on its own:
    small and picklable (no LightGBM model), so that reader processes can run it on the
    chunks they parse."""

    builder: FeatureBuilder
    features: tuple[str, ...]
    created_at_to_day: bool
    as_arrow: bool = False  # return an Arrow table (a worker's result for a scorer's file)

    #: Columns kept beside the row features, for :meth:`Bundle.finish_features`.
    KEYS = ("account_id", "created_at", "source")

    def __call__(self, accounts: pd.DataFrame) -> pd.DataFrame | pa.Table:
        if self.created_at_to_day:
            # training truncated creation times to the day (a source was day-only): do the same
            accounts = accounts.assign(created_at=accounts["created_at"].dt.floor("D"))
        rows = self.builder.row_features(accounts, list(self.features))
        keys = pd.DataFrame({k: accounts[k] for k in self.KEYS}, index=accounts.index)
        staged = pd.concat([keys, rows], axis=1)
        return pa.Table.from_pandas(staged, preserve_index=False) if self.as_arrow else staged


@dataclass
class Bundle:
    """A trained model ready to score canonical accounts.

    ``booster``: a ``lightgbm.Booster`` (training), or the :class:`NativeBooster` that
    :meth:`load` gives (the same predictions through LightGBM's library, without importing
    the Python package and the scikit-learn and SciPy it pulls in).
    """

    booster: lgb.Booster | NativeBooster
    builder: FeatureBuilder
    contract: dict

    @property
    def stager(self) -> RowStager:
        """:meth:`row_stage` as a picklable callable."""
        return RowStager(self.builder, tuple(self.features),
                         bool(self.contract.get("created_at_to_day")))

    @property
    def features(self) -> list[str]:
        """Feature names in the model's column order."""
        return list(self.contract["feature_names"])

    @property
    def inputs(self) -> frozenset[str]:
        """The canonical account columns scoring reads: what the model's features need, and
        the keys of :meth:`row_stage` (a reader may skip decoding the other text columns)."""
        return frozenset(self.KEYS).union(*(BY_NAME[name].needs for name in self.features))

    @property
    def population(self) -> str:
        """Cohort population mode the model was trained with (``all`` or ``source``)."""
        return self.contract["population"]

    def save(self, path: str | Path) -> Path:
        """Write the bundle directory (atomically: a temporary directory, then a rename)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".bundle-", dir=path.parent))
        model_text = self.booster.model_to_string()
        (tmp / MODEL).write_text(model_text, encoding="utf-8")
        contract = dict(self.contract)
        contract["model_sha256"] = hashlib.sha256(model_text.encode("utf-8")).hexdigest()
        (tmp / CONTRACT).write_text(json.dumps(contract, indent=1, sort_keys=True),
                                    encoding="utf-8")
        if path.exists():
            old = Path(tempfile.mkdtemp(prefix=".old-", dir=path.parent))
            os.replace(path, old / "bundle")
            os.replace(tmp, path)
            for f in (old / "bundle").iterdir():
                f.unlink()
            (old / "bundle").rmdir()
            old.rmdir()
        else:
            os.replace(tmp, path)
        self.contract = contract
        return path

    @classmethod
    def load(cls, path: str | Path) -> Bundle:
        """Load and check a bundle directory (no pickle involved)."""
        path = Path(path)
        try:
            contract = json.loads((path / CONTRACT).read_text(encoding="utf-8"))
            model_text = (path / MODEL).read_text(encoding="utf-8")
        except FileNotFoundError as exc:
            raise BundleError(f"{path}: not a model bundle (missing {exc.filename})") from exc
        except (OSError, ValueError) as exc:
            raise BundleError(f"{path}: cannot read bundle: {exc}") from exc
        version = contract.get("bundle_version")
        if version != BUNDLE_VERSION:
            raise BundleError(f"{path}: bundle version {version}, this code reads version "
                              f"{BUNDLE_VERSION}")
        digest = hashlib.sha256(model_text.encode("utf-8")).hexdigest()
        if digest != contract.get("model_sha256"):
            raise BundleError(f"{path}: {MODEL} does not match the SHA-256 in {CONTRACT} "
                              "(the bundle is corrupted or was edited)")
        names = contract.get("feature_names") or []
        unknown = [n for n in names if n not in FEATURE_NAMES]
        if unknown:
            raise BundleError(f"{path}: the model uses features this code does not define: "
                              f"{unknown} (trained with another feature version)")
        try:
            booster = NativeBooster(model_text)
            builder = FeatureBuilder.from_dict(contract["feature_state"])
        except (NativeError, KeyError, ValueError) as exc:
            raise BundleError(f"{path}: cannot load the model or its feature state: {exc}") from exc
        if booster.feature_name() != list(names):
            raise BundleError(f"{path}: the LightGBM model's features {booster.feature_name()} "
                              f"differ from the contract's {names}")
        return cls(booster, builder, contract)

    # -- scoring ----------------------------------------------------------------------------

    def features_of(self, accounts: pd.DataFrame, *, cadence: pd.DataFrame | None = None,
                    population: CohortCounter | None = None) -> pd.DataFrame:
        """The model's feature frame for canonical accounts.

        ``population``: creation-day counts of the whole scored population (default: the
        accounts given). With population mode ``source``, each source is its own population.
        """
        return self.finish_features(self.row_stage(accounts), cadence=cadence,
                                    population=population)

    KEYS = RowStager.KEYS

    def row_stage(self, accounts: pd.DataFrame) -> pd.DataFrame:
        """First stage of :meth:`features_of`: the model's row features of canonical accounts,
        with the key columns (:attr:`KEYS`) the second stage needs. A scorer keeps this for a
        large input while it learns the population, then calls :meth:`finish_features`."""
        return self.stager(accounts)

    def finish_features(self, staged: pd.DataFrame, *, cadence: pd.DataFrame | None = None,
                        population: CohortCounter | None = None) -> pd.DataFrame:
        """Second stage of :meth:`features_of`: cadence and cohort features added to the
        output of :meth:`row_stage`, columns in the model's order."""
        by = "source" if self.population == "source" and population is None else None
        keys = staged[list(self.KEYS)]
        rows = staged.drop(columns=list(self.KEYS))
        return self.builder.complete(rows, keys, cadence=cadence, population=population,
                                     population_by=by, names=self.features)

    def predict(self, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Raw model score (what the stored thresholds cut) and calibrated probability."""
        raw = self.booster.predict(X)
        return raw, apply_calibrator(self.contract["calibrator"], raw)

    def score_features(self, X: pd.DataFrame, *, precision: float | None = None,
                       reasons: str = "all") -> pd.DataFrame:
        """Calibrated probability, decision and reasons for a feature frame.

        ``reasons``: ``all`` rows, only ``flagged`` ones (is_bot), or ``none``; rows without
        reasons get an empty string. Reasons cost far more than the prediction itself
        (LightGBM's per-feature contributions are TreeSHAP values).
        """
        raw, prob = self.predict(X)
        threshold = self.threshold(precision)  # on the raw score
        decision = raw >= threshold if threshold is not None else np.zeros(len(prob), bool)
        text = np.full(len(X), "", dtype=object)
        which = {"all": np.ones(len(X), bool), "flagged": decision,
                 "none": np.zeros(len(X), bool)}[reasons]
        if which.any():
            text[which] = self.reasons(X[which])
        return pd.DataFrame({"bot_probability": prob, "is_bot": decision, "reasons": text},
                            index=X.index)

    def score(self, accounts: pd.DataFrame, *, cadence: pd.DataFrame | None = None,
              population: CohortCounter | None = None, precision: float | None = None,
              reasons: str = "all", monitor=None) -> pd.DataFrame:
        """Scores for canonical accounts: account_id, bot_probability (calibrated), is_bot (at
        the stored threshold for ``precision``), reasons, model_version."""
        return self.score_staged(self.row_stage(accounts), cadence=cadence,
                                 population=population, precision=precision, reasons=reasons,
                                 monitor=monitor)

    def score_staged(self, staged: pd.DataFrame, *, cadence: pd.DataFrame | None = None,
                     population: CohortCounter | None = None, precision: float | None = None,
                     reasons: str = "all", monitor=None) -> pd.DataFrame:
        """:meth:`score` for the output of :meth:`row_stage`."""
        X = self.finish_features(staged, cadence=cadence, population=population)
        return self.scores_for(staged["account_id"], X, precision=precision, reasons=reasons,
                               monitor=monitor)

    def scores_for(self, account_ids: pd.Series, X: pd.DataFrame, *,
                   precision: float | None = None, reasons: str = "all",
                   monitor=None) -> pd.DataFrame:
        """The scores table for finished feature vectors ``X`` of ``account_ids``."""
        if monitor is not None:  # a drift.DriftMonitor counting the scored population
            monitor.add(X)
        return self.scores_table(account_ids,
                                 self.score_features(X, precision=precision, reasons=reasons))

    def scores_table(self, account_ids: pd.Series, scored: pd.DataFrame) -> pd.DataFrame:
        """:meth:`score_features` output as the scores table: account_id, bot_probability,
        is_bot, reasons, model_version."""
        out = scored.reset_index(drop=True)
        out.insert(0, "account_id", account_ids.astype("str").array)
        out["model_version"] = self.contract.get("model_version", "unregistered")
        return out

    def threshold(self, precision: float | None) -> float | None:
        """Stored decision threshold on the raw model score for a target precision (default:
        the first one stored); None when the target was never reached in evaluation."""
        table = self.contract["thresholds"]
        key = str(precision) if precision is not None else next(iter(table))
        if key not in table:
            raise BundleError(f"no threshold stored for precision {precision}; stored: "
                              f"{', '.join(table)}")
        return table[key]["threshold"]

    def reasons(self, X: pd.DataFrame) -> list[str]:
        """Top features by LightGBM's own contribution (SHAP values, log-odds), signed, e.g.
        ``cohort_burst_ratio_15d=41 (+1.9); log_followers=0 (+0.8); ...``."""
        contrib = self.booster.predict(X, pred_contrib=True)[:, :-1]
        top = np.argsort(-np.abs(contrib), axis=1)[:, :N_REASONS]
        values = X.to_numpy(dtype="float64")
        names = self.features
        out = []
        for i in range(len(X)):
            parts = []
            for j in top[i]:
                v = values[i, j]
                shown = "NA" if np.isnan(v) else f"{v:.4g}"
                parts.append(f"{names[j]}={shown} ({contrib[i, j]:+.2f})")
            out.append("; ".join(parts))
        return out


#: The bundles a scoring worker process has loaded (by directory), each loaded once.
_WORKER_BUNDLES: dict[str, Bundle] = {}


def score_in_worker(bundle_dir: str, X: pd.DataFrame, precision: float | None,
                    reasons: str) -> pd.DataFrame:
    """:meth:`Bundle.score_features` in a worker process of a scorer (e.g. ``predict.py``),
    for the bundle the scorer saved at ``bundle_dir``. Each worker scores a slice with one
    LightGBM thread: the processes are the parallelism, and they take the next slice as soon
    as they are free, while the scorer prepares the slices and writes the scores."""
    bundle = _WORKER_BUNDLES.get(bundle_dir)
    if bundle is None:
        bundle = _WORKER_BUNDLES[bundle_dir] = Bundle.load(bundle_dir)
        bundle.booster.threads = 1
    return bundle.score_features(X, precision=precision, reasons=reasons)
