"""TwiBot-20 JSON (Feng et al., CIKM 2021): an array of ``{"ID", "profile", "tweet",
"neighbor", "domain"}`` records.

``profile`` is a v1.1 user object whose values are all strings with a trailing space
(``"False "``, ``"15349596 "``); they are stripped. ``tweet`` is a list of tweet texts without ids
or times: each becomes a post with ``post_id`` = ``<account_id>#<n>`` (its 1-based position) and a
missing ``created_at``; a text starting with ``RT @`` is a retweet (how v1.1 renders retweet
text). The public sample has no labels: give them with a labels file (``account_id,label``; the
dataset's own ``label.csv`` uses ``id,label`` with ``bot``/``human``, which is read as is). The
crawl time is not in the file: pass ``observed_at`` (TwiBot-20 was collected in 2020), else age
features are missing and a note says so.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from features.schema import conform_posts
from features.sources import api_v1, common, json_records
from features.sources.common import ReadOptions, ReadResult
from features.sources.values import RowErrors

NAME = "twibot"


def sniff(path: str) -> bool:
    """A JSON file whose first record has ``ID`` and a ``profile`` object."""
    return json_records.sniff_json(path, lambda rec: "ID" in rec and isinstance(rec.get("profile"),
                                                                          dict))


def read(paths: list[str], opts: ReadOptions) -> Iterator[ReadResult]:
    """Read TwiBot-20 files; yields results chunk by chunk."""
    source = opts.source or common.default_source(paths)
    labels = common.read_labels_file(opts.labels_file) if opts.labels_file else None
    # keeps its own duplicate check: a repeated record's embedded tweets must not count twice
    seen: set[str] = set()
    if opts.observed_at is None:
        yield ReadResult(NAME, notes=[f"{source}: TwiBot-20 files carry no crawl time and no "
                                      "observed_at was given; age features will be missing"])
    spec, columns = json_records.by_name(api_v1.USER_FIELDS, "profile")
    fields, id_field = {"ID": ("ID",), **spec}, columns["account_id"]
    columns = {**columns, "account_id": "ID"}  # (the record's ID, else its profile's id)
    for path in paths:
        for raw, records, rows, rejects in json_records.iter_fields(
                path, fields, chunksize=opts.chunksize, encoding=opts.encoding):
            raw["ID"] = raw["ID"].fillna(raw[id_field])
            errors = RowErrors(rows.index)
            acc = api_v1.parse_users(raw, errors, columns)
            if opts.observed_at is not None:
                acc["observed_at"] = opts.observed_at
            result = common.emit_accounts(acc, errors, rows, path=path, opts=opts, seen=seen,
                                          fmt=NAME, source=source, group=source, labels=labels,
                                          rejects=(rejects,), columns=columns)
            # the tweets of the records read as accounts (not of a rejected or repeated one)
            accepted = set(result.account_rows.tolist())
            post_rows = {"account_id": [], "post_id": [], "text": [], "row": []}
            ids = acc["account_id"].tolist()
            for rec, row, aid in zip(records, rows, ids, strict=True):
                if row not in accepted:
                    continue
                for n, tweet in enumerate(rec.get("tweet") or [], start=1):
                    post_rows["account_id"].append(aid)
                    post_rows["post_id"].append(f"{aid}#{n}")
                    post_rows["text"].append(str(tweet))
                    post_rows["row"].append(row)
            texts = pd.Series(post_rows["text"], dtype="string")
            posts = pd.DataFrame({
                "account_id": pd.Series(post_rows["account_id"], dtype="string"),
                "post_id": pd.Series(post_rows["post_id"], dtype="string"),
                "is_retweet": texts.str.startswith("RT @").astype("boolean"),
                "source": source,
            })
            pconf = conform_posts(posts, file=path, rows=pd.Series(post_rows["row"],
                                                                   dtype="int64"))
            result.posts = pconf.frame
            result.rejects = common.concat_rejects([result.rejects, pconf.rejects])
            yield result
