"""The duplicate check of predict.py: one DuckDB query over the staged rows."""

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq


def _keys(path, ids, files):
    n = len(ids)
    table = pa.table({
        "account_id": ids, "created_at": pa.array([pd.Timestamp("2020-01-01", tz="UTC")] * n),
        "source": ["s"] * n, "_seq": list(range(n)), "_file": files,
        "_row": [None if f < 0 else i + 1 for i, f in enumerate(files)],
        "log_followers": [1.0] * n})  # (a feature column: the staged file holds them too)
    with pa.ipc.new_file(str(path), table.schema) as writer:
        writer.write_table(table)
    return str(path)


def test_the_first_observation_wins_and_a_user_object_over_a_profile_from_tweets(tmp_path):
    from models.duplicates import find_repeated

    keys = _keys(tmp_path / "staged.arrow", ["a", "b", "a", "b", "c", "a"], [0, -1, 0, 1, 1, -1])
    out = find_repeated(keys, str(tmp_path))
    skipped = pq.read_table(out).to_pandas()
    # a: seq 0 kept, 2 and 5 skipped; b: the tweet-only profile (seq 1) gives way to seq 3
    assert skipped["_seq"].tolist() == [1, 2, 5]
    assert skipped["_row"].tolist()[1] == 3


def test_no_repeated_id_gives_none(tmp_path):
    from models.duplicates import find_repeated

    keys = _keys(tmp_path / "staged.arrow", ["a", "b", "c"], [0, 0, -1])
    assert find_repeated(keys, str(tmp_path)) is None
