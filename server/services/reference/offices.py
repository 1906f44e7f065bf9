"""Offices (DPMPTSP front desks): created and edited by administrators, every change audited."""

from __future__ import annotations

import re
from dataclasses import dataclass

from server.models import Office, User
from server.services import audit
from server.services.errors import Conflict, NotFound, ServiceError

CODE_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
REGION_RE = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")
EDITABLE = ("name", "region_code", "address", "phone", "email", "hours")
LIMITS = {"name": 200, "region_code": 20, "address": 300, "phone": 40, "email": 120, "hours": 200}


@dataclass(frozen=True)
class OfficeInput:
    name: str
    region_code: str
    address: str = ""
    phone: str = ""
    email: str = ""
    hours: str = ""


def _check(data: OfficeInput) -> dict[str, str]:
    values = {key: str(getattr(data, key)).strip() for key in EDITABLE}
    if not values["name"]:
        raise ServiceError("Nama kantor wajib diisi (office name is required).", code="invalid")
    if not REGION_RE.match(values["region_code"]):
        raise ServiceError(
            "Kode wilayah kantor seperti 63.71 (office region must be a code like 63.71).",
            code="invalid_region",
        )
    for key, limit in LIMITS.items():
        if len(values[key]) > limit:
            raise ServiceError(
                f"{key}: paling banyak {limit} karakter (at most {limit} characters).",
                code="too_long",
            )
    if values["email"] and "@" not in values["email"]:
        raise ServiceError("Alamat surel tidak sah (not an e-mail address).", code="invalid_email")
    return values


async def list_offices() -> list[Office]:
    return await Office.all().order_by("code")


async def create_office(code: str, data: OfficeInput, *, actor: User | None = None) -> Office:
    code = code.strip().lower()
    if not CODE_RE.match(code):
        raise ServiceError(
            "Kode kantor 2–40 huruf kecil, angka, titik, strip "
            "(office code: 2–40 lowercase letters, digits, . _ -).",
            code="invalid_code",
        )
    values = _check(data)
    if await Office.exists(code=code):
        raise Conflict(f"Kode kantor {code!r} sudah dipakai (office code already taken).")
    office = await Office.create(
        code=code,
        name=values["name"],
        region_code=values["region_code"],
        address=values["address"],
        phone=values["phone"],
        email=values["email"],
        hours=values["hours"],
    )
    await audit.record("office.create", actor=actor, object_type="office", object_id=code)
    return office


async def update_office(code: str, data: OfficeInput, *, actor: User | None = None) -> Office:
    office = await Office.get_or_none(code=code)
    if office is None:
        raise NotFound(f"Kantor {code!r} tidak ditemukan (no such office).")
    values = _check(data)
    changed = sorted(key for key in EDITABLE if getattr(office, key) != values[key])
    if changed:
        for key in changed:
            setattr(office, key, values[key])
        await office.save(update_fields=changed)
        await audit.record(
            "office.update", actor=actor, object_type="office", object_id=code, changed=changed
        )
    return office
