"""sql.closing_connections: the work of a thread of its own (a second writer, the digest beside the report, the
results thread) closes the database connection it opened, whether it returns or raises."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from simulations.reads import sql

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _closable() -> None:
    if connection.vendor == "sqlite" and connection.is_in_memory_db():  # type: ignore[attr-defined]
        pytest.skip("Django never closes a connection to an in-memory SQLite database (it would lose the database)")


def _in_a_thread(work: Callable[[], Any]) -> tuple[Any, BaseException | None, Any]:
    """Runs ``work`` in a new thread: (its result, what it raised, the thread's own connection wrapper)."""
    outcome: dict[str, Any] = {"result": None, "error": None}

    def target() -> None:
        outcome["connection"] = connections["default"]  # this thread's own (Django keeps one per thread)
        try:
            outcome["result"] = work()
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive()
    return outcome["result"], outcome["error"], outcome["connection"]


def _query() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 7")
        return int(cursor.fetchone()[0])


def test_the_thread_connection_stays_open_without_it() -> None:
    """The premise: nothing else closes a thread's connection when its work ends."""
    result, error, wrapper = _in_a_thread(_query)
    try:
        assert (result, error) == (7, None)
        assert wrapper is not connections["default"] and wrapper.connection is not None
    finally:
        wrapper.inc_thread_sharing()  # closing another thread's connection needs this
        wrapper.close()
        wrapper.dec_thread_sharing()


def test_the_work_returns_its_result_and_its_connection_is_closed() -> None:
    result, error, wrapper = _in_a_thread(sql.closing_connections(_query))
    assert (result, error) == (7, None)
    assert wrapper is not connections["default"] and wrapper.connection is None


def test_work_that_raises_still_closes_its_connection() -> None:
    def fails() -> int:
        _query()
        raise RuntimeError("the work failed")

    result, error, wrapper = _in_a_thread(sql.closing_connections(fails))
    assert result is None and isinstance(error, RuntimeError)
    assert wrapper.connection is None
