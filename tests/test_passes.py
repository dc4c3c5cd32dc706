"""predict.py's read-ahead helper (models.passes.ahead): order, errors, stopping early."""

import threading
import time

import pytest

from models.passes import ahead


def _threads() -> int:
    return threading.active_count()


def test_items_come_in_order_and_the_helper_ends():
    before = _threads()
    assert list(ahead(iter(range(100)))) == list(range(100))
    assert _threads() == before


@pytest.mark.parametrize("exc", [ValueError("bad row in x.csv"), SystemExit(3)])
def test_an_error_in_the_helper_reaches_the_caller_where_its_item_would_be(exc):
    def items():
        yield 1
        yield 2
        raise exc

    got = []

    def consume():
        for item in ahead(items()):
            got.append(item)

    with pytest.raises(type(exc)) as raised:
        consume()
    assert got == [1, 2] and raised.value is exc


def test_a_caller_that_stops_early_or_fails_does_not_leave_the_helper_waiting():
    before = _threads()

    def slow_endless():
        n = 0
        while True:
            yield n
            n += 1

    gen = ahead(slow_endless(), depth=2)
    assert next(gen) == 0
    gen.close()  # the caller stops: the helper, blocked on a full queue, ends
    def fail_at_five():
        for item in ahead(slow_endless()):
            if item == 5:
                raise KeyError(item)

    with pytest.raises(KeyError):
        fail_at_five()
    deadline = time.monotonic() + 5
    while _threads() > before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert _threads() == before
