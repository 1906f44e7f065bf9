"""Named mutations for what citizens tell the office through an officer's tablet, offline:
``submit_feedback`` (complaint, consultation, appreciation, suggestion) and ``submit_survey``
(the SKM satisfaction survey). Neither changes an application; each asks the store for an
*effect* (a row in its own table) keyed by an id made on the tablet, so a mutation sent twice,
under the same or a new mutation id, stores one row.

The rules on the values live here once: the server's public forms check the same ones."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sync import validate as v
from sync.errors import Rejected
from sync.model import DONE, ISSUED
from sync.mutations import Context, MutationSpec

FEEDBACK_KINDS = ("pengaduan", "konsultasi", "apresiasi", "saran")
# Peraturan Ombudsman 26/2017 Pasal 11: the ten forms of maladministration, plus "other".
COMPLAINT_CATEGORIES = (
    "penundaan_berlarut",
    "tidak_memberikan_pelayanan",
    "penyimpangan_prosedur",
    "permintaan_imbalan",
    "tidak_kompeten",
    "tidak_patut",
    "diskriminasi",
    "berpihak",
    "konflik_kepentingan",
    "penyalahgunaan_wewenang",
    "lainnya",
)
TICKET_CODE_RE = re.compile(r"^TK(-[2-9A-HJ-NP-Z]{4}){3}$")
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{22,64}$")
MESSAGE_MIN, MESSAGE_MAX = 10, 2000
NAME_MAX, CONTACT_MAX = 100, 120

SKM_ELEMENTS = ("u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9")
SEXES = ("L", "P")
EDUCATION = ("sd", "smp", "sma", "d1_d3", "s1", "s2_s3", "lainnya")
OCCUPATIONS = ("pns", "tni_polri", "swasta", "wirausaha", "petani_nelayan", "pelajar", "lainnya")
AGE_MIN, AGE_MAX = 15, 100
SURVEY_STATUSES = frozenset({ISSUED, DONE})


def feedback_problems(values: dict[str, Any]) -> dict[str, str]:
    """Field -> problem code, for whatever sends feedback (public form or tablet)."""
    problems: dict[str, str] = {}
    kind = values.get("kind")
    if kind not in FEEDBACK_KINDS:
        problems["kind"] = "choose"
    if kind == "pengaduan" and values.get("category") not in COMPLAINT_CATEGORIES:
        problems["category"] = "choose"
    message = values.get("message")
    if not isinstance(message, str) or len(message.strip()) < MESSAGE_MIN:
        problems["message"] = "too_short"
    elif len(message) > MESSAGE_MAX:
        problems["message"] = "too_long"
    for name, limit in (
        ("message", MESSAGE_MAX),
        ("contact_name", NAME_MAX),
        ("contact", CONTACT_MAX),
    ):
        value = values.get(name, "")
        if not isinstance(value, str):
            problems[name] = "not_text"
        elif name not in problems and len(value) > limit:
            problems[name] = "too_long"
        elif name not in problems and v.text_problem(value):
            problems[name] = "bad_character"
    return problems


def survey_problems(values: dict[str, Any]) -> dict[str, str]:
    problems: dict[str, str] = {}
    for element in SKM_ELEMENTS:
        score = values.get(element)
        if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 4:
            problems[element] = "choose"
    age = values.get("age")
    if isinstance(age, bool) or not isinstance(age, int) or not AGE_MIN <= age <= AGE_MAX:
        problems["age"] = "age_range"
    for name, allowed in (("sex", SEXES), ("education", EDUCATION), ("occupation", OCCUPATIONS)):
        if values.get(name) not in allowed:
            problems[name] = "choose"
    return problems


# --- submit_feedback ----------------------------------------------------------------------


@dataclass(frozen=True)
class FeedbackArgs:
    feedback_id: str
    ticket_code: str
    ticket_token: str
    record_id: str | None
    values: dict[str, Any]


def parse_feedback(args: Any) -> FeedbackArgs:
    required = ("feedback_id", "ticket_code", "ticket_token", "kind", "message")
    optional = ("record_id", "category", "contact_name", "contact")
    v.obj(args, "args", required, optional)
    record_id = args.get("record_id")
    values = {
        "kind": args["kind"],
        "category": args.get("category", "") if args["kind"] == "pengaduan" else "",
        "message": args["message"],
        "contact_name": args.get("contact_name", ""),
        "contact": args.get("contact", ""),
    }
    problems = feedback_problems(values)
    if problems:
        name, problem = sorted(problems.items())[0]
        raise v.Invalid(f"args.{name}", _FEEDBACK_HINTS[problem])
    return FeedbackArgs(
        v.uuid(args["feedback_id"], "args.feedback_id"),
        v.string(
            args["ticket_code"],
            "args.ticket_code",
            pattern=TICKET_CODE_RE,
            max_len=17,
            hint="ticket code (TK-XXXX-XXXX-XXXX, digits and capitals)",
        ),
        v.string(
            args["ticket_token"],
            "args.ticket_token",
            pattern=TOKEN_RE,
            max_len=64,
            hint="ticket token (22+ base64url characters)",
        ),
        None if record_id is None else v.uuid(record_id, "args.record_id"),
        {**values, "message": values["message"].strip()},
    )


_FEEDBACK_HINTS = {
    "choose": "is not one of the allowed choices",
    "too_short": f"must hold at least {MESSAGE_MIN} characters",
    "too_long": "is too long",
    "not_text": "must be a string",
    "bad_character": "contains a character that cannot be stored",
}


def apply_feedback(ctx: Context, args: FeedbackArgs) -> None:
    if args.record_id is not None:
        ctx.record(args.record_id)  # about an application this officer may see
    ctx.effect(
        "feedback",
        {
            "id": args.feedback_id,
            "ticket_code": args.ticket_code,
            "ticket_token": args.ticket_token,
            "application_id": args.record_id,
            "created_by": ctx.actor.label,
            "created_at": ctx.now,
            **args.values,
        },
    )


# --- submit_survey ------------------------------------------------------------------------


@dataclass(frozen=True)
class SurveyArgs:
    survey_id: str
    record_id: str
    values: dict[str, Any]


def parse_survey(args: Any) -> SurveyArgs:
    profile = ("age", "sex", "education", "occupation")
    v.obj(args, "args", ("survey_id", "record_id", "answers", *profile))
    answers = args["answers"]
    v.obj(answers, "args.answers", SKM_ELEMENTS)
    values = {**{e: answers[e] for e in SKM_ELEMENTS}, **{p: args[p] for p in profile}}
    problems = survey_problems(values)
    if problems:
        name, _problem = sorted(problems.items())[0]
        path = f"args.answers.{name}" if name in SKM_ELEMENTS else f"args.{name}"
        hint = "must be an integer 1..4" if name in SKM_ELEMENTS else "is not an allowed value"
        raise v.Invalid(path, hint)
    return SurveyArgs(
        v.uuid(args["survey_id"], "args.survey_id"),
        v.uuid(args["record_id"], "args.record_id"),
        values,
    )


def apply_survey(ctx: Context, args: SurveyArgs) -> None:
    """One survey per service event: the same survey sent again (under a new mutation id)
    changes nothing; another survey for a service already rated, from this tablet, another
    one or the citizen's phone, is refused so the tablet can say so."""
    record = ctx.record(args.record_id)
    holder = ctx.holder("survey", record.id)
    if holder == args.survey_id:
        return
    if holder is not None:
        raise Rejected(
            "already_rated",
            "This service has already been rated; one survey per service event, the first "
            "answer counts.",
        )
    if record.status not in SURVEY_STATUSES:
        raise Rejected(
            "survey_not_open",
            "The satisfaction survey opens once the permit is issued or the service is done.",
        )
    ctx.effect(
        "survey",
        {
            "id": args.survey_id,
            "application_id": record.id,
            "permit_type": record.permit_type,
            "answered_at": ctx.now,
            **args.values,
        },
        claim=record.id,
    )


FEEDBACK = MutationSpec(
    name="submit_feedback",
    parse=parse_feedback,
    apply=apply_feedback,
    record_ids=lambda args: [args.record_id] if args.record_id else [],
)
SURVEY = MutationSpec(
    name="submit_survey",
    parse=parse_survey,
    apply=apply_survey,
    record_ids=lambda args: [args.record_id],
    claims=lambda args: [("survey", args.record_id)],
)
