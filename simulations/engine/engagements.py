"""Write-mode columns of activities: five engagement types, each with the fields HubSpot gives it.

Times and counts come from the slot's structure; everything else from the slot's value stream, drawn for
every activity whatever its type (fixed draw order, so no stream shifts):

    subject u, two sentence uniforms, disposition index, duration normal, status u, priority u,
    due offset (days), gap u

Subjects follow the activity's story phase (``touches``); directions come from the structure (who started
the call or e-mail decides its local time).

Bodies are sentences from fixed templates (catalog/pools) joined with spaces, personalised with the contact's
and owner's first names; B2B bodies are longer (three sentences in a note, two lines in an e-mail) than B2C
ones (one), so "fewer but richer" and "more but lighter" show in the content.
"""

from __future__ import annotations

import functools

import numpy as np

from .catalog import (
    ACTIVITY_TYPES,
    BLANK_RATES,
    CALL_DIRECTIONS,
    CALL_DISPOSITION_WEIGHTS,
    CALL_DISPOSITIONS,
    EMAIL_DIRECTIONS,
)
from .pools import (
    CALL_LINES,
    EMAIL_LINES,
    MEETING_LINES,
    NOTE_OPENERS,
    NOTE_SENTENCES,
    TASK_LINES,
)
from .touches import PHASES, subject_table
from .trajectories import CALL, DAY, EMAIL, MEETING, NOTE, TASK

Columns = dict[str, np.ndarray]

_TYPES = np.array(ACTIVITY_TYPES, dtype=object)
CONNECTED_LOG_MEDIAN = {"b2b": np.log(360.0), "b2c": np.log(150.0)}
"""Connected calls last lognormally around 6 minutes (B2B discovery/sales calls) or 2.5 minutes (B2C)."""
CONNECTED_LOG_SD = 0.6
MEETING_MINUTES = {"b2b": (30, 45, 60), "b2c": (15, 30, 30)}
TASK_DONE = ("COMPLETED",) * 16 + ("DEFERRED", "IN_PROGRESS", "WAITING", "NOT_STARTED")
"""Status of a task due before the window's end (80% completed)."""
TASK_OPEN = ("NOT_STARTED",) * 11 + ("IN_PROGRESS",) * 6 + ("WAITING",) * 3
"""Status of a task due after the window's end."""
MEETING_OUTCOMES = ("COMPLETED",) * 15 + ("NO_SHOW", "NO_SHOW", "RESCHEDULED", "RESCHEDULED", "CANCELED")
TASK_PRIORITIES = ("HIGH",) * 4 + ("MEDIUM",) * 9 + ("LOW",) * 5 + ("NONE",) * 2


def _arr(values) -> np.ndarray:
    return np.array(list(values), dtype=object)


def _pick(table, u: np.ndarray) -> np.ndarray:
    values = _arr(table)
    return values[np.minimum((u * len(values)).astype(np.int64), len(values) - 1)]


@functools.lru_cache(maxsize=1)
def _note_parts() -> tuple[np.ndarray, np.ndarray]:
    heads, tails = zip(*(opener.split("{first}") for opener in NOTE_OPENERS), strict=True)
    return _arr(heads), _arr(tail + " " for tail in tails)


@functools.lru_cache(maxsize=1)
def _note_pairs() -> np.ndarray:
    details = NOTE_SENTENCES["b2b"]
    return _arr(f"{a} {b}" for a in details for b in details if a != b)


@functools.lru_cache(maxsize=2)
def _call_bodies(style: str) -> np.ndarray:
    """What follows the name in a connected call's notes: one line (B2C) or two (B2B)."""
    if style == "b2b":
        return _arr(f". {a} {b}" for a in CALL_LINES for b in CALL_LINES if a != b)
    return _arr(f". {a}" for a in CALL_LINES)


@functools.lru_cache(maxsize=2)
def _email_middles(style: str) -> np.ndarray:
    """What sits between the recipient's and the sender's names: the lines (two in B2B) and the sign-off."""
    lines = EMAIL_LINES[style]
    if style == "b2b":
        return _arr(f", {a} {b} Best, " for a in lines for b in lines if a != b)
    return _arr(f", {a} Best, " for a in lines)


_LABELS = (
    "",
    *CALL_DIRECTIONS,
    *EMAIL_DIRECTIONS,
    *CALL_DISPOSITIONS,
    "NOT_STARTED",
    "IN_PROGRESS",
    "WAITING",
    "COMPLETED",
    "DEFERRED",
    "SCHEDULED",
    "RESCHEDULED",
    "NO_SHOW",
    "CANCELED",
    "SENT",
    "BOUNCED",
    "HIGH",
    "MEDIUM",
    "LOW",
    "NONE",
)
"""Every short label an activity column can hold; columns are built as codes into this table."""
_LABEL = np.array(_LABELS, dtype=object)


def _codes(values) -> np.ndarray:
    return np.array([_LABELS.index(v) for v in values], dtype=np.int64)


def _choose(codes: np.ndarray, u: np.ndarray) -> np.ndarray:
    return codes[np.minimum((u * codes.size).astype(np.int64), codes.size - 1)]


_CALL_DIRECTION = _codes(CALL_DIRECTIONS)
_EMAIL_DIRECTION = _codes(EMAIL_DIRECTIONS)
_DISPOSITION = _codes(CALL_DISPOSITIONS)
_TASK_DONE, _TASK_OPEN = _codes(TASK_DONE), _codes(TASK_OPEN)
_MEETING = _codes(MEETING_OUTCOMES)
_PRIORITY = _codes(TASK_PRIORITIES)
_SENT, _BOUNCED = _LABELS.index("SENT"), _LABELS.index("BOUNCED")


