"""Which status moves are allowed, and by whom. The device never names a target status: it asks
for submit / resubmit / cancel, and the server decides from the current status."""

from __future__ import annotations

from sync.model import (
    APPROVED,
    CANCELLED,
    DONE,
    DRAFT,
    FIELD_INSPECTION,
    ISSUED,
    NEEDS_CORRECTION,
    PROCESSING,
    RECEIVED,
    REFUSED,
    VERIFYING,
)

# device intent -> (statuses it is allowed from, status it leads to)
DEVICE_MOVES: dict[str, tuple[frozenset[str], str]] = {
    "submit": (frozenset({DRAFT}), RECEIVED),
    "resubmit": (frozenset({NEEDS_CORRECTION}), VERIFYING),
    "cancel": (
        frozenset({DRAFT, RECEIVED, VERIFYING, NEEDS_CORRECTION, PROCESSING, FIELD_INSPECTION}),
        CANCELLED,
    ),
}

# statuses in which a device edit still merges; later the office owns the file
DEVICE_EDITABLE = frozenset({DRAFT, RECEIVED, NEEDS_CORRECTION})

# back-office moves when a permit type's definition has no workflow of its own (see
# server/services/applications/workflow.py); a field inspection is only reachable from a
# workflow that asks for one
STAFF_MOVES: dict[str, frozenset[str]] = {
    DRAFT: frozenset({CANCELLED}),
    RECEIVED: frozenset({VERIFYING, NEEDS_CORRECTION, REFUSED, CANCELLED}),
    VERIFYING: frozenset({NEEDS_CORRECTION, PROCESSING, REFUSED, CANCELLED}),
    NEEDS_CORRECTION: frozenset({VERIFYING, REFUSED, CANCELLED}),
    PROCESSING: frozenset({NEEDS_CORRECTION, APPROVED, REFUSED, CANCELLED}),
    FIELD_INSPECTION: frozenset({PROCESSING, NEEDS_CORRECTION, APPROVED, REFUSED, CANCELLED}),
    APPROVED: frozenset({ISSUED}),
    ISSUED: frozenset({DONE}),
    REFUSED: frozenset(),
    DONE: frozenset(),
    CANCELLED: frozenset(),
}
