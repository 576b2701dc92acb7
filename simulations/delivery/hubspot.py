"""HubSpot sink: the simulated CRM written into a HubSpot portal with the official client (hubspot-api-client).

- Auth: a private-app access token (``pat-...``); the base URL is configurable (``https://api.hubapi.com``).
- Idempotency: a unique custom property ``crmsim_key`` (``<simulation>-<natural key>``) is created on every object
  type used, if missing; every write is a batch **upsert** on it, so a retried or replayed send creates nothing
  twice. Associations (v4 ``batch/create``) are idempotent too.
- Mapping: companies, contacts, deals -> their objects; activities -> notes, calls, tasks, emails, meetings;
  stage events -> upserts of the contact's ``lifecyclestage`` / the deal's ``dealstage``; associations
  contact-company, deal-contact, deal-company, engagement-contact, engagement-deal. A record type the mapping does
  not know (a future export column set) is reported as a per-record note, not an error.
- Batches of at most 100 inputs per request (HubSpot's batch limit). Rate limits: a client-side burst limiter
  (CRMSIM_HUBSPOT_BURST_LIMIT requests per CRMSIM_HUBSPOT_BURST_WINDOW_SECONDS) and a daily budget
  (CRMSIM_HUBSPOT_DAILY_LIMIT) per process; a 429 blocks this sink's limiter until its ``Retry-After`` has
  passed (no request inside the window), then the request is repeated, within CRMSIM_HUBSPOT_MAX_WAIT_SECONDS
  per send; past that the send ends as a retry (and the sink is held for the Retry-After).
- Per-record errors of a 207 multi-status answer are recorded (``Outcome.record_errors``), the rest delivered.

See docs/sinks.md for what was and was not verified against HubSpot itself.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from hubspot import Client
from hubspot.crm.associations.v4 import (
    AssociationSpec,
    BatchInputPublicAssociationMultiPost,
    PublicAssociationMultiPost,
)
from hubspot.crm.associations.v4 import PublicObjectId as AssociationObjectId
from hubspot.crm.objects import BatchInputSimplePublicObjectBatchInputUpsert, SimplePublicObjectBatchInputUpsert
from hubspot.crm.properties import PropertyCreate

from simulations.delivery.events import Event
from simulations.delivery.models import Sink
from simulations.delivery.registry import Outcome
from simulations.delivery.targets import TargetRejected, TargetUnresolvable, check_target

DEFAULT_BASE_URL = "https://api.hubapi.com"
KEY_PROPERTY = "crmsim_key"
BATCH_LIMIT = 100
ENGAGEMENTS = {"note": "notes", "call": "calls", "task": "tasks", "email": "emails", "meeting": "meetings"}
PROPERTY_GROUPS = {
    "companies": "companyinformation",
    "contacts": "contactinformation",
    "deals": "dealinformation",
    "notes": "engagement",
    "calls": "engagement",
    "tasks": "engagement",
    "emails": "engagement",
    "meetings": "engagement",
}
ASSOCIATION_TYPES: dict[tuple[str, str], int] = {
    ("contacts", "companies"): 279,
    ("deals", "contacts"): 3,
    ("deals", "companies"): 341,
    ("notes", "contacts"): 202,
    ("notes", "deals"): 214,
    ("calls", "contacts"): 194,
    ("calls", "deals"): 206,
    ("tasks", "contacts"): 204,
    ("tasks", "deals"): 216,
    ("emails", "contacts"): 198,
    ("emails", "deals"): 210,
    ("meetings", "contacts"): 200,
    ("meetings", "deals"): 212,
}
"""HubSpot-defined association type ids (from HubSpot's association type id table)."""


def token_error(token: str) -> str | None:
    """A private-app access token: ``pat-<region>-<uuid>``-like, printable, no whitespace."""
    if not isinstance(token, str) or not token.startswith("pat-") or len(token) < 20:
        return "Must be a HubSpot private-app access token (starts with pat-)."
    if any(ch.isspace() for ch in token) or not token.isprintable():
        return "Must not contain whitespace or control characters."
    return None


class RateLimited(Exception):
    def __init__(self, retry_after: float):
        self.retry_after = retry_after
        super().__init__(f"HTTP 429: retry after {retry_after:g} s")


class _Limiter:
    """Burst window + daily budget + Retry-After block, shared by every client of one sink in this process."""

    _all: dict[int, _Limiter] = {}
    _lock = threading.Lock()

    def __init__(self) -> None:
        self.sent: list[float] = []
        self.blocked_until = 0.0
        self.day_start = time.time()
        self.day_count = 0

    @classmethod
    def of(cls, sink_id: int) -> _Limiter:
        with cls._lock:
            return cls._all.setdefault(sink_id, cls())

    def wait(self, deadline: float) -> None:
        """Sleep until a request is allowed; raise RateLimited if that is after ``deadline``."""
        window = settings.CRMSIM_HUBSPOT_BURST_WINDOW_SECONDS
        while True:
            now = time.monotonic()
            self.sent = [t for t in self.sent if t > now - window]
            if time.time() - self.day_start >= 86_400:
                self.day_start, self.day_count = time.time(), 0
            if self.day_count >= settings.CRMSIM_HUBSPOT_DAILY_LIMIT:
                raise RateLimited(86_400 - (time.time() - self.day_start))
            ready = max(self.blocked_until, self.sent[0] + window if len(self.sent) >= _burst() else now)
            if ready <= now:
                self.sent.append(now)
                self.day_count += 1
                return
            if ready > deadline:
                raise RateLimited(ready - now)
            time.sleep(ready - now)

    def block(self, seconds: float) -> None:
        self.blocked_until = max(self.blocked_until, time.monotonic() + seconds)


def _burst() -> int:
    return int(settings.CRMSIM_HUBSPOT_BURST_LIMIT)


def _chunks(items: Sequence[Any], size: int = BATCH_LIMIT) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


@dataclass
class _Writes:
    """One send's writes: properties per (object type, crmsim key), and associations between keys."""

    upserts: dict[str, dict[str, dict[str, str]]] = field(default_factory=lambda: defaultdict(dict))
    links: dict[tuple[str, str], list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    notes: list[str] = field(default_factory=list)

    def put(self, object_type: str, key: str, properties: dict[str, Any]) -> None:
        target = self.upserts[object_type].setdefault(key, {})
        target.update({name: "" if value is None else str(value) for name, value in properties.items()})

    def link(self, from_type: str, from_key: str, to_type: str, to_key: str) -> None:
        self.links[(from_type, to_type)].append((from_key, to_key))
        self.upserts[to_type].setdefault(to_key, {})
        self.upserts[from_type].setdefault(from_key, {})


def plan_writes(events: Sequence[Event], simulation_id: int) -> _Writes:
    """Events -> the upserts and associations that put them into HubSpot (pure)."""
    writes = _Writes()

    def key(value: Any) -> str:
        return f"{simulation_id}-{value}"

    for event in events:
        d = event.data
        if event.record_type == "companies":
            writes.put(
                "companies",
                key(d["key"]),
                {"name": d["name"], "domain": d["domain"], "numberofemployees": d["employees"],
                 "description": f"Industry: {d['industry']}"},
            )  # fmt: skip
        elif event.record_type == "contacts":
            writes.put(
                "contacts",
                key(d["key"]),
                {"firstname": d["first_name"], "lastname": d["last_name"], "email": d["email"], "phone": d["phone"],
                 "jobtitle": d["job_title"], "lifecyclestage": d["lifecycle_stage"]},
            )  # fmt: skip
            writes.link("contacts", key(d["key"]), "companies", key(d["company_key"]))
        elif event.record_type == "deals":
            writes.put(
                "deals",
                key(d["key"]),
                {"dealname": d["name"], "amount": d["amount"], "dealstage": d["dealstage"], "pipeline": "default",
                 **({"closedate": d["closed_at"]} if d.get("closed_at") else {})},
            )  # fmt: skip
            writes.link("deals", key(d["key"]), "contacts", key(d["contact_key"]))
            writes.link("deals", key(d["key"]), "companies", key(d["company_key"]))
        elif event.record_type == "activities":
            object_type = ENGAGEMENTS.get(d["type"])
            if object_type is None:
                writes.notes.append(f"{event.id}: activity type {d['type']!r} has no HubSpot mapping")
                continue
            writes.put(object_type, key(d["key"]), _engagement_properties(object_type, d, event.occurred_at))
            writes.link(object_type, key(d["key"]), "contacts", key(d["contact_key"]))
            if d.get("deal_key") is not None:
                writes.link(object_type, key(d["key"]), "deals", key(d["deal_key"]))
        elif event.record_type == "lifecycle_events":
            writes.put("contacts", key(d["contact_key"]), {"lifecyclestage": d["to_stage"]})
        elif event.record_type == "deal_stage_events":
            closing = d["to_stage"] in ("closedwon", "closedlost")
            writes.put(
                "deals",
                key(d["deal_key"]),
                {"dealstage": d["to_stage"], **({"closedate": d["occurred_at"]} if closing else {})},
            )
        elif event.record_type == "deal_contacts":
            # The buying committee: every member is associated with the deal (roles are not mapped: HubSpot keeps
            # them as custom association labels, which a portal must define first).
            writes.link("deals", key(d["deal_key"]), "contacts", key(d["contact_key"]))
        elif event.record_type == "owners":
            continue  # HubSpot's owners are the portal's users: the CRM API cannot create them
        else:
            writes.notes.append(f"{event.id}: record type {event.record_type} has no HubSpot mapping")
    return writes


def _engagement_properties(object_type: str, d: dict[str, Any], occurred_at: int) -> dict[str, Any]:
    from simulations.engine import format_timestamp

    when = format_timestamp(occurred_at)
    subject = d["subject"]
    if object_type == "notes":
        return {"hs_timestamp": when, "hs_note_body": subject}
    if object_type == "calls":
        return {"hs_timestamp": when, "hs_call_title": subject, "hs_call_body": subject}
    if object_type == "tasks":
        return {"hs_timestamp": when, "hs_task_subject": subject, "hs_task_status": "COMPLETED"}
    if object_type == "emails":
        return {"hs_timestamp": when, "hs_email_subject": subject, "hs_email_direction": "EMAIL",
                "hs_email_status": "SENT"}  # fmt: skip
    return {"hs_timestamp": when, "hs_meeting_title": subject, "hs_meeting_start_time": when,
            "hs_meeting_end_time": when}  # fmt: skip


UPSERT_ORDER = ("companies", "contacts", "deals", "notes", "calls", "tasks", "emails", "meetings")


class HubSpotClient:
    """One sink's client. ``send`` = ensure properties, upsert objects (<=100 per request), then associations."""

    def __init__(self, sink: Sink, token: str):
        self.sink = sink
        self.base_url = sink.url.rstrip("/")
        self.max_events = settings.CRMSIM_HUBSPOT_EVENTS_PER_SEND
        self.client = Client.create(access_token=token, host=self.base_url)
        self.limiter = _Limiter.of(sink.pk)
        self.timeout = settings.CRMSIM_DELIVERY_TIMEOUT_SECONDS
        self.ready: set[str] = set(sink.state.get("key_properties", []))
        self.requests = 0
        self.deadline = time.monotonic()

    # -- one HTTP call, rate limited ---------------------------------------------------------------------
    def _call(self, function: Any, *args: Any, **kwargs: Any) -> Any:
        """One request, after the limiter allows it. A 429 blocks the sink's limiter for its Retry-After; the
        request is then repeated if that fits in the send's time budget, else RateLimited ends the send (its
        outcome is a retry, and the whole send is repeated later: upserts make that harmless)."""
        while True:
            self.limiter.wait(self.deadline)
            self.requests += 1
            try:
                return function(*args, _request_timeout=self.timeout, **kwargs)
            except Exception as exc:
                if getattr(exc, "status", None) != 429:
                    raise
                retry_after = _retry_after(getattr(exc, "headers", None) or {})
                self.limiter.block(retry_after)
                if time.monotonic() + retry_after > self.deadline:
                    raise RateLimited(retry_after) from None

    def _ensure_key_property(self, object_type: str) -> None:
        if object_type in self.ready:
            return
        properties = self.client.crm.properties.core_api
        try:
            existing = self._call(properties.get_by_name, object_type, KEY_PROPERTY)
            if not getattr(existing, "has_unique_value", False):
                raise RuntimeError(f"{object_type}.{KEY_PROPERTY} exists but is not unique; delete or rename it.")
        except Exception as exc:
            if getattr(exc, "status", None) != 404:
                raise
            self._call(
                properties.create,
                object_type,
                property_create=PropertyCreate(
                    name=KEY_PROPERTY,
                    label="crmsim key",
                    description="crmsim's natural key (simulation-key); unique, used for idempotent upserts.",
                    type="string",
                    field_type="text",
                    group_name=PROPERTY_GROUPS[object_type],
                    has_unique_value=True,
                ),
            )
        self.ready.add(object_type)
        Sink.objects.filter(pk=self.sink.pk).update(state={**self.sink.state, "key_properties": sorted(self.ready)})

    def _upsert(self, object_type: str, rows: dict[str, dict[str, str]], errors: list[str]) -> dict[str, str]:
        """Upsert ``rows`` (key -> properties); return key -> HubSpot id."""
        ids: dict[str, str] = {}
        for chunk in _chunks(list(rows.items())):
            body = BatchInputSimplePublicObjectBatchInputUpsert(
                inputs=[
                    SimplePublicObjectBatchInputUpsert(
                        id_property=KEY_PROPERTY, id=key, properties={**properties, KEY_PROPERTY: key}
                    )
                    for key, properties in chunk
                ]
            )
            response = self._call(self.client.crm.objects.batch_api.upsert, object_type, body)
            for result in response.results or []:
                ids[(result.properties or {}).get(KEY_PROPERTY, "")] = result.id
            for error in getattr(response, "errors", None) or []:
                errors.append(f"{object_type}: {error.message}"[:200])
        return ids

    def _associate(self, pair: tuple[str, str], links: list[tuple[str, str]], ids: dict[str, dict[str, str]]) -> None:
        from_type, to_type = pair
        spec = AssociationSpec(association_category="HUBSPOT_DEFINED", association_type_id=ASSOCIATION_TYPES[pair])
        inputs = [
            PublicAssociationMultiPost(
                _from=AssociationObjectId(id=ids[from_type][a]),
                to=AssociationObjectId(id=ids[to_type][b]),
                types=[spec],
            )
            for a, b in dict.fromkeys(links)
            if a in ids[from_type] and b in ids[to_type]
        ]
        for chunk in _chunks(inputs):
            self._call(
                self.client.crm.associations.v4.batch_api.create,
                from_type,
                to_type,
                batch_input_public_association_multi_post=BatchInputPublicAssociationMultiPost(inputs=list(chunk)),
            )

    def _deliver(self, writes: _Writes) -> list[str]:
        errors = list(writes.notes)
        ids: dict[str, dict[str, str]] = {}
        for object_type in UPSERT_ORDER:
            rows = writes.upserts.get(object_type)
            if rows:
                self._ensure_key_property(object_type)
                ids[object_type] = self._upsert(object_type, rows, errors)
        for pair, links in writes.links.items():
            ids.setdefault(pair[0], {})
            ids.setdefault(pair[1], {})
            self._associate(pair, links, ids)
        return errors

    def _outcome(self, work: Any) -> Outcome:
        from hubspot.crm.objects.exceptions import ApiException

        self.requests = 0
        self.deadline = time.monotonic() + settings.CRMSIM_HUBSPOT_MAX_WAIT_SECONDS
        try:
            check_target(self.base_url)
        except TargetUnresolvable as exc:
            return Outcome("retry", detail=str(exc), requests=0)
        except TargetRejected as exc:
            return Outcome("gone", detail=str(exc), requests=0)
        try:
            errors = work()
        except RateLimited as exc:
            return Outcome("retry", 429, str(exc), exc.retry_after, requests=self.requests)
        except Exception as exc:
            status = getattr(exc, "status", None)
            detail = f"HTTP {status}: {getattr(exc, 'body', '') or exc}"[:300] if status else f"{exc}"[:300]
            if status is None or status >= 500 or status in (408,):
                if status is None and not _is_network_error(exc, ApiException):
                    raise
                return Outcome("retry", status, detail, requests=self.requests)
            if status in (401, 403):
                return Outcome("retry", status, detail, requests=self.requests)
            return Outcome("rejected", status, detail, requests=self.requests)
        return Outcome("delivered", 200, requests=self.requests, record_errors=errors)

    def send(self, events: Sequence[Event], simulation_id: int) -> Outcome:
        writes = plan_writes(events, simulation_id)
        return self._outcome(lambda: self._deliver(writes))

    def ping(self) -> Outcome:
        """One authenticated read (the contacts' crmsim_key property, or its absence)."""

        def read() -> list[str]:
            try:
                self._call(self.client.crm.properties.core_api.get_by_name, "contacts", KEY_PROPERTY)
            except Exception as exc:
                if getattr(exc, "status", None) != 404:
                    raise
            return []

        return self._outcome(read)

    def close(self) -> None:
        """Nothing to release: the client's pool closes with the process."""


def _retry_after(headers: Any) -> float:
    try:
        value = headers.get("Retry-After") or headers.get("retry-after")
        return max(0.0, float(value)) if value is not None else float(settings.CRMSIM_HUBSPOT_BURST_WINDOW_SECONDS)
    except (TypeError, ValueError):
        return float(settings.CRMSIM_HUBSPOT_BURST_WINDOW_SECONDS)


def _is_network_error(exc: Exception, api_exception: type[Exception]) -> bool:
    import urllib3.exceptions

    return isinstance(exc, (urllib3.exceptions.HTTPError, OSError, api_exception))
