"""Pieces every reader shares: options, results, provenance and labels, and the ends of every
reader's chunks (:class:`Reading`). Values are parsed in
:mod:`features.sources.values`; files on disk (opening, the CSV scan) are
:mod:`features.sources.scan`."""

from __future__ import annotations

import codecs
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from features.schema import (
    ACCOUNT_DTYPES,
    DUPLICATE_REASON,
    POST_DTYPES,
    SchemaError,
    concat_frames,
    concat_rejects,
    conform_accounts,
    conform_posts,
    empty_accounts,
    empty_posts,
    empty_rejects,
    make_rejects,
)
from features.sources.values import LABEL_VALUES, RowErrors, constant_strings

log = logging.getLogger(__name__)

#: Rows per chunk when a reader streams a file; small values are for tests.
DEFAULT_CHUNKSIZE = 200_000

@dataclass
class ReadOptions:
    """What a caller knows about the files that the files do not say themselves.

    Attributes
    ----------
    source : name of the dataset or release; default: taken from the file names.
    group : campaign or bot family for grouped evaluation; default: chosen by the reader.
    label : 1 inauthentic, 0 organic, None unknown; applied to every account read.
    labels_file : CSV with ``account_id,label`` (optional ``group``) joined onto the accounts.
    observed_at : when the counts were observed (UTC); overrides what the files imply.
    chunksize : rows per chunk while streaming.
    mapping : path of a YAML column mapping (the ``mapped`` format).
    encoding : text encoding of CSV files.
    """

    source: str | None = None
    group: str | None = None
    label: int | None = None
    labels_file: str | None = None
    observed_at: pd.Timestamp | None = None
    chunksize: int = DEFAULT_CHUNKSIZE
    mapping: str | None = None
    encoding: str = "utf-8"

    def __post_init__(self) -> None:
        if self.observed_at is not None:
            ts = pd.Timestamp(self.observed_at)
            self.observed_at = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
        if self.chunksize < 1:
            raise ValueError(f"chunksize must be at least 1, got {self.chunksize}")
        check_encoding(self.encoding)


@dataclass
class ReadResult:
    """Canonical tables read from a set of files, with the rows that could not be read."""

    format: str
    accounts: pd.DataFrame = field(default_factory=empty_accounts)
    posts: pd.DataFrame = field(default_factory=empty_posts)
    rejects: pd.DataFrame = field(default_factory=empty_rejects)
    notes: list[str] = field(default_factory=list)
    #: The file and 1-based data rows of ``accounts`` (None for accounts known only from their
    #: tweets). Readers leave an id read before to the caller, who checks the whole input
    #: (:func:`first_observations`); accounts known only from the profiles their tweets carry
    #: come last and give way to a user object of the same id.
    account_file: str | None = None
    account_rows: pd.Series | None = None


def check_encoding(encoding: str) -> str:
    """Return ``encoding`` if Python knows it, else raise a clear error."""
    try:
        codecs.lookup(encoding)
    except LookupError as exc:
        raise SchemaError(f"unknown text encoding {encoding!r}") from exc
    return encoding


def default_source(paths: list[str]) -> str:
    """Name a source after the folder of its first file."""
    return Path(paths[0]).resolve().parent.name


def accumulate(parts: list[ReadResult], fmt: str, notes: list[str] | None = None) -> ReadResult:
    """Join per-chunk results into one, each account id once (:func:`first_observations`)."""
    accounts, repeated = first_observations(parts)
    return ReadResult(
        format=fmt,
        accounts=accounts,
        posts=concat_frames([p.posts for p in parts], POST_DTYPES),
        rejects=concat_rejects([*(p.rejects for p in parts), repeated]),
        notes=list(notes or []),
    )


# ---------------------------------------------------------------------------------------------
# Accounts: provenance, labels, de-duplication across chunks


