"""Words for referral states and platform answers, shared by the console and the portal pages.

Platforms answer in the DSA statement-of-reasons vocabulary (DECISION_VISIBILITY_CONTENT_REMOVED...);
people read "Content removed". One table, so both sides of the partnership read the same words.
"""
from __future__ import annotations

from tidewatch.refer.channels.pull import ACCOUNT, DECLINE_REASONS, GEO_RESTRICTED, PROVISION, VISIBILITY

STATUS_LABELS = {"drafted": "Queued", "sent": "Sent", "acknowledged": "Acknowledged", "actioned": "Actioned",
                 "declined": "Declined", "expired": "No answer (expired)"}

ACTION_LABELS = {
    "DECISION_VISIBILITY_CONTENT_REMOVED": "Content removed",
    "DECISION_VISIBILITY_CONTENT_DISABLED": "Content disabled (geo-restricted with a territorial scope)",
    "DECISION_VISIBILITY_CONTENT_DEMOTED": "Content demoted",
    "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED": "Content age-restricted",
    "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED": "Interaction restricted",
    "DECISION_VISIBILITY_CONTENT_LABELLED": "Content labelled",
    "DECISION_VISIBILITY_OTHER": "Other visibility restriction",
    "DECISION_ACCOUNT_SUSPENDED": "Account suspended",
    "DECISION_ACCOUNT_TERMINATED": "Account terminated",
    "DECISION_PROVISION_PARTIAL_SUSPENSION": "Service partially suspended",
    "DECISION_PROVISION_TOTAL_SUSPENSION": "Service suspended",
    "DECISION_PROVISION_PARTIAL_TERMINATION": "Service partially terminated",
    "DECISION_PROVISION_TOTAL_TERMINATION": "Service terminated",
    "DECLINED": "Declined",
    "NEEDS_INFORMATION": "Needs more information",
    GEO_RESTRICTED: "Geo-restricted",
}
assert set(VISIBILITY + ACCOUNT + PROVISION) <= set(ACTION_LABELS)

DECLINE_LABELS = {
    "NOT_ILLEGAL": "Not illegal under the law invoked",
    "NOT_INCOMPATIBLE_WITH_TERMS": "Within the platform's terms",
    "CONTENT_NOT_FOUND": "Content not found",
    "ALREADY_ACTIONED": "Already actioned before this notice",
    "NOT_HOSTED": "Not hosted by this platform",
    "DUPLICATE": "Duplicate of an earlier referral",
    "OTHER": "Other (see the explanation)",
}
assert set(DECLINE_LABELS) == set(DECLINE_REASONS)

PRIORITY_LABELS = {"urgent": "Urgent", "high": "High", "normal": "Normal"}


def action_label(value: str | None) -> str:
    return "—" if not value else ACTION_LABELS.get(value, value)


def template_globals() -> dict:
    return {"status_labels": STATUS_LABELS, "action_labels": ACTION_LABELS, "decline_labels": DECLINE_LABELS,
            "action_label": action_label}
