"""The YAML mapping of the ``mapped`` format (see :mod:`features.sources.mapped`), validated
with pydantic; its own module so that reading other formats does not import pydantic."""

from __future__ import annotations

from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from features.schema import ACCOUNT_REQUIRED, SchemaError, validation_problems
from features.sources import common, values
from features.sources.mapped import _MAPPABLE


class Mapping(BaseModel):
    """A YAML mapping from canonical account columns to a file's columns."""

    model_config = ConfigDict(extra="forbid")

    columns: dict[str, str]
    date_format: str | None = None
    timezone: str = "UTC"
    encoding: str = "utf-8"
    delimiter: str = ","
    file_format: Literal["csv", "parquet"] | None = None
    #: False: the CSV has no header line; ``column_names`` names its columns in order
    header: bool = True
    column_names: list[str] | None = None
    constants: dict[str, str | int | float | bool] = {}
    empty_flag: bool | None = None
    label_values: dict[str, int] = dict(values.LABEL_VALUES)
    created_at_day_only: bool = False
    ids_hashed: bool = False

    @field_validator("columns", "constants")
    @classmethod
    def _canonical(cls, value: dict) -> dict:
        unknown = sorted(set(value) - set(_MAPPABLE))
        if unknown:
            raise ValueError(f"not canonical account columns: {unknown}; known: {_MAPPABLE}")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        import zoneinfo

        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (an IANA name such as UTC or "
                             "Europe/Rome)") from None
        return value

    @field_validator("delimiter")
    @classmethod
    def _one_character(cls, value: str) -> str:
        if len(value) != 1 or value in ('"', "\n", "\r"):
            raise ValueError(f"the delimiter must be one character other than a quote or a "
                             f"line break, got {value!r}")
        return value

    @field_validator("date_format")
    @classmethod
    def _strftime(cls, value: str | None) -> str | None:
        return value if value is None else values.check_time_format(value)

    @classmethod
    def load(cls, path: str) -> Mapping:
        """Read and validate a mapping file."""
        try:
            with open(path, encoding="utf-8") as fh:
                data = yaml.safe_load(fh)
        except (OSError, yaml.YAMLError) as exc:
            raise SchemaError(f"{path}: cannot read mapping: {exc}") from exc
        try:
            mapping = cls.model_validate(data or {})
        except ValidationError as exc:
            raise SchemaError(f"{path}: invalid mapping: {validation_problems(exc)}") from exc
        missing = [c for c in ACCOUNT_REQUIRED
                   if c not in mapping.columns and c not in mapping.constants]
        if missing:
            raise SchemaError(f"{path}: mapping must give columns for {missing}")
        if mapping.header == (mapping.column_names is not None):
            raise SchemaError(f"{path}: give column_names exactly when header is false (a file "
                              "without a header line needs its columns named)")
        if mapping.column_names is not None:
            unnamed = sorted(set(mapping.columns.values()) - set(mapping.column_names))
            if unnamed:
                raise SchemaError(f"{path}: columns {unnamed} are mapped but not in "
                                  f"column_names {mapping.column_names}")
        common.check_encoding(mapping.encoding)
        return mapping
