"""The office's workflow per permit type: which status moves exist, who may make each, and
when the SLA clock runs. A permit type's definition may carry a ``workflow`` block
(docs/workflow.md); without one, ``DEFAULT_WORKFLOW`` (sync.workflow.STAFF_MOVES, open to
verifiers and supervisors) applies.

    "workflow": {
      "moves": {"diterima": {"verifikasi": ["verifier", "supervisor"], ...}, ...},
      "sla": {"start": ["diproses"], "pause": ["perlu_perbaikan"], "stop": ["disetujui", "ditolak"]}
    }
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.services.forms.definitions import Problem
from sync.model import (
    APPROVED,
    CANCELLED,
    DONE,
    DRAFT,
    NEEDS_CORRECTION,
    PROCESSING,
    REFUSED,
    STATUSES,
)
from sync.workflow import STAFF_MOVES

STAFF_ROLES = ("verifier", "supervisor", "admin")
TERMINAL = frozenset({REFUSED, DONE, CANCELLED})


@dataclass(frozen=True)
class SlaRules:
    start: frozenset[str]
    pause: frozenset[str]
    stop: frozenset[str]
    cancel: frozenset[str] = frozenset({CANCELLED})


DEFAULT_SLA = SlaRules(
    start=frozenset({PROCESSING}),
    pause=frozenset({NEEDS_CORRECTION}),
    stop=frozenset({APPROVED, REFUSED}),
)


@dataclass(frozen=True)
class Workflow:
    moves: dict[str, dict[str, frozenset[str]]]  # from status -> to status -> roles
    sla: SlaRules

    def allowed(self, status: str, role: str) -> list[str]:
        """The moves open from ``status`` to someone in ``role``, in status order."""
        targets = self.moves.get(status, {})
        return [s for s in STATUSES if role in targets.get(s, frozenset())]

    def exists(self, status: str, to_status: str) -> bool:
        return to_status in self.moves.get(status, {})


DEFAULT_WORKFLOW = Workflow(
    moves={
        status: {to: frozenset({"verifier", "supervisor"}) for to in targets}
        for status, targets in STAFF_MOVES.items()
        if targets
    },
    sla=DEFAULT_SLA,
)


def workflow_of(meta: dict[str, Any] | None) -> Workflow:
    """The workflow of a permit type from its stored definition (``PermitType.meta``)."""
    block = (meta or {}).get("workflow")
    if not block:
        return DEFAULT_WORKFLOW
    moves = {
        status: {to: frozenset(roles) for to, roles in targets.items()}
        for status, targets in block["moves"].items()
    }
    return Workflow(moves=moves, sla=_sla_of(block.get("sla")))


def sla_rules(meta: dict[str, Any] | None) -> SlaRules:
    block = (meta or {}).get("workflow") or {}
    return _sla_of(block.get("sla"))


@dataclass(frozen=True)
class SlaVersion:
    """Settings that were in force for clocks started before ``until`` (an admin changed
    them then): ``PermitType.meta["sla_history"]``, oldest first."""

    until: datetime
    days: int
    rules: SlaRules


def sla_history(meta: dict[str, Any] | None) -> tuple[SlaVersion, ...]:
    rows = (meta or {}).get("sla_history") or []
    versions = [
        SlaVersion(
            until=datetime.fromisoformat(row["until"]),
            days=int(row["days"]),
            rules=_sla_of({k: row[k] for k in ("start", "pause", "stop") if k in row}),
        )
        for row in rows
    ]
    return tuple(sorted(versions, key=lambda v: v.until))


def sla_block(rules: SlaRules) -> dict[str, list[str]]:
    """Rules as the ``sla`` block of a definition, statuses in workflow order."""
    return {
        key: [s for s in STATUSES if s in getattr(rules, key)] for key in ("start", "pause", "stop")
    }


def default_moves_block() -> dict[str, dict[str, list[str]]]:
    """The default workflow's moves written out (for a permit type that gets an ``sla``
    block of its own but had no ``workflow`` block)."""
    return {
        status: {to: sorted(roles) for to, roles in sorted(targets.items())}
        for status, targets in DEFAULT_WORKFLOW.moves.items()
    }


def _sla_of(block: dict[str, Any] | None) -> SlaRules:
    if not block:
        return DEFAULT_SLA
    return SlaRules(
        start=frozenset(block.get("start", DEFAULT_SLA.start)),
        pause=frozenset(block.get("pause", DEFAULT_SLA.pause)),
        stop=frozenset(block.get("stop", DEFAULT_SLA.stop)),
    )


# --------------------------------------------------------------------------- validation

WORKFLOW_MESSAGES: dict[str, tuple[str, str]] = {
    "workflow_not_object": (
        'harus {{"moves": {{...}}, "sla": {{...}}}}',
        'must be {{"moves": {{...}}, "sla": {{...}}}}',
    ),
    "unknown_workflow_setting": ("bukan pengaturan alur kerja", "is not a workflow setting"),
    "moves_not_object": (
        'harus {{"status asal": {{"status tujuan": ["peran", ...]}}}}',
        'must be {{"from status": {{"to status": ["role", ...]}}}}',
    ),
    "unknown_status": (
        "status {status} tidak dikenal; pakai salah satu dari: {known}",
        "unknown status {status}; use one of {known}",
    ),
    "into_draft": (
        "kantor tidak bisa mengembalikan permohonan ke draf",
        "the office cannot move an application back to draft",
    ),
    "to_itself": ("langkah ke status yang sama", "a move to the same status"),
    "roles": (
        "harus daftar peran yang tidak kosong dari: {known}",
        "must be a non-empty list of roles from: {known}",
    ),
    "dead_end": (
        "status {status} bisa dicapai tetapi tidak punya langkah lanjut",
        "status {status} can be reached but has no move out of it",
    ),
    "no_start": (
        "permohonan masuk berstatus diterima; perlu langkah dari diterima",
        "applications arrive as diterima; a move out of diterima is needed",
    ),
    "sla_not_object": (
        'harus {{"start": [...], "pause": [...], "stop": [...]}}',
        'must be {{"start": [...], "pause": [...], "stop": [...]}}',
    ),
    "unknown_sla_setting": ("bukan pengaturan SLA", "is not an SLA setting"),
    "status_list": (
        "harus daftar status yang tidak kosong",
        "must be a non-empty list of statuses",
    ),
    "unreachable": (
        "status {status} tidak bisa dicapai dengan alur ini",
        "status {status} cannot be reached in this workflow",
    ),
}


def _problem(path: str, code: str, /, **kw: Any) -> Problem:
    id_text, en_text = WORKFLOW_MESSAGES[code]
    return Problem(path, code, id_text.format(**kw), en_text.format(**kw))


def workflow_problems(block: Any, path: str = "workflow") -> list[Problem]:
    """Everything wrong with a permit type's ``workflow`` block (empty list: usable)."""
    if not isinstance(block, dict):
        return [_problem(path, "workflow_not_object")]
    out = [
        _problem(f"{path}.{k}", "unknown_workflow_setting")
        for k in sorted(set(block) - {"moves", "sla"})
    ]
    moves = block.get("moves")
    known = ", ".join(STATUSES)
    if not isinstance(moves, dict) or not moves:
        return [*out, _problem(f"{path}.moves", "moves_not_object")]
    graph: dict[str, set[str]] = {}
    for status, targets in moves.items():
        sp = f"{path}.moves.{status}"
        if status not in STATUSES:
            out.append(_problem(sp, "unknown_status", status=repr(status), known=known))
            continue
        if not isinstance(targets, dict):
            out.append(_problem(sp, "moves_not_object"))
            continue
        for to, roles in targets.items():
            tp = f"{sp}.{to}"
            if to not in STATUSES:
                out.append(_problem(tp, "unknown_status", status=repr(to), known=known))
                continue
            if to == DRAFT:
                out.append(_problem(tp, "into_draft"))
            elif to == status:
                out.append(_problem(tp, "to_itself"))
            if not isinstance(roles, list) or not roles or not all(r in STAFF_ROLES for r in roles):
                out.append(_problem(tp, "roles", known=", ".join(STAFF_ROLES)))
            graph.setdefault(status, set()).add(to)
    out += _graph_problems(graph, path)
    if "sla" in block:
        out += _sla_problems(block["sla"], f"{path}.sla", graph)
    return out


