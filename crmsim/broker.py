"""kombu's Redis transport with one defect of kombu 5.7 worked around: a worker must survive a Redis restart.

When the broker connection drops while a task is unacknowledged (``CELERY_TASK_ACKS_LATE``: every running task),
the worker closes its channel and kombu tries to put the unacknowledged messages back. By then kombu has already
detached the transport from its connection (``channel.connection.client`` is None) and, its connection pool
having been reset by the error, building a new one dereferences that None: ``AttributeError: 'NoneType' object
has no attribute 'hostname'``. Celery treats the AttributeError as unrecoverable and the worker process exits, so
one Redis restart stops every worker it catches mid-task (reproduced by
tests/simulations/integration/test_distributed.py::test_a_redis_restart_mid_run_loses_and_duplicates_nothing
about one run in six).

Here that case raises the connection error it is: kombu ignores connection errors while closing, and the consumer
reconnects as it does for any lost connection. Nothing of value is lost by not restoring those messages: the
restarted Redis has forgotten them anyway, and crmsim never relies on them (the slot table, the sweeper and the
delivery ledger re-send lost work; docs/operations.md).

Installed by registering this class under kombu's ``redis`` and ``rediss`` aliases (``crmsim.celery``), so broker
URLs, TLS defaults and every transport option stay exactly as with kombu's own transport.
"""

from __future__ import annotations

import redis
from kombu.transport import TRANSPORT_ALIASES
from kombu.transport import redis as kombu_redis

ALIASES = ("redis", "rediss")


class Channel(kombu_redis.Channel):
    def _connparams(self, asynchronous: bool = False) -> dict:
        if self.connection.client is None:
            raise redis.exceptions.ConnectionError("the broker connection is closed")
        return super()._connparams(asynchronous=asynchronous)


class Transport(kombu_redis.Transport):
    Channel = Channel


def install() -> None:
    for alias in ALIASES:
        TRANSPORT_ALIASES[alias] = f"{__name__}:Transport"
