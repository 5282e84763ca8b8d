"""The audit trail's hash chain: each event's hash covers its fields and the previous event's hash.

Why: the audit table is append-only by database triggers, but someone with the database's
owner rights can drop a trigger. The chain makes any edit, insertion or deletion detectable
afterwards: changing a row changes its hash, which no longer matches the next row's
`prev_hash`; deleting a row leaves a gap in `seq` and a broken link; deleting the newest rows
is caught by the head record (last seq and hash), which can also be compared with a value
printed or sent elsewhere earlier (`tidewatch audit verify` prints it).
Pure: the store feeds rows in, this module says what is wrong.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable

import orjson

GENESIS = "0" * 64


def canonical_json(value: Any) -> str:
    """The one JSON spelling of a value (sorted keys, no spaces): what is hashed and stored."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS).decode()


def iso_utc(dt: datetime) -> str:
    """A timestamp as hashed: UTC, microseconds, explicit zone (naive values are taken as UTC)."""
    dt = dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(seq: int, at: datetime, actor: str, action: str, subject_type: str, subject_id: str,
               before: str, after: str, prev_hash: str) -> str:
    """SHA-256 over the event's fields and the previous hash (before/after are canonical JSON text)."""
    payload = canonical_json([seq, iso_utc(at), actor, action, subject_type, subject_id, before, after,
                              prev_hash])
    return hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Problem:
    seq: int | None
    kind: str  # edited, broken_link, gap, head_mismatch, ...
    detail: str


@dataclass(slots=True)
class ChainReport:
    events: int = 0
    last_seq: int = 0
    last_hash: str = GENESIS
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chain(rows: Iterable[dict], head: tuple[int, str] | None, max_problems: int = 100) -> ChainReport:
    """Check rows in `seq` order. Each row: seq, at, actor, action, subject_type, subject_id,
    before, after, prev_hash, hash. `head` is (last seq, last hash) as recorded when appending."""
    report = ChainReport()
    expected_prev, expected_seq = GENESIS, 1

    def problem(seq, kind, detail):
        if len(report.problems) < max_problems:
            report.problems.append(Problem(seq, kind, detail))

    for r in rows:
        seq = r["seq"]
        if seq != expected_seq:
            kind = "gap" if seq > expected_seq else "out_of_order"
            problem(seq, kind, f"expected event {expected_seq}, found {seq}: events are missing" if kind == "gap"
                    else f"event {seq} appears after {expected_seq - 1}")
        if r["prev_hash"] != expected_prev:
            problem(seq, "broken_link", f"event {seq} does not link to the event before it "
                                        "(a row before it was edited or deleted)")
        recomputed = event_hash(seq, r["at"], r["actor"], r["action"], r["subject_type"], r["subject_id"],
                                r["before"], r["after"], r["prev_hash"])
        if recomputed != r["hash"]:
            problem(seq, "edited", f"event {seq}'s content does not match its hash (the row was edited)")
        report.events += 1
        report.last_seq = seq
        report.last_hash = r["hash"]
        expected_prev, expected_seq = r["hash"], seq + 1
    if head is not None:
        hseq, hhash = head
        if (hseq, hhash) != (report.last_seq, report.last_hash):
            problem(hseq, "head_mismatch",
                    f"the chain ends at event {report.last_seq} but {hseq} events were written "
                    "(the newest events were deleted, or the head was changed)")
    return report
