"""Calibration and decision thresholds of the model bundle, on hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest

from models.bundle import apply_calibrator, fit_calibrator, thresholds_at_precision


def test_thresholds_take_the_largest_flagged_set_meeting_each_precision():
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.5, np.nan])  # the NaN row is in no test fold
    y = np.array([1, 1, 0, 1, 0, 1])
    # flagged top-k precision: 1, 1, 2/3, 3/4, 3/5
    out = thresholds_at_precision(scores, y, [0.9, 0.7, 0.99, 0.5])
    assert out["0.9"] == {"threshold": 0.8, "recall": pytest.approx(2 / 3), "precision": 1.0}
    assert out["0.7"]["threshold"] == 0.6 and out["0.7"]["recall"] == 1.0
    assert out["0.99"]["threshold"] == 0.8
    assert out["0.5"]["threshold"] == 0.5


def test_unreachable_precision_flags_nothing_and_ties_are_not_split():
    scores = np.array([0.9, 0.9, 0.1])
    y = np.array([1, 0, 1])  # the top two tie: precision 0.5 at best above the 0.1 cut
    out = thresholds_at_precision(scores, y, [0.9])
    assert out["0.9"]["threshold"] is None and out["0.9"]["recall"] == 0.0


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
    import json
    assert apply_calibrator(json.loads(json.dumps(cal)), grid) == pytest.approx(p)
