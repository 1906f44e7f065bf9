"""Every shipped permit type scopes its applications by a region, whatever its form calls
the field: a complete application pushed by an officer is stored with the village of its
form's scope field (``business_region`` for NIB and SKU, ``production_region`` for halal and
SPP-IRT), and only staff of that area find it."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from server.models import Application, Role
from server.services.forms.definitions import iter_fields, scope_field
from server.services.reference import demo
from tests.form_values import SHIPPED_FORMS, valid_application

SCOPED = "63.71.02.1005"  # the scope field's village
ELSEWHERE = "63.03.05.2009"  # any other region field (a home address in another regency)


def test_every_shipped_form_names_a_region_field_to_scope_by() -> None:
    expected = {
        "nib-umk": "business_region",
        "sku": "business_region",
        "halal-self-declare": "production_region",
        "spp-irt": "production_region",
    }
    assert {code for code, _ in SHIPPED_FORMS} == set(expected)
    for code, definition in SHIPPED_FORMS:
        assert scope_field(definition) == expected[code], code


def test_a_form_may_name_its_scope_field_and_a_wrong_name_is_refused() -> None:
    from server.services.forms.values import FormDefinitionError, check_definition

    _, nib = next(item for item in SHIPPED_FORMS if item[0] == "nib-umk")
    assert scope_field({**nib, "scope_region": "home_region"}) == "home_region"
    with pytest.raises(FormDefinitionError, match="scope_region"):
        check_definition({**nib, "scope_region": "full_name"})


@pytest.mark.parametrize(
    ("code", "definition"), SHIPPED_FORMS, ids=[code for code, _ in SHIPPED_FORMS]
)
async def test_each_permit_type_is_stored_with_its_scope_region(
    client: httpx.AsyncClient, make_user, make_device, code: str, definition: dict[str, Any]
) -> None:  # type: ignore[no-untyped-def]
    await demo.load_permit_types()
    officer = await make_user(Role.OFFICER, area_codes=["63.71"])
    headers = {"authorization": f"Bearer {(await make_device(officer)).token}"}
    scope = scope_field(definition)
    regions = {f["name"]: ELSEWHERE for f in iter_fields(definition) if f["type"] == "region"}
    fields = valid_application(definition, {**regions, str(scope): SCOPED})
    record_id = str(uuid.uuid4())
    body = {
        "protocol": 1,
        "client_id": str(uuid.uuid4()),
        "mutations": [
            {
                "id": 1,
                "name": "create_application",
                "args": {
                    "record_id": record_id,
                    "permit_type": code,
                    "form_version": definition["version"],
                    "tracking_code": "JB-7K3M-9QXD-AAAB",
                    "status_token": "q3Vb8xY2mN4pR6tW1zA9cE",
                    "fields": fields,
                },
            },
            {"id": 2, "name": "submit_application", "args": {"record_id": record_id}},
        ],
    }
    response = await client.post("/api/sync/push", json=body, headers=headers)
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["applied", "applied"], results
    stored = await Application.get(id=record_id)
    assert stored.region_code == SCOPED
    assert stored.status == "diterima"
