"""TwiBot-20 JSON (Feng et al., CIKM 2021): an array of ``{"ID", "profile", "tweet",
"neighbor", "domain"}`` records.

``profile`` is a v1.1 user object whose values are all strings with a trailing space
(``"False "``, ``"15349596 "``); they are stripped. ``tweet`` is a list of tweet texts without ids
or times (or null: none): each becomes a post with ``post_id`` = ``<account_id>#<n>`` (its
1-based position) and a missing ``created_at``; a text starting with ``RT @`` is a retweet (how
v1.1 renders retweet text). A record whose ``tweet`` is anything else (a text, a list holding
a number or a null) is a reject. The public
sample has no labels: give them with a labels file (``account_id,label``; the dataset's own
``label.csv`` uses ``id,label`` with ``bot``/``human``, which is read as is). The crawl time is
not in the file: pass ``observed_at`` (TwiBot-20 was collected in 2020), else age features are
missing and a note says so.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from features.schema import concat_rejects, conform_posts
from features.sources import api_v1, json_records
from features.sources.common import Reading, ReadOptions, ReadResult
from features.sources.values import RowErrors

NAME = "twibot"


def sniff(path: str) -> bool:
    """A JSON file whose first record has ``ID`` and a ``profile`` object."""
    return json_records.sniff_json(path, lambda rec: "ID" in rec and isinstance(rec.get("profile"),
                                                                          dict))


def read(paths: list[str], opts: ReadOptions) -> Iterator[ReadResult]:
    """Read TwiBot-20 files; yields results chunk by chunk."""
    reading = Reading.of(NAME, paths, opts)
    yield from reading.unobserved(f"{reading.source}: TwiBot-20 files")
    # keeps its own duplicate check: a repeated record's embedded tweets must not count twice
    seen: set[str] = set()
    spec, columns = json_records.by_name(api_v1.USER_FIELDS, "profile")
    fields, id_field = {"ID": ("ID",), **spec}, columns["account_id"]
    columns = {**columns, "account_id": "ID"}  # (the record's ID, else its profile's id)
    for path in paths:
        for raw, records, rows, rejects in json_records.iter_fields(
                path, fields, chunksize=opts.chunksize, encoding=opts.encoding):
            raw["ID"] = raw["ID"].fillna(raw[id_field])
            errors = RowErrors(rows.index)
            acc = api_v1.parse_users(raw, errors, columns)
            listed = [rec.get("tweet") for rec in records]
            errors.add(pd.Series([not _texts(t) for t in listed], index=rows.index), "tweet",
                       "not a list of tweet texts (a JSON list of strings, or null for none)")
            result = reading.accounts(acc, errors, rows, path=path, rejects=(rejects,),
                                      columns=columns, seen=seen)
            # the tweets of the records read as accounts (not of a rejected or repeated one),
            # each with its 1-based position in the record's list
            tweets = pd.DataFrame({"account_id": acc["account_id"].array, "row": rows.array,
                                   "text": [t if isinstance(t, list) else [] for t in listed]})
            tweets = tweets[tweets["row"].isin(result.account_rows)
                            & tweets["text"].map(len).gt(0)].explode("text")
            n = tweets.groupby(level=0).cumcount() + 1
            texts = tweets["text"].astype("string")
            posts = pd.DataFrame({
                "account_id": tweets["account_id"].astype("string"),
                "post_id": (tweets["account_id"] + "#" + n.astype(str)).astype("string"),
                "is_retweet": texts.str.startswith("RT @").astype("boolean"),
                "source": reading.source,
            }).reset_index(drop=True)
            pconf = conform_posts(posts, file=path, rows=tweets["row"].reset_index(drop=True))
            result.posts = pconf.frame
            result.rejects = concat_rejects([result.rejects, pconf.rejects])
            yield result


def _texts(tweets: object) -> bool:
    """Whether a record's ``tweet`` field is what TwiBot-20 writes: a list of texts, or null."""
    return tweets is None or (isinstance(tweets, list)
                              and all(isinstance(t, str) for t in tweets))
