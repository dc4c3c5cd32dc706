"""Property-based tests: a reader never crashes with an unexplained exception and never loses a
row without a reject reason."""

from __future__ import annotations

import contextlib
import csv
import datetime
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from features.schema import SchemaError
from features.sources import ReadOptions, read_files

IO_HEADER = ["userid", "user_display_name", "user_screen_name", "user_reported_location",
             "user_profile_description", "user_profile_url", "follower_count",
             "following_count", "account_creation_date", "account_language"]
FLAT_HEADER = ["id", "screen_name", "followers_count", "friends_count", "statuses_count",
               "default_profile", "created_at", "crawled_at"]

junk = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
count = st.one_of(st.integers(-5, 10**9).map(str), junk)
date = st.one_of(st.dates().map(str), junk, st.just(""))
ident = st.one_of(st.integers(0, 30).map(str), junk)  # small range: duplicates happen
flag = st.sampled_from(["1", "0", "", "NULL", "true", "x"])
twitter_date = st.one_of(
    st.datetimes().map(lambda d: d.strftime("%a %b %d %H:%M:%S +0000 %Y")),
    st.integers(0, 2 * 10**12).map(lambda n: f"{n}L"), junk)

io_row = st.tuples(ident, junk, junk, junk, junk, junk, count, count, date, junk)
flat_row = st.tuples(ident, junk, count, count, count, flag, twitter_date, date)
# a row may also lose or gain fields (truncation, stray delimiters)
ragged = st.integers(-3, 2)

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def _write(path, header, rows, cuts):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for row, cut in zip(rows, cuts, strict=True):
            row = list(row)
            row = row[: len(row) + cut] if cut < 0 else row + ["extra"] * cut
            w.writerow(row)


json_value = st.one_of(st.none(), st.booleans(), st.integers(-10, 10**12), junk,
                       st.lists(st.integers(), max_size=2))
user_obj = st.fixed_dictionaries(
    {"id_str": ident, "screen_name": json_value, "followers_count": json_value,
     "friends_count": json_value},
    optional={"created_at": twitter_date, "verified": json_value,
              "default_profile_image": json_value, "statuses_count": json_value})


@SETTINGS
@given(records=st.lists(st.one_of(user_obj, st.just("not json {"), st.integers()),
                        min_size=1, max_size=25))
def test_json_lines_reader_accounts_for_every_line_in_any_chunks(tmp_path, records):
    # the first line is a valid user so the file is recognised as API v1.1
    path = _jsonl(tmp_path / "users.jsonl", {"id_str": "first", "screen_name": "a",
                                              "followers_count": 1, "friends_count": 1}, records)
    both = _read_both([str(path)], fmt="api_v1", observed_at="2021-01-01")
    assert both is not None
    _accounted(both[0], len(records) + 1)
    _same_in_chunks(*both)


def _jsonl(path, first: dict, records: list):
    """A JSON Lines file: ``first``, then each record (a string is written as it is)."""
    with open(path, "w", encoding="utf-8") as fh:
        for rec in [first, *records]:
            fh.write((rec if isinstance(rec, str) else json.dumps(rec)) + "\n")
    return path


# Arrow cannot show the text of a row that is not valid UTF-8 to its bad-row callback and says
# so through an "unraisable" warning; the read then fails with an explained SchemaError.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@SETTINGS
@given(blob=st.binary(max_size=400))
def test_arbitrary_bytes_never_raise_an_unexplained_exception(tmp_path, blob):
    for name in ("x_users_csv_hashed.csv", "y.jsonl"):
        path = tmp_path / name
        path.write_bytes(b'"userid","follower_count","following_count","account_creation_date"\n'
                         + blob if name.endswith(".csv") else blob)
        with contextlib.suppress(SchemaError):  # an explained refusal is fine
            read_files([str(path)], fmt="io_archive" if name.endswith(".csv") else "api_v1",
                       options=ReadOptions(observed_at="2021-01-01"))


# -- every reader: accounts + rejects add up to the records, in one chunk and in many ----------


def _read_both(paths, fmt="auto", **opts):
    """(one chunk, chunks of 2 rows) of the same files, or None when the files are refused
    (then refused both ways, with the same message)."""
    results = []
    for size in (100_000, 2):
        try:
            results.append(read_files(paths, fmt=fmt, options=ReadOptions(chunksize=size,
                                                                         **opts)))
        except SchemaError as exc:
            results.append(str(exc))
    one, many = results
    if isinstance(one, str) or isinstance(many, str):
        assert one == many  # refused whatever the chunk size
        return None
    return one, many


