"""Burst detection of the cohort report on a planted cohort."""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.cohort import CreationReference
from models.cohort_report import detect_bursts, main, plot


def _population(seed: int = 0) -> pd.Series:
    rng = np.random.default_rng(seed)
    background = pd.Timestamp("2012-01-01", tz="UTC") + pd.to_timedelta(
        rng.integers(0, 8 * 365, 400), unit="D")
    planted = pd.Timestamp("2018-03-05", tz="UTC") + pd.to_timedelta(  # 300 in 10 days
        rng.integers(0, 10, 300), unit="D")
    return pd.Series(np.concatenate([background, planted]))


def test_planted_cohort_is_the_one_burst_found():
    ref = CreationReference().fit(pd.Series(pd.date_range("2010-01-01", "2020-01-01",
                                                          freq="3D", tz="UTC")))
    bursts = detect_bursts(_population(), ref, min_ratio=5, min_accounts=10)
    assert len(bursts) == 1
    b = bursts.iloc[0]
    assert b["start"] >= "2018-03-01" and b["end"] <= "2018-03-17"
    assert 300 <= b["accounts"] <= 310  # the planted 300, plus background days inside
    assert b["max_burst_ratio"] > 20
    fig = plot(_population(), ref, bursts, "test")
    assert len(fig.axes[0].patches) > 10  # bars and the shaded burst


def test_cli_reports_a_missing_model_clearly(tmp_path, capsys):
    from conftest import fixture

    assert main([fixture("io_users.csv"), "--out", str(tmp_path), "--model", "/nonexistent"]) == 2
    assert "not a bundle directory" in capsys.readouterr().err
