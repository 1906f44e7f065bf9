"""Feedback tickets: a complaint (pengaduan), consultation, appreciation or suggestion, from the
status page, the public page or an officer's tablet; a response deadline by type in working
days; and the office's inbox (new → in progress → answered → closed, assignment, overdue).

Response times follow the complaint tiers published on sippn.menpan.go.id (normative
complaints within 5 working days, questions within 2, the rest within 14)."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from tortoise.functions import Count
from tortoise.transactions import in_transaction

from server.models import Application, Feedback, User
from server.services import audit
from server.services.applications.sync_sql import Sql
from server.services.citizen import links
from server.services.errors import Conflict, NotFound, ServiceError
from server.services.reference import calendar
from server.settings import Settings
from sync.citizen import FEEDBACK_KINDS, TICKET_CODE_RE, feedback_problems
from sync.validate import UUID_RE, text_problem

RESPONSE_DAYS = {"pengaduan": 5, "konsultasi": 2, "apresiasi": 14, "saran": 14}
STATES = ("new", "in_progress", "answered", "closed")
OPEN_STATES = ("new", "in_progress")
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
REPLY_MAX = 4000
SOURCES = ("status_page", "public", "field")
FIELDS = ("kind", "category", "message", "contact_name", "contact")


class FeedbackInvalid(ServiceError):
    """Field -> problem code (see ``sync.citizen.feedback_problems``)."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("The feedback form has problems.", code="invalid", details=problems)
        self.problems = problems


@dataclass(frozen=True)
class NewTicket:
    feedback: Feedback
    token: str


def new_ticket_code() -> str:
    body = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return f"TK-{body[0:4]}-{body[4:8]}-{body[8:12]}"


def clean(values: dict[str, Any]) -> dict[str, str]:
    """Form text as stored: stripped, category only for complaints. Raises FeedbackInvalid."""
    data = {
        "kind": str(values.get("kind", "")),
        "category": str(values.get("category", "")),
        "message": str(values.get("message", "")).strip(),
        "contact_name": str(values.get("contact_name", "")).strip(),
        "contact": str(values.get("contact", "")).strip(),
    }
    if data["kind"] != "pengaduan":
        data["category"] = ""
    problems = feedback_problems(data)
    if problems:
        raise FeedbackInvalid(problems)
    return data


async def due_on(kind: str, created_at: datetime, timezone: str) -> date:
    return await calendar.due_date(created_at, RESPONSE_DAYS[kind], timezone)


async def create(
    values: dict[str, Any],
    *,
    source: str,
    now: datetime,
    timezone: str,
    application: Application | None = None,
) -> NewTicket:
    data = clean(values)
    token = links.new_token()
    due = await due_on(data["kind"], now, timezone)
    for _attempt in range(5):
        code = new_ticket_code()
        if not await Feedback.exists(ticket_code=code):
            break
    item = await Feedback.create(
        id=str(uuid.uuid4()),
        ticket_code=code,
        ticket_token_hash=links.token_hash(token),
        application_id=application.id if application else None,
        source=source,
        created_at=now,
        updated_at=now,
        due_on=due,
        **cast(dict[str, Any], data),
    )
    return NewTicket(item, token)


async def write_effects(sql: Sql, items: list[dict[str, Any]]) -> None:
    """The sync store's writer for ``submit_feedback`` (inside the push transaction). A ticket
    id seen before is skipped, so a resent mutation stores one row."""
    timezone = _timezone()
    rows = []
    for item in items:
        day = calendar.local_date(item["created_at"], timezone)
        found = await sql.rows(
            "SELECT date FROM holiday WHERE date >= ? AND date <= ?", [day, day + timedelta(90)]
        )
        holidays = {_as_date(r["date"]) for r in found}
        due = calendar.add_working_days(day, RESPONSE_DAYS[item["kind"]], holidays)
        rows.append(
            [
                item["id"],
                item["ticket_code"],
                links.token_hash(item["ticket_token"]),
                item["kind"],
                item["category"],
                item["message"],
                item["contact_name"],
                item["contact"],
                item["application_id"],
                "field",
                item["created_by"],
                item["created_at"],
                due,
                "new",
                "",
                item["created_at"],
            ]
        )
    await sql.many(
        "INSERT INTO feedback (id, ticket_code, ticket_token_hash, kind, category, message, "
        "contact_name, contact, application_id, source, created_by, created_at, due_on, state, "
        f"reply, updated_at) VALUES ({sql.marks(16)}) ON CONFLICT DO NOTHING",
        rows,
    )


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


# The office time zone for deadlines of tickets arriving by sync (create_app sets it).
_timezone_setting = {"name": Settings.timezone}


