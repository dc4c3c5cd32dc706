"""Calibration and decision thresholds of the model bundle, on hand-computed cases."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from models.bundle import (
    Bundle,
    BundleError,
    apply_calibrator,
    fit_calibrator,
    operating_curve,
    shift_prior,
    threshold_at,
    thresholds_at_precision,
)


def test_thresholds_take_the_largest_flagged_set_meeting_each_precision_at_the_mix():
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.5, np.nan])  # the NaN row is in no test fold
    y = np.array([1, 1, 0, 1, 0, 1])
    curve = operating_curve(scores, y)
    assert curve["threshold"] == [0.9, 0.8, 0.7, 0.6, 0.5]
    assert curve["tpr"] == pytest.approx([1 / 3, 2 / 3, 2 / 3, 1, 1])
    assert curve["fpr"] == pytest.approx([0, 0, 0.5, 0.5, 1])
    mix = 3 / 5  # at the curve's own share of positives, precision is the flagged top-k's:
    out = thresholds_at_precision(curve, [0.9, 0.7, 0.99, 0.5], mix)  # 1, 1, 2/3, 3/4, 3/5
    assert out["0.9"] == {"threshold": 0.8, "recall": pytest.approx(2 / 3), "fpr": 0.0,
                          "precision": 1.0}
    assert out["0.7"]["threshold"] == 0.6 and out["0.7"]["recall"] == 1.0
    assert out["0.99"]["threshold"] == 0.8
    assert out["0.5"]["threshold"] == 0.5


def test_thresholds_at_a_lower_prior_are_stricter():
    """Precision at prior pi: pi*TPR / (pi*TPR + (1-pi)*FPR). At 0.6 and FPR 0.5 the 0.6 cut
    has precision 0.6*1 / (0.6 + 0.4*0.5) = 0.75; at a prior of 5% it has 0.05 / (0.05 +
    0.95*0.5) = 0.095: only cuts without false positives keep 70% precision."""
    curve = operating_curve(np.array([0.9, 0.8, 0.7, 0.6, 0.5]), np.array([1, 1, 0, 1, 0]))
    assert threshold_at(curve, 0.7, 0.6)["threshold"] == 0.6
    low = threshold_at(curve, 0.7, 0.05)
    assert low["threshold"] == 0.8 and low["recall"] == pytest.approx(2 / 3)
    assert low["precision"] == 1.0


def test_unreachable_precision_flags_nothing_and_ties_are_not_split():
    scores = np.array([0.9, 0.9, 0.1])
    y = np.array([1, 0, 1])  # the top two tie: precision 0.5 at best above the 0.1 cut
    out = thresholds_at_precision(operating_curve(scores, y), [0.9], 2 / 3)
    assert out["0.9"]["threshold"] is None and out["0.9"]["recall"] == 0.0


def test_prior_shift_moves_the_odds_by_the_ratio_of_the_priors_odds():
    p = np.array([0.0, 0.5, 0.75, 1.0])
    # from a 50% mix to 5%: odds times (0.05/0.95) / 1 = 1/19
    shifted = shift_prior(p, 0.5, 0.05)
    assert shifted == pytest.approx([0.0, 1 / 20, 3 / 22, 1.0])
    assert shift_prior(shifted, 0.05, 0.5) == pytest.approx(p)
    cal = {"method": "isotonic", "x": [0.0, 1.0], "y": [0.0, 1.0], "train_prior": 0.5}
    assert apply_calibrator(cal, np.array([0.75]), 0.05) == pytest.approx([3 / 22])
    assert apply_calibrator(cal, np.array([0.75])) == pytest.approx([0.75])


@pytest.mark.parametrize("method", ["isotonic", "platt"])
def test_calibrators_are_monotone_and_json_ready(method):
    rng = np.random.default_rng(0)
    raw = rng.random(500)
    y = (rng.random(500) < raw**2).astype(int)  # raw overstates the rate
    cal = fit_calibrator(raw, y, method)
    grid = np.linspace(0, 1, 11)
    p = apply_calibrator(cal, grid)
    assert np.all(np.diff(p) >= -1e-12) and p.min() >= 0 and p.max() <= 1
    assert p[5] < 0.5  # 0.5 raw is about 0.25 true rate
    assert cal["train_prior"] == pytest.approx(y.mean())
    import json
    assert apply_calibrator(json.loads(json.dumps(cal)), grid) == pytest.approx(p)


def test_native_booster_predicts_what_lightgbm_predicts_to_the_bit():
    """Scoring calls LightGBM's library directly (no scikit-learn import); probabilities and
    contributions must be the Python package's, for frames and both array layouts."""
    import lightgbm as lgb
    import pandas as pd

    from models.native import NativeBooster, NativeError

    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(3000, 5)), columns=[f"f{i}" for i in range(5)])
    X.iloc[::7, 2] = np.nan
    y = (X["f0"] + rng.normal(size=3000) > 0).astype(int)
    model = lgb.train({"objective": "binary", "verbose": -1, "num_leaves": 15},
                      lgb.Dataset(X, y), num_boost_round=30)
    native = NativeBooster(model.model_to_string())
    one_thread = NativeBooster(model.model_to_string(), threads=1)  # as in a scoring worker
    assert native.feature_name() == model.feature_name()
    for data in (X, X.to_numpy(), np.ascontiguousarray(X.to_numpy())):
        for booster in (native, one_thread):
            assert np.array_equal(booster.predict(data), model.predict(data))
            assert np.array_equal(booster.predict(data, pred_contrib=True),
                                  model.predict(data, pred_contrib=True))
    with pytest.raises(NativeError, match="expected a matrix of 5 features"):
        native.predict(X.iloc[:, :4])
    with pytest.raises(NativeError):
        NativeBooster("not a model")


@pytest.mark.parametrize(("change", "message"), [
    (lambda c: [c], "the contract is a JSON list"),
    (lambda c: {**c, "prior": "5%"}, "prior: Input should be a valid number"),
    (lambda c: {**c, "calibrator": {**c["calibrator"], "y": ["a"] * len(c["calibrator"]["y"])}},
     "calibrator.isotonic.y.0: Input should be a valid number"),
    (lambda c: {**c, "calibrator": {**c["calibrator"], "x": c["calibrator"]["x"][:-1]}},
     "calibrator.isotonic: x has"),
    (lambda c: {**c, "feature_names": "log_followers"},
     "feature_names: Input should be a valid list"),
    (lambda c: {**c, "population": "everyone"}, "population: Input should be 'all' or 'source'"),
    (lambda c: {**c, "operating_curve": {**c["operating_curve"], "tpr": [0.5]}},
     "operating_curve: threshold, tpr and fpr differ"),
])
def test_a_contract_of_the_wrong_shape_is_a_named_error(sample_bundle, tmp_path, change, message):
    broken = tmp_path / "bundle"
    shutil.copytree(sample_bundle, broken)
    contract = json.loads((broken / "contract.json").read_text())
    (broken / "contract.json").write_text(json.dumps(change(contract)))
    with pytest.raises(BundleError) as info:
        Bundle.load(broken)
    text = str(info.value)
    assert text.startswith(str(broken)) and message in text, text
    Bundle.load(sample_bundle)  # the original still loads
    assert Path(sample_bundle, "contract.json").exists()
