"""Permit types and their form definitions as administrators change them: JSON checked with
the same rules as the shipped files (server.services.forms.definitions); a form is never edited
in place, every change is a new version (applications keep the version they were filled with)."""

from __future__ import annotations

import json
from typing import Any

from tortoise.transactions import in_transaction

from server.models import FormDefinition, PermitType, User
from server.services import audit
from server.services.errors import Conflict, NotFound, ServiceError
from server.services.forms.definitions import (
    FormDefinitionError,
    Problem,
    check_definition,
    check_permit_type,
)

MAX_JSON_BYTES = 512 * 1024


class InvalidDefinition(ServiceError):
    code = "invalid_definition"


def parse_json(text: str, source: str) -> Any:
    if len(text.encode()) > MAX_JSON_BYTES:
        raise InvalidDefinition(
            f"{source}: lebih dari {MAX_JSON_BYTES // 1024} KB (larger than "
            f"{MAX_JSON_BYTES // 1024} KB)"
        )
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidDefinition(
            f"{source}:{exc.lineno}:{exc.colno}: JSON tidak sah (invalid JSON): {exc.msg}"
        ) from None


def _problems(error: FormDefinitionError, source: str) -> InvalidDefinition:
    listed = error.problems[:50]
    lines = "; ".join(f"{p.path or '(root)'}: {p.id} ({p.en})" for p in listed)
    return InvalidDefinition(
        f"{source}: definisi tidak sah, tidak ada yang diubah (the definition does not "
        f"validate, nothing changed): {lines}",
        details=[problem_json(p) for p in listed],
    )


def problem_json(problem: Problem) -> dict[str, str]:
    return {"path": problem.path, "code": problem.code, "id": problem.id, "en": problem.en}


async def list_permit_types() -> list[dict[str, Any]]:
    forms: dict[int, list[int]] = {}
    for permit_id, version in await FormDefinition.all().values_list("permit_type_id", "version"):
        forms.setdefault(int(permit_id), []).append(int(version))
    return [
        {
            "code": p.code,
            "name_id": p.name_id,
            "name_en": p.name_en,
            "sla_days": p.sla_days,
            "active": p.active,
            "versions": sorted(forms.get(p.id, [])),
        }
        for p in await PermitType.all().order_by("code")
    ]


async def get_permit_type(code: str) -> PermitType:
    permit = await PermitType.get_or_none(code=code)
    if permit is None:
        raise NotFound(f"Jenis izin {code!r} tidak ditemukan (no such permit type).")
    return permit


async def versions_of(permit: PermitType) -> list[FormDefinition]:
    return await FormDefinition.filter(permit_type=permit).order_by("-version")


async def get_version(code: str, version: int) -> FormDefinition:
    permit = await get_permit_type(code)
    form = await FormDefinition.get_or_none(permit_type=permit, version=version)
    if form is None:
        raise NotFound(f"{code} versi {version} tidak ada (no such form version).")
    return form


async def add_version(code: str, text: str, *, actor: User | None = None) -> FormDefinition:
    """A new form version from JSON; its number is always the next one, whatever it says."""
    source = f"{code}.json"
    definition = parse_json(text, source)
    permit = await get_permit_type(code)
    async with in_transaction():
        latest = await FormDefinition.filter(permit_type=permit).order_by("-version").first()
        version = latest.version + 1 if latest else 1
        if isinstance(definition, dict):
            definition = {**definition, "version": version}
        try:
            check_definition(definition)
        except FormDefinitionError as exc:
            raise _problems(exc, source) from None
        form = await FormDefinition.create(
            permit_type=permit, version=version, definition=definition
        )
        await audit.record(
            "form.version", actor=actor, object_type="permit_type", object_id=code, version=version
        )
    return form


async def create_permit_type(text: str, *, actor: User | None = None) -> PermitType:
    """A whole permit type file (as in server/reference/permit_types/), forms included."""
    data = parse_json(text, "permit-type.json")
    try:
        spec = check_permit_type(data)
    except FormDefinitionError as exc:
        raise _problems(exc, "permit-type.json") from None
    if await PermitType.exists(code=spec["code"]):
        raise Conflict(
            f"Jenis izin {spec['code']!r} sudah ada; unggah versi formulir baru di halamannya "
            f"(permit type exists; upload a new form version on its page)."
        )
    async with in_transaction():
        permit = await PermitType.create(
            code=spec["code"],
            name_id=spec["name"]["id"],
            name_en=spec["name"]["en"],
            issuer=spec.get("issuer", ""),
            external_system=spec.get("external_system", ""),
            sla_days=spec["sla_working_days"],
            meta={k: v for k, v in spec.items() if k not in ("forms", "name", "code")},
        )
        for form in sorted(spec["forms"], key=lambda f: f["version"]):
            await FormDefinition.create(
                permit_type=permit, version=form["version"], definition=form
            )
        await audit.record(
            "permit_type.create", actor=actor, object_type="permit_type", object_id=permit.code
        )
    return permit


def preview(definition: dict[str, Any], language: str) -> list[dict[str, Any]]:
    """The form as a person will see it: sections, labelled fields, options, required marks."""

    def text(label: Any) -> str:
        if isinstance(label, dict):
            return str(label.get(language) or label.get("id") or "")
        return "" if label is None else str(label)

    sections = []
    for section in definition.get("sections", []):
        fields = []
        for f in section.get("fields", []):
            options = f.get("options") or []
            fields.append(
                {
                    "name": f.get("name", ""),
                    "type": f.get("type", ""),
                    "label": text(f.get("label")),
                    "help": text(f.get("help")),
                    "required": bool(f.get("required")),
                    "options": [
                        text(o.get("label")) if isinstance(o, dict) else str(o) for o in options
                    ],
                }
            )
        sections.append({"title": text(section.get("title")), "fields": fields})
    return sections
