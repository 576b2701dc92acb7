"""crmsim.broker: a worker survives losing Redis while a task is unacknowledged (a kombu 5.7 defect).

The integration test (test_distributed.py::test_a_redis_restart_mid_run_loses_and_duplicates_nothing) meets the
defect about one run in six, when the connection drops at the wrong moment; this reproduces that moment
deterministically: a channel holding an unacknowledged message is closed after kombu detached its transport.
"""

from __future__ import annotations

import ssl

import kombu
import pytest
from kombu.common import ignore_errors
from kombu.transport import redis as kombu_redis

from crmsim import broker
from tests.servers import PrivateRedis


def test_redis_urls_use_crmsims_transport_with_kombus_url_and_tls_handling() -> None:
    plain = kombu.Connection("redis://cache.example:6380/3")
    assert isinstance(plain.transport, broker.Transport)
    assert (plain.hostname, plain.port, plain.virtual_host) == ("cache.example", 6380, "3")
    secure = kombu.Connection("rediss://cache.example:6380/0")
    assert isinstance(secure.transport, broker.Transport)
    assert secure.ssl == {"ssl_cert_reqs": ssl.CERT_NONE}  # kombu's default for rediss://, unchanged


def _close_after_the_connection_is_gone(url: str, transport: type[kombu_redis.Transport]) -> None:
    """What the worker's consumer does on a lost connection, at the moment that crashed it: close the channel
    (which puts unacknowledged messages back) after kombu detached the transport and reset its pool."""
    name = "slots"
    connection = kombu.Connection(url, transport=transport)
    channel = connection.channel()
    queue = kombu.Queue(name, kombu.Exchange(name), name, channel=channel)
    queue.declare()
    kombu.Producer(channel, exchange=queue.exchange, routing_key=name).publish({"slot": 1})
    assert queue.get(no_ack=False) is not None  # delivered, not acknowledged: as a running acks_late task
    channel.connection.client = None
    channel._pool = None
    ignore_errors(connection, channel.close)


def test_closing_a_channel_after_the_connection_is_gone_is_a_connection_error_kombu_ignores(
    private_redis: PrivateRedis,
) -> None:
    _close_after_the_connection_is_gone(private_redis.url, broker.Transport)  # no exception: the consumer reconnects


def test_kombus_own_transport_still_crashes_there(private_redis: PrivateRedis) -> None:
    """When this fails, kombu has fixed the defect: crmsim.broker (and this file) can go."""
    with pytest.raises(AttributeError, match="hostname"):
        _close_after_the_connection_is_gone(private_redis.url, kombu_redis.Transport)