def _same_in_chunks(one, many) -> None:
    import pandas as pd

    pd.testing.assert_frame_equal(one.accounts, many.accounts)
    key = ["file", "row", "column", "reason"]
    pd.testing.assert_frame_equal(one.rejects.sort_values(key).reset_index(drop=True),
                                  many.rejects.sort_values(key).reset_index(drop=True))


def _accounted(result, n_records: int) -> None:
    assert len(result.accounts) + len(result.rejects) == n_records
    assert result.rejects["reason"].notna().all()
    assert result.rejects["row"].between(1, n_records).all() and result.rejects["row"].is_unique


def _csv_case(path, header, rows, cuts, **opts) -> None:
    """Rows (some cut short or lengthened) written as a CSV: accounted for, in any chunks."""
    cuts = (cuts + [0] * len(rows))[: len(rows)]
    _write(path, header, rows, cuts)
    both = _read_both([str(path)], **opts)
    if both:
        _accounted(both[0], len(rows))
        _same_in_chunks(*both)


@SETTINGS
@given(rows=st.lists(flat_row, max_size=25), cuts=st.lists(ragged, max_size=25))
def test_flat_csv_gives_the_same_in_one_chunk_and_in_many(tmp_path, rows, cuts):
    _csv_case(tmp_path / "flat.csv", FLAT_HEADER, rows, cuts)


@SETTINGS
@given(rows=st.lists(io_row, max_size=25), cuts=st.lists(ragged, max_size=25))
def test_io_users_give_the_same_in_one_chunk_and_in_many(tmp_path, rows, cuts):
    _csv_case(tmp_path / "x_users_csv_hashed.csv", IO_HEADER, rows, cuts,
              observed_at="2021-01-01")


v2_user = st.fixed_dictionaries(
    {"id": ident, "username": json_value,
     "public_metrics": st.one_of(json_value, st.fixed_dictionaries(
         {"followers_count": json_value, "following_count": json_value},
         optional={"tweet_count": json_value, "listed_count": json_value}))},
    optional={"created_at": st.one_of(st.datetimes().map(lambda d: d.isoformat() + "Z"),
                                      junk), "verified": json_value, "protected": json_value,
              "profile_image_url": json_value})


@SETTINGS
@given(records=st.lists(st.one_of(v2_user, st.just("{ not json"), st.integers()),
                        min_size=1, max_size=25))
def test_api_v2_reader_accounts_for_every_line_in_any_chunks(tmp_path, records):
    # the first line is a valid v2 user so the file is recognised as API v2
    path = _jsonl(tmp_path / "users_v2.jsonl", {"id": "first", "username": "a", "public_metrics":
                                                 {"followers_count": 1, "following_count": 1}},
                  records)
    both = _read_both([str(path)], fmt="api_v2", observed_at="2021-01-01")
    assert both is not None  # a file whose first line is valid is read
    _accounted(both[0], len(records) + 1)
    _same_in_chunks(*both)


twibot_profile = st.fixed_dictionaries(
    {"id_str": ident.map(lambda s: s + " "), "screen_name": junk,
     "followers_count": count.map(lambda s: s + " "), "friends_count": count},
    optional={"created_at": twitter_date, "verified": st.sampled_from(["True ", "False ", "x"]),
              "statuses_count": count})


@SETTINGS
@given(records=st.lists(st.tuples(ident, st.one_of(twibot_profile, json_value),
                                  st.one_of(st.none(), st.lists(junk, max_size=3))),
                        min_size=1, max_size=20))
def test_twibot_reader_accounts_for_every_record_in_any_chunks(tmp_path, records):
    path = tmp_path / "twibot.json"
    first = {"ID": "first", "profile": {"id_str": "first ", "screen_name": "a ",
                                        "followers_count": "1 ", "friends_count": "1 "},
             "tweet": None, "neighbor": None, "domain": ["Politics"]}
    body = [first] + [{"ID": i, "profile": p, "tweet": t, "neighbor": None, "domain": []}
                      for i, p, t in records]
    path.write_text(json.dumps(body), encoding="utf-8")
    both = _read_both([str(path)], fmt="twibot", observed_at="2020-09-01")
    assert both is not None
    _accounted(both[0], len(records) + 1)
    _same_in_chunks(*both)


MAPPED_COLUMNS = ["uid", "handle", "fans", "follows", "joined"]
mapped_row = st.tuples(ident, junk, count, count, date)


@SETTINGS
@given(rows=st.lists(mapped_row, max_size=25), cuts=st.lists(ragged, max_size=25),
       parquet=st.booleans())
