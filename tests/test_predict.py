"""predict.py pieces that need no model: the score summary and the argument checks."""

from __future__ import annotations

import numpy as np
import pytest

import predict


def test_summary_quantiles_are_exact_for_small_lists_and_within_a_bin_for_large_ones():
    rng = np.random.default_rng(0)
    small = rng.random(1000)
    summary = predict.ScoreSummary()
    summary.add(small[:400], small[:400] > 0.5)
    summary.add(small[400:], small[400:] > 0.5)
    for q in (0.1, 0.5, 0.9, 0.99):
        assert summary.quantile(q) == np.quantile(small, q)
    assert summary.flagged == int((small > 0.5).sum()) and summary.n == 1000

    class Tiny(predict.ScoreSummary):
        EXACT = 500  # switch to the histogram after 500 scores

    large = rng.beta(0.5, 2.0, 5000)
    summary = Tiny()
    for part in np.array_split(large, 7):
        summary.add(part, part > 0.9)
    assert summary.hist is not None and summary.hist.sum() == 5000
    for q in (0.1, 0.5, 0.9, 0.99):
        assert abs(summary.quantile(q) - np.quantile(large, q)) <= 2 / Tiny.BINS
    assert summary.total == pytest.approx(large.sum())


@pytest.mark.parametrize(("argv", "message"), [
    (["--output", "scores.txt", "in.csv"], "must end in .csv or .parquet"),
    (["--output", "scores.csv", "--chunksize", "0", "in.csv"], "chunksize must be at least 1"),
])
def test_bad_arguments_fail_before_reading(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        predict.main(argv)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err

