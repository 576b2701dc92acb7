"""A HubSpot-compatible server for the tests, run as its own process (``-m tests.simulations.delivery.hubspot_server``).

It implements the endpoints the HubSpot sink uses, as HubSpot documents them, and holds every request to them:

- ``GET/POST /crm/v3/properties/{objectType}[/{name}]``: custom properties (``hasUniqueValue`` remembered);
- ``POST /crm/v3/objects/{objectType}/batch/upsert``: upsert on a unique property (``idProperty`` must name an
  existing property with ``hasUniqueValue``); one object per (type, unique value), ever;
- ``POST /crm/v4/associations/{from}/{to}/batch/create``: associations between existing object ids.

Every body is parsed with the official client's models (``hubspot-api-client``; required fields and enums are
checked there), so a payload the client's own schema refuses fails here with 400. Batches over 100 inputs are
refused (400, HubSpot's documented batch limit). A burst limit (``--burst`` requests per ``--window`` seconds) is
enforced with ``429`` and ``Retry-After``; a request arriving inside a Retry-After window it was given is
counted as a violation. Bearer-token auth (401 otherwise). ``GET /__state`` returns the objects, associations,
request count, 429s and violations.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import hubspot.crm.associations.v4 as associations_v4
import hubspot.crm.objects as objects_api
import hubspot.crm.properties as properties_api

BATCH_LIMIT = 100
OBJECT_TYPE_IDS = {"contacts": "0-1", "companies": "0-2", "deals": "0-3", "notes": "0-46", "calls": "0-48",
                   "emails": "0-49", "meetings": "0-47", "tasks": "0-27"}  # fmt: skip


def parse(api: Any, data: Any, klass: str) -> Any:
    """Deserialize with the official client's models (raises ValueError on a missing required field)."""
    return api.ApiClient()._ApiClient__deserialize(data, klass)


