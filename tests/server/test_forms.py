"""Form definitions, value checks, and the reference data shipped in server/reference/."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server import reference
from server.services.forms.validation import parse_email, parse_phone, parse_region_code
from server.services.forms.values import (
    FIELD_TYPES,
    FormDefinitionError,
    check_definition,
    check_permit_type,
    definition_problems,
    iter_fields,
    permit_type_problems,
    validate_values,
)

ROOT = Path(__file__).resolve().parents[2]
SHARED_REGIONS = ROOT / ".." / "shared" / "data" / "wilayah-63"
NOW = dt.datetime(2026, 11, 28, 2, 0, tzinfo=dt.UTC)  # 10:00 WITA
SHA = "ab" * 32


def L(text: str) -> dict[str, str]:
    return {"id": text, "en": text + " (en)"}


def small_definition() -> dict[str, Any]:
    return {
        "version": 1,
        "purpose_notice": L("Tujuan"),
        "required_documents": [
            {"code": "ktp", "label": L("KTP"), "kind": "ktp"},
            {"code": "npwp", "label": L("NPWP"), "required": False},
            {"code": "kk", "label": L("KK")},
        ],
        "sections": [
            {
                "title": L("Pemohon"),
                "fields": [
                    {
                        "name": "nik",
                        "type": "nik",
                        "label": L("NIK"),
                        "required": True,
                        "sex_field": "sex",
                        "birth_date_field": "birth_date",
                    },
                    {"name": "full_name", "type": "text", "label": L("Nama"), "max_length": 10},
                    {
                        "name": "sex",
                        "type": "choice",
                        "label": L("Jenis kelamin"),
                        "options": [
                            {"value": "L", "label": L("Laki-laki")},
                            {"value": "P", "label": L("Perempuan")},
                        ],
                    },
                    {"name": "birth_date", "type": "date", "label": L("Lahir"), "max": "today"},
                    {"name": "phone", "type": "phone", "label": L("HP"), "mobile": True},
                    {"name": "email", "type": "email", "label": L("Email")},
                ],
            },
            {
                "title": L("Usaha"),
                "fields": [
                    {"name": "kbli", "type": "text", "label": L("KBLI"), "pattern": r"\d{5}"},
                    {"name": "region", "type": "region", "label": L("Wilayah")},
                    {"name": "capital", "type": "rupiah", "label": L("Modal"), "max": 1000000},
                    {
                        "name": "workers",
                        "type": "number",
                        "label": L("Pekerja"),
                        "integer": True,
                        "min": 0,
                        "max": 50,
                    },
                    {
                        "name": "tags",
                        "type": "choice",
                        "label": L("Tag"),
                        "multiple": True,
                        "options": [
                            {"value": "a", "label": L("A")},
                            {"value": "b", "label": L("B")},
                        ],
                    },
                    {"name": "notes", "type": "textarea", "label": L("Catatan")},
                    {"name": "ktp_photo", "type": "photo", "kind": "ktp", "label": L("KTP")},
                    {"name": "location", "type": "gps", "label": L("GPS"), "max_accuracy_m": 30},
                    {"name": "signature", "type": "signature", "label": L("TTD")},
                    {"name": "documents", "type": "checklist", "label": L("Dokumen")},
                ],
            },
        ],
    }


def good_values() -> dict[str, Any]:
    return {
        "nik": "6371 0512 0890 0001",
        "full_name": "  Budi  ",
        "sex": "L",
        "birth_date": "1990-08-12",
        "phone": "0812-3456-7890",
        "email": "budi@Gmail.com",
        "kbli": "10710",
        "region": "6371051004",
        "capital": "Rp750.000",
        "workers": 3,
        "tags": ["b", "a"],
        "notes": "Warung\nkue",
        "ktp_photo": {
            "sha256": SHA.upper(),
            "kind": "ktp",
            "content_type": "image/jpeg",
            "size": 1,
        },
        "location": {
            "lat": -3.3194,
            "lon": 114.5908,
            "accuracy_m": 8.5,
            "captured_at": "2026-11-28T09:55:00+08:00",
        },
        "signature": {"sha256": SHA, "kind": "signature", "content_type": "image/png", "size": 900},
        "documents": ["kk", "ktp"],
    }


def img(**changes: Any) -> dict[str, Any]:
    """A ktp photo reference; a change to None removes the key."""
    value = {"sha256": SHA, "kind": "ktp", "content_type": "image/jpeg", "size": 9, **changes}
    return {k: v for k, v in value.items() if v is not None}


def gps(**changes: Any) -> dict[str, Any]:
    value = {"lat": -3.3, "lon": 114.6, "accuracy_m": 5, "captured_at": "2026-11-28T01:00:00Z"}
    value |= changes
    return {k: v for k, v in value.items() if v is not None}


REGIONS = frozenset({"63", "63.71", "63.71.05", "63.71.05.1004"})


def check(values: dict[str, Any], definition: dict[str, Any] | None = None, **kw: Any):
    return validate_values(
        definition or small_definition(),
        values,
        known_region_codes=REGIONS.__contains__,
        now=NOW,
        **kw,
    )


# --------------------------------------------------------------------------- definitions


def test_small_definition_is_valid() -> None:
    assert definition_problems(small_definition()) == []
    assert {f["type"] for f in iter_fields(small_definition())} == set(FIELD_TYPES)


def _field(d: dict[str, Any], name: str) -> dict[str, Any]:
    return next(f for f in iter_fields(d) if f["name"] == name)


def _mutate(change: str) -> dict[str, Any]:
    d = small_definition()
    if change == "unknown type":
        _field(d, "notes")["type"] = "richtext"
    elif change == "duplicate name":
        d["sections"][1]["fields"][0]["name"] = "nik"
    elif change == "choice without options":
        del _field(d, "sex")["options"]
    elif change == "empty options":
        _field(d, "sex")["options"] = []
    elif change == "duplicate option":
        _field(d, "sex")["options"][1]["value"] = "L"
    elif change == "label without English":
        _field(d, "full_name")["label"] = {"id": "Nama"}
    elif change == "typo in a setting":
        _field(d, "full_name")["requried"] = True
    elif change == "photo without kind":
        del _field(d, "ktp_photo")["kind"]
    elif change == "bad pattern":
        _field(d, "kbli")["pattern"] = "(\\d{5"
    elif change == "min above max":
        _field(d, "workers")["min"] = 100
    elif change == "string bound":
        _field(d, "capital")["max"] = "1000000"
    elif change == "bad date bound":
        _field(d, "birth_date")["max"] = "tomorrow"
    elif change == "sex field is not a choice":
        _field(d, "nik")["sex_field"] = "full_name"
    elif change == "birth date field missing":
        _field(d, "nik")["birth_date_field"] = "born"
    elif change == "checklist without documents":
        d["required_documents"] = []
    elif change == "duplicate document":
        d["required_documents"][1]["code"] = "ktp"
    elif change == "version 0":
        d["version"] = 0
    elif change == "no sections":
        d["sections"] = []
    elif change == "empty section":
        d["sections"][0]["fields"] = []
    elif change == "missing purpose notice":
        del d["purpose_notice"]
    elif change == "unknown top-level key":
        d["title"] = L("x")
    elif change == "bad field name":
        _field(d, "notes")["name"] = "Notes field"
    elif change == "required not a boolean":
        _field(d, "notes")["required"] = "yes"
    elif change == "gps accuracy zero":
        _field(d, "location")["max_accuracy_m"] = 0
    elif change == "field is a string":
        d["sections"][0]["fields"].append("nik")
    return d


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        ("unknown type", "sections[1].fields[5].type", "unknown field type 'richtext'"),
        ("duplicate name", "sections[1].fields[0].name", "duplicate field name 'nik'"),
        ("choice without options", "sections[0].fields[2].options", "non-empty list of options"),
        ("empty options", "sections[0].fields[2].options", "non-empty list of options"),
        ("duplicate option", "sections[0].fields[2].options[1].value", "duplicate option"),
        ("label without English", "sections[0].fields[1].label", "both texts"),
        ("typo in a setting", "sections[0].fields[1].requried", "not a setting of a text field"),
        ("photo without kind", "sections[1].fields[6].kind", "needs a kind"),
        ("bad pattern", "sections[1].fields[0].pattern", "regular expression"),
        ("min above max", "sections[1].fields[3].min", "larger than max"),
        ("string bound", "sections[1].fields[2].max", "wrong type"),
        ("bad date bound", "sections[0].fields[3].max", "YYYY-MM-DD"),
        ("sex field is not a choice", "nik.sex_field", "must name a choice field"),
        ("birth date field missing", "nik.birth_date_field", "must name a date field"),
        ("checklist without documents", "documents", "needs required_documents"),
        ("duplicate document", "required_documents[1].code", "duplicate document code"),
        ("version 0", "version", "whole number from 1"),
        ("no sections", "sections", "at least one section"),
        ("empty section", "sections[0].fields", "at least one field"),
        ("missing purpose notice", "purpose_notice", "both texts"),
        ("unknown top-level key", "title", "not a form setting"),
        ("bad field name", "sections[1].fields[5].name", "lower_snake_case"),
        ("required not a boolean", "sections[1].fields[5].required", "true or false"),
        ("gps accuracy zero", "sections[1].fields[7].max_accuracy_m", "positive"),
        ("field is a string", "sections[0].fields[6]", "must be an object"),
    ],
)
def test_definition_problems_name_the_place(change: str, path: str, words: str) -> None:
    problems = definition_problems(_mutate(change))
    assert [p.path for p in problems] == [path], problems
    assert words in problems[0].message
    assert problems[0].id and problems[0].id != problems[0].en
    assert "{" not in problems[0].id.replace('{"', "")
    assert problems[0].as_dict()["message"] == {"id": problems[0].id, "en": problems[0].en}
    with pytest.raises(FormDefinitionError) as caught:
        check_definition(_mutate(change))
    assert caught.value.problems == problems
    assert path in str(caught.value)


def test_definition_problem_messages_read_well_in_indonesian() -> None:
    problems = definition_problems(_mutate("duplicate name"))
    assert problems[0].id == "nama isian 'nik' ganda"
    assert str(problems[0]) == "sections[1].fields[0].name: duplicate field name 'nik'"


def test_definition_must_be_an_object() -> None:
    assert [p.message for p in definition_problems([])] == [
        "a form definition must be a JSON object"
    ]


# --------------------------------------------------------------------------- values


def test_good_values_are_cleaned() -> None:
    result = check(good_values())
    assert result.ok, result.as_dict()
    assert result.warnings == {}
    assert result.values == {
        **good_values(),
        "nik": "6371051208900001",
        "full_name": "Budi",
        "phone": "+6281234567890",
        "email": "budi@gmail.com",
        "region": "63.71.05.1004",
        "capital": 750000,
        "tags": ["a", "b"],
        "ktp_photo": {"sha256": SHA, "kind": "ktp", "content_type": "image/jpeg", "size": 1},
        "documents": ["ktp", "kk"],
    }


def test_required_fields_and_drafts() -> None:
    values = good_values()
    values["nik"] = "  "
    result = check(values)
    assert list(result.errors) == ["nik"]
    assert result.errors["nik"][0].code == "required"
    assert result.errors["nik"][0].id == "NIK wajib diisi."
    assert result.errors["nik"][0].en == "NIK (en) is required."
    assert "nik" not in result.values
    assert check(values, partial=True).ok


def test_optional_empty_fields_are_left_out() -> None:
    result = check({"nik": "6371051208900001", "notes": "", "tags": [], "email": None})
    assert result.ok
    assert result.values == {"nik": "6371051208900001"}


def test_nik_is_compared_with_the_stated_sex_and_birth_date() -> None:
    values = {**good_values(), "sex": "P", "birth_date": "1990-08-13"}
    result = check(values)
    assert result.ok
    assert [w.code for w in result.warnings["nik"]] == [
        "nik_birth_date_mismatch",
        "nik_sex_mismatch",
    ]


def test_nik_region_uses_the_lookup() -> None:
    result = check({**good_values(), "nik": "6399051208900001"})
    assert result.ok
    assert [w.code for w in result.warnings["nik"]] == ["nik_regency_unknown"]


@pytest.mark.parametrize(
    ("name", "value", "code"),
    [
        ("nik", "637105120890001", "nik_length"),
        ("nik", 6371051208900001, "text_type"),
        ("full_name", "Budi Santoso Wijaya", "text_too_long"),
        ("full_name", 12, "text_type"),
        ("full_name", "Bu\x00di", "text_control"),
        ("kbli", "1071", "text_pattern"),
        ("kbli", "10710a", "text_pattern"),
        ("sex", "X", "choice_invalid"),
        ("sex", ["L"], "choice_invalid"),
        ("tags", ["a", "a"], "choice_invalid"),
        ("tags", ["c"], "choice_invalid"),
        ("tags", "a", "choice_invalid"),
        ("birth_date", "2026-11-29", "too_large"),
        ("birth_date", "12-08-1990", "date_format"),
        ("birth_date", "1990-02-30", "date_format"),
        ("phone", "(0511) 3252111", "phone_not_mobile"),
        ("phone", 81234567890, "text_type"),
        ("email", "budi@", "email_format"),
        ("email", ["budi@gmail.com"], "text_type"),
        ("region", "63.71.05", "region_village"),
        ("region", "63.71.05.1099", "region_unknown"),
        ("capital", "Rp1.000.001", "too_large"),
        ("capital", "1.500,50", "rupiah_cents"),
        ("workers", 2.5, "number_integer"),
        ("workers", 51, "too_large"),
        ("workers", -1, "too_small"),
        ("workers", "3", "number_type"),
        ("workers", True, "number_type"),
        ("ktp_photo", img(kind="selfie"), "image_kind"),
        ("ktp_photo", img(content_type="image/svg+xml"), "image_type"),
        ("ktp_photo", img(size=0), "image_size"),
        ("ktp_photo", img(size=20 * 1024 * 1024 + 1), "image_size"),
        ("ktp_photo", img(sha256="xyz"), "image_invalid"),
        ("ktp_photo", img(size=None), "image_invalid"),
        ("ktp_photo", img(x=1), "image_invalid"),
        ("ktp_photo", "ab" * 32, "image_invalid"),
        ("signature", img(content_type="image/png"), "image_kind"),
        ("location", gps(captured_at=None), "gps_invalid"),
        ("location", gps(lat=93), "gps_invalid"),
        ("location", gps(lon=-181), "gps_invalid"),
        ("location", gps(accuracy_m=-1), "gps_invalid"),
        ("location", gps(captured_at="2026-11-28T09:00:00"), "gps_invalid"),
        ("location", gps(captured_at="kemarin"), "gps_invalid"),
        ("location", gps(lat="-3.3"), "gps_invalid"),
        ("documents", ["ktp", "sim"], "checklist_invalid"),
        ("documents", ["ktp", "ktp"], "checklist_invalid"),
        ("documents", "ktp", "checklist_invalid"),
    ],
)  # fmt: skip
def test_bad_values_are_refused(name: str, value: Any, code: str) -> None:
    result = check({**good_values(), name: value})
    assert list(result.errors) == [name]
    assert [e.code for e in result.errors[name]] == [code]
    assert name not in result.values
    issue = result.errors[name][0]
    assert issue.id and issue.en and "{" not in issue.id + issue.en


@pytest.mark.parametrize(
    ("name", "value", "codes"),
    [
        ("location", gps(lat=51.5, lon=-0.12), ["gps_outside_indonesia"]),
        ("location", gps(accuracy_m=45), ["gps_inaccurate"]),
        ("location", gps(accuracy_m=30), []),
        ("location", gps(captured_at="2026-11-28T10:11:00+08:00"), ["gps_future"]),
        ("location", gps(captured_at="2026-11-28T10:09:00+08:00"), []),
        ("documents", ["ktp"], ["documents_missing"]),
        ("email", "budi@gmial.com", ["email_typo"]),
    ],
)
def test_doubtful_values_are_accepted_with_warnings(
    name: str, value: Any, codes: list[str]
) -> None:
    result = check({**good_values(), name: value})
    assert result.ok
    assert name in result.values
    assert [w.code for w in result.warnings.get(name, [])] == codes


def test_missing_documents_are_named() -> None:
    result = check({**good_values(), "documents": ["npwp"]})
    assert result.warnings["documents"][0].id == "Dokumen belum lengkap: KTP, KK."


def test_unknown_fields_and_non_objects_are_refused() -> None:
    result = check({**good_values(), "nikk": "1"})
    assert [e.code for e in result.errors["nikk"]] == ["unknown_field"]
    result = check(["nik"])  # type: ignore[arg-type]
    assert [e.code for e in result.errors["_form"]] == ["values_not_object"]


def test_a_broken_definition_is_never_used() -> None:
    with pytest.raises(FormDefinitionError):
        check(good_values(), _mutate("unknown type"))


def test_as_dict_is_json_ready() -> None:
    result = check({**good_values(), "sex": "P", "workers": 99})
    body = json.loads(json.dumps(result.as_dict()))
    assert body["errors"]["workers"][0]["code"] == "too_large"
    assert body["errors"]["workers"][0]["message"] == {
        "id": "Paling besar 50.",
        "en": "The maximum is 50.",
    }
    assert body["warnings"]["nik"][0]["code"] == "nik_sex_mismatch"


def test_region_shape_only_without_a_lookup() -> None:
    values = {**good_values(), "region": "63.71.05.1099"}
    assert validate_values(small_definition(), values, now=NOW).ok


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=8,
)
FIELD_NAMES = [f["name"] for f in iter_fields(small_definition())]


@settings(max_examples=100)
@given(st.dictionaries(st.sampled_from(FIELD_NAMES), json_values))
def test_any_json_values_give_an_answer_never_an_exception(values: dict[str, Any]) -> None:
    merged = {**good_values(), **values}
    result = check(merged)
    assert set(result.values).isdisjoint(result.errors)
    assert set(result.values) | set(result.errors) <= set(merged)
    json.dumps(result.as_dict())


def test_a_naive_now_counts_as_utc() -> None:
    values = {**good_values(), "location": gps(captured_at="2026-11-28T10:11:00+08:00")}
    result = validate_values(small_definition(), values, now=NOW.replace(tzinfo=None))
    assert [w.code for w in result.warnings["location"]] == ["gps_future"]


# --------------------------------------------------------------------------- shipped permit types

PERMIT_FILES = sorted(reference.PERMIT_TYPES_DIR.glob("*.json"))


def test_four_permit_types_are_shipped() -> None:
    codes = [p["code"] for p in reference.load_permit_types()]
    assert codes == ["halal-self-declare", "nib-umk", "sku", "spp-irt"]
    assert [path.stem for path in PERMIT_FILES] == codes


@pytest.mark.parametrize("path", PERMIT_FILES, ids=lambda p: p.stem)
def test_shipped_permit_type_is_valid_and_complete(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert permit_type_problems(data) == []
    assert check_permit_type(data) is data
    form = data["forms"][0]
    assert form["version"] == 1
    fields = {f["name"]: f for f in iter_fields(form)}
    for name, kind in [
        ("nik", "nik"),
        ("full_name", "text"),
        ("sex", "choice"),
        ("birth_date", "date"),
        ("phone", "phone"),
        ("ktp_photo", "photo"),
        ("location", "gps"),
        ("documents", "checklist"),
        ("signature", "signature"),
    ]:
        assert fields[name]["type"] == kind, name
        assert fields[name]["required"] is True, name
    assert fields["phone"]["label"]["id"] == "Nomor HP/WhatsApp aktif"
    assert fields["phone"]["mobile"] is True
    assert any(f["type"] == "region" for f in fields.values())
    assert "Pasal 20 ayat (2) huruf e" in form["purpose_notice"]["id"]
    assert "Article 20(2)(e)" in form["purpose_notice"]["en"]
    assert "ktp" in [d["code"] for d in form["required_documents"]]
    assert data["sla_working_days"] >= 1


def test_nib_form_accepts_a_realistic_application() -> None:
    nib = next(p for p in reference.load_permit_types() if p["code"] == "nib-umk")
    photo = {"sha256": SHA, "content_type": "image/jpeg", "size": 180_000}
    values = {
        "nik": "6303055203950002",
        "full_name": "Siti Aminah",
        "sex": "P",
        "birth_date": "1995-03-12",
        "home_region": "63.03.05.2009",
        "home_address": "Jl. Sekumpul Gg. Mawar No. 3 RT 002/RW 001",
        "phone": "0813 5123 4567",
        "email": "siti.aminah@gmail.com",
        "business_name": "Amplang Siti",
        "business_region": "63.03.05.2009",
        "business_address": "Jl. Sekumpul Gg. Mawar No. 3",
        "kbli": "10794",
        "capital": "Rp15.000.000",
        "workers": 2,
        "products": "Amplang ikan belida",
        "ktp_photo": {**photo, "kind": "ktp"},
        "business_front_photo": {**photo, "kind": "business_front"},
        "location": {
            "lat": -3.4147,
            "lon": 114.8466,
            "accuracy_m": 12,
            "captured_at": "2026-11-28T09:30:00+08:00",
        },
        "documents": ["ktp"],
        "signature": {**photo, "kind": "signature", "content_type": "image/png"},
    }
    result = validate_values(nib["forms"][0], values, now=NOW)
    assert result.ok, result.as_dict()
    assert result.warnings == {}
    assert result.values["capital"] == 15_000_000
    assert result.values["phone"] == "+6281351234567"
    too_rich = validate_values(nib["forms"][0], {**values, "capital": "Rp6.000.000.000"}, now=NOW)
    assert [e.code for e in too_rich.errors["capital"]] == ["too_large"]


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda d: d.update(sla_working_days=-1), "sla_working_days"),
        (lambda d: d.update(sla_working_days="3"), "sla_working_days"),
        (lambda d: d.update(issuer=" "), "issuer"),
        (lambda d: d.update(code="NIB UMK"), "code"),
        (lambda d: d.update(fee_rupiah=-5), "fee_rupiah"),
        (lambda d: d.update(forms=[]), "forms"),
        (lambda d: d.update(colour="red"), "colour"),
        (lambda d: d["external_ref"].update(pattern="("), "external_ref.pattern"),
        (lambda d: d["forms"].append(copy.deepcopy(d["forms"][0])), "forms[1].version"),
        (lambda d: d["forms"][0]["sections"][0].update(title="x"), "forms[0].sections[0].title"),
    ],
)  # fmt: skip
def test_permit_type_problems(change: Any, path: str) -> None:
    data = json.loads(PERMIT_FILES[0].read_text(encoding="utf-8"))
    change(data)
    assert [p.path for p in permit_type_problems(data)] == [path]
    with pytest.raises(FormDefinitionError):
        check_permit_type(data)


# --------------------------------------------------------------------------- other reference data

DEMO_REGIONS = reference.read_csv(reference.DEMO_REGIONS_FILE)


def test_offices_are_demo_placeholders_with_valid_contacts() -> None:
    offices = reference.load_offices()
    codes = {r["code"] for r in DEMO_REGIONS}
    assert len({o["code"] for o in offices}) == len(offices) == 4
    assert [o["level"] for o in offices].count("province") == 1
    assert {o["region_code"] for o in offices} == {"63", "63.71", "63.03", "63.01"}
    for office in offices:
        assert office["demo"] is True
        assert office["region_code"] in codes
        assert parse_phone(office["phone"]).value == office["phone"]
        assert parse_email(office["email"]).value == office["email"]
        assert office["email"].endswith("@demo.example")
        assert "DPMPTSP" in office["short_name"]


def test_demo_regions_form_a_tree() -> None:
    assert list(DEMO_REGIONS[0]) == ["code", "parent_code", "name"]
    by_code = {r["code"]: r for r in DEMO_REGIONS}
    assert len(by_code) == len(DEMO_REGIONS)
    levels = [parse_region_code(r["code"]).level for r in DEMO_REGIONS]
    assert levels.count("province") == 1
    assert levels.count("regency") == 13
    assert levels.count("district") >= 3
    assert levels.count("village") >= 6
    kinds = {parse_region_code(r["code"]).kind for r in DEMO_REGIONS}
    assert {"kelurahan", "desa", "kota", "kabupaten"} <= kinds
    for row in DEMO_REGIONS:
        parsed = parse_region_code(row["code"])
        assert parsed.value == row["code"]
        assert (parsed.parent or "") == row["parent_code"]
        assert not row["parent_code"] or row["parent_code"] in by_code
        assert row["name"].strip() == row["name"] != ""


def _shared(name: str) -> dict[str, dict[str, str]]:
    rows = reference.read_csv(SHARED_REGIONS / name)
    return {r["code"]: r for r in rows}


@pytest.mark.skipif(not SHARED_REGIONS.is_dir(), reason="shared region data not present")
def test_every_demo_region_exists_in_the_shared_data() -> None:
    shared = {}
    for name in ("regencies.csv", "districts.csv", "villages.csv"):
        shared |= _shared(name)
    assert set(_shared("regencies.csv")) <= {r["code"] for r in DEMO_REGIONS}
    for row in DEMO_REGIONS:
        if row["code"] == "63":
            continue
        assert row["code"] in shared, row
        assert shared[row["code"]] == row


@pytest.mark.parametrize("path", reference.holiday_files(), ids=lambda p: p.name)
def test_holiday_files(path: Path) -> None:
    year = int(path.stem.removeprefix("holidays-"))
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["date", "name"]
    dates = [dt.date.fromisoformat(d) for d, _ in rows[1:]]
    assert dates == sorted(set(dates))
    assert {d.year for d in dates} == {year}
    assert {(8, 17), (12, 25), (1, 1)} <= {(d.month, d.day) for d in dates}
    assert all(name.strip() for _, name in rows[1:])
    assert any(name.startswith("Cuti Bersama") for _, name in rows[1:])


def test_reference_files_are_found() -> None:
    assert [p.name for p in reference.holiday_files()] == ["holidays-2026.csv", "holidays-2027.csv"]
    assert reference.DEMO_REGIONS_FILE.is_file()
    assert reference.OFFICES_FILE.is_file()