def configure(timezone: str) -> None:
    _timezone_setting["name"] = timezone


def _timezone() -> str:
    return _timezone_setting["name"]


async def find_ticket(code: str, token: str) -> Feedback:
    item = None
    if TICKET_CODE_RE.match(code) and 20 <= len(token) <= 64:
        item = await Feedback.get_or_none(ticket_code=code)
    if item is None or not links.ticket_token_ok(token, item.ticket_token_hash):
        raise NotFound("not_found")
    return item


# --- the office side ----------------------------------------------------------------------


def _unknown_state(state: str) -> ServiceError:
    return ServiceError(
        "There is no ticket state “%(state)s”; use one of %(states)s.",
        code="bad_state",
        params={"state": state[:40], "states": ", ".join(STATES)},
    )


async def inbox(
    *, state: str | None = None, overdue_on: date | None = None, limit: int = 200
) -> list[Feedback]:
    query = Feedback.all()
    if state:
        if state not in STATES:
            raise _unknown_state(state)
        query = query.filter(state=state)
    if overdue_on is not None:
        query = query.filter(state__in=OPEN_STATES, due_on__lt=overdue_on)
    return await query.order_by("due_on", "created_at").limit(limit)


async def counts() -> dict[str, int]:
    rows = await Feedback.all().annotate(n=Count("id")).group_by("state").values_list("state", "n")
    out = dict.fromkeys(STATES, 0)
    for state, count in rows:
        out[state] = int(count)
    return out


def _known_shape(feedback_id: str) -> bool:
    return bool(UUID_RE.fullmatch(feedback_id))


async def get(feedback_id: str, reader: User) -> Feedback:
    item = await Feedback.get_or_none(id=feedback_id) if _known_shape(feedback_id) else None
    if item is None:
        raise NotFound("This ticket does not exist.")
    await audit.record("feedback.read", actor=reader, object_type="feedback", object_id=item.id)
    return item


async def assign(feedback_id: str, assignee_id: int | None, actor: User, now: datetime) -> Feedback:
    async with in_transaction():
        item = await _locked(feedback_id)
        if assignee_id is not None and not await User.exists(id=assignee_id, is_active=True):
            raise ServiceError("Choose an active staff member to assign.", code="bad_assignee")
        item.assigned_to_id = assignee_id
        if item.state == "new" and assignee_id is not None:
            item.state = "in_progress"
        item.updated_at = now
        await item.save()
        await audit.record(
            "feedback.assign",
            actor=actor,
            object_type="feedback",
            object_id=item.id,
            assignee=assignee_id,
        )
    return item


async def reply(feedback_id: str, text: str, actor: User, now: datetime) -> Feedback:
    text = text.strip()
    if not text:
        raise ServiceError("Write the reply first.", code="empty_reply")
    if len(text) > REPLY_MAX:
        raise ServiceError(
            "The reply is longer than %(limit)s characters.",
            code="too_long",
            params={"limit": REPLY_MAX},
        )
    if text_problem(text):
        raise ServiceError("The reply contains a character that cannot be stored.")
    async with in_transaction():
        item = await _locked(feedback_id)
        if item.state == "closed":
            raise Conflict("This ticket is closed; reopen it before replying.")
        item.reply = text
        item.replied_at = now
        item.replied_by_id = actor.id
        item.state = "answered"
        item.updated_at = now
        await item.save()
        await audit.record("feedback.reply", actor=actor, object_type="feedback", object_id=item.id)
    return item


async def set_state(feedback_id: str, state: str, actor: User, now: datetime) -> Feedback:
    if state not in STATES:
        raise _unknown_state(state)
    async with in_transaction():
        item = await _locked(feedback_id)
        if state in ("answered", "closed") and not item.reply:
            # Closing without an answer is what the Ombudsman calls refusing to serve.
            raise Conflict("Reply to the citizen before marking the ticket answered or closed.")
        item.state = state
        item.updated_at = now
        await item.save()
        await audit.record(
            "feedback.state", actor=actor, object_type="feedback", object_id=item.id, state=state
        )
    return item


async def _locked(feedback_id: str) -> Feedback:
    if not _known_shape(feedback_id):
        raise NotFound("This ticket does not exist.")
    item = await Feedback.filter(id=feedback_id).select_for_update().first()
    if item is None:
        raise NotFound("This ticket does not exist.")
    return item


def is_overdue(item: Feedback, today: date) -> bool:
    return item.state in OPEN_STATES and item.due_on < today


__all__ = ["FEEDBACK_KINDS", "RESPONSE_DAYS", "STATES"]
