"""One set of rules, two places: for every shipped form, whatever the field app's checker
(pwa/core/formcheck.js, run by node) accepts for submission, the server's check
(``validate_against_checked``, what the sync push uses) accepts too. Hypothesis fills whole
applications with plausible values and swaps a few fields for near misses; one node process
answers every example."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from server import reference
from server.services.forms.definitions import iter_fields
from server.services.forms.values import validate_against_checked
from tests.form_values import SHIPPED_FORMS, valid_value
from tests.server.test_form_fast import values as near_misses

ROOT = Path(__file__).resolve().parents[2]
BATCH = ROOT / "tests" / "pwa" / "formcheck_batch.mjs"
REGIONS = [
    row["code"] for row in csv.DictReader(reference.DEMO_REGIONS_FILE.read_text().splitlines())
]
SERVER_KNOWS = frozenset(REGIONS)
# The tablet holds the regions of its officer's area only.
TABLET_KNOWS = sorted(c for c in REGIONS if c == "63" or c.startswith("63.71"))
VILLAGES = [c for c in REGIONS if c.count(".") == 3]
NOW = dt.datetime.now(dt.UTC)
TODAY_WITA = (NOW + dt.timedelta(hours=8)).date()
tally: Counter[str] = Counter()


class NodeChecker:
    def __init__(self) -> None:
        node = shutil.which("node")
        assert node, "node is needed for the field app's checker"
        self.proc = subprocess.Popen(
            [node, str(BATCH)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="surrogatepass",
        )
        self.ask({"known": TABLET_KNOWS})

    def ask(self, message: dict[str, Any]) -> dict[str, Any]:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps(message, allow_nan=False) + "\n")
        self.proc.stdin.flush()
        return dict(json.loads(self.proc.stdout.readline()))

    def close(self) -> None:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.close()
        self.proc.wait(timeout=10)
        self.proc.stdout.close()


@pytest.fixture(scope="module")
def node_checker() -> Iterator[NodeChecker]:
    checker = NodeChecker()
    yield checker
    checker.close()
    # The generator must reach both answers often, or the property says little.
    assert tally["tablet_yes"] >= 50 and tally["tablet_no"] >= 50, tally


def _days(f: dict[str, Any]) -> st.SearchStrategy[str]:
    def bound(b: str | None, default: dt.date) -> dt.date:
        return TODAY_WITA if b == "today" else dt.date.fromisoformat(b) if b else default

    low, high = bound(f.get("min"), dt.date(1900, 1, 1)), bound(f.get("max"), dt.date(2100, 1, 1))
    near = st.dates(low - dt.timedelta(days=3), high + dt.timedelta(days=3))
    return st.one_of(st.dates(low, high), near).map(dt.date.isoformat)


def _nik() -> st.SearchStrategy[str]:
    @st.composite
    def build(draw: st.DrawFn) -> str:
        region = draw(st.sampled_from(["637101", "630305", "110101", "990101"]))
        born = draw(st.dates(dt.date(1930, 1, 1), TODAY_WITA + dt.timedelta(days=2)))
        day = born.day + (40 if draw(st.booleans()) else 0)
        serial = draw(st.integers(0, 9999))
        return f"{region}{day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}"

    return build()


def _timestamps() -> st.SearchStrategy[str]:
    zones = st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=8)), None])
    moments = st.datetimes(dt.datetime(2020, 1, 1), dt.datetime(2030, 1, 1), timezones=zones)
    shapes = st.sampled_from(["seconds", "milliseconds", "microseconds", "minutes", "auto"])
    js = st.datetimes(dt.datetime(2020, 1, 1), dt.datetime(2030, 1, 1)).map(
        lambda d: d.isoformat(timespec="milliseconds") + "Z"
    )
    other = st.builds(lambda d, s: d.isoformat(timespec=s), moments, shapes)
    return st.one_of(js, other, st.sampled_from(["2026-02-30T01:00:00Z", "2026-11-28T24:00Z"]))


def plausible(definition: dict[str, Any], f: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values an officer could produce for the field, valid or close to it."""
    kind = f["type"]
    if kind in ("text", "textarea"):
        top = f.get("max_length", 200) + 2
        free = st.text(st.characters(codec="utf-8"), max_size=top)
        if "pattern" in f:
            return st.one_of(st.from_regex(f["pattern"], fullmatch=True), free)
        return st.one_of(st.text(min_size=1, max_size=top), free, st.just(" Nama  "))
    if kind == "number":
        low, high = f.get("min", -1e6) - 2, f.get("max", 1e6) + 2
        ints = st.integers(int(low), int(high))
        return (
            st.one_of(ints, st.floats(low, high, allow_nan=False)) if not f.get("integer") else ints
        )
    if kind == "date":
        return _days(f)
    if kind == "choice":
        return st.sampled_from([o["value"] for o in f["options"]] + ["x"])
    if kind == "region":
        return st.sampled_from([*REGIONS, "63.71.01.9999", "6371011001", " 63.71.01.1001"])
    if kind == "nik":
        return _nik()
    if kind == "phone":
        local = st.from_regex(r"8[0-9]{8,12}", fullmatch=True)
        return st.one_of(
            local.map(lambda d: "+62" + d),
            local.map(lambda d: "0" + d),
            st.from_regex(r"\+62[2-7][0-9]{6,10}", fullmatch=True),
        )
    if kind == "email":
        typos = [
            "siti@contoh",
            " siti@contoh.id",
            "siti@contoh.c",
            "si..ti@contoh.id",
            "siti@-x.id",
        ]
        return st.one_of(st.emails(), st.sampled_from(typos))
    if kind == "rupiah":
        return st.one_of(
            st.integers(-2, f.get("max", 10**12) + 2), st.floats(0, 1e7), st.just("Rp1.500.000")
        )
    if kind in ("photo", "signature"):
        example = valid_value(definition, f)
        return st.fixed_dictionaries(
            {
                "sha256": st.one_of(
                    st.just(example["sha256"]), st.from_regex(r"[0-9a-fA-F]{64}", fullmatch=True)
                ),
                "kind": st.sampled_from([example["kind"], "ktp", "signature"]),
                "content_type": st.sampled_from(
                    ["image/jpeg", "image/png", "image/webp", "image/gif"]
                ),
                "size": st.integers(-1, 21 * 1024 * 1024),
            },
            optional={"width": st.integers(1, 4000), "captured_at": _timestamps()},
        )
    if kind == "gps":
        return st.fixed_dictionaries(
            {
                "lat": st.floats(-91, 91, allow_nan=False),
                "lon": st.floats(-181, 181, allow_nan=False),
                "accuracy_m": st.one_of(st.floats(-1, 500, allow_nan=False), st.integers(0, 80)),
                "captured_at": _timestamps(),
            }
        )
    if kind == "checklist":
        codes = [d["code"] for d in definition.get("required_documents", [])]
        return st.lists(st.sampled_from([*codes, "lain"]), max_size=len(codes) + 1)
    raise AssertionError(kind)


