"""NIK, phone, region, rupiah and e-mail helpers: golden fixtures plus property tests."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.services.forms.validation import (
    PROVINCE_CODES,
    build_nik,
    format_phone,
    format_rupiah,
    parse_email,
    parse_nik,
    parse_phone,
    parse_region_code,
    parse_rupiah,
    region_level,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "validation"


def load(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


NIK = load("nik.json")
PHONE = load("phone.json")
RUPIAH = load("rupiah.json")
TODAY = dt.date.fromisoformat(NIK["today"])
KNOWN = frozenset(NIK["known_region_codes"])


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


# --------------------------------------------------------------------------- golden cases


@pytest.mark.parametrize("case", NIK["cases"], ids=lambda c: c["name"])
def test_nik_golden(case: dict[str, Any]) -> None:
    stated = case.get("stated", {})
    result = parse_nik(
        case["input"],
        known_region_codes=KNOWN.__contains__,
        stated_birth_date=_date(stated.get("birth_date")),
        stated_sex=stated.get("sex"),
        today=TODAY,
    )
    expect = case["expect"]
    got = {
        "value": result.value,
        "birth_date": result.birth_date.isoformat() if result.birth_date else None,
        "sex": result.sex,
        "region": result.region,
        "errors": result.error_codes,
        "warnings": result.warning_codes,
    }
    assert got == expect
    assert result.ok is (not expect["errors"])


def test_nik_fixture_rules_match_the_code() -> None:
    assert sorted(PROVINCE_CODES) == sorted(NIK["rules"]["province_codes"])
    seen_errors = {code for c in NIK["cases"] for code in c["expect"]["errors"]}
    seen_warnings = {code for c in NIK["cases"] for code in c["expect"]["warnings"]}
    assert seen_errors == set(NIK["rules"]["error_order"])
    assert seen_warnings == set(NIK["rules"]["warning_order"])


@pytest.mark.parametrize("case", PHONE["cases"], ids=lambda c: repr(c["input"]))
def test_phone_golden(case: dict[str, Any]) -> None:
    result = parse_phone(case["input"], require_mobile=case.get("require_mobile", False))
    got = {
        "value": result.value,
        "display": result.display,
        "kind": result.kind,
        "errors": result.error_codes,
        "warnings": result.warning_codes,
    }
    assert got == case["expect"]


@pytest.mark.parametrize("case", RUPIAH["cases"], ids=lambda c: repr(c["input"]))
def test_rupiah_parse_golden(case: dict[str, Any]) -> None:
    result = parse_rupiah(case["input"])
    got = {"value": result.value, "errors": result.error_codes, "warnings": result.warning_codes}
    assert got == case["expect"]


@pytest.mark.parametrize("case", RUPIAH["format"], ids=lambda c: str(c["value"]))
def test_rupiah_format_golden(case: dict[str, Any]) -> None:
    assert format_rupiah(case["value"]) == case["text"]
    assert parse_rupiah(case["text"]).value == case["value"]


@pytest.mark.parametrize("bad", [-1, 1.5, True, "1000"])
def test_format_rupiah_refuses_non_amounts(bad: Any) -> None:
    with pytest.raises(ValueError):
        format_rupiah(bad)


# --------------------------------------------------------------------------- messages


def test_every_issue_has_actionable_messages_in_both_languages() -> None:
    results = [parse_nik(c["input"], today=TODAY) for c in NIK["cases"]]
    results += [parse_phone(c["input"], require_mobile=True) for c in PHONE["cases"]]
    results += [parse_rupiah(c["input"]) for c in RUPIAH["cases"]]
    results += [parse_email(x) for x in ["", "a@", "budi@gmial.com"]]
    issues = [i for r in results for i in (*r.errors, *r.warnings)]
    assert len({i.code for i in issues}) >= 25
    for issue in issues:
        assert issue.id and issue.en and issue.id != issue.en
        assert "{" not in issue.id + issue.en, issue  # every placeholder was filled
        assert issue.as_dict() == {"code": issue.code, "message": {"id": issue.id, "en": issue.en}}
        assert issue.message("en") == issue.en
        assert issue.message("id") == issue.id


def test_nik_length_message_counts_digits() -> None:
    result = parse_nik("63710512089", today=TODAY)
    assert "11" in result.errors[0].id
    assert "11" in result.errors[0].en


# --------------------------------------------------------------------------- region codes


@pytest.mark.parametrize(
    ("raw", "value", "level", "parent", "kind"),
    [
        ("63", "63", "province", None, None),
        ("63.71", "63.71", "regency", "63", "kota"),
        ("63.03", "63.03", "regency", "63", "kabupaten"),
        ("63.71.01", "63.71.01", "district", "63.71", None),
        ("63.71.01.1001", "63.71.01.1001", "village", "63.71.01", "kelurahan"),
        ("63.03.05.2009", "63.03.05.2009", "village", "63.03.05", "desa"),
        ("11.01.01.3001", "11.01.01.3001", "village", "11.01.01", "desa_adat"),
        ("6371011001", "63.71.01.1001", "village", "63.71.01", "kelurahan"),
        (" 637101 ", "63.71.01", "district", "63.71", None),
    ],
)
def test_region_codes(raw: str, value: str, level: str, parent: str | None, kind: str) -> None:
    result = parse_region_code(raw)
    assert (result.value, result.level, result.parent, result.kind) == (value, level, parent, kind)
    assert region_level(value) == ("province", "regency", "district", "village").index(level) + 1


@pytest.mark.parametrize(
    "raw", ["", "6", "63.7", "63.71.1", "63.71.01.101", "63-71", "637", "00.01", "63.71.01.1001.1"]
)
def test_region_codes_refused(raw: str) -> None:
    result = parse_region_code(raw)
    assert result.value is None
    assert result.error_codes == ["region_format"]


# --------------------------------------------------------------------------- e-mail


@pytest.mark.parametrize(
    ("raw", "value", "errors", "warnings"),
    [
        ("siti.aminah@gmail.com", "siti.aminah@gmail.com", [], []),
        ("  Budi+oss@Example.CO.ID ", "Budi+oss@example.co.id", [], []),
        ("budi@gmial.com", "budi@gmial.com", [], ["email_typo"]),
        ("", None, ["email_empty"], []),
        ("budi", None, ["email_format"], []),
        ("budi@localhost", None, ["email_format"], []),
        ("budi@@gmail.com", None, ["email_format"], []),
        ("budi @gmail.com", None, ["email_format"], []),
        ("budi@gmail..com", None, ["email_format"], []),
        (".budi@gmail.com", None, ["email_format"], []),
        ("budi@-gmail.com", None, ["email_format"], []),
    ],
)
def test_email(raw: str, value: str | None, errors: list[str], warnings: list[str]) -> None:
    result = parse_email(raw)
    assert (result.value, result.error_codes, result.warning_codes) == (value, errors, warnings)


def test_email_typo_suggests_the_fix() -> None:
    assert parse_email("budi@gmail.con").suggestion == "budi@gmail.com"


# --------------------------------------------------------------------------- properties

birth_dates = st.dates(min_value=dt.date(1927, 1, 1), max_value=TODAY)
sexes = st.sampled_from(["L", "P"])
region6 = st.sampled_from(["637105", "630305", "630103", "631001", "327305"])
serials = st.integers(min_value=1, max_value=9999)


@given(region6, birth_dates, sexes, serials)
def test_every_built_nik_gives_back_its_birth_date_and_sex(
    region: str, born: dt.date, sex: str, serial: int
) -> None:
    nik = build_nik(region, born, sex, serial)
    result = parse_nik(nik, today=TODAY, stated_birth_date=born, stated_sex=sex)
    assert result.ok
    assert (result.value, result.birth_date, result.sex) == (nik, born, sex)
    assert result.region == f"{region[:2]}.{region[2:4]}.{region[4:]}"
    assert "nik_birth_date_mismatch" not in result.warning_codes
    assert "nik_sex_mismatch" not in result.warning_codes


@given(region6, st.dates(min_value=dt.date(TODAY.year - 99, 1, 1), max_value=TODAY), sexes)
def test_nik_century_needs_no_stated_date_within_a_hundred_years(
    region: str, born: dt.date, sex: str
) -> None:
    # 100 years of birth dates map one-to-one onto YY, except the oldest year's overlap.
    if born.year == TODAY.year - 99 and (born.month, born.day) <= (TODAY.month, TODAY.day):
        return
    result = parse_nik(build_nik(region, born, sex, 1), today=TODAY)
    assert result.birth_date == born


@given(st.text(max_size=20))
def test_parse_nik_never_crashes_and_never_accepts_non_16_digits(raw: str) -> None:
    result = parse_nik(raw, today=TODAY)
    if result.ok:
        assert result.value is not None
        assert len(result.value) == 16
        assert result.value.isdigit()
    else:
        assert result.value is None


mobile_national = st.from_regex(r"8[1-35-9][0-9]{7,10}", fullmatch=True)
separators = st.sampled_from(["", " ", "-", "."])


@given(mobile_national, st.sampled_from(["0", "62", "+62", "+62 ", "+62 (0)"]), separators)
def test_mobile_numbers_round_trip(national: str, prefix: str, sep: str) -> None:
    raw = prefix + sep.join([national[:3], national[3:7], national[7:]])
    result = parse_phone(raw, require_mobile=True)
    assert result.ok, result.errors
    assert result.value == "+62" + national
    assert result.kind == "mobile"
    assert result.display == format_phone(result.value)
    again = parse_phone(result.display)
    assert (again.value, again.display) == (result.value, result.display)
    assert result.display.replace("-", "") == "0" + national


@given(st.from_regex(r"[2-79][0-9]{6,10}", fullmatch=True))
def test_landline_numbers_round_trip(national: str) -> None:
    result = parse_phone("0" + national)
    assert result.kind == "landline"
    assert result.display is not None
    assert parse_phone(result.display).value == result.value == "+62" + national


@given(st.text(max_size=25))
def test_parse_phone_never_crashes_and_only_stores_e164(raw: str) -> None:
    result = parse_phone(raw)
    if result.ok:
        assert result.value is not None
        assert result.value.startswith("+62")
        assert result.value[1:].isdigit()
    else:
        assert (result.value, result.display, result.kind) == (None, None, None)


@given(st.integers(min_value=0, max_value=10**15))
def test_rupiah_round_trip(amount: int) -> None:
    text = format_rupiah(amount)
    assert parse_rupiah(text).value == amount
    assert parse_rupiah(text + ",00").value == amount
    assert parse_rupiah(text.removeprefix("Rp").replace(".", "")).value == amount
    assert parse_rupiah(amount).value == amount


@given(st.one_of(st.text(max_size=20), st.integers(), st.floats(allow_nan=False)))
def test_parse_rupiah_never_crashes(raw: Any) -> None:
    result = parse_rupiah(raw)
    assert result.ok is (result.value is not None)
    if result.ok:
        assert isinstance(result.value, int)
        assert result.value >= 0
