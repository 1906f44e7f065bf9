"""Which status moves are allowed, and by whom. The device never names a target status: it asks
for submit / resubmit / cancel, and the server decides from the current status."""

from __future__ import annotations

from sync.model import (
    APPROVED,
    CANCELLED,
    DONE,
    DRAFT,
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
        frozenset({DRAFT, RECEIVED, VERIFYING, NEEDS_CORRECTION, PROCESSING}),
        CANCELLED,
    ),
}

# statuses in which a device edit still merges; later the office owns the file
DEVICE_EDITABLE = frozenset({DRAFT, RECEIVED, NEEDS_CORRECTION})

# back-office moves (the back-office issue may make these per permit type)
STAFF_MOVES: dict[str, frozenset[str]] = {
    DRAFT: frozenset({CANCELLED}),
    RECEIVED: frozenset({VERIFYING, NEEDS_CORRECTION, REFUSED, CANCELLED}),
    VERIFYING: frozenset({NEEDS_CORRECTION, PROCESSING, REFUSED, CANCELLED}),
    NEEDS_CORRECTION: frozenset({VERIFYING, REFUSED, CANCELLED}),
    PROCESSING: frozenset({NEEDS_CORRECTION, APPROVED, REFUSED, CANCELLED}),
    APPROVED: frozenset({ISSUED}),
    ISSUED: frozenset({DONE}),
    REFUSED: frozenset(),
    DONE: frozenset(),
    CANCELLED: frozenset(),
}
