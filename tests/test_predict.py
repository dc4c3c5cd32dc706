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


def test_id_fingerprints_equal_for_equal_ids_and_prove_distinctness():
    """Equal ids give equal fingerprints whatever array holds them (a slice, another string
    type, chunks); the set is proved distinct only when no fingerprint repeats, and a set too
    large to keep is never called distinct."""
    import pyarrow as pa

    from models.duplicates import IdFingerprints, id_fingerprints

    ids = ["", "1", "12", "21", "120", "1200", "é", "e\u0301", "x" * 300, "٣", "12"]
    fp = id_fingerprints(pa.array(ids))
    assert fp[1] != fp[2] and fp[2] == fp[10] and fp[2] != fp[3]  # order of bytes counts
    assert len(set(fp[:10].tolist())) == 10
    sliced = pa.array(["pad", *ids], pa.large_string()).slice(1)
    chunked = pa.chunked_array([pa.array(ids[:4], pa.string()), pa.array(ids[4:], pa.string())])
    np.testing.assert_array_equal(id_fingerprints(sliced), fp)
    np.testing.assert_array_equal(id_fingerprints(chunked), fp)
    many = pa.array(np.arange(300_000).astype(str))
    assert len(np.unique(id_fingerprints(many))) == 300_000

    seen = IdFingerprints()
    seen.add(pa.array(ids[:10]))
    seen.add(many)
    assert not seen.all_distinct()  # "120", "1200" ... are also in ``many``
    for extra, distinct in (([], True), (["21"], False)):  # "21" repeated in a later part
        seen = IdFingerprints()
        for part in (ids[:6], ids[6:10], extra):
            seen.add(pa.array(part, pa.string()))
        assert seen.all_distinct() is distinct and not seen.parts
    small = IdFingerprints(limit=5)
    small.add(pa.array(ids[:6]))
    assert not small.all_distinct() and not small.parts  # too many kept: the disk decides
