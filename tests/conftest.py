"""Shared test helpers: where the fixtures and the real datasets are."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED_DATA = ROOT.parent / "shared" / "data"


def fixture(name: str) -> str:
    """Path of a committed test fixture."""
    return str(FIXTURES / name)


@pytest.fixture
def shared_data() -> Path:
    """The real datasets beside the repository; the test is skipped where they are absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real datasets not found at {SHARED_DATA} (they sit beside the repo in CI)")
    return SHARED_DATA