def test_mapped_reader_accounts_for_every_row_in_any_chunks(tmp_path, rows, cuts, parquet):
    import pandas as pd

    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("columns: {account_id: uid, screen_name: handle, followers_count: fans, "
                       "following_count: follows, created_at: joined}\n"
                       "constants: {observed_at: '2021-01-01'}\n", encoding="utf-8")
    if not parquet:
        _csv_case(tmp_path / "list.csv", MAPPED_COLUMNS, rows, cuts, fmt="mapped",
                  mapping=str(mapping))
        return
    path = tmp_path / "list.parquet"
    pd.DataFrame(rows or None, columns=MAPPED_COLUMNS, dtype="string").to_parquet(path)
    both = _read_both([str(path)], fmt="mapped", mapping=str(mapping))
    if both:
        _accounted(both[0], len(rows))
        _same_in_chunks(*both)


_twitter_like = st.one_of(
    st.datetimes(min_value=datetime.datetime(1, 1, 1)).map(
        lambda d: d.strftime("%a %b %d %H:%M:%S +0000 ") + f"{d.year:04d}"),
    st.tuples(st.datetimes(), st.sampled_from(["+0000", "+0200", "-0530", "Z"]),
              st.integers(0, 29), st.sampled_from(list("09aZ -:+é"))).map(
        lambda t: (t[0].strftime("%a %b %d %H:%M:%S ") + t[1] + f" {t[0].year}")[:t[2]]
        + t[3] + (t[0].strftime("%a %b %d %H:%M:%S ") + t[1] + f" {t[0].year}")[t[2] + 1:]),
    st.sampled_from(["Thu Jun 31 00:00:00 +0000 2013", "Fri Feb 29 01:02:03 +0000 2013",
                     "Tue Jun 11 24:00:00 +0000 2013", "Tue Jun 11 11:20:35 +0000 0000",
                     "Xyz Jun 11 11:20:35 +0000 2013", ""]),
    st.none())


@settings(max_examples=200, deadline=None)
@given(values=st.lists(_twitter_like, max_size=20))
def test_twitter_times_parse_as_pandas_does_each_value_alone(values):
    """Twitter's layout is read by DuckDB's strptime, a chunk at a time: every value pandas'
    own parser reads alone gives the same time, whatever else is in its chunk (impossible
    dates, other offsets, broken layouts, year 0); a value pandas refuses is missing (an
    unparseable date), or a time before Twitter began, which the contract rejects (DuckDB
    reads a year of fewer than four digits)."""
    import pandas as pd

    from features.schema import TWITTER_START
    from features.sources.values import TWITTER_TIME, _parse_format

    got = _parse_format(pd.Series(values, dtype="string"), TWITTER_TIME, "UTC")
    for value, parsed in zip(values, got, strict=True):
        alone = pd.to_datetime(pd.Series([value], dtype="string"), format=TWITTER_TIME,
                               utc=True, errors="coerce").iloc[0]
        assert parsed == alone if pd.notna(alone) else (
            pd.isna(parsed) or parsed < TWITTER_START), value


_count_cell = st.one_of(
    st.integers(-2**64, 2**64).map(str), st.integers(-10**6, 10**6).map(lambda v: f"{v}.0"),
    st.sampled_from(["9223372036854775807", "9223372036854775808", "-9223372036854775808",
                     "-9223372036854775809", "9007199254740993", "+3", " 12", "12 ", "0x1F",
                     "１２", "\u0663", "", "NULL", "nan", "4.5", "1e3", "-0"]),
    st.text(max_size=4))


@settings(max_examples=300, deadline=None)
@given(values=st.lists(st.one_of(_count_cell, st.none()), max_size=20))
def test_a_count_reads_the_same_whatever_else_is_in_its_chunk(values):
    """Counts go Arrow's cast when the whole chunk allows it and the checked way otherwise:
    every value gives the same number (or the same reject reason) either way."""
    import pandas as pd

    from features.sources.values import RowErrors, count

    series = pd.Series(values, dtype="string")
    errors = RowErrors(series.index)
    got = count(series, "c", errors)
    for i, value in enumerate(values):
        alone_errors = RowErrors(pd.RangeIndex(1))
        alone = count(pd.Series([value], dtype="string"), "c", alone_errors)
        assert (pd.isna(got.iloc[i]) and pd.isna(alone.iloc[0])) or got.iloc[i] == alone.iloc[0]
        assert str(errors.reason.iloc[i]) == str(alone_errors.reason.iloc[0]), value
