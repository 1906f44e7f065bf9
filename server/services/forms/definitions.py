"""Checking form definitions (docs/architecture.md) and permit type files.

``definition_problems`` lists everything wrong with a definition (unknown field types,
duplicate names, choices without options, dangling references…) as ``Problem``s with a path,
a code and Indonesian and English messages; ``check_definition`` raises
``FormDefinitionError`` with that list. ``permit_type_problems``/``check_permit_type`` do the
same for a permit type (server/reference/permit_types/*.json), including its optional
``workflow`` block (server.services.applications.workflow). Values are checked in
``server.services.forms.values``.

Settings beyond name/type/label/required (any field may also have ``help``/``placeholder``
labels; any other key is refused so typos surface):

- text: ``min_length``, ``max_length`` (default 200), ``pattern`` (whole-value regex, keep it
  JS-compatible); textarea: ``min_length``, ``max_length`` (default 4000)
- number: ``min``, ``max``, ``integer``, ``unit`` (label); values must be JSON numbers
- date: ``min``, ``max`` as "YYYY-MM-DD" or "today" (WITA); value "YYYY-MM-DD"
- choice: ``options`` [{value, label}], ``multiple`` (value is then a list)
- nik: ``sex_field`` (a choice with options L/P), ``birth_date_field`` (a date) to compare with
- phone: ``mobile`` (refuse landlines); rupiah: ``min``, ``max`` in whole rupiah
- photo: ``kind``; gps: ``max_accuracy_m`` (warning above it, default 100)
- the form may name its ``scope_region`` (a region field; default ``business_region``, else
  the first region field): the application's region for area scoping
- sections may have a ``description``; required_documents entries may have ``kind``,
  ``help`` and ``required`` (default true; a missing required document is a warning)
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

FIELD_TYPES = (
    "text",
    "textarea",
    "number",
    "date",
    "choice",
    "region",
    "nik",
    "phone",
    "email",
    "rupiah",
    "photo",
    "gps",
    "signature",
    "checklist",
)
_COMMON_KEYS = {"name", "type", "label", "required", "help", "placeholder"}
_TYPE_KEYS: dict[str, set[str]] = {
    "text": {"min_length", "max_length", "pattern"},
    "textarea": {"min_length", "max_length"},
    "number": {"min", "max", "integer", "unit"},
    "date": {"min", "max"},
    "choice": {"options", "multiple"},
    "nik": {"sex_field", "birth_date_field"},
    "phone": {"mobile"},
    "rupiah": {"min", "max"},
    "photo": {"kind"},
    "gps": {"max_accuracy_m"},
}
DEFAULT_MAX_LENGTH = {"text": 200, "textarea": 4000}
_NAME = re.compile(r"[a-z][a-z0-9_]{0,49}")
_SLUG = re.compile(r"[a-z][a-z0-9_-]{0,39}")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Problem:
    """Something wrong in a definition, at a path such as ``sections[0].fields[2].options``."""

    path: str
    code: str
    id: str
    en: str

    @property
    def message(self) -> str:
        return self.en

    def __str__(self) -> str:
        return f"{self.path}: {self.en}" if self.path else self.en

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "code": self.code, "message": {"id": self.id, "en": self.en}}


# code → (Indonesian, English) for definition problems; {placeholders} are filled per use.
DEFINITION_MESSAGES: dict[str, tuple[str, str]] = {
    "label": (
        'perlu {{"id": "...", "en": "..."}} dengan kedua teks terisi',
        'needs {{"id": "...", "en": "..."}} with both texts filled in',
    ),
    "wrong_type": ("tipenya salah", "has the wrong type"),
    "min_above_max": ("lebih besar dari max", "is larger than max"),
    "field_not_object": ("isian harus berupa objek", "a field must be an object"),
    "unknown_type": (
        "jenis isian {kind} tidak dikenal; pakai salah satu dari: {known}",
        "unknown field type {kind}; use one of {known}",
    ),
    "name_format": (
        "harus huruf_kecil_dengan_garis_bawah, paling panjang 50 karakter",
        "must be lower_snake_case, at most 50 characters",
    ),
    "not_bool": ("harus true atau false", "must be true or false"),
    "unknown_setting": ("bukan pengaturan isian {kind}", "is not a setting of a {kind} field"),
    "length_bound": (
        "harus bilangan bulat 0 sampai 100000",
        "must be a whole number from 0 to 100000",
    ),
    "min_length_above_max": ("lebih besar dari max_length", "is larger than max_length"),
    "bad_pattern": ("bukan regular expression yang sah", "is not a valid regular expression"),
    "date_bound": ('harus "YYYY-MM-DD" atau "today"', 'must be "YYYY-MM-DD" or "today"'),
    "photo_kind": (
        'isian foto perlu kind, misalnya "ktp"',
        'a photo field needs a kind such as "ktp"',
    ),
    "photo_signature": (
        'pakai isian bertipe "signature"',
        'use a field of type "signature" instead',
    ),
    "accuracy": ("harus angka positif dalam meter", "must be a positive number of metres"),
    "options_missing": (
        "isian pilihan perlu daftar options yang tidak kosong",
        "a choice field needs a non-empty list of options",
    ),
    "option_shape": (
        'satu pilihan berbentuk {{"value": "...", "label": {{"id", "en"}}}}',
        'an option is {{"value": "...", "label": {{"id", "en"}}}}',
    ),
    "option_value": ("harus teks yang tidak kosong", "must be a non-empty string"),
    "option_duplicate": ("nilai pilihan {value} ganda", "duplicate option value {value}"),
    "not_list": ("harus berupa daftar", "must be a list"),
    "doc_not_object": ("dokumen harus berupa objek", "a document must be an object"),
    "unknown_doc_setting": ("bukan pengaturan dokumen", "is not a document setting"),
    "doc_code": (
        'harus kode huruf kecil, misalnya "ktp"',
        'must be a lower-case code such as "ktp"',
    ),
    "doc_duplicate": ("kode dokumen {code} ganda", "duplicate document code {code}"),
    "doc_kind": ("harus kode huruf kecil", "must be a lower-case code"),
    "definition_not_object": (
        "definisi formulir harus berupa objek JSON",
        "a form definition must be a JSON object",
    ),
    "unknown_form_setting": ("bukan pengaturan formulir", "is not a form setting"),
    "version": ("harus bilangan bulat mulai 1", "must be a whole number from 1"),
    "no_sections": ("perlu paling sedikit satu bagian", "needs at least one section"),
    "section_not_object": ("bagian harus berupa objek", "a section must be an object"),
    "unknown_section_setting": ("bukan pengaturan bagian", "is not a section setting"),
    "no_fields": ("bagian perlu paling sedikit satu isian", "a section needs at least one field"),
    "duplicate_name": ("nama isian {name} ganda", "duplicate field name {name}"),
    "bad_reference": (
        "harus menunjuk isian {want} di formulir ini",
        "must name a {want} field of this form",
    ),
    "sex_options": (
        'pilihan isian jenis kelamin harus "L"/"P"',
        'the sex field\'s options must be "L"/"P"',
    ),
    "checklist_docs": (
        "isian checklist perlu required_documents",
        "a checklist field needs required_documents",
    ),
    "permit_not_object": (
        "jenis izin harus berupa objek JSON",
        "a permit type must be a JSON object",
    ),
    "unknown_permit_setting": ("bukan pengaturan jenis izin", "is not a permit type setting"),
    "permit_code": (
        'harus kode huruf kecil, misalnya "nib-umk"',
        'must be a lower-case code such as "nib-umk"',
    ),
    "issuer": ("harus menyebut instansi penerbit", "must name the issuing authority"),
    "external_system": (
        "harus teks (kosong bila tidak ada)",
        "must be text (empty when there is none)",
    ),
    "external_ref": (
        'harus {{"label": {{...}}, "pattern": "regex"}}',
        'must be {{"label": {{...}}, "pattern": "regex"}}',
    ),
    "sla": (
        "harus jumlah hari kerja, 0 sampai 365",
        "must be a whole number of working days, 0-365",
    ),
    "fee": ("harus rupiah bulat, 0 bila gratis", "must be whole rupiah, 0 when free"),
    "no_forms": (
        "perlu paling sedikit satu definisi formulir",
        "needs at least one form definition",
    ),
    "duplicate_version": ("versi {version} ganda", "duplicate version {version}"),
}


def _problem(path: str, code: str, /, **kw: Any) -> Problem:
    id_text, en_text = DEFINITION_MESSAGES[code]
    return Problem(path, code, id_text.format(**kw), en_text.format(**kw))


class FormDefinitionError(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


# --------------------------------------------------------------------------- definitions


def is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def is_number(x: Any) -> bool:
    return (is_int(x) or isinstance(x, float)) and math.isfinite(x)


def _label_problems(value: Any, path: str) -> list[Problem]:
    if (
        isinstance(value, dict)
        and set(value) == {"id", "en"}
        and all(isinstance(t, str) and t.strip() for t in value.values())
    ):
        return []
    return [_problem(path, "label")]


def date_bound(value: Any) -> dt.date | None:
    if value == "today":
        return None
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError


def _bounds_problems(f: dict[str, Any], path: str, check: Callable[[Any], bool]) -> list[Problem]:
    keys = [k for k in ("min", "max") if k in f]
    out = [_problem(f"{path}.{k}", "wrong_type") for k in keys if not check(f[k])]
    if not out and len(keys) == 2 and f["min"] > f["max"]:
        out.append(_problem(f"{path}.min", "min_above_max"))
    return out


def _field_problems(f: Any, path: str) -> list[Problem]:
    if not isinstance(f, dict):
        return [_problem(path, "field_not_object")]
    out: list[Problem] = []
    kind = f.get("type")
    if kind not in FIELD_TYPES:
        return [
            _problem(f"{path}.type", "unknown_type", kind=repr(kind), known=", ".join(FIELD_TYPES))
        ]
    if not isinstance(f.get("name"), str) or not _NAME.fullmatch(f["name"]):
        out.append(_problem(f"{path}.name", "name_format"))
    out += _label_problems(f.get("label"), f"{path}.label")
    for key in ("help", "placeholder"):
        if key in f:
            out += _label_problems(f[key], f"{path}.{key}")
    for key in ("required", "multiple", "integer", "mobile"):
        if key in f and not isinstance(f[key], bool):
            out.append(_problem(f"{path}.{key}", "not_bool"))
    unknown = set(f) - _COMMON_KEYS - _TYPE_KEYS.get(kind, set())
    out += [_problem(f"{path}.{k}", "unknown_setting", kind=kind) for k in sorted(unknown)]

    if kind in ("text", "textarea"):
        lengths = [f.get("min_length", 0), f.get("max_length", DEFAULT_MAX_LENGTH[kind])]
        for key in ("min_length", "max_length"):
            if key in f and not (is_int(f[key]) and 0 <= f[key] <= 100_000):
                out.append(_problem(f"{path}.{key}", "length_bound"))
        if all(is_int(n) for n in lengths) and lengths[0] > lengths[1]:
            out.append(_problem(f"{path}.min_length", "min_length_above_max"))
        if "pattern" in f:
            try:
                re.compile(f["pattern"])
            except (re.error, TypeError):
                out.append(_problem(f"{path}.pattern", "bad_pattern"))
    elif kind == "number":
        out += _bounds_problems(f, path, is_number)
    elif kind == "rupiah":
        out += _bounds_problems(f, path, lambda x: is_int(x) and x >= 0)
    elif kind == "date":
        for key in ("min", "max"):
            if key in f:
                try:
                    date_bound(f[key])
                except ValueError:
                    out.append(_problem(f"{path}.{key}", "date_bound"))
    elif kind == "choice":
        out += _options_problems(f.get("options"), f"{path}.options")
    elif kind == "photo":
        if not isinstance(f.get("kind"), str) or not _SLUG.fullmatch(f["kind"]):
            out.append(_problem(f"{path}.kind", "photo_kind"))
        elif f["kind"] == "signature":
            out.append(_problem(f"{path}.kind", "photo_signature"))
    elif kind == "gps" and not (
        is_number(f.get("max_accuracy_m", 1)) and f.get("max_accuracy_m", 1) > 0
    ):
        out.append(_problem(f"{path}.max_accuracy_m", "accuracy"))
    if kind == "number" and "unit" in f:
        out += _label_problems(f["unit"], f"{path}.unit")
    return out


def _options_problems(options: Any, path: str) -> list[Problem]:
    if not isinstance(options, list) or not options:
        return [_problem(path, "options_missing")]
    out: list[Problem] = []
    seen: set[str] = set()
    for i, opt in enumerate(options):
        p = f"{path}[{i}]"
        if not isinstance(opt, dict) or set(opt) != {"value", "label"}:
            out.append(_problem(p, "option_shape"))
            continue
        if not isinstance(opt["value"], str) or not opt["value"].strip():
            out.append(_problem(f"{p}.value", "option_value"))
        elif opt["value"] in seen:
            out.append(_problem(f"{p}.value", "option_duplicate", value=repr(opt["value"])))
        else:
            seen.add(opt["value"])
        out += _label_problems(opt["label"], f"{p}.label")
    return out


def _documents_problems(docs: Any) -> list[Problem]:
    if not isinstance(docs, list):
        return [_problem("required_documents", "not_list")]
    out: list[Problem] = []
    seen: set[str] = set()
    for i, doc in enumerate(docs):
        p = f"required_documents[{i}]"
        if not isinstance(doc, dict):
            out.append(_problem(p, "doc_not_object"))
            continue
        extra = set(doc) - {"code", "label", "kind", "required", "help"}
        out += [_problem(f"{p}.{k}", "unknown_doc_setting") for k in sorted(extra)]
        code = doc.get("code")
        if not isinstance(code, str) or not _SLUG.fullmatch(code):
            out.append(_problem(f"{p}.code", "doc_code"))
        elif code in seen:
            out.append(_problem(f"{p}.code", "doc_duplicate", code=repr(code)))
        else:
            seen.add(code)
        out += _label_problems(doc.get("label"), f"{p}.label")
        if "help" in doc:
            out += _label_problems(doc["help"], f"{p}.help")
        if "kind" in doc and not (isinstance(doc["kind"], str) and _SLUG.fullmatch(doc["kind"])):
            out.append(_problem(f"{p}.kind", "doc_kind"))
        if "required" in doc and not isinstance(doc["required"], bool):
            out.append(_problem(f"{p}.required", "not_bool"))
    return out


def iter_fields(definition: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for s in definition.get("sections", []) for f in s.get("fields", [])]


def definition_problems(definition: Any) -> list[Problem]:
    """Everything wrong with a form definition; an empty list means it can be used."""
    if not isinstance(definition, dict):
        return [_problem("", "definition_not_object")]
    out: list[Problem] = []
    allowed = {"version", "purpose_notice", "required_documents", "sections", "scope_region"}
    out += [_problem(k, "unknown_form_setting") for k in sorted(set(definition) - allowed)]
    if not (is_int(definition.get("version")) and definition["version"] >= 1):
        out.append(_problem("version", "version"))
    out += _label_problems(definition.get("purpose_notice"), "purpose_notice")
    out += _documents_problems(definition.get("required_documents", []))
    sections = definition.get("sections")
    if not isinstance(sections, list) or not sections:
        return [*out, _problem("sections", "no_sections")]

    by_name: dict[str, dict[str, Any]] = {}
    for si, section in enumerate(sections):
        sp = f"sections[{si}]"
        if not isinstance(section, dict):
            out.append(_problem(sp, "section_not_object"))
            continue
        out += [
            _problem(f"{sp}.{k}", "unknown_section_setting")
            for k in sorted(set(section) - {"title", "description", "fields"})
        ]
        out += _label_problems(section.get("title"), f"{sp}.title")
        if "description" in section:
            out += _label_problems(section["description"], f"{sp}.description")
        fields = section.get("fields")
        if not isinstance(fields, list) or not fields:
            out.append(_problem(f"{sp}.fields", "no_fields"))
            continue
        for fi, f in enumerate(fields):
            fp = f"{sp}.fields[{fi}]"
            out += _field_problems(f, fp)
            name = f.get("name") if isinstance(f, dict) else None
            if isinstance(name, str):
                if name in by_name:
                    out.append(_problem(f"{fp}.name", "duplicate_name", name=repr(name)))
                else:
                    by_name[name] = f
    out += _reference_problems(definition, by_name)
    scope = definition.get("scope_region")
    target = by_name.get(scope) if isinstance(scope, str) else None
    if scope is not None and (target is None or target.get("type") != "region"):
        out.append(_problem("scope_region", "bad_reference", want="region"))
    return out


def scope_field(definition: dict[str, Any]) -> str | None:
    """The region field an application is scoped by (areas, office inbox): the form's
    ``scope_region``, else its ``business_region``, else its first region field."""
    regions = [f["name"] for f in iter_fields(definition) if f.get("type") == "region"]
    named = definition.get("scope_region")
    if named in regions:
        return str(named)
    if "business_region" in regions:
        return "business_region"
    return regions[0] if regions else None


def _reference_problems(definition: dict[str, Any], by_name: dict[str, Any]) -> list[Problem]:
    out: list[Problem] = []
    for name, f in by_name.items():
        for key, want in (("sex_field", "choice"), ("birth_date_field", "date")):
            if key not in f:
                continue
            target = by_name.get(f[key]) if isinstance(f[key], str) else None
            if target is None or target.get("type") != want:
                out.append(_problem(f"{name}.{key}", "bad_reference", want=want))
            elif key == "sex_field":
                values = {o.get("value") for o in target.get("options", []) if isinstance(o, dict)}
                if not values <= {"L", "P"}:
                    out.append(_problem(f"{name}.{key}", "sex_options"))
        if f.get("type") == "checklist" and not definition.get("required_documents"):
            out.append(_problem(name, "checklist_docs"))
    return out


def check_definition(definition: Any) -> dict[str, Any]:
    problems = definition_problems(definition)
    if problems:
        raise FormDefinitionError(problems)
    return cast(dict[str, Any], definition)


def permit_type_problems(data: Any) -> list[Problem]:
    """Everything wrong with a permit type file (server/reference/permit_types/*.json)."""
    if not isinstance(data, dict):
        return [_problem("", "permit_not_object")]
    allowed = {"code", "name", "description", "issuer", "external_system", "external_ref"}
    allowed |= {"sla_working_days", "fee_rupiah", "forms", "workflow"}
    out = [_problem(k, "unknown_permit_setting") for k in sorted(set(data) - allowed)]
    if not (isinstance(data.get("code"), str) and _SLUG.fullmatch(data["code"])):
        out.append(_problem("code", "permit_code"))
    out += _label_problems(data.get("name"), "name")
    if "description" in data:
        out += _label_problems(data["description"], "description")
    if not (isinstance(data.get("issuer"), str) and data["issuer"].strip()):
        out.append(_problem("issuer", "issuer"))
    if not isinstance(data.get("external_system", ""), str):
        out.append(_problem("external_system", "external_system"))
    ref = data.get("external_ref", {"label": {"id": "-", "en": "-"}, "pattern": "."})
    if not isinstance(ref, dict) or set(ref) != {"label", "pattern"}:
        out.append(_problem("external_ref", "external_ref"))
    else:
        out += _label_problems(ref["label"], "external_ref.label")
        try:
            re.compile(ref["pattern"])
        except (re.error, TypeError):
            out.append(_problem("external_ref.pattern", "bad_pattern"))
    if not (is_int(data.get("sla_working_days")) and 0 <= data["sla_working_days"] <= 365):
        out.append(_problem("sla_working_days", "sla"))
    if not (is_int(data.get("fee_rupiah", 0)) and data.get("fee_rupiah", 0) >= 0):
        out.append(_problem("fee_rupiah", "fee"))
    if "workflow" in data:
        from server.services.applications.workflow import workflow_problems

        out += workflow_problems(data["workflow"])
    forms = data.get("forms")
    if not isinstance(forms, list) or not forms:
        return [*out, _problem("forms", "no_forms")]
    versions: set[int] = set()
    for i, form in enumerate(forms):
        out += [
            Problem(f"forms[{i}].{p.path}".rstrip("."), p.code, p.id, p.en)
            for p in definition_problems(form)
        ]
        version = form.get("version") if isinstance(form, dict) else None
        if not is_int(version):
            continue
        if version in versions:
            out.append(_problem(f"forms[{i}].version", "duplicate_version", version=version))
        versions.add(int(cast(int, version)))
    return out


def check_permit_type(data: Any) -> dict[str, Any]:
    problems = permit_type_problems(data)
    if problems:
        raise FormDefinitionError(problems)
    return cast(dict[str, Any], data)
