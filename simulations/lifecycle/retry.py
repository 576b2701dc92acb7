"""Retry of a whole transaction that PostgreSQL aborted to resolve a conflict (deadlock or serialization failure).

The lock order (docs/architecture.md, "Lock order") leaves control actions no deadlock with workers, the
dispatcher or the sweeper; this is the safety net for what the order does not cover (an operator's ad-hoc SQL, a
future code path), so that a user pressing Pause never sees a database conflict.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.db import OperationalError, transaction

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

CONFLICT_SQLSTATES = frozenset({"40001", "40P01"})
"""serialization_failure and deadlock_detected: PostgreSQL rolled the transaction back, and running it again is
correct and expected to succeed."""
ATTEMPTS = 5
FIRST_BACKOFF_SECONDS = 0.05
"""Doubles after each failure (0.05, 0.1, 0.2, 0.4 s): the other party of a deadlock usually commits by then."""


def conflict_sqlstate(exc: BaseException) -> str | None:
    """The SQLSTATE of a database error when it is a retryable conflict, else None."""
    cause = exc.__cause__
    code = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    return code if code in CONFLICT_SQLSTATES else None


def retry_on_conflict(func: Callable[P, R]) -> Callable[P, R]:
    """Run ``func`` again (up to ATTEMPTS times in all) when it fails with a deadlock or serialization failure.

    Goes OUTSIDE ``@transaction.atomic``: each attempt is a whole new transaction, so ``func`` must re-read what it
    decides on (services re-read and lock the simulation row first). Called inside a caller's transaction, it does
    not retry (that transaction is aborted; only its owner can run it again). Each retry is logged as a warning;
    any other error, and the last conflict, propagate unchanged.
    """

    @functools.wraps(func)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        attempt = 1
        while True:
            try:
                return func(*args, **kwargs)
            except OperationalError as exc:
                code = conflict_sqlstate(exc)
                if code is None or attempt >= ATTEMPTS or transaction.get_connection().in_atomic_block:
                    raise
                delay = FIRST_BACKOFF_SECONDS * 2 ** (attempt - 1)
                logger.warning(
                    "%s aborted by PostgreSQL (SQLSTATE %s: %s); retrying in %.2f s (attempt %d of %d)",
                    func.__qualname__, code, str(exc).strip().splitlines()[0], delay, attempt + 1, ATTEMPTS,
                )  # fmt: skip
                time.sleep(delay)
                attempt += 1

    return run
