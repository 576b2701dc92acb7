"""Writes for sinks themselves: create, change and test a sink, and link sinks to a simulation (one delivery
watermark per slot and sink). Bad input raises ``SinkInputError`` (HTTP 400 through the one exception handler)
before anything is written."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import transaction

from crmsim.errors import InvalidInput
from simulations.delivery import registry
from simulations.delivery.models import SimulationSink, Sink, SlotDelivery
from simulations.delivery.secrets import encrypt_secret, secret_hint
from simulations.delivery.targets import TargetRejected, check_target


class SinkInputError(InvalidInput):
    """Bad sink input (HTTP 400 through the one exception handler); ``errors`` maps field paths to messages."""


def _validate(*, kind: str, url: str, secret: str | None, batch_size: int) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if kind not in Sink.Kind.values:
        return {"kind": [f"Must be one of {', '.join(Sink.Kind.values)}."]}
    try:
        check_target(url)
    except TargetRejected as exc:
        errors["baseUrl" if kind == Sink.Kind.HUBSPOT else "url"] = [str(exc)]
    if secret is not None:
        problem = registry.kind(kind).validate_secret(secret)
        if problem:
            errors["accessToken" if kind == Sink.Kind.HUBSPOT else "secret"] = [problem]
    if not 1 <= batch_size <= settings.CRMSIM_WEBHOOK_MAX_BATCH:
        errors["batchSize"] = [f"Must be in [1, {settings.CRMSIM_WEBHOOK_MAX_BATCH}]."]
    return errors


@transaction.atomic
def create_sink(
    *, owner: Any, kind: str, name: str, url: str | None, secret: str, batch_size: int | None = None
) -> Sink:
    """Validate and store a sink (its secret encrypted). Raises SinkInputError; nothing is saved on bad input."""
    if kind == Sink.Kind.HUBSPOT and not url:
        url = registry.kind(kind).default_url
    batch = batch_size if batch_size is not None else settings.CRMSIM_WEBHOOK_DEFAULT_BATCH
    errors = _validate(kind=kind, url=url or "", secret=secret, batch_size=batch)
    if errors:
        raise SinkInputError(errors)
    return Sink.objects.create(
        owner=owner,
        kind=kind,
        name=name,
        url=url or "",
        batch_size=batch,
        secret_encrypted=encrypt_secret(secret),
        secret_hint=secret_hint(secret),
    )


@transaction.atomic
def update_sink(
    *,
    sink: Sink,
    name: str | None = None,
    url: str | None = None,
    secret: str | None = None,
    batch_size: int | None = None,
    enabled: bool | None = None,
) -> Sink:
    """Change a sink; a secret given replaces the stored one. Re-enabling clears the disabled reason."""
    new_url = url if url is not None else sink.url
    new_batch = batch_size if batch_size is not None else sink.batch_size
    errors = _validate(kind=sink.kind, url=new_url, secret=secret, batch_size=new_batch)
    if errors:
        raise SinkInputError(errors)
    if name is not None:
        sink.name = name
    sink.url, sink.batch_size = new_url, new_batch
    if secret is not None:
        sink.secret_encrypted, sink.secret_hint = encrypt_secret(secret), secret_hint(secret)
        sink.state = {}
    if enabled is not None:
        sink.enabled = enabled
        if enabled:
            sink.disabled_reason = ""
    sink.save()
    return sink


def test_sink(*, sink: Sink) -> registry.Outcome:
    """Send one signed ping (webhook) or one authenticated read (HubSpot); return the target's answer."""
    client = registry.client_for(sink)
    try:
        return client.ping()
    finally:
        client.close()


@transaction.atomic
def attach_sinks(*, simulation: Any, sink_ids: Sequence[int]) -> list[Sink]:
    """Stream ``simulation`` to these sinks of its owner: one delivery watermark per slot and sink.

    Raises SinkInputError (field ``sinks``) for an id that is not one of the owner's sinks (another user's
    sink is "unknown" too, so ids do not leak).
    """
    wanted = list(dict.fromkeys(sink_ids))
    sinks = {s.pk: s for s in Sink.objects.filter(owner_id=simulation.owner_id, pk__in=wanted)}
    unknown = [str(pk) for pk in wanted if pk not in sinks]
    if unknown:
        raise SinkInputError({"sinks": [f"Unknown sink id(s): {', '.join(unknown)}."]})
    disabled = [str(pk) for pk in wanted if not sinks[pk].enabled]
    if disabled:
        raise SinkInputError({"sinks": [f"Sink(s) {', '.join(disabled)} are disabled; enable them first."]})
    for pk in wanted:
        SimulationSink.objects.get_or_create(simulation=simulation, sink=sinks[pk])
    add_slot_deliveries(simulation=simulation)
    return [sinks[pk] for pk in wanted]


def add_slot_deliveries(*, simulation: Any) -> None:
    """One delivery watermark per slot and linked sink (idempotent). A simulation created over the API is linked
    to its sinks before it is planned; its slots get their watermarks when the plan is stored."""
    start = int(simulation.window_start.timestamp())
    slot_ids = list(simulation.slots.values_list("pk", flat=True))
    for sink_id in SimulationSink.objects.filter(simulation=simulation).values_list("sink_id", flat=True):
        SlotDelivery.objects.bulk_create(
            [
                SlotDelivery(slot_id=slot_id, sink_id=sink_id, simulation=simulation, since=start)
                for slot_id in slot_ids
            ],
            batch_size=1000,
            ignore_conflicts=True,
        )
