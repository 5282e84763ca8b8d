"""Who may do what in the console: one table, checked on the server for every route.

Why a table: the route × role tests read the same table the routes use, so a permission can
only change in one place, and an auditor (read-only) can never be handed a write by accident.
"""
from __future__ import annotations

ROLES = ("analyst", "supervisor", "admin", "auditor")

_ALL = frozenset(ROLES)
_WRITERS = frozenset({"analyst", "supervisor", "admin"})
_SENIOR = frozenset({"supervisor", "admin"})

PERMISSIONS: dict[str, frozenset[str]] = {
    "queue.view": _ALL,
    "item.view": _ALL,
    "item.claim": _WRITERS,
    "item.decide": _WRITERS,
    "item.note": _WRITERS,
    "item.reopen": _SENIOR,
    "queue.bulk": _WRITERS,
    "queue.bulk_decide": _SENIOR,  # "mark selected as not smuggling"
    "claim.release_any": _SENIOR,
    "escalation.view": frozenset({"supervisor", "admin", "auditor"}),
    "escalation.decide": _SENIOR,
    "evidence.view": _ALL,
    "evidence.capture": _WRITERS,
    "audit.view": frozenset({"supervisor", "admin", "auditor"}),
    "users.manage": frozenset({"admin"}),
}


def allowed(role: str, permission: str) -> bool:
    """True when `role` holds `permission`. Unknown permissions are refused (fail closed)."""
    return role in PERMISSIONS.get(permission, frozenset())


def home_for(role: str) -> str:
    """Where a user lands after logging in."""
    return "/audit" if role == "auditor" else "/queue"
