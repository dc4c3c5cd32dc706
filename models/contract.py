"""What a bundle's ``contract.json`` must hold, checked when the bundle is loaded: a contract
edited by hand or written by another version fails with the field and what is wrong with it,
never with a traceback in the middle of scoring."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from features.schema import validation_problems

Probability = Field(gt=0, lt=1)


class Isotonic(BaseModel):
    """A step function from the raw score to the probability at the training mix."""

    method: Literal["isotonic"]
    x: list[float] = Field(min_length=1)
    y: list[float]
    train_prior: float = Probability

    @model_validator(mode="after")
    def _shape(self) -> Isotonic:
        if len(self.x) != len(self.y):
            raise ValueError(f"x has {len(self.x)} values and y {len(self.y)}")
        if any(b < a for a, b in zip(self.x, self.x[1:], strict=False)):
            raise ValueError("x is not sorted")
        if any(not 0 <= v <= 1 for v in self.y):
            raise ValueError("y holds values outside [0, 1]")
        return self


class Platt(BaseModel):
    """A logistic map from the raw score to the probability at the training mix."""

    method: Literal["platt"]
    a: float
    b: float
    train_prior: float = Probability


class OperatingCurve(BaseModel):
    """The out-of-fold operating curve the thresholds are read from."""

    model_config = ConfigDict(extra="allow")

    threshold: list[float]
    tpr: list[float]
    fpr: list[float]

    @model_validator(mode="after")
    def _shape(self) -> OperatingCurve:
        if not len(self.threshold) == len(self.tpr) == len(self.fpr):
            raise ValueError("threshold, tpr and fpr differ in length")
        return self


class Contract(BaseModel):
    """The fields of ``contract.json`` scoring relies on (others are kept as they are)."""

    model_config = ConfigDict(extra="allow")

    bundle_version: int
    model_sha256: str
    feature_names: list[str] = Field(min_length=1)
    feature_state: dict
    calibrator: Isotonic | Platt = Field(discriminator="method")
    operating_curve: OperatingCurve
    prior: float = Probability
    population: Literal["all", "source"]
    target_precisions: list[float] = Field(min_length=1)
    created_at_to_day: bool = False
    model_version: str | None = None
    drift_reference: dict[str, dict] | None = None

    @model_validator(mode="after")
    def _precisions(self) -> Contract:
        if any(not 0 < p < 1 for p in self.target_precisions):
            raise ValueError("target_precisions must lie strictly between 0 and 1")
        return self


def check_contract(contract: object) -> str | None:
    """What is wrong with a parsed ``contract.json`` (one line per problem), None if nothing."""
    if not isinstance(contract, dict):
        return f"the contract is a JSON {type(contract).__name__}, not an object"
    try:
        Contract.model_validate(contract)
    except ValidationError as exc:
        return validation_problems(exc)
    return None