def read_labels_file(path: str) -> pd.DataFrame:
    """Read a labels file: CSV with ``account_id`` (or ``id``) and ``label`` (1/0, bot/human,
    true/false), optional ``group``. Returns a frame indexed by account_id."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise SchemaError(f"{path}: cannot read labels file: {exc}") from exc
    if "account_id" not in frame.columns and "id" in frame.columns:
        frame = frame.rename(columns={"id": "account_id"})
    for col in ("account_id", "label"):
        if col not in frame.columns:
            raise SchemaError(
                f"{path}: labels file needs columns account_id,label; has {list(frame.columns)}"
            )
    values = frame["label"].str.strip().str.lower()
    bad = ~values.isin(LABEL_VALUES)
    if bad.any():
        first = int(np.flatnonzero(bad.to_numpy())[0])
        raise SchemaError(
            f"{path}: row {first + 1}, column label: {frame['label'].iloc[first]!r} is not "
            "one of 1/0/bot/human/true/false"
        )
    frame["label"] = values.map(LABEL_VALUES).astype("Int8")
    frame["account_id"] = frame["account_id"].str.strip()
    return frame.drop_duplicates("account_id", keep="last").set_index("account_id")


class LatestProfiles:
    """The profiles tweets carry of their authors, across chunks: per account the observation
    with the latest time wins (the tweets' times; later rows win ties), with the file and row
    of the tweet that carried it. They are complete only once every chunk has been seen
    (:meth:`finish`)."""

    def __init__(self) -> None:
        self.latest = empty_accounts().assign(_when=pd.Series(dtype="datetime64[us, UTC]"),
                                              _file=pd.Series(dtype="string"),
                                              _row=pd.Series(dtype="int64"))

    def add(self, frame: pd.DataFrame, when: pd.Series, file: str, rows: pd.Series) -> None:
        chunk = frame.assign(_when=when.to_numpy(), _file=file, _row=rows.to_numpy())
        both = pd.concat([self.latest, chunk], ignore_index=True)
        both = both.sort_values("_when", kind="stable", na_position="first")
        self.latest = both.drop_duplicates("account_id", keep="last").reset_index(drop=True)

    def finish(self) -> pd.DataFrame:
        """The latest profile of every account, in first-seen-id order."""
        return self.latest.drop(columns=["_when", "_file", "_row"]).astype(ACCOUNT_DTYPES)

    def observed(self, when: pd.Timestamp, columns: dict[str, str] | None = None
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """:meth:`finish` with every profile observed at ``when`` (a release's end, known only
        once every tweet has been read), and the rejects of those that then break the account
        contract (created after it), at the tweet that carried them (``columns``: the file's
        names of canonical columns)."""
        frame = self.finish()
        frame["observed_at"] = pd.Series(when, index=frame.index,
                                         dtype=ACCOUNT_DTYPES["observed_at"])
        conf = conform_accounts(frame, file="", rows=pd.Series(np.arange(len(frame))),
                                unique=False)
        at = conf.rejects["row"].to_numpy()
        rejects = in_file_terms(conf.rejects.assign(
            file=pd.array(self.latest["_file"].to_numpy()[at], dtype="string"),
            row=self.latest["_row"].to_numpy()[at]), columns)
        rejects["reason"] += KEPT_TWEET
        return conf.frame, rejects


#: Said of a reject for the author's profile a tweet carries when the tweet itself is kept.
KEPT_TWEET = " (in the profile of the tweet's author; the tweet is kept)"


def provenance(
    frame: pd.DataFrame,
    opts: ReadOptions,
    *,
    fmt: str,
    source: str,
    group: str,
    labels: pd.DataFrame | None,
) -> pd.DataFrame:
    """Set source, source_format, group and label on parsed accounts.

    Precedence for the label: a labels file, then ``opts.label``, then a label column in the
    data; for the group: a labels file's group, then ``opts.group``, then the reader's default.
    """
    out = frame.copy(deep=False)  # (copy on write: the caller's frame is left as it is)
    out["source"] = constant_strings(source, out.index)
    out["source_format"] = constant_strings(fmt, out.index)
    if "group" not in out.columns or opts.group is not None:
        out["group"] = constant_strings(opts.group if opts.group is not None else group,
                                        out.index)
    else:
        out["group"] = out["group"].fillna(group)
    if opts.label is not None:
        out["label"] = opts.label
    if labels is not None:
        ids = out["account_id"].astype(str)
        joined = labels.reindex(ids)
        lab = pd.array(joined["label"].to_numpy(), dtype="Int8")
        base = out["label"] if "label" in out.columns else pd.Series(pd.NA, index=out.index)
        out["label"] = pd.Series(lab, index=out.index).fillna(base.astype("Int8"))
        if "group" in labels.columns:
            grp = pd.Series(joined["group"].to_numpy(), index=out.index).replace("", pd.NA)
            out["group"] = grp.fillna(out["group"])
    return out


@dataclass
class Reading:
    """One reader's pass over its files: what the end of each of its chunks needs (the
    options, the format's name, the source, the labels file's labels), so that a reader says
    only what its format has of its own. The ``observed_at`` option, when given, is every
    account's observation time, whatever the file implies."""

    opts: ReadOptions
    fmt: str
    source: str
    labels: pd.DataFrame | None = None

    @classmethod
    def of(cls, fmt: str, paths: list[str], opts: ReadOptions,
           source: str | None = None) -> Reading:
        """A pass whose source is the ``source`` option, else ``source``, else the folder of
        the first file."""
        labels = read_labels_file(opts.labels_file) if opts.labels_file else None
        return cls(opts, fmt, opts.source or source or default_source(paths), labels)

    def note(self, text: str) -> ReadResult:
        """A result carrying only a note for the user (e.g. where observed_at came from)."""
        return ReadResult(self.fmt, notes=[text])

    def unobserved(self, what: str) -> Iterator[ReadResult]:
        """A note that ``what`` (e.g. "v2 user objects") carry no observation time, when the
        options give none either."""
        if self.opts.observed_at is None:
            yield self.note(f"{what} carry no observation time and no observed_at was given; "
                            "age features will be missing")

    def _finish(self, frame: pd.DataFrame, group: str | None = None) -> pd.DataFrame:
        """:func:`provenance` of checked accounts (the group defaults to the source)."""
        return provenance(frame, self.opts, fmt=self.fmt, source=self.source,
                          group=self.source if group is None else group, labels=self.labels)

    def _observed(self, acc: pd.DataFrame) -> pd.DataFrame:
        given = self.opts.observed_at
        return acc if given is None else acc.assign(observed_at=given)

    def accounts(self, acc: pd.DataFrame, errors: RowErrors, rows: pd.Series, *, path: str,
                 group: str | None = None, rejects: tuple[pd.DataFrame, ...] = (),
                 columns: dict[str, str] | None = None, seen: set[str] | None = None
                 ) -> ReadResult:
        """The end of a chunk of accounts: drop rows with parse errors, check the account
        contract, set provenance; every row left out becomes a reject, naming the file's column
        where ``columns`` (canonical -> the file's) says the file holds it. An id read before
        is left to the caller (:func:`first_observations`; predict.py's check on disk), unless
        ``seen`` holds the ids emitted so far: a reader whose repeated records must not count
        twice (TwiBot's embed their tweets) then rejects them here."""
        bad = errors.bad.to_numpy()
        good = acc.loc[~bad] if bad.any() else acc  # (the usual case: no copy of the rows)
        good_rows = (rows[~bad] if bad.any() else rows).reset_index(drop=True)
        conf = conform_accounts(self._observed(good).reset_index(drop=True), file=path,
                                rows=good_rows, unique=seen is not None)
        frame, kept, dups = self._finish(conf.frame, group), conf.rows, empty_rejects()
        if seen is not None:
            dup = np.fromiter((i in seen for i in frame["account_id"]), dtype=bool,
                              count=len(frame))
            seen.update(frame["account_id"][~dup])
            if dup.any():
                dups = make_rejects(path, kept[dup], "account_id", DUPLICATE_REASON)
                frame = frame.loc[~dup].reset_index(drop=True)
                kept = kept[~dup].reset_index(drop=True)
        return ReadResult(self.fmt, accounts=frame, rejects=concat_rejects(
            [*rejects, errors.rejects(path, rows), in_file_terms(conf.rejects, columns), dups]),
            account_file=path, account_rows=kept)

    def tweets(self, posts: pd.DataFrame, acc: pd.DataFrame | None, errors: RowErrors,
               rows: pd.Series, *, path: str, latest: LatestProfiles, when: pd.Series,
               rejects: tuple[pd.DataFrame, ...] = (), columns: dict[str, str] | None = None,
               post_columns: dict[str, str] | None = None) -> ReadResult:
        """The end of a chunk of tweets: its posts without the rows with errors, and the
        profiles they carry of their authors (``acc``) added to ``latest`` at the tweets' times
        ``when``. Every tweet repeats its author's profile: a profile that breaks the account
        contract (a negative count) is a reject, which says so when the tweet itself is kept
        (``columns``, ``post_columns``: the file's names of canonical account and post
        columns, as for :meth:`accounts`)."""
        bad = errors.bad.to_numpy()
        good_rows = rows[~bad].reset_index(drop=True)
        pconf = conform_posts(posts.loc[~bad].reset_index(drop=True), file=path,
                              rows=good_rows)
        pconf.frame["source"] = constant_strings(self.source, pconf.frame.index)
        parts = [*rejects, errors.rejects(path, rows), in_file_terms(pconf.rejects,
                                                                     post_columns)]
        if acc is not None:
            conf = conform_accounts(self._observed(acc.loc[~bad]).reset_index(drop=True),
                                    file=path, rows=good_rows, unique=False)
            profile = in_file_terms(conf.rejects, columns)
            kept_post = profile["row"].isin(pconf.rows).to_numpy(dtype=bool)
            profile.loc[kept_post, "reason"] += KEPT_TWEET
            parts.append(profile)
            kept = good_rows.searchsorted(conf.rows.to_numpy())
            latest.add(self._finish(conf.frame), when=when[~bad].iloc[kept], file=path,
                       rows=conf.rows)
        return ReadResult(self.fmt, posts=pconf.frame, rejects=concat_rejects(parts))


