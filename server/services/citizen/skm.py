"""The SKM satisfaction survey (PermenPAN-RB 14/2017) and its index, the IKM.

Arithmetic exactly as the regulation: per element the mean score (NRR), weight exactly 1/9,
index = Σ NRR × 1/9, IKM = index × 25, rounded (half up) to two decimals only at the very end.
Fractions keep every intermediate value exact: rounding the weight to 0.111, or the index to
two decimals, moves the published example from 91.48 to 90.56 or 91.50."""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError

from server.models import Application, StatusChange, SurveyResponse
from server.services.applications.sync_sql import Sql
from server.services.errors import Conflict, ServiceError
from sync.citizen import SKM_ELEMENTS, SURVEY_STATUSES, survey_problems
from sync.errors import StorageRefused

WEIGHT = Fraction(1, len(SKM_ELEMENTS))
SCALE = 25
# IKM (converted value) lower bounds per grade (the regulation's table).
FIELDS = (*SKM_ELEMENTS, "age", "sex", "education", "occupation")
GRADES = ((Decimal("88.31"), "A"), (Decimal("76.61"), "B"), (Decimal("65.00"), "C"))


class SurveyInvalid(ServiceError):
    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("The survey form has problems.", code="invalid", details=problems)
        self.problems = problems


@dataclass(frozen=True)
class ElementScore:
    element: str
    answers: int
    total: int

    @property
    def nrr(self) -> Fraction:
        return Fraction(self.total, self.answers) if self.answers else Fraction(0)

    @property
    def ikm(self) -> Decimal:
        return round_final(self.nrr * SCALE)


@dataclass(frozen=True)
class Index:
    respondents: int
    elements: tuple[ElementScore, ...]

    @property
    def index(self) -> Fraction:
        """Σ NRR × 1/9, exact."""
        return sum((e.nrr * WEIGHT for e in self.elements), Fraction(0))

    @property
    def ikm(self) -> Decimal | None:
        return round_final(self.index * SCALE) if self.respondents else None

    @property
    def grade(self) -> str | None:
        return grade(self.ikm) if self.ikm is not None else None


