"""A quick yes for values devices push, compiled once per form definition.

``validate_against_checked`` builds cleaned values, warnings and messages in two languages for
every field. The sync path checks thousands of values a second and, for drafts and edits, only
needs to know that nothing is wrong. ``quick_acceptor(definition)`` returns a predicate that
says yes only to values the full check accepts: a strict subset, the plain well-formed shapes
the field app sends (tests/server/test_form_fast.py checks the subset property). Anything else
goes to the full check, which names the problems."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from server.services.forms.definitions import DEFAULT_MAX_LENGTH, date_bound, iter_fields
from server.services.forms.validation import EMAIL_RE
from server.services.forms.values import (
    GPS_KEYS,
    IMAGE_KEYS,
    IMAGE_OPTIONAL_KEYS,
    IMAGE_TYPES,
    MAX_IMAGE_BYTES,
    WITA,
)

FieldTest = Callable[[Any, dt.date], bool]
Acceptor = Callable[[Mapping[str, Any]], bool]

CONTROL_IN_TEXT = re.compile(r"[\x00-\x1f]")
CONTROL_IN_TEXTAREA = re.compile(r"[\x00-\x08\x0b-\x1f]")
# Canonical shapes only; the full check also accepts separators, other spellings, etc.
# Days 01-28 (41-68 for women) exist in every month, so the date needs no calendar.
NIK = re.compile(r"[0-9]{6}(?:0[1-9]|1[0-9]|2[0-8]|4[1-9]|5[0-9]|6[0-8])(?:0[1-9]|1[0-2])[0-9]{2}")
MOBILE_E164 = re.compile(r"\+628[1-35-9][0-9]{7,10}")
VILLAGE = re.compile(r"[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}")
ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
SHA256 = re.compile(r"[0-9a-fA-F]{64}")
IMAGE_ALL_KEYS = IMAGE_KEYS | IMAGE_OPTIONAL_KEYS


def _never(value: Any, today: dt.date) -> bool:
    return False


def _in_bounds(f: Mapping[str, Any], value: Any) -> bool:
    return ("min" not in f or value >= f["min"]) and ("max" not in f or value <= f["max"])


def _text(f: Mapping[str, Any]) -> FieldTest:
    longest = f.get("max_length", DEFAULT_MAX_LENGTH[f["type"]])
    shortest = f.get("min_length", 0)
    control = CONTROL_IN_TEXTAREA if f["type"] == "textarea" else CONTROL_IN_TEXT
    pattern = re.compile(f["pattern"]) if "pattern" in f else None

    def test(value: Any, today: dt.date) -> bool:
        if type(value) is not str or len(value) > longest or control.search(value):
            return False
        text = value.strip()
        return len(text) >= shortest and (pattern is None or pattern.fullmatch(text) is not None)

    def plain(value: Any, today: dt.date) -> bool:
        return type(value) is str and len(value) <= longest and not control.search(value)

    return test if shortest or pattern is not None else plain


def _whole_number(f: Mapping[str, Any]) -> FieldTest:
    def test(value: Any, today: dt.date) -> bool:
        return type(value) is int and _in_bounds(f, value)

    return test


def _rupiah(f: Mapping[str, Any]) -> FieldTest:
    def test(value: Any, today: dt.date) -> bool:
        return type(value) is int and value >= 0 and _in_bounds(f, value)

    return test


def _date(f: Mapping[str, Any]) -> FieldTest:
    has_min, has_max = "min" in f, "max" in f
    low = date_bound(f["min"]) if has_min else None  # None with has_*: "today"
    high = date_bound(f["max"]) if has_max else None

    def test(value: Any, today: dt.date) -> bool:
        if type(value) is not str or not ISO_DAY.fullmatch(value):
            return False
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            return False
        if has_min and day < (low or today):
            return False
        return not has_max or day <= (high or today)

    return test


def _choice(f: Mapping[str, Any]) -> FieldTest:
    if f.get("multiple"):
        return _never
    allowed = frozenset(o["value"] for o in f["options"] if isinstance(o["value"], str))

    def test(value: Any, today: dt.date) -> bool:
        return type(value) is str and value in allowed

    return test


def _pattern(regex: re.Pattern[str]) -> FieldTest:
    def test(value: Any, today: dt.date) -> bool:
        return type(value) is str and regex.fullmatch(value) is not None

    return test


def _nik(f: Mapping[str, Any]) -> FieldTest:
    def test(value: Any, today: dt.date) -> bool:
        return (
            type(value) is str
            and NIK.fullmatch(value[:12]) is not None
            and len(value) == 16
            and value[12:].isascii()
            and value[12:].isdigit()
            and value[12:] != "0000"
        )

    return test


def _region(known: Callable[[str], bool] | None) -> FieldTest:
    def test(value: Any, today: dt.date) -> bool:
        return (
            type(value) is str
            and not value.startswith("00")
            and VILLAGE.fullmatch(value) is not None
            and (known is None or known(value))
        )

    return test


def _email(f: Mapping[str, Any]) -> FieldTest:
    def test(value: Any, today: dt.date) -> bool:
        return type(value) is str and len(value) <= 254 and EMAIL_RE.fullmatch(value) is not None

    return test


def _image(f: Mapping[str, Any]) -> FieldTest:
    kind = "signature" if f["type"] == "signature" else f["kind"]

    def test(value: Any, today: dt.date) -> bool:
        if type(value) is not dict:
            return False
        keys = value.keys()
        if not (keys >= IMAGE_KEYS and keys <= IMAGE_ALL_KEYS):
            return False
        sha, content_type, size = value["sha256"], value["content_type"], value["size"]
        return (
            type(sha) is str
            and SHA256.fullmatch(sha) is not None
            and type(content_type) is str
            and content_type in IMAGE_TYPES
            and type(size) is int
            and 0 < size <= MAX_IMAGE_BYTES
            and value["kind"] == kind
        )

    return test


def _gps(f: Mapping[str, Any]) -> FieldTest:
    def test(value: Any, today: dt.date) -> bool:
        if type(value) is not dict or value.keys() != GPS_KEYS:
            return False
        lat, lon, acc = value["lat"], value["lon"], value["accuracy_m"]
        if not all(type(x) in (int, float) and math.isfinite(x) for x in (lat, lon, acc)):
            return False
        if not (-90 <= lat <= 90 and -180 <= lon <= 180 and acc >= 0):
            return False
        captured = value["captured_at"]
        if type(captured) is not str:
            return False
        try:
            return dt.datetime.fromisoformat(captured).tzinfo is not None
        except ValueError:
            return False

    return test


def _checklist(codes: frozenset[str]) -> FieldTest:
    def test(value: Any, today: dt.date) -> bool:
        return (
            type(value) is list
            and all(type(x) is str for x in value)
            and len(set(value)) == len(value)
            and set(value) <= codes
        )

    return test


def field_test(
    f: Mapping[str, Any],
    definition: Mapping[str, Any],
    known_regions: Callable[[str], bool] | None = None,
) -> FieldTest:
    kind = f["type"]
    if kind in ("text", "textarea"):
        return _text(f)
    if kind == "number":
        return _whole_number(f)  # fractions go to the full check
    if kind == "rupiah":
        return _rupiah(f)
    if kind == "date":
        return _date(f)
    if kind == "choice":
        return _choice(f)
    if kind == "nik":
        return _nik(f)
    if kind == "phone":
        return _pattern(MOBILE_E164)
    if kind == "region":
        return _region(known_regions)
    if kind == "email":
        return _email(f)
    if kind in ("photo", "signature"):
        return _image(f)
    if kind == "gps":
        return _gps(f)
    if kind == "checklist":
        return _checklist(frozenset(d["code"] for d in definition.get("required_documents", [])))
    return _never


def quick_acceptor(
    definition: Mapping[str, Any], known_regions: Callable[[str], bool] | None = None
) -> Acceptor:
    """A predicate over a draft's values (no required-field check): True means the full check
    (given the same ``known_regions``) finds no error; False means "ask the full check"."""
    tests = {
        f["name"]: field_test(f, definition, known_regions) for f in iter_fields(dict(definition))
    }

    def accept(values: Mapping[str, Any]) -> bool:
        today = dt.datetime.now(WITA).date()
        for name, value in values.items():
            test = tests.get(name)
            if test is None or not test(value, today):
                return False
        return True

    return accept
