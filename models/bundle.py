"""The model bundle: everything scoring needs, loadable without pickle.

A bundle is a directory with

- ``model.txt``: LightGBM's own text model;
- ``contract.json``: feature names and order, fitted feature state (bigram model, creation
  reference), cohort population mode, calibrator, the out-of-fold operating curve and the
  deployment prior (decision thresholds for any prior and target precision come from them),
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
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from features.build import FeatureBuilder
from features.cohort import CohortCounter
from features.registry import FEATURE_NAMES
from models.contract import check_contract
from models.native import NativeBooster, NativeError
from models.reasons import PathTable, levels, reason_texts

if TYPE_CHECKING:
    import lightgbm as lgb

BUNDLE_VERSION = 4  # 4: operating curve and deployment prior
CONTRACT = "contract.json"
MODEL = "model.txt"


class BundleError(ValueError):
    """A bundle that cannot be used by this code, with what differs."""


# ---------------------------------------------------------------------------------------------
# Calibration and thresholds, at a deployment prior
#
# Out-of-fold predictions come at the training mix (more than half inauthentic here); a list an
# analyst scores may hold a few percent. Both the probability and the precision of a threshold
# depend on that share, so both are computed for a stated prior ``pi`` (the share of inauthentic
# accounts expected in a scored list), never at the training mix:
#
# - probability: the calibrated probability at the out-of-fold mix ``pi_t``, its odds moved to
#   ``pi`` (Bayes' rule with the class-conditional score distributions unchanged):
#   ``odds(p) * (pi / (1 - pi)) / (pi_t / (1 - pi_t))``;
# - precision of a threshold ``t``: ``pi * TPR(t) / (pi * TPR(t) + (1 - pi) * FPR(t))``, with
#   TPR and FPR read off the out-of-fold operating curve, which the bundle stores so that any
#   prior can be asked for at scoring.


def fit_calibrator(raw: np.ndarray, y: np.ndarray, method: str) -> dict:
    """Map raw LightGBM scores to calibrated probabilities at the out-of-fold mix, fitted on
    out-of-fold predictions; ``train_prior`` records that mix.

    Returns a JSON-ready description: isotonic (breakpoints, applied by linear interpolation and
    clipped at the ends, as scikit-learn does) or Platt (``1 / (1 + exp(-(a * logit(p) + b)))``).
    """
    from sklearn.isotonic import IsotonicRegression  # fitting only: scoring never loads sklearn
    from sklearn.linear_model import LogisticRegression

    ok = ~np.isnan(raw)
    raw, y = raw[ok], y[ok]
    prior = float(np.mean(y))
    if method == "isotonic":
        iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(raw, y)
        return {"method": "isotonic", "x": iso.X_thresholds_.tolist(),
                "y": iso.y_thresholds_.tolist(), "train_prior": prior}
    lr = LogisticRegression(C=1e6, max_iter=1000).fit(_logit(raw)[:, None], y)
    return {"method": "platt", "a": float(lr.coef_[0, 0]), "b": float(lr.intercept_[0]),
            "train_prior": prior}


def apply_calibrator(cal: dict, raw: np.ndarray, prior: float | None = None) -> np.ndarray:
    """Calibrated probabilities for raw scores, at ``prior`` (default: the out-of-fold mix)."""
    if cal["method"] == "isotonic":
        p = np.interp(raw, np.asarray(cal["x"]), np.asarray(cal["y"]))
    else:
        p = 1.0 / (1.0 + np.exp(-(cal["a"] * _logit(raw) + cal["b"])))
    if prior is None:
        return p
    return shift_prior(p, cal["train_prior"], prior)


def shift_prior(p: np.ndarray, from_prior: float, to_prior: float) -> np.ndarray:
    """Probabilities at class share ``from_prior`` moved to ``to_prior`` (odds scaled by the
    ratio of the priors' odds; 0 and 1 stay where they are)."""
    factor = (to_prior / (1 - to_prior)) / (from_prior / (1 - from_prior))
    with np.errstate(divide="ignore", invalid="ignore"):
        odds = p / (1 - p) * factor
        out = odds / (1 + odds)
    return np.where(p >= 1, 1.0, np.where(p <= 0, 0.0, out))


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return np.log(p / (1 - p))


#: Points kept of the out-of-fold operating curve in a bundle.
CURVE_POINTS = 2000


def operating_curve(raw: np.ndarray, y: np.ndarray) -> dict:
    """The out-of-fold operating curve on the raw score: for thresholds from high to low (one
    per distinct score, thinned to at most :data:`CURVE_POINTS`, always keeping the highest
    ones, where precision targets fall), the true- and false-positive rates of flagging
    ``score >= threshold``. JSON-ready."""
    ok = ~np.isnan(raw)
    raw, y = raw[ok], np.asarray(y)[ok]
    order = np.argsort(-raw, kind="stable")
    r, t = raw[order], y[order]
    last = np.r_[r[1:] != r[:-1], True]  # cut only between distinct scores
    tp, fp = np.cumsum(t)[last], np.cumsum(1 - t)[last]
    thresholds = r[last]
    if len(thresholds) > CURVE_POINTS:
        head = CURVE_POINTS // 2  # every point among the highest scores, a grid after them
        keep = np.unique(np.r_[np.arange(head), np.linspace(head, len(thresholds) - 1,
                                                            CURVE_POINTS - head).astype(int)])
        thresholds, tp, fp = thresholds[keep], tp[keep], fp[keep]
    n_pos, n_neg = max(int(t.sum()), 1), max(int((1 - t).sum()), 1)
    return {"threshold": thresholds.tolist(), "tpr": (tp / n_pos).tolist(),
            "fpr": (fp / n_neg).tolist(), "positives": int(t.sum()), "negatives": int(
                (1 - t).sum())}


def threshold_at(curve: dict, precision: float, prior: float) -> dict:
    """The lowest raw-score threshold whose flagged set reaches ``precision`` in a list where
    a share ``prior`` is inauthentic (largest recall that still meets it), with the recall and
    false-positive rate there; threshold None when no threshold reaches it."""
    tpr, fpr = np.asarray(curve["tpr"]), np.asarray(curve["fpr"])
    with np.errstate(divide="ignore", invalid="ignore"):
        prec = prior * tpr / (prior * tpr + (1 - prior) * fpr)
    ok = np.flatnonzero((prec >= precision) & (tpr > 0))
    if not len(ok):
        return {"threshold": None, "recall": 0.0, "fpr": 0.0, "precision": None}
    i = ok.max()
    return {"threshold": float(curve["threshold"][i]), "recall": float(tpr[i]),
            "fpr": float(fpr[i]), "precision": float(prec[i])}


def thresholds_at_precision(curve: dict, targets: list[float], prior: float,
                            calibrator: dict | None = None) -> dict:
    """:func:`threshold_at` for each target precision (keys: the targets as strings); with
    ``calibrator``, also the calibrated probability at each threshold, at ``prior``."""
    out = {}
    for target in targets:
        entry = threshold_at(curve, target, prior)
        if calibrator is not None and entry["threshold"] is not None:
            entry["probability"] = float(apply_calibrator(
                calibrator, np.array([entry["threshold"]]), prior)[0])
        out[str(target)] = entry
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
    small and picklable (no LightGBM model), so that Spark's tasks can run it on the chunks
    they read."""

    builder: FeatureBuilder
    features: tuple[str, ...]
    created_at_to_day: bool
    #: canonical columns passed through to the scores, kept as read (``keep.NAME``)
    keep: tuple[str, ...] = ()

    #: Columns kept beside the row features, for :meth:`Bundle.finish_features`.
    KEYS = ("account_id", "created_at", "source")

    def __call__(self, accounts: pd.DataFrame) -> pd.DataFrame:
        kept = {f"keep.{c}": accounts[c] for c in self.keep}  # (before any rounding)
        if self.created_at_to_day:
            # training truncated creation times to the day (a source was day-only): do the same
            accounts = accounts.assign(created_at=accounts["created_at"].dt.floor("D"))
        rows = self.builder.row_features(accounts, list(self.features))
        keys = pd.DataFrame({**{k: accounts[k] for k in self.KEYS}, **kept},
                            index=accounts.index)
        return pd.concat([keys, rows], axis=1)


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
    #: each leaf's path credits (models.reasons), built when reasons are first asked for
    _paths: PathTable | None = field(default=None, repr=False, compare=False)

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
        if not isinstance(contract, dict):
            raise BundleError(f"{path}: {CONTRACT} is not a valid contract: "
                              f"{check_contract(contract)}")
        version = contract.get("bundle_version")
        if version != BUNDLE_VERSION:
            raise BundleError(f"{path}: bundle version {version}, this code reads version "
                              f"{BUNDLE_VERSION}")
        problem = check_contract(contract)
        if problem:
            raise BundleError(f"{path}: {CONTRACT} is not a valid contract: {problem}")
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

    def finish_in_populations(self, staged: pd.DataFrame, *,
                              cadence: pd.DataFrame | None, populations: dict[str, CohortCounter]
                              ) -> list[tuple[pd.Index, pd.DataFrame]]:
        """:meth:`finish_features` of a scorer's staged rows against the whole list's creation
        counts: ``populations[""]``, or with population mode ``source`` each source's own
        (``populations[str(source)]``; a source none of whose accounts has a creation time
        has none: an empty population). Returns (the rows' index, their vectors) per
        population."""
        if self.population == "source":
            parts = [(rows, populations.get(str(src)) or CohortCounter())
                     for src, rows in staged.groupby("source", dropna=False, sort=False)]
        else:
            parts = [(staged, populations[""])]
        return [(rows.index, self.finish_features(rows, cadence=cadence, population=counter))
                for rows, counter in parts]

    @property
    def prior(self) -> float:
        """The deployment prior the model was trained for (the config's ``model.prior``)."""
        return float(self.contract["prior"])

    def predict(self, X: pd.DataFrame, prior: float | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
        """Raw model score (what the decision thresholds cut) and calibrated probability at
        ``prior`` (default: the bundle's)."""
        raw = self.booster.predict(X)
        return raw, apply_calibrator(self.contract["calibrator"], raw,
                                     self.prior if prior is None else prior)

    def score_features(self, X: pd.DataFrame, *, precision: float | None = None,
                       prior: float | None = None, reasons: str = "all",
                       method: str = "paths") -> pd.DataFrame:
        """Calibrated probability, decision and reasons for a feature frame, at ``prior``
        (default: the bundle's) and the threshold for ``precision`` there.

        ``reasons``: ``all`` rows, only ``flagged`` ones (is_bot), or ``none``; rows without
        reasons get an empty string. ``method``: ``paths`` (each leaf's path credits,
        :mod:`models.reasons`, about the cost of the score) or ``shap`` (LightGBM's TreeSHAP
        values, some 30 to 60 times the cost).
        """
        raw, prob = self.predict(X, prior)
        threshold = self.threshold(precision, prior)  # on the raw score
        decision = raw >= threshold if threshold is not None else np.zeros(len(prob), bool)
        text = np.full(len(X), "", dtype=object)
        which = {"all": np.ones(len(X), bool), "flagged": decision,
                 "none": np.zeros(len(X), bool)}[reasons]
        if which.any():
            text[which] = self.reasons(X[which], decision[which], method=method)
        return pd.DataFrame({"bot_probability": prob, "raw_score": raw, "is_bot": decision,
                             "reasons": text}, index=X.index)

    def score(self, accounts: pd.DataFrame, *, cadence: pd.DataFrame | None = None,
              population: CohortCounter | None = None, precision: float | None = None,
              prior: float | None = None, reasons: str = "all", monitor=None) -> pd.DataFrame:
        """Scores for canonical accounts: account_id, bot_probability (calibrated at
        ``prior``), is_bot (at the threshold for ``precision`` at ``prior``), reasons,
        model_version."""
        return self.score_staged(self.row_stage(accounts), cadence=cadence,
                                 population=population, precision=precision, prior=prior,
                                 reasons=reasons, monitor=monitor)

    def score_staged(self, staged: pd.DataFrame, *, cadence: pd.DataFrame | None = None,
                     population: CohortCounter | None = None, precision: float | None = None,
                     prior: float | None = None, reasons: str = "all", monitor=None
                     ) -> pd.DataFrame:
        """:meth:`score` for the output of :meth:`row_stage`."""
        X = self.finish_features(staged, cadence=cadence, population=population)
        return self.scores_for(staged["account_id"], X, precision=precision, prior=prior,
                               reasons=reasons, monitor=monitor)

    def scores_for(self, account_ids: pd.Series, X: pd.DataFrame, *,
                   precision: float | None = None, prior: float | None = None,
                   reasons: str = "all", monitor=None) -> pd.DataFrame:
        """The scores table for finished feature vectors ``X`` of ``account_ids``."""
        if monitor is not None:  # a drift.DriftMonitor counting the scored population
            monitor.add(X)
        return self.scores_table(account_ids, self.score_features(
            X, precision=precision, prior=prior, reasons=reasons))

    def scores_table(self, account_ids: pd.Series, scored: pd.DataFrame) -> pd.DataFrame:
        """:meth:`score_features` output as the scores table: account_id, bot_probability (to
        four significant digits: calibration makes steps, and more digits would only suggest
        a precision it does not have), raw_score (the model's score the decision threshold
        cuts, in full, to order a review queue), is_bot, reasons, model_version."""
        out = scored.reset_index(drop=True)
        out["bot_probability"] = significant(out["bot_probability"].to_numpy(), 4)
        out.insert(0, "account_id", account_ids.astype("str").array)
        out["model_version"] = self.contract.get("model_version", "unregistered")
        return out

    @property
    def default_precision(self) -> float:
        """The first target precision of the training config (90% by default)."""
        return float(self.contract["target_precisions"][0])

    def threshold(self, precision: float | None = None, prior: float | None = None
                  ) -> float | None:
        """Decision threshold on the raw model score that reaches ``precision`` (default: the
        first target of training) in a list whose share of inauthentic accounts is ``prior``
        (default: the bundle's), read off the out-of-fold operating curve; None when no
        threshold reaches it (nothing is then flagged)."""
        precision = self.default_precision if precision is None else precision
        prior = self.prior if prior is None else prior
        if not (0 < precision < 1 and 0 < prior < 1):
            raise BundleError(f"precision {precision} and prior {prior} must lie strictly "
                              "between 0 and 1")
        return threshold_at(self.contract["operating_curve"], precision, prior)["threshold"]

    def credits(self, X: pd.DataFrame, method: str = "paths") -> np.ndarray:
        """Each feature's credit to each row's raw score, in log-odds (shape (n, features)):
        by the paths of its leaves (``paths``) or TreeSHAP (``shap``)."""
        if method == "shap":
            return self.booster.predict(X, pred_contrib=True)[:, :-1]
        if method != "paths":
            raise BundleError(f"unknown reasons method {method!r} (paths or shap)")
        if self._paths is None:
            self._paths = PathTable(self.booster.model_to_string(), len(self.features))
        return self._paths.credits(self.booster.predict(X, pred_leaf=True))

    def reasons(self, X: pd.DataFrame, flagged: np.ndarray, *, method: str = "paths"
                ) -> list[str]:
        """Each row's strongest credits toward its decision (``flagged``: bot-ward, else
        organic-ward), e.g. ``follower_share 0.0213 (low) +1.31; ...`` (models.reasons)."""
        values = X.to_numpy(dtype="float64")
        return reason_texts(self.credits(X, method), values, np.asarray(flagged, bool),
                            self.features,
                            levels(self.contract.get("drift_reference"), self.features, values))


def significant(values: np.ndarray, digits: int) -> np.ndarray:
    """``values`` rounded to ``digits`` significant digits (0 and NaN stay as they are)."""
    values = np.asarray(values, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = 10.0 ** (digits - 1 - np.floor(np.log10(np.abs(values))))
        out = np.round(values * scale) / scale
    return np.where(np.isfinite(scale) & (values != 0), out, values)
