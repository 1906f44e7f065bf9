"""The built-in named mutations on permit applications."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sync import validate as v
from sync.errors import Rejected
from sync.merge import Outcome, merge_field
from sync.model import DRAFT, FileRef, Record
from sync.mutations import Context, MutationSpec, Registry
from sync.workflow import DEVICE_EDITABLE, DEVICE_MOVES

PERMIT_TYPE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
TRACKING_CODE_RE = re.compile(r"^JB(-[0-9A-Z]{4}){2,3}$")
STATUS_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{22,64}$")
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
KIND_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
MAX_FIELDS = 200
MAX_VALUE_CHARS = 16_384


# The same few dozen field names come in every record; checking each once is enough.
_VALID_NAMES: set[str] = set()


def _fields(value: Any, path: str, check_values: bool = True) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise v.Invalid(path, f"must be an object, got {v.type_name(value)}")
    if len(value) > MAX_FIELDS:
        raise v.Invalid(path, f"has more than {MAX_FIELDS} fields")
    if not value.keys() <= _VALID_NAMES:
        for name in value:
            if name not in _VALID_NAMES:
                if not v.FIELD_NAME_RE.fullmatch(name):
                    raise v.Invalid(
                        f"{path} key {name!r}", "is not a valid field name (a-z, 0-9, _)"
                    )
                if len(_VALID_NAMES) < 4096:
                    _VALID_NAMES.add(name)
    if check_values:
        for name, item in value.items():
            if type(item) is str:  # the common case, checked inline
                if len(item) > MAX_VALUE_CHARS or "\x00" in item:
                    _value(item, f"{path}.{name}")
            elif isinstance(item, dict | list):
                _value(item, f"{path}.{name}")
    return value


def _value(item: Any, path: str) -> None:
    """A field value is any JSON, but no single value may be huge (a page of 200 records must
    stay small enough for a 2G link)."""
    if isinstance(item, str):
        size, nul = len(item), "\x00" in item
    elif isinstance(item, dict | list):
        text = repr(item)  # close to the JSON length, and several times cheaper
        size, nul = len(text), "\\x00" in text and _has_nul(item)
    else:
        return
    if nul:  # PostgreSQL cannot store it in JSON; refuse it rather than fail for ever
        raise v.Invalid(path, "contains a NUL character")
    if size > MAX_VALUE_CHARS:
        raise v.Invalid(path, f"is longer than {MAX_VALUE_CHARS} characters")


def _has_nul(item: Any) -> bool:
    if isinstance(item, str):
        return "\x00" in item
    if isinstance(item, dict):
        return any(_has_nul(k) or _has_nul(x) for k, x in item.items())
    if isinstance(item, list):
        return any(_has_nul(x) for x in item)
    return False


def _record_id(args: Any) -> list[str]:
    return [args.record_id]


# --- create_application -------------------------------------------------------------------


@dataclass(frozen=True)
class CreateArgs:
    record_id: str
    permit_type: str
    form_version: int
    tracking_code: str
    status_token: str
    fields: dict[str, Any]


def parse_create(args: Any) -> CreateArgs:
    keys = ("record_id", "permit_type", "form_version", "tracking_code", "status_token", "fields")
    v.obj(args, "args", keys)
    return CreateArgs(
        v.uuid(args["record_id"], "args.record_id"),
        v.string(
            args["permit_type"],
            "args.permit_type",
            pattern=PERMIT_TYPE_RE,
            max_len=32,
            hint="permit type code",
        ),
        v.integer(args["form_version"], "args.form_version", minimum=1, maximum=1_000_000),
        v.string(
            args["tracking_code"],
            "args.tracking_code",
            pattern=TRACKING_CODE_RE,
            max_len=17,
            hint="tracking code (JB-XXXX-XXXX-XXXX, digits and capitals)",
        ),
        v.string(
            args["status_token"],
            "args.status_token",
            pattern=STATUS_TOKEN_RE,
            max_len=64,
            hint="status token (22+ base64url characters)",
        ),
        _fields(args["fields"], "args.fields"),
    )


def apply_create(ctx: Context, args: CreateArgs) -> None:
    existing = ctx.existing(args.record_id)
    if existing is None:
        owner = ctx.tracking_codes.get(args.tracking_code)
        if owner is not None and owner != args.record_id:
            raise Rejected(
                "tracking_code_taken",
                f"Tracking code {args.tracking_code} is already used; "
                "generate a new one and create the application again.",
            )
        fields = {name: value for name, value in args.fields.items() if value is not None}
        record = Record(
            id=args.record_id,
            owner_user_id=ctx.actor.user_id,
            created_by_client=ctx.client_id,
            permit_type=args.permit_type,
            form_version=args.form_version,
            tracking_code=args.tracking_code,
            status_token=args.status_token,
            status=DRAFT,
            fields=fields,
            created_at=ctx.now,
            updated_at=ctx.now,
            captured_at=ctx.device_time,
        )
        ctx.check_form(record, fields, complete=False)
        ctx.create(record)
        return
    same_application = (
        not existing.deleted
        and ctx.actor.sees(existing)
        and existing.permit_type == args.permit_type
        and existing.tracking_code == args.tracking_code
    )
    if not same_application:
        raise Rejected("record_exists", f"Record id {args.record_id} is already used.")
    # A create of a record we already hold merges like an edit from an empty form.
    ctx.check_form(existing, args.fields, complete=False)
    _merge(ctx, existing, {name: (None, value) for name, value in args.fields.items()})


# --- update_fields ------------------------------------------------------------------------


@dataclass(frozen=True)
class UpdateArgs:
    record_id: str
    changes: dict[str, tuple[Any, Any]]  # field -> (base, value)


def parse_update(args: Any) -> UpdateArgs:
    v.obj(args, "args", ("record_id", "changes"))
    changes = _fields(args["changes"], "args.changes", check_values=False)
    if not changes:
        raise v.Invalid("args.changes", "must name at least one field")
    parsed: dict[str, tuple[Any, Any]] = {}
    for name, change in changes.items():
        v.obj(change, f"args.changes.{name}", ("base", "value"))
        _value(change["base"], f"args.changes.{name}.base")
        _value(change["value"], f"args.changes.{name}.value")
        parsed[name] = (change["base"], change["value"])
    return UpdateArgs(v.uuid(args["record_id"], "args.record_id"), parsed)


def _editable(record: Record) -> None:
    if record.status not in DEVICE_EDITABLE:
        raise Rejected(
            "record_locked",
            f"Application {record.tracking_code} is '{record.status}'; the office "
            "must request a correction before it can be changed.",
        )


def _merge(ctx: Context, record: Record, changes: dict[str, tuple[Any, Any]]) -> None:
    changed = False
    for name, (base, value) in changes.items():
        current = record.fields.get(name)
        outcome = merge_field(base, value, current)
        if outcome is Outcome.TAKE:
            _set(record, name, value)
            changed = True
        elif outcome is Outcome.CONFLICT:
            # The server keeps canonical values once submitted; the tablet may still hold
            # what was typed ("0812…" for "+62812…") until its next pull.
            again = merge_field(
                ctx.canonical(record, name, base), ctx.canonical(record, name, value), current
            )
            if again is Outcome.TAKE:
                _set(record, name, value)
                changed = True
            elif again is Outcome.CONFLICT:
                ctx.conflict(record, name, base, value)
    if changed:
        ctx.review(record)
        ctx.save(record)


def _set(record: Record, name: str, value: Any) -> None:
    if value is None:
        record.fields.pop(name, None)
    else:
        record.fields[name] = value


def apply_update(ctx: Context, args: UpdateArgs) -> None:
    record = ctx.record(args.record_id)
    _editable(record)
    values = {name: value for name, (_, value) in args.changes.items()}
    ctx.check_form(record, values, complete=False)
    _merge(ctx, record, args.changes)


# --- submit / resubmit / cancel -----------------------------------------------------------


@dataclass(frozen=True)
class RecordArgs:
    record_id: str
    note: str = ""


def parse_record_only(args: Any) -> RecordArgs:
    v.obj(args, "args", ("record_id",))
    return RecordArgs(v.uuid(args["record_id"], "args.record_id"))


def parse_cancel(args: Any) -> RecordArgs:
    v.obj(args, "args", ("record_id",), ("reason",))
    reason = args.get("reason")
    note = "" if reason is None else v.string(reason, "args.reason", max_len=500)
    return RecordArgs(v.uuid(args["record_id"], "args.record_id"), note)


def _move(intent: str) -> Any:
    allowed, target = DEVICE_MOVES[intent]

    def apply(ctx: Context, args: RecordArgs) -> None:
        record = ctx.record(args.record_id)
        if record.status == target:
            return  # the intent is already satisfied (e.g. sent from two tablets)
        if record.status not in allowed:
            raise Rejected(
                "invalid_transition",
                f"Cannot {intent} application {record.tracking_code} while it is "
                f"'{record.status}'.",
            )
        if intent in ("submit", "resubmit"):
            ctx.check_form(record, record.fields, complete=True)
        if intent == "resubmit":
            record.corrections = {}
        ctx.move(record, target, args.note)
        ctx.review(record)

    return apply


# --- attach_file --------------------------------------------------------------------------


@dataclass(frozen=True)
class AttachArgs:
    record_id: str
    sha256: str
    kind: str


def parse_attach(args: Any) -> AttachArgs:
    v.obj(args, "args", ("record_id", "sha256", "kind"))
    return AttachArgs(
        v.uuid(args["record_id"], "args.record_id"),
        v.string(
            args["sha256"],
            "args.sha256",
            pattern=SHA256_RE,
            max_len=64,
            hint="SHA-256 (64 lower-case hex digits)",
        ),
        v.string(args["kind"], "args.kind", pattern=KIND_RE, max_len=32, hint="file kind"),
    )


def apply_attach(ctx: Context, args: AttachArgs) -> None:
    record = ctx.record(args.record_id)
    _editable(record)
    if any(f.sha256 == args.sha256 and f.kind == args.kind for f in record.files):
        return
    record.files.append(FileRef(args.sha256, args.kind, args.sha256 in ctx.known_blobs))
    ctx.save(record)


BUILTIN = (
    MutationSpec(
        "create_application",
        parse_create,
        apply_create,
        _record_id,
        lambda args: [args.tracking_code],
    ),
    MutationSpec("update_fields", parse_update, apply_update, _record_id),
    MutationSpec("submit_application", parse_record_only, _move("submit"), _record_id),
    MutationSpec("resubmit_application", parse_record_only, _move("resubmit"), _record_id),
    MutationSpec("cancel_application", parse_cancel, _move("cancel"), _record_id),
    MutationSpec(
        "attach_file", parse_attach, apply_attach, _record_id, blobs=lambda args: [args.sha256]
    ),
)


def default_registry() -> Registry:
    """The application mutations plus the citizen ones (feedback and survey taken offline)."""
    from sync.citizen import FEEDBACK, SURVEY

    return Registry((*BUILTIN, FEEDBACK, SURVEY))