def _reachable(graph: dict[str, set[str]]) -> set[str]:
    # Devices add two moves of their own: resubmitting a correction, and cancelling.
    seen, todo = set(), ["diterima"]
    while todo:
        status = todo.pop()
        if status in seen:
            continue
        seen.add(status)
        todo.extend(graph.get(status, ()))
        if status == NEEDS_CORRECTION:
            todo.append("verifikasi")
    return seen


def _graph_problems(graph: dict[str, set[str]], path: str) -> list[Problem]:
    if "diterima" not in graph:
        return [_problem(f"{path}.moves", "no_start")]
    return [
        _problem(f"{path}.moves", "dead_end", status=repr(status))
        for status in STATUSES
        if status in _reachable(graph) and status not in TERMINAL and not graph.get(status)
    ]


def _sla_problems(block: Any, path: str, graph: dict[str, set[str]]) -> list[Problem]:
    if not isinstance(block, dict):
        return [_problem(path, "sla_not_object")]
    out = [
        _problem(f"{path}.{k}", "unknown_sla_setting")
        for k in sorted(set(block) - {"start", "pause", "stop"})
    ]
    reachable = _reachable(graph) if "diterima" in graph else set()
    for key in ("start", "pause", "stop"):
        if key not in block:
            continue
        items = block[key]
        if not isinstance(items, list) or not items or not all(isinstance(s, str) for s in items):
            out.append(_problem(f"{path}.{key}", "status_list"))
            continue
        for status in items:
            if status not in STATUSES:
                out.append(
                    _problem(
                        f"{path}.{key}",
                        "unknown_status",
                        status=repr(status),
                        known=", ".join(STATUSES),
                    )
                )
            elif reachable and status not in reachable:
                out.append(_problem(f"{path}.{key}", "unreachable", status=repr(status)))
    return out
