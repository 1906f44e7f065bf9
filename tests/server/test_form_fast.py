"""The quick acceptor may only say yes to values the full form check accepts, and it must say
yes to the plain shapes the field app sends (or the sync path would be slow for nothing)."""

from __future__ import annotations

import datetime as dt
import random
import sys
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from server import reference
from server.services.forms.definitions import iter_fields
from server.services.forms.fast import field_test, quick_acceptor
from server.services.forms.values import validate_against_checked

DEFINITIONS = [form for p in reference.load_permit_types() for form in p["forms"]]
FIELDS = [(d, f) for d in DEFINITIONS for f in iter_fields(d)]

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from _common import application  # noqa: E402

KNOWN_REGIONS = frozenset({"63", "63.71", "63.71.01", "63.71.01.1001"})
digits = st.text(alphabet="0123456789", min_size=0, max_size=18)
near_miss_strings = st.one_of(
    digits,
    st.text(max_size=30),
    st.sampled_from(
        [
            "6371054512900002",
            "6371053102900002",  # 31 February
            "6371050000900002",
            "6371054512900000",
            "637105451290000２",  # a full-width digit
            "+6281234567890",
            "+62812345",
            "+6221234567",
            "0812-3456-7890",
            "63.71.01.1001",
            "63.71.01.1002",
            "00.71.01.1001",
            "63.71.01",
            "63.71.01.１001",
            "siti@contoh.id",
            "siti@contoh",
            "47111",
            "4711",
            "1990-12-05",
            "2999-01-01",
            "1899-12-31",
            "1990-02-30",
            "L",
            "P",
            "X",
            "ktp",
            "teks\x00",
            " spasi ",
            "",
        ]
    ),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=True, allow_infinity=True),
    near_miss_strings,
)
image_like = st.fixed_dictionaries(
    {
        "sha256": st.one_of(st.just("ab" * 32), st.just("AB" * 32), st.just("ab" * 31), scalars),
        "kind": st.sampled_from(["ktp", "business_front", "product", "signature", "site", ""]),
        "content_type": st.sampled_from(["image/jpeg", "image/png", "image/svg+xml", "x"]),
        "size": st.one_of(st.integers(min_value=-5, max_value=30_000_000), st.booleans()),
    },
    optional={"width": st.integers(), "extra": st.just(1)},
)
gps_like = st.fixed_dictionaries(
    {
        "lat": st.one_of(st.floats(min_value=-100, max_value=100), st.booleans()),
        "lon": st.one_of(st.floats(min_value=-200, max_value=200), st.integers()),
        "accuracy_m": st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers()),
        "captured_at": st.one_of(
            st.sampled_from(["2026-11-28T02:00:00Z", "2026-11-28T02:00:00", "kemarin"]), scalars
        ),
    },
    optional={"altitude": st.just(1.0)},
)
values = st.one_of(
    scalars,
    image_like,
    gps_like,
    st.lists(st.sampled_from(["ktp", "npwp", "kk", "izin", "ktp"]), max_size=4),
    st.lists(scalars, max_size=3),
)


@settings(max_examples=1500)
@given(values)
def test_quick_yes_implies_the_full_check_finds_no_error(value: Any) -> None:
    today = dt.date.today()
    for known in (None, KNOWN_REGIONS.__contains__):  # without and with the server's regions
        for definition, f in FIELDS:  # every value against every field of every shipped form
            if field_test(f, definition, known)(value, today):
                checked = validate_against_checked(
                    definition, {f["name"]: value}, known_region_codes=known, partial=True
                )
                assert checked.errors == {}, (f["name"], value, checked.as_dict())


def test_the_field_app_shapes_take_the_quick_path() -> None:
    nib = next(p for p in reference.load_permit_types() if p["code"] == "nib-umk")["forms"][0]
    accept = quick_acceptor(nib)
    rng = random.Random(7)
    generated = [application(rng, n)["fields"] for n in range(200)]
    assert all(accept(fields) for fields in generated)
    assert not accept({**generated[0], "shoe_size": 42})
    assert not accept({**generated[0], "nik": "12345"})
    assert not accept({**generated[0], "phone": "0812-3456-7890"})  # fine, but the slow path
