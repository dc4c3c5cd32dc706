"""Population stability index: hand-computed values and the monitor's chunked counting."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from models.drift import DriftMonitor, psi, reference


def test_psi_hand_computed():
    # shares 0.5/0.5 -> 0.25/0.75: (0.25-0.5)ln(0.5) + (0.75-0.5)ln(1.5)
    expected = -0.25 * math.log(0.5) + 0.25 * math.log(1.5)
    assert psi([0.5, 0.5], [0.25, 0.75]) == pytest.approx(expected)
    assert psi([0.2, 0.3, 0.5], [0.2, 0.3, 0.5]) == 0.0


def test_reference_bins_missing_share_and_monitor_in_chunks():
    x = pd.DataFrame({"f": [1.0, 2.0, 3.0, 4.0, np.nan]})  # one missing in five
    ref = reference(x, n_bins=2)  # one inner edge: the median of 1..4 = 2.5
    assert ref["f"]["edges"] == [2.5]
    assert ref["f"]["shares"] == [0.4, 0.4, 0.2]
    same, shifted = DriftMonitor(ref), DriftMonitor(ref)
    for chunk in (x.iloc[:2], x.iloc[2:]):  # counting in chunks
        same.add(chunk)
    assert same.table().loc[0, "psi"] == 0.0
    shifted.add(pd.DataFrame({"f": [9.0, 9.0, 9.0, 9.0, 9.0]}))  # all above the edge
    table = shifted.table()
    assert table.loc[0, "psi"] > 1.0
    assert table.loc[0, "missing_share_train"] == 0.2
    assert table.loc[0, "missing_share_scored"] == 0.0