def _name(f: dict[str, Any]) -> str:
    return str(f["name"])


@st.composite
def applications(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    _, definition = draw(st.sampled_from(SHIPPED_FORMS))
    fields = iter_fields(definition)
    values = {
        f["name"]: valid_value(definition, f, region=draw(st.sampled_from(VILLAGES)))
        for f in fields
    }
    mutated = st.lists(st.sampled_from(fields), min_size=1, max_size=2, unique_by=_name)
    for f in draw(st.one_of(mutated, st.sampled_from(fields).map(lambda f: [f]))):
        values[f["name"]] = draw(plausible(definition, f))
    if draw(st.integers(0, 3)) == 0:
        values[draw(st.sampled_from(fields))["name"]] = draw(near_misses)
    if draw(st.integers(0, 3)) == 0:
        values.pop(draw(st.sampled_from(fields))["name"])
    return definition, values


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(applications())
def test_what_the_tablet_accepts_the_server_accepts(
    node_checker: NodeChecker, application: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    definition, values = application
    try:
        sent = json.loads(json.dumps(values, allow_nan=False))  # what travels is JSON
    except ValueError:
        assume(False)  # NaN and infinities cannot leave the tablet
    tablet = node_checker.ask({"definition": definition, "values": sent, "now": NOW.isoformat()})
    tally["tablet_yes" if tablet["ok"] else "tablet_no"] += 1
    if not tablet["ok"]:
        return
    server = validate_against_checked(
        definition, sent, known_region_codes=SERVER_KNOWS.__contains__, now=NOW, partial=False
    )
    assert server.errors == {}, (server.as_dict(), sent)
