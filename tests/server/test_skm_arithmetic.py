"""The IKM arithmetic of PermenPAN-RB 14/2017 on the published worked example (29 respondents,
GASPUL 'rumus perhitungan IKM', triwulan III), grades and the Krejcie & Morgan sample size."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from server.services.citizen import skm

# Per element: how many respondents gave 4, 3, 2 (the example's table).
EXAMPLE = {
    "u1": (18, 11, 0),
    "u2": (14, 15, 0),
    "u3": (15, 12, 2),
    "u4": (29, 0, 0),
    "u5": (15, 14, 0),
    "u6": (18, 11, 0),
    "u7": (19, 10, 0),
    "u8": (18, 11, 0),
    "u9": (28, 1, 0),
}
TOTALS = (105, 101, 100, 116, 102, 105, 106, 105, 115)


def example_sheets() -> list[list[int]]:
    columns = [[4] * a + [3] * b + [2] * c for a, b, c in EXAMPLE.values()]
    return [list(sheet) for sheet in zip(*columns, strict=True)]


def test_the_published_example_gives_91_48():
    index = skm.compute(example_sheets())
    assert index.respondents == 29
    assert tuple(e.total for e in index.elements) == TOTALS
    assert index.elements[0].nrr == Fraction(105, 29)
    assert index.index == Fraction(955, 261)  # 3.659003…
    assert index.ikm == Decimal("91.48")
    assert index.grade == "A"


def test_rounding_before_the_end_would_give_91_50():
    """The pitfall the exact arithmetic avoids: NRRs rounded to two decimals first."""
    index = skm.compute(example_sheets())
    rounded_nrrs = [round(float(e.nrr), 2) for e in index.elements]
    assert round(sum(rounded_nrrs) / 9 * 25, 2) == 91.50
    assert index.ikm != Decimal("91.50")


@pytest.mark.parametrize(
    ("ikm", "letter"),
    [
        ("100.00", "A"),
        ("88.31", "A"),
        ("88.30", "B"),
        ("76.61", "B"),
        ("76.60", "C"),
        ("65.00", "C"),
        ("64.99", "D"),
        ("25.00", "D"),
    ],
)
def test_grade_intervals(ikm, letter):
    assert skm.grade(Decimal(ikm)) == letter


def test_one_answer_sets_are_exact_at_the_edges():
    assert skm.compute([[1] * 9]).ikm == Decimal("25.00")
    assert skm.compute([[4] * 9]).ikm == Decimal("100.00")
    assert skm.compute([]).ikm is None


@pytest.mark.parametrize(
    ("population", "sample"),
    [
        (0, 0),
        (10, 10),
        (100, 80),
        (300, 169),
        (1000, 278),
        (2000, 322),
        (10000, 370),
        (1000000, 384),
    ],
)
def test_krejcie_morgan_table(population, sample):
    assert skm.krejcie_morgan(population) == sample


def test_periods():
    assert skm.period("2026-Q4").start.isoformat() == "2026-10-01"
    assert skm.period("2026-Q4").end.isoformat() == "2027-01-01"
    assert skm.period("2026-12").end.isoformat() == "2027-01-01"
    assert skm.period("2026").end.isoformat() == "2027-01-01"
    for bad in ("2026-Q5", "26", "2026-13", "abcd", ""):
        with pytest.raises(skm.ServiceError):
            skm.period(bad)
