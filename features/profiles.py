"""Field profiles: which fields a source carries, and masking accounts down to another profile.

Sources differ in the fields they carry: an IO release has no statuses count, no avatar flag and
hashes the names of accounts under 5,000 followers; caverlee-2011 has no favourites, listed or
flag fields and only the lengths of names and descriptions; cresci-stock-2018 has no dates, only
an age. A model trained on such a mix could learn "this field is missing" as "bot" or "human".

Instead of keeping only the fields every source has (which throws away most of the signal), the
training table is augmented: every training account is also shown as it would look in each
other source's profile (:func:`mask_accounts`), for both classes. "Field missing" then occurs
with both labels wherever it occurs, so it tells the model nothing about the label, while rows
that carry a field still teach what the field says. A profile is read off the data
(:func:`field_profile`), not declared, and is stored nowhere: at scoring an account is scored
with the fields it has.

Masking works on the canonical accounts, so a masked account gets exactly what a source of that
profile would give: fields it lacks become missing, names are hashed below the profile's
follower limit, a profile with an age but no dates turns the dates into the age in days.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Field -> the canonical columns that carry it (a field may come as itself or as statistics).
FIELDS: dict[str, tuple[str, ...]] = {
    "dates": ("created_at", "observed_at"),
    "age": ("account_age_days",),
    "statuses": ("statuses_count",),
    "favourites": ("favourites_count",),
    "listed": ("listed_count",),
    "default_profile": ("default_profile",),
    "default_profile_image": ("default_profile_image",),
    "verified": ("verified",),
    "protected": ("protected",),
    "banner": ("profile_banner",),
    "background_image": ("profile_use_background_image",),
    "screen_name": ("screen_name",),
    "screen_name_length": ("screen_name_length",),
    "name": ("name",),
    "name_length": ("name_length",),
    "description": ("description",),
    "description_length": ("description_length",),
    "description_words": ("description_words",),
    "location": ("location",),
    "url": ("url",),
    "url_present": ("url_present",),
}
#: Statistic field -> the field it is computed from: a source with the field can be shown as a
#: source that carries only the statistic.
DERIVED_FROM = {"age": "dates", "screen_name_length": "screen_name", "name_length": "name",
                "description_length": "description", "description_words": "description",
                "url_present": "url"}
#: Followers below which the IO archives hash ids and names (their documented rule).
IO_HASH_FOLLOWERS = 5000


@dataclass(frozen=True)
class FieldProfile:
    """The fields a source carries.

    Attributes
    ----------
    name : the source (or sources) it was read from, for logs.
    fields : names from :data:`FIELDS` the source carries.
    hashes_names_below : followers below which names are hashed (IO archives), else None.
    """

    name: str
    fields: frozenset[str]
    hashes_names_below: int | None = None

    @property
    def key(self) -> tuple:
        """What makes two profiles the same (their name aside)."""
        return (tuple(sorted(self.fields)), self.hashes_names_below)

    def can_show(self, other: FieldProfile) -> bool:
        """Whether an account of this profile can be shown exactly as one of ``other``: every
        field ``other`` carries is carried here, or computed from a field carried here."""
        return all(f in self.fields or DERIVED_FROM.get(f) in self.fields
                   for f in other.fields)


def field_profile(accounts: pd.DataFrame, name: str, *, min_presence: float = 0.5
                  ) -> FieldProfile:
    """The profile of a source's accounts: the fields present on at least ``min_presence`` of
    its rows (screen names and names of hashed rows count as carried: the source hides them
    by its rule, see ``hashes_names_below``). Posts are not part of a profile: an account's
    cadence comes with it wherever it is shown, and the presence rule of the guard judges
    whether cadence may be used at all."""
    hashed = accounts["ids_hashed"].astype("boolean").fillna(False).to_numpy(bool)
    fields = set()
    for field, columns in FIELDS.items():
        present = np.ones(len(accounts), bool)
        for col in columns:
            present &= accounts[col].notna().to_numpy()
        if field in ("screen_name", "name"):
            present |= hashed
        if len(accounts) and present.mean() >= min_presence:
            fields.add(field)
    return FieldProfile(name, frozenset(fields), IO_HASH_FOLLOWERS if hashed.any() else None)


def distinct_profiles(profiles: list[FieldProfile]) -> list[FieldProfile]:
    """One profile per distinct field set, names joined, in first-seen order."""
    seen: dict[tuple, FieldProfile] = {}
    for p in profiles:
        if p.key in seen:
            old = seen[p.key]
            seen[p.key] = FieldProfile(f"{old.name}+{p.name}", old.fields, old.hashes_names_below)
        else:
            seen[p.key] = p
    return list(seen.values())


def mask_accounts(accounts: pd.DataFrame, profile: FieldProfile) -> pd.DataFrame:
    """``accounts`` as a source of ``profile`` would give them (a new frame).

    Fields the profile lacks become missing; statistics it keeps of a field it lacks are
    computed from the field first (cresci-stock's profile: the age in whole days instead of
    the dates, name lengths instead of names). A profile that hashes names hides the screen name
    and name of accounts under its follower limit and marks their ids hashed (never the
    account_id itself: it only identifies the row).
    """
    out = accounts.copy()
    hashed = out["ids_hashed"].astype("boolean").fillna(False).to_numpy(bool)
    derive = {
        "age": lambda: np.floor((out["observed_at"] - out["created_at"]).dt.total_seconds()
                                / 86_400),
        "screen_name_length": lambda: out["screen_name"].astype("string").str.strip()
        .str.len().mask(hashed),
        "name_length": lambda: out["name"].astype("string").str.strip().str.len().mask(hashed),
        "description_length": lambda: out["description"].astype("string").str.strip()
        .str.len(),
        "description_words": lambda: out["description"].astype("string").str.split().str.len(),
        "url_present": lambda: out["url"].astype("string").str.strip().str.len().gt(0),
    }
    for field, compute in derive.items():  # statistics the profile keeps of removed fields
        if field in profile.fields and DERIVED_FROM[field] not in profile.fields:
            (col,) = FIELDS[field]
            out[col] = out[col].fillna(pd.Series(compute(), index=out.index)
                                       .astype(out[col].dtype))
    for field, columns in FIELDS.items():
        if field not in profile.fields:
            for col in columns:
                out[col] = pd.Series(pd.NA, index=out.index, dtype=out[col].dtype)
    if profile.hashes_names_below is not None:
        small = (out["followers_count"] < profile.hashes_names_below).fillna(True)
        small = small.to_numpy(bool)
        for col in ("screen_name", "name"):
            out.loc[small, col] = pd.NA
        out["ids_hashed"] = out["ids_hashed"].fillna(False) | pd.array(small, dtype="boolean")
    return out


def augment(accounts: pd.DataFrame, labels: np.ndarray, own: np.ndarray,
            profiles: list[FieldProfile], *, classes: str = "missing"
            ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The accounts as they are, then shown in each other profile they can be shown in.

    An account is copied into profile ``P`` when its own profile can show it exactly as one of
    ``P`` (:meth:`FieldProfile.can_show`: a masked copy must look like a real account of
    ``P``, never like a new mix of fields that only one class has). Which classes are copied
    in: ``both``; or ``missing``: both into a profile whose own accounts hold both classes,
    only the other class into a profile whose own accounts hold one (a takedown release's
    profile gets organic accounts, not other collections' bots, which would teach it their
    kind of bot in its format).

    Parameters
    ----------
    accounts : canonical accounts, shape (n, *).
    labels : shape (n,), 1 inauthentic, 0 organic.
    own : shape (n,), the index in ``profiles`` of each account's own profile.
    profiles : the distinct profiles of the accounts' sources.
    classes : ``missing`` or ``both`` (see above).

    Returns
    -------
    (the accounts followed by their masked copies, index reset; for each row the position in
    ``accounts`` of the account it shows; for each row the profile it is shown in, -1 for the
    accounts as they are)
    """
    base = accounts.reset_index(drop=True)
    labels = np.asarray(labels)
    parts, origin, shown = [base], [np.arange(len(base))], [np.full(len(base), -1)]
    for i, profile in enumerate(profiles):
        held = set(labels[own == i].tolist())
        wanted = np.ones(len(base), bool) if classes == "both" or len(held) > 1 else \
            ~np.isin(labels, list(held))
        showable = np.array([j != i and profiles[j].can_show(profile)
                             for j in range(len(profiles))])
        rows = np.flatnonzero(showable[own] & wanted)
        if len(rows):
            parts.append(mask_accounts(base.iloc[rows], profile).reset_index(drop=True))
            origin.append(rows)
            shown.append(np.full(len(rows), i))
    return pd.concat(parts, ignore_index=True), np.concatenate(origin), np.concatenate(shown)
