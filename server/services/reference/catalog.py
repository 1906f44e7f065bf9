"""Reference data as the field app downloads it: permit types with their current form, and
the regions of the officer's area (with their ancestors, so the cascade can start at the top)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from server.models import FormDefinition, PermitType, Region, User


async def latest_forms() -> dict[int, FormDefinition]:
    latest: dict[int, FormDefinition] = {}
    for form in await FormDefinition.all().order_by("permit_type_id", "version"):
        latest[form.permit_type_id] = form  # type: ignore[attr-defined]
    return latest


async def permit_types_payload() -> list[dict[str, Any]]:
    forms = await latest_forms()
    out = []
    for permit in await PermitType.filter(active=True).order_by("code"):
        form = forms.get(permit.id)
        if form is None:
            continue
        out.append(
            {
                "code": permit.code,
                "name": {"id": permit.name_id, "en": permit.name_en},
                "issuer": permit.issuer,
                "external_system": permit.external_system,
                "sla_days": permit.sla_days,
                "form": {**form.definition, "version": form.version},
            }
        )
    return out


def in_area(code: str, area_codes: list[str]) -> bool:
    """A region belongs to an area if it lies under one of its prefixes or is an ancestor."""
    if not area_codes:
        return True
    return any(
        code == prefix or code.startswith(prefix + ".") or prefix.startswith(code + ".")
        for prefix in area_codes
    )


async def regions_payload(user: User) -> list[dict[str, Any]]:
    rows = await Region.all().order_by("code").values_list("code", "parent_code", "name", "level")
    return [
        {"code": code, "parent_code": parent, "name": name, "level": level}
        for code, parent, name, level in rows
        if in_area(code, list(user.area_codes or []))
    ]


async def payload_for(user: User) -> tuple[dict[str, Any], str]:
    body: dict[str, Any] = {
        "permit_types": await permit_types_payload(),
        "regions": await regions_payload(user),
    }
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]
    body["version"] = digest
    return body, digest
