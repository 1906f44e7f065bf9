"""An admin changes a permit type's SLA: its working days and which statuses start and pause
the clock. The change is for clocks that start from now on: the settings it replaces are kept
in ``PermitType.meta["sla_history"]`` with the moment they ended (``until``), and a clock keeps
the settings in force when it started (``sla.compute``), so running, paused and decided
clocks do not move. Every refusal names what to fix in Bahasa Indonesia and English and
changes nothing; every change is an audit row (old and new settings, no personal data)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.transactions import in_transaction

from server.models import PermitType, User
from server.services import audit
from server.services.applications import sla
from server.services.applications.workflow import (
    SlaRules,
    default_moves_block,
    sla_block,
    sla_history,
    sla_rules,
    workflow_problems,
)
from server.services.errors import NotFound, ServiceError
from sync.model import DRAFT, STATUSES

MAX_SLA_DAYS = 365
CLOCK_STATUSES = tuple(s for s in STATUSES if s != DRAFT)


@dataclass(frozen=True)
class SlaChange:
    days: str  # as typed
    start: Sequence[str]
    pause: Sequence[str]


def settings_of(permit: PermitType) -> dict[str, Any]:
    """The current settings and the earlier ones, for the admin page and its JSON twin."""
    return {
        "days": permit.sla_days,
        **sla_block(sla_rules(permit.meta)),
        "history": [
            {"until": v.until, "days": v.days, **sla_block(v.rules)}
            for v in sla_history(permit.meta)
        ],
        "statuses": list(CLOCK_STATUSES),
    }


def _days(text: str) -> int:
    value = text.strip()
    if not (value.isdigit() and len(value) <= 3 and int(value) <= MAX_SLA_DAYS):
        raise ServiceError(
            f"Lama layanan harus bilangan bulat 0–{MAX_SLA_DAYS} hari kerja, bukan "
            f"{value[:20]!r}. (The service time must be a whole number of working days, "
            f"0–{MAX_SLA_DAYS}.)",
            code="invalid_sla_days",
            details={"field": "sla_days"},
        )
    return int(value)


def _statuses(values: Sequence[str], field: str) -> list[str]:
    unknown = sorted({v for v in values if v not in CLOCK_STATUSES})
    if unknown:
        raise ServiceError(
            f"Status tidak dikenal (unknown status) di {field}: {', '.join(unknown)[:200]}.",
            code="unknown_status",
            details={"field": field},
        )
    return [s for s in CLOCK_STATUSES if s in values]


def checked(permit: PermitType, change: SlaChange) -> tuple[int, SlaRules]:
    days = _days(change.days)
    start, pause = _statuses(change.start, "start"), _statuses(change.pause, "pause")
    current = sla_rules(permit.meta)
    if not start:
        raise ServiceError(
            "Pilih minimal satu status yang memulai jam layanan. (Choose at least one status "
            "that starts the clock.)",
            code="start_required",
            details={"field": "start"},
        )
    both = [s for s in start if s in pause]
    if both:
        raise ServiceError(
            f"Status {', '.join(both)} tidak bisa memulai sekaligus menghentikan sementara jam "
            f"layanan. (A status cannot both start and pause the clock.)",
            code="start_and_pause",
            details={"field": "pause"},
        )
    stopping = [s for s in [*start, *pause] if s in current.stop or s in current.cancel]
    if stopping:
        raise ServiceError(
            f"Status {', '.join(stopping)} menghentikan jam layanan (keputusan atau batal); "
            f"pilih status lain. (These statuses stop the clock; choose others.)",
            code="stop_status",
            details={"field": "start"},
        )
    block = {"moves": _moves_block(permit), "sla": {**sla_block(current), "start": start}}
    if pause:
        block["sla"]["pause"] = pause
    problems = [p for p in workflow_problems(block) if p.path.startswith("workflow.sla")]
    if problems:
        listed = "; ".join(f"{p.path}: {p.id} ({p.en})" for p in problems)
        raise ServiceError(
            f"Pengaturan SLA tidak sah, tidak ada yang diubah (the SLA settings do not "
            f"validate, nothing changed): {listed}",
            code="invalid_sla",
        )
    return days, SlaRules(start=frozenset(start), pause=frozenset(pause), stop=current.stop)


def _moves_block(permit: PermitType) -> dict[str, Any]:
    block = (permit.meta or {}).get("workflow") or {}
    return block.get("moves") or default_moves_block()


async def set_sla(
    code: str, change: SlaChange, *, timezone: str, actor: User | None = None
) -> PermitType:
    """Check and store new SLA settings for clocks that start from now on, then bring the
    stored clocks of the permit type's open applications up to date."""
    async with in_transaction():
        permit = await PermitType.filter(code=code).select_for_update().first()
        if permit is None:
            raise NotFound(f"Jenis izin {code!r} tidak ditemukan (no such permit type).")
        days, rules = checked(permit, change)
        before = sla_rules(permit.meta)
        if days == permit.sla_days and rules == before:
            return permit
        now = datetime.now(UTC)
        meta = dict(permit.meta or {})
        history = list(meta.get("sla_history") or [])
        history.append({"until": now.isoformat(), "days": permit.sla_days, **sla_block(before)})
        workflow = dict(meta.get("workflow") or {"moves": _moves_block(permit)})
        workflow["sla"] = sla_block(rules)
        meta.update(workflow=workflow, sla_history=history)
        old_days = permit.sla_days
        permit.sla_days, permit.meta = days, meta
        await permit.save(update_fields=["sla_days", "meta"])
        await audit.record(
            "permit_type.sla",
            actor=actor,
            object_type="permit_type",
            object_id=code,
            days_before=old_days,
            days=days,
            before=sla_block(before),
            after=sla_block(rules),
        )
    await sla.refresh_permit_type(code, timezone)
    return permit
