"""A small permit form for tests that push applications: ``siup_mikro`` version 1, the permit
the golden sync examples (tests/fixtures/sync) are written against. The server checks every
pushed value against the form, so a test that pushes must install it first."""

from __future__ import annotations

from typing import Any

from server.models import FormDefinition, PermitType
from server.services.forms.values import check_definition


def _field(name: str, field_type: str, label: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": field_type, "label": {"id": label, "en": label}, **extra}


def siup_mikro_definition(*, required_files: bool = False) -> dict[str, Any]:
    return check_definition(
        {
            "version": 1,
            "purpose_notice": {
                "id": "Data dipakai hanya untuk memproses permohonan ini.",
                "en": "The data is used only to process this application.",
            },
            "sections": [
                {
                    "title": {"id": "Pemohon", "en": "Applicant"},
                    "fields": [
                        _field("full_name", "text", "Nama lengkap", required=True),
                        _field("nik", "nik", "NIK"),
                        _field("phone", "phone", "Nomor HP"),
                        _field("business_name", "text", "Nama usaha"),
                        _field("business_region", "region", "Wilayah usaha"),
                        _field("capital", "rupiah", "Modal usaha"),
                    ],
                },
                {
                    "title": {"id": "Berkas", "en": "Files"},
                    "fields": [
                        _field(
                            "ktp_photo", "photo", "Foto KTP", kind="ktp", required=required_files
                        ),
                        _field("signature", "signature", "Tanda tangan", required=required_files),
                    ],
                },
            ],
        }
    )


async def install_siup_mikro(*, required_files: bool = False) -> PermitType:
    """Install (or replace) the test permit and its form."""
    await PermitType.filter(code="siup_mikro").delete()
    permit = await PermitType.create(
        code="siup_mikro", name_id="SIUP Mikro", name_en="Micro trading licence", sla_days=5
    )
    await FormDefinition.create(
        permit_type=permit,
        version=1,
        definition=siup_mikro_definition(required_files=required_files),
    )
    return permit
