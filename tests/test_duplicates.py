"""The duplicate check's in-memory proof: fingerprints of the account ids."""

from __future__ import annotations

import numpy as np
import pytest


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
    with pytest.raises(RuntimeError, match="after all_distinct"):
        small.add(pa.array(["late"]))  # the fingerprints are gone: a later id is refused
    assert not small.all_distinct()  # and the answer stays


def test_id_fingerprints_of_long_and_uneven_ids():
    """Ids of very different lengths (one byte position at a time, longest first) hash like
    the same ids one by one, and a one-byte change anywhere changes the fingerprint."""
    import pyarrow as pa

    from models.duplicates import id_fingerprints

    ids = ["a" * 5000, "", "b", "a" * 4999 + "b", "x" * 70, "1234567890123456789"]
    together = id_fingerprints(pa.array(ids))
    np.testing.assert_array_equal(
        together, np.concatenate([id_fingerprints(pa.array([v])) for v in ids]))
    assert len(set(together.tolist())) == len(ids)
