"""Who may do what in the console: one table, checked on the server for every route.

Why a table: the route × role tests read the same table the routes use, so a permission can
only change in one place, and an auditor (read-only) can never be handed a write by accident.
"""
from __future__ import annotations

ROLES = ("analyst", "supervisor", "admin", "auditor")
# Platform staff using the partner portal: bound to one platform (partner_accounts), holding no
# console permission. Not in ROLES, so no console form can hand it out or take it.
PARTNER_ROLE = "partner"

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
    "network.view": _ALL,  # the intelligence bank: never the partner role (a platform sees only its referrals)
    "network_export.view": _ALL,  # exports are reads: GraphML, GEXF, i2 CSV, STIX
    "referral.view": _ALL,
    "referral.create": _WRITERS,  # "Refer to platform"
    "referral_metrics.view": _ALL,
    "dead_letters.view": frozenset({"supervisor", "admin", "auditor"}),
    "referral.requeue": _SENIOR,
    "platforms.view": frozenset({"supervisor", "admin", "auditor"}),
    "portal.use": frozenset({PARTNER_ROLE}),
}


def allowed(role: str, permission: str) -> bool:
    """True when `role` holds `permission`. Unknown permissions are refused (fail closed)."""
    return role in PERMISSIONS.get(permission, frozenset())


def home_for(role: str) -> str:
    """Where a user lands after logging in."""
    if role == PARTNER_ROLE:
        return "/portal"
    return "/audit" if role == "auditor" else "/queue"