def round_final(value: Fraction) -> Decimal:
    """Round once, at the end, half up to two decimals (as a person would on paper)."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def grade(ikm: Decimal) -> str:
    for lower, letter in GRADES:
        if ikm >= lower:
            return letter
    return "D"


def compute(sheets: Iterable[Sequence[int]]) -> Index:
    """Each sheet is the nine scores in element order (u1..u9)."""
    totals = [0] * len(SKM_ELEMENTS)
    count = 0
    for sheet in sheets:
        count += 1
        for n, score in enumerate(sheet):
            totals[n] += score
    return Index(
        count, tuple(ElementScore(e, count, t) for e, t in zip(SKM_ELEMENTS, totals, strict=True))
    )


def krejcie_morgan(population: int) -> int:
    """Sample size for a population at 95% confidence and 5% error (Krejcie & Morgan 1970):
    s = χ²NP(1−P) / (d²(N−1) + χ²P(1−P)), χ² = 3.841, P = 0.5, d = 0.05, rounded to the
    nearest whole respondent as the published table is (2,000 → 322.3 → 322)."""
    if population <= 0:
        return 0
    chi2, p, d = Fraction(3841, 1000), Fraction(1, 2), Fraction(1, 20)
    size = chi2 * population * p * (1 - p) / (d * d * (population - 1) + chi2 * p * (1 - p))
    return min(population, math.floor(size + Fraction(1, 2)))


# --- answers in -----------------------------------------------------------------------------


def clean(values: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in (*SKM_ELEMENTS, "age"):
        raw = str(values.get(name, "")).strip()
        data[name] = int(raw) if raw.isdigit() and len(raw) <= 3 else None
    for name in ("sex", "education", "occupation"):
        data[name] = str(values.get(name, ""))
    problems = survey_problems(data)
    if problems:
        raise SurveyInvalid(problems)
    return data


async def is_open(app: Application) -> bool:
    return app.status in SURVEY_STATUSES and not await SurveyResponse.exists(application_id=app.id)


async def submit(app: Application, values: dict[str, Any], *, source: str, now: datetime) -> None:
    """One survey per service event: a second answer for the same application is refused."""
    data = clean(values)
    if app.status not in SURVEY_STATUSES:
        raise Conflict("The survey opens once the permit is issued or the service is done.")
    try:
        await SurveyResponse.create(
            id=str(uuid.uuid4()),
            application_id=app.id,
            permit_type=app.permit_type,
            source=source,
            answered_at=now,
            **data,
        )
    except IntegrityError as exc:
        raise Conflict("This service has already been rated. Thank you!", code="answered") from exc


async def surveys_of(sql: Sql, application_ids: list[str]) -> dict[str, str]:
    """application id -> the id of its survey, for those already rated (the sync store's
    claim reader: a second survey from a tablet is refused before anything is written)."""
    if not application_ids:
        return {}
    rows = await sql.rows(
        "SELECT id, application_id FROM skm_response "
        f"WHERE application_id IN ({sql.marks(len(application_ids))})",
        application_ids,
    )
    return {row["application_id"]: row["id"] for row in rows}


async def write_effects(sql: Sql, items: list[dict[str, Any]]) -> None:
    """The sync store's writer for ``submit_survey``. The engine has already refused a second
    survey for a rated service; should the citizen's phone rate it between that check and
    this write, the push is refused as a whole (``StorageRefused``) and the engine retries
    its mutations one by one, where the check then refuses this survey by name."""
    columns: tuple[str, ...] = (
        "id",
        "application_id",
        "permit_type",
        *SKM_ELEMENTS,
        "age",
        "sex",
        "education",
    )
    columns += ("occupation", "source", "answered_at")
    rows = [[*(item[c] for c in columns[:-2]), "field", item["answered_at"]] for item in items]
    await sql.many(
        f"INSERT INTO skm_response ({', '.join(columns)}) VALUES ({sql.marks(len(columns))}) "
        "ON CONFLICT DO NOTHING",
        rows,
    )
    held = await surveys_of(sql, [item["application_id"] for item in items])
    lost = [i["application_id"] for i in items if held.get(i["application_id"]) != i["id"]]
    if lost:
        raise StorageRefused(f"surveys for {', '.join(lost)} were answered meanwhile")


# --- the report -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    key: str  # "2026", "2026-Q1", "2026-03"
    start: date
    end: date  # exclusive


def period(key: str) -> Period:
    try:
        if len(key) == 4:
            year = int(key)
            return Period(key, date(year, 1, 1), date(year + 1, 1, 1))
        if len(key) == 7 and key[4:6] == "-Q" and key[6] in "1234":
            year, quarter = int(key[:4]), int(key[6])
            start = date(year, 3 * quarter - 2, 1)
            end = date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1)
            return Period(key, start, end)
        if len(key) == 7 and key[4] == "-":
            year, month = int(key[:4]), int(key[5:7])
            return Period(key, date(year, month, 1), date(year + month // 12, month % 12 + 1, 1))
    except ValueError:
        pass
    raise ServiceError(
        "Choose a period as a year (2026), a quarter (2026-Q1) or a month (2026-03).",
        code="bad_period",
    )


def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


@dataclass(frozen=True)
class ReportRow:
    label: str
    index: Index
    population: int
    target: int

    @property
    def below_target(self) -> bool:
        return self.index.respondents < self.target


@dataclass(frozen=True)
class Report:
    period: Period
    overall: ReportRow
    by_permit_type: list[ReportRow]
    by_quarter: list[ReportRow]
    profile: dict[str, dict[str, int]]


async def report(key: str, timezone: str, permit_type: str | None = None) -> Report:
    chosen = period(key)
    zone = ZoneInfo(timezone)
    start = datetime(chosen.start.year, chosen.start.month, chosen.start.day, tzinfo=zone)
    end = datetime(chosen.end.year, chosen.end.month, chosen.end.day, tzinfo=zone)
    query = SurveyResponse.filter(answered_at__gte=start, answered_at__lt=end)
    if permit_type:
        query = query.filter(permit_type=permit_type)
    sheets = await query.values(
        "permit_type", "answered_at", "age", "sex", "education", "occupation", *SKM_ELEMENTS
    )
    served = await _service_events(start, end, permit_type)

    def row(label: str, picked: list[dict[str, Any]], population: int) -> ReportRow:
        index = compute([[s[e] for e in SKM_ELEMENTS] for s in picked])
        return ReportRow(label, index, population, krejcie_morgan(population))

    by_type = sorted({s["permit_type"] for s in sheets} | set(served))
    by_quarter = sorted({quarter_of(s["answered_at"].astimezone(zone).date()) for s in sheets})
    quarter_served: dict[str, int] = {}
    for _code, moments in served.items():
        for moment in moments:
            q = quarter_of(moment.astimezone(zone).date())
            quarter_served[q] = quarter_served.get(q, 0) + 1
    profile: dict[str, dict[str, int]] = {"sex": {}, "education": {}, "occupation": {}, "age": {}}
    for s in sheets:
        for name in ("sex", "education", "occupation"):
            profile[name][s[name]] = profile[name].get(s[name], 0) + 1
        band = age_band(s["age"])
        profile["age"][band] = profile["age"].get(band, 0) + 1
    total_served = sum(len(v) for v in served.values())
    return Report(
        period=chosen,
        overall=row(chosen.key, sheets, total_served),
        by_permit_type=[
            row(code, [s for s in sheets if s["permit_type"] == code], len(served.get(code, [])))
            for code in by_type
        ],
        by_quarter=[
            row(
                q,
                [s for s in sheets if quarter_of(s["answered_at"].astimezone(zone).date()) == q],
                quarter_served.get(q, 0),
            )
            for q in sorted(set(by_quarter) | set(quarter_served))
        ],
        profile=profile,
    )


def age_band(age: int) -> str:
    for upper, band in ((24, "15-24"), (34, "25-34"), (44, "35-44"), (54, "45-54")):
        if age <= upper:
            return band
    return "55+"


async def _service_events(
    start: datetime, end: datetime, permit_type: str | None
) -> dict[str, list[datetime]]:
    """The population: applications that reached issued or done in the period (once each)."""
    query = StatusChange.filter(to_status__in=sorted(SURVEY_STATUSES), at__gte=start, at__lt=end)
    if permit_type:
        query = query.filter(application__permit_type=permit_type)
    rows = await query.order_by("at").values("application_id", "application__permit_type", "at")
    first: dict[str, tuple[str, datetime]] = {}
    for r in rows:
        first.setdefault(r["application_id"], (r["application__permit_type"], r["at"]))
    out: dict[str, list[datetime]] = {}
    for code, moment in first.values():
        out.setdefault(code, []).append(moment)
    return out


def shown(value: Fraction, places: int = 4) -> Decimal:
    """A value for display only (the IKM itself is rounded once, in ``round_final``)."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def row_json(row: ReportRow) -> dict[str, Any]:
    index = row.index
    return {
        "label": row.label,
        "respondents": index.respondents,
        "population": row.population,
        "target": row.target,
        "below_target": row.below_target,
        "elements": {
            e.element: {"nrr": str(shown(e.nrr)), "ikm": str(e.ikm)} if e.answers else None
            for e in index.elements
        },
        "index": str(shown(index.index)) if index.respondents else None,
        "ikm": str(index.ikm) if index.ikm is not None else None,
        "grade": index.grade,
    }


def report_json(report: Report) -> dict[str, Any]:
    return {
        "period": report.period.key,
        "overall": row_json(report.overall),
        "by_permit_type": [row_json(r) for r in report.by_permit_type],
        "by_quarter": [row_json(r) for r in report.by_quarter],
        "profile": report.profile,
    }


def report_csv_rows(report: Report) -> list[list[str]]:
    header = ["scope", "label", "respondents", "population", "target", "below_target"]
    header += [f"nrr_{e}" for e in SKM_ELEMENTS] + ["index", "ikm", "grade"]
    out = [header]
    scoped = [("overall", report.overall)]
    scoped += [("permit_type", r) for r in report.by_permit_type]
    scoped += [("quarter", r) for r in report.by_quarter]
    for scope, row in scoped:
        data = row_json(row)
        out.append(
            [
                scope,
                row.label,
                str(data["respondents"]),
                str(data["population"]),
                str(data["target"]),
                "yes" if data["below_target"] else "no",
                *[(data["elements"][e] or {}).get("nrr", "") for e in SKM_ELEMENTS],
                data["index"] or "",
                data["ikm"] or "",
                data["grade"] or "",
            ]
        )
    return out
