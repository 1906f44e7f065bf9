"""Three-way merge of one field against the base value the device edited from."""

from __future__ import annotations

from enum import Enum
from typing import Any

from sync.validate import same


class Outcome(Enum):
    TAKE = "take"  # only the device changed it: apply the device value
    NOOP = "noop"  # the server already holds the device value, or the device changed nothing
    CONFLICT = "conflict"  # both changed it differently: the server value stays


def merge_field(base: Any, device: Any, server: Any) -> Outcome:
    if same(server, device) or same(base, device):
        return Outcome.NOOP  # already there, or only the server changed it
    if same(server, base):
        return Outcome.TAKE
    return Outcome.CONFLICT