@functools.lru_cache(maxsize=2)
def _subjects(style: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return subject_table(style)


@functools.lru_cache(maxsize=1)
def _short_bodies() -> tuple[np.ndarray, np.ndarray]:
    """Task and meeting bodies, each table with "" first (the gap)."""
    return _arr(("", *TASK_LINES)), _arr(("", *MEETING_LINES))


def activity_values(
    style: str,
    rng: np.random.Generator,
    kind: np.ndarray,
    phase: np.ndarray,
    inbound: np.ndarray,
    time: np.ndarray,
    first: np.ndarray,
    owner_first: np.ndarray,
    end: int,
) -> Columns:
    """type, subject, body, direction, status, priority, duration_seconds and due_at of each activity."""
    m = kind.size
    subject_u = rng.random(m)
    sentence = rng.random((m, 2))
    disposition = np.searchsorted(np.cumsum(CALL_DISPOSITION_WEIGHTS), rng.random(m), side="right").clip(0, 5)
    duration_z = rng.standard_normal(m)
    status_u = rng.random(m)
    priority_u = rng.random(m)
    due_days = rng.integers(1, 11, m)
    gap_u = rng.random(m)

    subjects, offset, size = _subjects(style)
    row = kind * len(PHASES) + phase
    subject = subjects[offset[row] + np.minimum((subject_u * size[row]).astype(np.int64), size[row] - 1)]
    body = np.empty(m, dtype=object)
    direction = np.zeros(m, dtype=np.int64)
    status = np.zeros(m, dtype=np.int64)
    priority = np.zeros(m, dtype=np.int64)
    duration = np.full(m, -1, dtype=np.int64)
    due = np.full(m, -1, dtype=np.int64)
    blanks = BLANK_RATES[style]
    tasks, meetings = _short_bodies()

    rows = np.flatnonzero(kind == NOTE)
    if style == "b2b":
        # "<opener before the name>" + first + "<rest of the opener> <detail> <detail>", from prebuilt pairs.
        heads, tails = _note_parts()
        pairs = _note_pairs()
        opener = np.minimum((sentence[rows, 0] * heads.size).astype(np.int64), heads.size - 1)
        pair = np.minimum((sentence[rows, 1] * pairs.size).astype(np.int64), pairs.size - 1)
        body[rows] = heads[opener] + first[rows] + (tails[opener] + pairs[pair])
    else:
        body[rows] = _pick(NOTE_SENTENCES[style], sentence[rows, 1])

    rows = np.flatnonzero(kind == TASK)
    line = 1 + np.minimum((sentence[rows, 0] * (tasks.size - 1)).astype(np.int64), tasks.size - 2)
    body[rows] = tasks[np.where(gap_u[rows] < blanks["activities.task_body"], 0, line)]
    due[rows] = time[rows] + due_days[rows] * DAY
    status[rows] = np.where(due[rows] < end, _choose(_TASK_DONE, status_u[rows]), _choose(_TASK_OPEN, status_u[rows]))
    priority[rows] = _choose(_PRIORITY, priority_u[rows])

    rows = np.flatnonzero(kind == CALL)
    direction[rows] = np.where(inbound[rows], _CALL_DIRECTION[1], _CALL_DIRECTION[0])
    outcome = disposition[rows]
    status[rows] = _DISPOSITION[outcome]
    connected = outcome == 0
    talk = np.exp(CONNECTED_LOG_MEDIAN[style] + CONNECTED_LOG_SD * duration_z[rows])
    duration[rows] = np.rint(np.where(connected, talk, 5 + status_u[rows] * 40)).astype(np.int64)
    lines = _call_bodies(style)
    line = np.minimum((sentence[rows, 0] * lines.size).astype(np.int64), lines.size - 1)
    # Connected: "Spoke with <first>. <lines>"; a message left: "Left a message for <first>."; else no notes.
    head = _CALL_HEADS[np.where(connected, 1, np.where((outcome == 1) | (outcome == 4), 2, 0))]
    tail = np.where(connected, lines[line], ".")
    spoken = np.flatnonzero(head != "")
    body[rows] = ""
    body[rows[spoken]] = head[spoken] + first[rows[spoken]] + tail[spoken]

    rows = np.flatnonzero(kind == EMAIL)
    outgoing = ~inbound[rows]
    direction[rows] = np.where(outgoing, _EMAIL_DIRECTION[0], _EMAIL_DIRECTION[1])
    middles = _email_middles(style)
    middle = np.minimum((sentence[rows, 0] * middles.size).astype(np.int64), middles.size - 1)
    sender = np.where(outgoing, owner_first[rows], first[rows])
    recipient = np.where(outgoing, first[rows], owner_first[rows])
    body[rows] = "Hi " + recipient + middles[middle] + sender
    status[rows] = np.where(outgoing & (status_u[rows] < 0.03), _BOUNCED, _SENT)

    rows = np.flatnonzero(kind == MEETING)
    line = 1 + np.minimum((sentence[rows, 0] * (meetings.size - 1)).astype(np.int64), meetings.size - 2)
    body[rows] = meetings[np.where(gap_u[rows] < blanks["activities.meeting_body"], 0, line)]
    status[rows] = _choose(_MEETING, status_u[rows])
    minutes = np.asarray(MEETING_MINUTES[style], dtype=np.int64)
    duration[rows] = 60 * minutes[np.minimum((priority_u[rows] * 3).astype(np.int64), 2)]

    return {
        "type": _TYPES[kind],
        "subject": subject,
        "body": body,
        "direction": _LABEL[direction],
        "status": _LABEL[status],
        "duration_seconds": duration,
        "due_at": due,
        "priority": _LABEL[priority],
    }


_CALL_HEADS = np.array(("", "Spoke with ", "Left a message for "), dtype=object)