class Refused(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


class Portal:
    def __init__(self, token: str, burst: int, window: float):
        self.token, self.burst, self.window = token, burst, window
        self.lock = threading.Lock()
        self.properties: dict[str, dict[str, dict[str, Any]]] = {}
        self.objects: dict[str, dict[str, dict[str, Any]]] = {}  # type -> unique value -> object
        self.associations: set[tuple[str, str, str, str, int]] = set()
        self.next_id = 1000
        self.recent: list[float] = []
        self.blocked_until = 0.0
        self.counts = {"requests": 0, "rate_limited": 0, "violations": 0, "refused": 0, "max_batch": 0}

    def admit(self) -> None:
        """Burst limit: at most ``burst`` requests in any ``window`` seconds; else 429 + Retry-After."""
        now = time.monotonic()
        self.counts["requests"] += 1
        if now < self.blocked_until:
            self.counts["violations"] += 1
        self.recent = [t for t in self.recent if t > now - self.window]
        if len(self.recent) >= self.burst:
            retry_after = max(1, int(self.recent[0] + self.window - now + 0.999))
            self.blocked_until = max(self.blocked_until, now + retry_after)
            self.counts["rate_limited"] += 1
            raise Refused(429, "You have reached your secondly limit.", {"Retry-After": str(retry_after)})
        self.recent.append(now)

    def new_id(self) -> str:
        self.next_id += 1
        return str(self.next_id)


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


class Handler(BaseHTTPRequestHandler):
    server: Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def _reply(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _handle(self, method: str) -> None:
        portal = self.server.portal
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        if self.path == "/__state":
            with portal.lock:
                self._reply(200, {
                    **portal.counts,
                    "objects": {t: len(v) for t, v in portal.objects.items()},
                    "associations": _association_counts(portal.associations),
                    "keys": {t: sorted(v) for t, v in portal.objects.items()},
                    "properties": portal.properties,
                })  # fmt: skip
            return
        try:
            with portal.lock:
                if self.headers.get("authorization") != f"Bearer {portal.token}":
                    raise Refused(401, "Authentication credentials not found.")
                portal.admit()
                status, answer = self._route(method, json.loads(body) if body else None)
            self._reply(status, answer)
        except Refused as exc:
            with portal.lock:
                portal.counts["refused"] += exc.status == 400
            self._reply(exc.status, {"status": "error", "message": exc.message, "category": "VALIDATION_ERROR"},
                        exc.headers)  # fmt: skip
        except (ValueError, TypeError, KeyError) as exc:
            with portal.lock:
                portal.counts["refused"] += 1
            self._reply(400, {"status": "error", "message": f"Invalid input: {exc}", "category": "VALIDATION_ERROR"})

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _route(self, method: str, data: Any) -> tuple[int, Any]:
        portal = self.server.portal
        path = self.path.split("?")[0]
        if m := re.fullmatch(r"/crm/v3/properties/(\w+)/(\w+)", path):
            found = portal.properties.get(m[1], {}).get(m[2])
            if method != "GET" or found is None:
                raise Refused(404, f"Property {m[2]} does not exist")
            return 200, found
        if (m := re.fullmatch(r"/crm/v3/properties/(\w+)", path)) and method == "POST":
            spec = parse(properties_api, data, "PropertyCreate")
            prop = {"name": spec.name, "label": spec.label, "type": spec.type, "fieldType": spec.field_type,
                    "groupName": spec.group_name, "description": spec.description or "", "options": [],
                    "hasUniqueValue": bool(spec.has_unique_value)}  # fmt: skip
            if spec.name in portal.properties.setdefault(m[1], {}):
                raise Refused(409, f"Property {spec.name} already exists")
            portal.properties[m[1]][spec.name] = prop
            return 201, prop
        if (m := re.fullmatch(r"/crm/v3/objects/(\w+)/batch/upsert", path)) and method == "POST":
            return 200, self._upsert(m[1], parse(objects_api, data, "BatchInputSimplePublicObjectBatchInputUpsert"))
        if (m := re.fullmatch(r"/crm/v4/associations/(\w+)/(\w+)/batch/create", path)) and method == "POST":
            batch = parse(associations_v4, data, "BatchInputPublicAssociationMultiPost")
            return 201, self._associate(m[1], m[2], batch)
        raise Refused(404, f"No route {method} {path}")

    def _batch(self, inputs: list[Any]) -> None:
        portal = self.server.portal
        if not inputs:
            raise Refused(400, "inputs must not be empty")
        if len(inputs) > BATCH_LIMIT:
            raise Refused(400, f"Batch size {len(inputs)} is over the limit of {BATCH_LIMIT}")
        portal.counts["max_batch"] = max(portal.counts["max_batch"], len(inputs))

    def _upsert(self, object_type: str, batch: Any) -> Any:
        portal = self.server.portal
        self._batch(batch.inputs)
        store = portal.objects.setdefault(object_type, {})
        results = []
        for item in batch.inputs:
            prop = portal.properties.get(object_type, {}).get(item.id_property or "")
            if prop is None or not prop["hasUniqueValue"]:
                raise Refused(400, f"idProperty {item.id_property} is not a unique property of {object_type}")
            if item.properties.get(item.id_property, item.id) != item.id:
                raise Refused(400, "the unique property's value differs from the id")
            existing = store.get(item.id)
            created = existing is None
            if existing is None:
                existing = store[item.id] = {"id": portal.new_id(), "properties": {}, "createdAt": _now()}
            existing["properties"].update({**item.properties, item.id_property: item.id})
            existing["updatedAt"] = _now()
            results.append({"id": existing["id"], "properties": existing["properties"], "new": created,
                            "createdAt": existing["createdAt"], "updatedAt": existing["updatedAt"]})  # fmt: skip
        response = {"status": "COMPLETE", "results": results, "startedAt": _now(), "completedAt": _now()}
        parse(objects_api, response, "BatchResponseSimplePublicUpsertObject")
        return response

    def _associate(self, from_type: str, to_type: str, batch: Any) -> Any:
        portal = self.server.portal
        self._batch(batch.inputs)
        ids = {t: {o["id"] for o in portal.objects.get(t, {}).values()} for t in (from_type, to_type)}
        results = []
        for item in batch.inputs:
            if item._from.id not in ids[from_type] or item.to.id not in ids[to_type]:
                raise Refused(400, f"No object {item._from.id} or {item.to.id}")
            for spec in item.types:
                portal.associations.add((from_type, to_type, item._from.id, item.to.id, spec.association_type_id))
            results.append({"fromObjectTypeId": OBJECT_TYPE_IDS[from_type], "fromObjectId": item._from.id,
                            "toObjectTypeId": OBJECT_TYPE_IDS[to_type], "toObjectId": item.to.id,
                            "labels": []})  # fmt: skip
        response = {"status": "COMPLETE", "results": results, "startedAt": _now(), "completedAt": _now()}
        parse(associations_v4, response, "BatchResponseLabelsBetweenObjectPair")
        return response


def _association_counts(associations: set[tuple[str, str, str, str, int]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for from_type, to_type, *_ in associations:
        counts[f"{from_type}->{to_type}"] = counts.get(f"{from_type}->{to_type}", 0) + 1
    return counts


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], portal: Portal):
        super().__init__(address, Handler)
        self.portal = portal


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--burst", type=int, default=100, help="Requests allowed per window (HubSpot: 100 / 10 s).")
    parser.add_argument("--window", type=float, default=10.0)
    args = parser.parse_args()
    server = Server(("127.0.0.1", args.port), Portal(args.token, args.burst, args.window))
    server.serve_forever()


if __name__ == "__main__":
    main()