def in_file_terms(rejects: pd.DataFrame, columns: dict[str, str] | None) -> pd.DataFrame:
    """``rejects`` of the contract's checks, their canonical columns named as in the file; a
    repeated account names ``account_id``, as repeats found across chunks and files do."""
    if columns and len(rejects):
        named = rejects["reason"].ne(DUPLICATE_REASON)
        rejects.loc[named, "column"] = rejects.loc[named, "column"].replace(columns)
    return rejects


def first_observations(parts: list[ReadResult]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The accounts of ``parts`` with each id once, and the rejects of the others: the first
    observation of an id is kept, but a user object wins over a profile known only from
    tweets (``account_file`` None), which gives way without a reject (predict.py's and
    Spark's rule, checked on disk there)."""
    with_accounts = [p for p in parts if len(p.accounts)]
    accounts = concat_frames([p.accounts for p in with_accounts], ACCOUNT_DTYPES)
    files = np.concatenate([np.full(len(p.accounts), p.account_file, dtype=object)
                            for p in with_accounts] or [np.empty(0, dtype=object)])
    rows = pd.concat([pd.Series(pd.NA, index=range(len(p.accounts)), dtype="Int64")
                      if p.account_rows is None else p.account_rows.astype("Int64")
                      for p in with_accounts] or [pd.Series(dtype="Int64")], ignore_index=True)
    from_tweets = pd.isna(files).astype(bool)
    order = np.lexsort((np.arange(len(files)), from_tweets))  # user objects first
    dup = np.zeros(len(files), dtype=bool)
    dup[order] = accounts["account_id"].iloc[order].duplicated().to_numpy()
    rejected = dup & ~from_tweets
    rejects = make_rejects("", rows[rejected], "account_id", DUPLICATE_REASON).assign(
        file=pd.array(files[rejected], dtype="string"))
    return accounts.loc[~dup].reset_index(drop=True), rejects
