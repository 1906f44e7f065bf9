"""Checking submitted values against a form definition.

``validate_values`` returns the cleaned values plus per-field errors (refuse) and warnings
(accept, flag for a person), each an ``Issue`` with a code and Indonesian and English
messages. Used by the sync server for rejection reasons and by the back office. The
definition format and its checks live in ``server.services.forms.definitions`` and are
re-exported here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from server.services.forms import validation as v
from server.services.forms.definitions import (
    DEFAULT_MAX_LENGTH,
    FIELD_TYPES,
    ISO_DATE,
    FormDefinitionError,
    Problem,
    check_definition,
    check_permit_type,
    date_bound,
    definition_problems,
    is_int,
    is_number,
    iter_fields,
    permit_type_problems,
)
from server.services.forms.validation import Issue, RegionLookup

WITA = dt.timezone(dt.timedelta(hours=8))
DEFAULT_MAX_ACCURACY_M = 100.0
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
MAX_IMAGE_BYTES = 20 * 1024 * 1024
IMAGE_KEYS = frozenset({"sha256", "kind", "content_type", "size"})
IMAGE_OPTIONAL_KEYS = frozenset({"width", "height", "captured_at", "filename"})
GPS_KEYS = frozenset({"lat", "lon", "accuracy_m", "captured_at"})
# A generous box around Indonesia: a point outside it is a warning (wrong fix or test data).
INDONESIA_BOX = (-11.5, 6.5, 94.5, 141.5)
_SHA256 = re.compile(r"[0-9a-fA-F]{64}")


# code → (Indonesian, English); {placeholders} are filled per use.
MESSAGES: dict[str, tuple[str, str]] = {
    "required": ("{label_id} wajib diisi.", "{label_en} is required."),
    "unknown_field": ("Isian ini tidak ada di formulir.", "This field is not part of the form."),
    "values_not_object": (
        "Data formulir rusak; isi ulang.",
        "The form data is damaged; refill it.",
    ),
    "text_type": ("Isian harus berupa teks.", "This field takes text."),
    "text_control": (
        "Teks berisi karakter tak terlihat; ketik ulang.",
        "The text holds invisible characters; type it again.",
    ),
    "text_too_long": ("Paling banyak {n} karakter.", "At most {n} characters."),
    "text_too_short": ("Paling sedikit {n} karakter.", "At least {n} characters."),
    "text_pattern": ("Format tidak sesuai. {hint_id}", "Wrong format. {hint_en}"),
    "number_type": ("Isi dengan angka.", "Enter a number."),
    "number_integer": ("Isi dengan bilangan bulat.", "Enter a whole number."),
    "too_small": ("Paling kecil {n}.", "The minimum is {n}."),
    "too_large": ("Paling besar {n}.", "The maximum is {n}."),
    "date_format": (
        "Tanggal tidak benar; pilih dari kalender.",
        "Not a real date; pick one from the calendar.",
    ),
    "choice_invalid": ("Pilih dari pilihan yang tersedia.", "Pick one of the listed options."),
    "region_village": ("Pilih sampai desa/kelurahan.", "Pick down to the village."),
    "region_unknown": (
        "Kode wilayah {code} tidak dikenal; pilih ulang dari daftar.",
        "Region code {code} is unknown; pick it again from the list.",
    ),
    "image_invalid": (
        "Foto belum tersimpan dengan benar; ambil foto lagi.",
        "The picture was not stored properly; take it again.",
    ),
    "image_type": ("Foto harus JPEG, PNG atau WebP.", "The picture must be JPEG, PNG or WebP."),
    "image_size": (
        "Ukuran foto tidak wajar (paling besar 20 MB).",
        "The picture size is implausible (20 MB at most).",
    ),
    "image_kind": (
        "Foto ini untuk isian lain; ambil foto yang diminta.",
        "This picture belongs to another field; take the one asked for.",
    ),
    "gps_invalid": (
        "Lokasi GPS tidak lengkap; ambil lokasi lagi.",
        "The GPS location is incomplete; capture it again.",
    ),
    "gps_outside_indonesia": (
        "Titik GPS berada di luar Indonesia; ambil lokasi lagi.",
        "The GPS point is outside Indonesia; capture it again.",
    ),
    "gps_inaccurate": (
        "Akurasi GPS {acc} m (batas {limit} m); ambil ulang di tempat terbuka bila bisa.",
        "GPS accuracy is {acc} m (limit {limit} m); retake it in the open if possible.",
    ),
    "gps_future": (
        "Waktu GPS di masa depan: periksa jam tablet.",
        "The GPS time is in the future: check the tablet's clock.",
    ),
    "checklist_invalid": (
        "Dokumen tidak dikenal atau ganda: {codes}.",
        "Unknown or repeated documents: {codes}.",
    ),
    "documents_missing": (
        "Dokumen belum lengkap: {docs_id}.",
        "Documents still missing: {docs_en}.",
    ),
}


def issue(code: str, /, **kw: Any) -> Issue:
    id_text, en_text = MESSAGES[code]
    return Issue(code, id_text.format(**kw), en_text.format(**kw))


@dataclass
class FormCheck:
    """Cleaned values plus per-field errors (refuse) and warnings (accept, flag)."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[Issue]] = field(default_factory=dict)
    warnings: dict[str, list[Issue]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        def dump(d: dict[str, list[Issue]]) -> dict[str, list[dict[str, Any]]]:
            return {k: [i.as_dict() for i in issues] for k, issues in d.items()}

        return {"errors": dump(self.errors), "warnings": dump(self.warnings)}


@dataclass
class _Context:
    definition: dict[str, Any]
    values: dict[str, Any]
    regions: RegionLookup | None
    now: dt.datetime

    @property
    def today(self) -> dt.date:
        return self.now.astimezone(WITA).date()


Checked = tuple[Any, list[Issue], list[Issue]]  # cleaned value, errors, warnings


def _fail(code: str, /, **kw: Any) -> Checked:
    return None, [issue(code, **kw)], []


def _from(result: v.Result) -> Checked:
    return result.value, list(result.errors), list(result.warnings)


def _empty(value: Any) -> bool:
    blank = isinstance(value, str) and not value.strip()
    return value is None or value == [] or value == {} or blank


def _iso_date(value: Any) -> dt.date | None:
    if isinstance(value, str) and ISO_DATE.fullmatch(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _in_bounds(f: dict[str, Any], value: Any, show: Callable[[Any], str]) -> Checked:
    if "min" in f and value < f["min"]:
        return _fail("too_small", n=show(f["min"]))
    if "max" in f and value > f["max"]:
        return _fail("too_large", n=show(f["max"]))
    return value, [], []


_CONTROL_IN_TEXT = re.compile(r"[\x00-\x1f]")
_CONTROL_IN_TEXTAREA = re.compile(r"[\x00-\x08\x0b-\x1f]")  # tab and newline allowed


def _text(f: dict[str, Any], value: Any, ctx: _Context) -> Checked:
    if not isinstance(value, str):
        return _fail("text_type")
    text = value.strip()
    control = _CONTROL_IN_TEXTAREA if f["type"] == "textarea" else _CONTROL_IN_TEXT
    if control.search(text):
        return _fail("text_control")
    if len(text) > f.get("max_length", DEFAULT_MAX_LENGTH[f["type"]]):
        return _fail("text_too_long", n=f.get("max_length", DEFAULT_MAX_LENGTH[f["type"]]))
    if len(text) < f.get("min_length", 0):
        return _fail("text_too_short", n=f["min_length"])
    if "pattern" in f and not re.fullmatch(f["pattern"], text):
        hint = f.get("help", {"id": "Periksa kembali isian.", "en": "Check the entry."})
        return _fail("text_pattern", hint_id=hint["id"], hint_en=hint["en"])
    return text, [], []


def _number(f: dict[str, Any], value: Any, ctx: _Context) -> Checked:
    if not is_number(value):
        return _fail("number_type")
    if f.get("integer") and not float(value).is_integer():
        return _fail("number_integer")
    return _in_bounds(f, int(value) if f.get("integer") else value, str)


def _date(f: dict[str, Any], value: Any, ctx: _Context) -> Checked:
    day = _iso_date(value)
    if day is None:
        return _fail("date_format")
    bounds: dict[str, Any] = {k: date_bound(f[k]) or ctx.today for k in ("min", "max") if k in f}
    _, errors, _ = _in_bounds(bounds, day, lambda d: d.strftime("%d-%m-%Y"))
    return (None if errors else day.isoformat()), errors, []


def _choice(f: dict[str, Any], value: Any, ctx: _Context) -> Checked:
    allowed = [o["value"] for o in f["options"]]
    if not f.get("multiple"):
        return (value, [], []) if value in allowed else _fail("choice_invalid")
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        return _fail("choice_invalid")
    if len(set(value)) != len(value) or not set(value) <= set(allowed):
        return _fail("choice_invalid")
    return [a for a in allowed if a in value], [], []


def _region(f: dict[str, Any], value: Any, ctx: _Context) -> Checked:
    code = v.parse_region_code(value if isinstance(value, str) else None)
    if code.level != "village":
        return _fail("region_village")
    if ctx.regions is not None and not ctx.regions(code.value):
        return _fail("region_unknown", code=code.value)
    return code.value, [], []


def _nik(f: dict[str, Any], value: Any, ctx: _Context) -> Checked:
    if not isinstance(value, str):  # a JSON number cannot carry 16 digits safely in JavaScript
        return _fail("text_type")
    sex = ctx.values.get(f.get("sex_field", ""))
    result = v.parse_nik(
        value,
        known_region_codes=ctx.regions,
        stated_birth_date=_iso_date(ctx.values.get(f.get("birth_date_field", ""))),
        stated_sex=sex if sex in ("L", "P") else None,
        today=ctx.today,
    )
    return _from(result)


def _phone(f: dict[str, Any], value: Any, ctx: _Context) -> Checked:
    if not isinstance(value, str):
        return _fail("text_type")
    return _from(v.parse_phone(value, require_mobile=f.get("mobile", False)))


def _email(f: dict[str, Any], value: Any, ctx: _Context) -> Checked:
    if not isinstance(value, str):
        return _fail("text_type")
    return _from(v.parse_email(value))


def _rupiah(f: dict[str, Any], value: Any, ctx: _Context) -> Checked:
    result = v.parse_rupiah(value)
    return _in_bounds(f, result.value, v.format_rupiah) if result.ok else _from(result)


def _image(f: dict[str, Any], value: Any, ctx: _Context) -> Checked:
    if not isinstance(value, dict) or not set(value) >= IMAGE_KEYS:
        return _fail("image_invalid")
    if set(value) - IMAGE_KEYS - IMAGE_OPTIONAL_KEYS:
        return _fail("image_invalid")
    if not (isinstance(value["sha256"], str) and _SHA256.fullmatch(value["sha256"])):
        return _fail("image_invalid")
    if value["content_type"] not in IMAGE_TYPES:
        return _fail("image_type")
    if not (is_int(value["size"]) and 0 < value["size"] <= MAX_IMAGE_BYTES):
        return _fail("image_size")
    if value["kind"] != ("signature" if f["type"] == "signature" else f["kind"]):
        return _fail("image_kind")
    return {**value, "sha256": value["sha256"].lower()}, [], []


def _gps(f: dict[str, Any], value: Any, ctx: _Context) -> Checked:
    if not isinstance(value, dict) or set(value) != GPS_KEYS:
        return _fail("gps_invalid")
    lat, lon, acc = value["lat"], value["lon"], value["accuracy_m"]
    if not all(is_number(x) for x in (lat, lon, acc)):
        return _fail("gps_invalid")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180 and acc >= 0):
        return _fail("gps_invalid")
    try:
        taken = dt.datetime.fromisoformat(value["captured_at"])
    except (TypeError, ValueError):
        return _fail("gps_invalid")
    if taken.tzinfo is None:
        return _fail("gps_invalid")
    warnings = []
    south, north, west, east = INDONESIA_BOX
    if not (south <= lat <= north and west <= lon <= east):
        warnings.append(issue("gps_outside_indonesia"))
    limit = f.get("max_accuracy_m", DEFAULT_MAX_ACCURACY_M)
    if acc > limit:
        warnings.append(issue("gps_inaccurate", acc=round(acc), limit=round(limit)))
    if taken > ctx.now + dt.timedelta(minutes=10):
        warnings.append(issue("gps_future"))
    return dict(value), [], warnings


def _checklist(f: dict[str, Any], value: Any, ctx: _Context) -> Checked:
    docs = ctx.definition.get("required_documents", [])
    codes = [d["code"] for d in docs]
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        return _fail("checklist_invalid", codes="?")
    wrong = sorted(set(value) - set(codes)) or sorted({x for x in value if value.count(x) > 1})
    if wrong:
        return _fail("checklist_invalid", codes=", ".join(wrong))
    missing = [d for d in docs if d.get("required", True) and d["code"] not in value]
    warnings = []
    if missing:
        docs_id = ", ".join(d["label"]["id"] for d in missing)
        docs_en = ", ".join(d["label"]["en"] for d in missing)
        warnings.append(issue("documents_missing", docs_id=docs_id, docs_en=docs_en))
    return [c for c in codes if c in value], [], warnings


_CHECKERS: dict[str, Callable[[dict[str, Any], Any, _Context], Checked]] = {
    "text": _text,
    "textarea": _text,
    "number": _number,
    "date": _date,
    "choice": _choice,
    "region": _region,
    "nik": _nik,
    "phone": _phone,
    "email": _email,
    "rupiah": _rupiah,
    "photo": _image,
    "signature": _image,
    "gps": _gps,
    "checklist": _checklist,
}


def validate_values(
    definition: dict[str, Any],
    values: Any,
    *,
    known_region_codes: RegionLookup | None = None,
    now: dt.datetime | None = None,
    partial: bool = False,
) -> FormCheck:
    """Check submitted values against a definition (which is checked first).

    ``partial`` (a draft) skips the required check. ``known_region_codes(code)`` answers whether
    a dotted region code exists; without it region fields are only checked for shape.
    Raises ``FormDefinitionError`` if the definition itself is broken.
    """
    check_definition(definition)
    return validate_against_checked(
        definition, values, known_region_codes=known_region_codes, now=now, partial=partial
    )


def validate_against_checked(
    definition: dict[str, Any],
    values: Any,
    *,
    known_region_codes: RegionLookup | None = None,
    now: dt.datetime | None = None,
    partial: bool = False,
) -> FormCheck:
    """``validate_values`` for a definition already known to be sound (one loaded from the
    database, checked when it was stored): the sync path calls this per mutation."""
    result = FormCheck()
    if not isinstance(values, dict):
        result.errors["_form"] = [issue("values_not_object")]
        return result
    now = now or dt.datetime.now(dt.UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.UTC)
    ctx = _Context(definition, values, known_region_codes, now)
    fields = iter_fields(definition)
    for extra in sorted(set(values) - {f["name"] for f in fields}):
        result.errors[extra] = [issue("unknown_field")]
    for f in fields:
        name, value = f["name"], values.get(f["name"])
        if _empty(value):
            if f.get("required") and not partial:
                label = f["label"]
                result.errors[name] = [
                    issue("required", label_id=label["id"], label_en=label["en"])
                ]
            continue
        cleaned, errors, warnings = _CHECKERS[f["type"]](f, value, ctx)
        if errors:
            result.errors[name] = errors
        else:
            result.values[name] = cleaned
        if warnings:
            result.warnings[name] = warnings
    return result


__all__ = [
    "FIELD_TYPES",
    "FormCheck",
    "FormDefinitionError",
    "Problem",
    "check_definition",
    "check_permit_type",
    "definition_problems",
    "issue",
    "iter_fields",
    "permit_type_problems",
    "validate_against_checked",
    "validate_values",
]
