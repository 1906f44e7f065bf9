"""Values for any shipped form field: one that the server accepts (``valid_value``), for
tests that fill a whole application of every permit type."""

from __future__ import annotations

from typing import Any

from server import reference
from server.services.forms.definitions import iter_fields

SHIPPED_FORMS = [
    (permit["code"], form) for permit in reference.load_permit_types() for form in permit["forms"]
]
# An example per text pattern used by a shipped form (a new pattern fails loudly here).
PATTERN_EXAMPLES = {
    r"\d{13}": "9120001234567",
    r"\d{16}": "6371050101090001",
    r"\d{5}": "47111",
    r"1[01]\d{3}": "10794",
}
VILLAGE = "63.71.01.1001"


def valid_value(definition: dict[str, Any], f: dict[str, Any], *, region: str = VILLAGE) -> Any:
    kind = f["type"]
    if kind in ("text", "textarea"):
        return PATTERN_EXAMPLES[f["pattern"]] if "pattern" in f else "Isian uji"
    if kind == "number":
        return max(f.get("min", 0), min(1, f.get("max", 1)))
    if kind == "date":
        return "1990-12-05"
    if kind == "choice":
        return "P" if f["name"] == "sex" else f["options"][0]["value"]
    if kind == "region":
        return region
    if kind == "nik":
        return "6371054512900002"  # a woman born 5 Dec 1990
    if kind == "phone":
        return "+6281234567890"
    if kind == "email":
        return "siti@contoh.id"
    if kind == "rupiah":
        return max(f.get("min", 0), min(5_000_000, f.get("max", 5_000_000)))
    if kind in ("photo", "signature"):
        return {
            "sha256": "ab" * 32,
            "kind": "signature" if kind == "signature" else f["kind"],
            "content_type": "image/png" if kind == "signature" else "image/jpeg",
            "size": 120_000,
        }
    if kind == "gps":
        return {
            "lat": -3.3186,
            "lon": 114.5944,
            "accuracy_m": 8,
            "captured_at": "2026-11-28T02:00:00Z",
        }
    if kind == "checklist":
        return [d["code"] for d in definition.get("required_documents", [])]
    raise AssertionError(f"no example for field type {kind}")


def valid_application(
    definition: dict[str, Any], regions: dict[str, str] | None = None
) -> dict[str, Any]:
    regions = regions or {}
    return {
        f["name"]: valid_value(definition, f, region=regions.get(f["name"], VILLAGE))
        for f in iter_fields(definition)
    }
