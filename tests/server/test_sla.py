"""The SLA clock in working days (WITA, weekends and the holiday table): starts when the file
is complete, pauses while waiting on the applicant, resumes on resubmission."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from server.models import Application, Holiday, Role
from server.services.applications import moves, sla, sync_service
from server.services.applications.moves import MoveRequest
from server.services.applications.workflow import DEFAULT_SLA
from server.services.reference.calendar import add_working_days
from tests.server.test_workflow import push_submitted

TZ = "Asia/Makassar"


def wita(day: str, hour: int = 9) -> datetime:
    """A moment on that day in Banjarmasin, as UTC."""
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00+08:00").astimezone(UTC)


# Mon 2026-08-10 … ; 2026-08-17 (Mon) is Independence Day.
HOLIDAYS = {date(2026, 8, 17)}


def clock(changes, now, days=5):  # type: ignore[no-untyped-def]
    return sla.compute(changes, days, DEFAULT_SLA, HOLIDAYS, now, TZ)


def test_no_clock_before_the_file_is_complete():
    state = clock(
        [("diterima", wita("2026-08-10")), ("verifikasi", wita("2026-08-10"))], wita("2026-09-30")
    )
    assert state.state == sla.NOT_STARTED and state.due is None and not state.overdue


def test_due_date_skips_weekend_and_holiday():
    start = [("diproses", wita("2026-08-12"))]  # Wednesday
    state = clock(start, wita("2026-08-12", 15))
    # Thu 13, Fri 14, (weekend), (Mon 17 holiday), Tue 18, Wed 19, Thu 20
    assert state.due == date(2026, 8, 20) and state.days_left == 5
    assert state.state == sla.RUNNING and not state.overdue and not state.paused
    assert clock(start, wita("2026-08-18")).days_left == 2
    assert not clock(start, wita("2026-08-20", 23)).overdue
    late = clock(start, wita("2026-08-24"))  # the Monday after
    assert late.overdue and late.days_left == -2


def test_office_time_zone_decides_the_day():
    # 16:30 UTC on Friday is 00:30 on Saturday in Banjarmasin.
    friday_night = [("diproses", datetime(2026, 8, 14, 16, 30, tzinfo=UTC))]
    state = clock(friday_night, wita("2026-08-15"), days=0)
    assert state.due == date(2026, 8, 18)  # Saturday in WITA: next working day is Tuesday


def test_waiting_on_the_applicant_pauses_and_resubmission_resumes():
    changes = [
        ("diproses", wita("2026-08-10")),  # Monday, due Monday 17 → 18 (holiday)
        ("perlu_perbaikan", wita("2026-08-11")),
    ]
    paused = clock(changes, wita("2026-08-13"))  # Thursday: Wed + Thu not counted
    assert paused.paused and paused.state == sla.PAUSED and not paused.overdue
    assert paused.days_left == 4
    changes.append(("verifikasi", wita("2026-08-14")))  # resubmitted on Friday
    changes.append(("diproses", wita("2026-08-14", 10)))
    resumed = clock(changes, wita("2026-08-14", 11))
    assert not resumed.paused and resumed.state == sla.RUNNING
    # 5 days from Mon 10 = Mon 17 → Tue 18 (holiday); plus Wed, Thu, Fri paused → Fri 21
    assert resumed.due == date(2026, 8, 21)


def test_decision_stops_the_clock_met_or_missed():
    start = ("diproses", wita("2026-08-12"))
    met = clock([start, ("disetujui", wita("2026-08-20", 16))], wita("2026-09-30"))
    assert met.state == sla.MET and met.days_left is None and not met.overdue
    missed = clock([start, ("ditolak", wita("2026-08-21"))], wita("2026-09-30"))
    assert missed.state == sla.MISSED
    cancelled = clock([start, ("dibatalkan", wita("2026-08-13"))], wita("2026-09-30"))
    assert cancelled.state == sla.CANCELLED


async def test_columns_follow_every_move_including_the_devices_resubmission(
    client, make_user, make_device, siup_mikro_form
):
    app_id = await push_submitted(client, make_user, make_device)
    verifier = await make_user(Role.VERIFIER)
    today = datetime.now(UTC).astimezone(ZoneInfo(TZ)).date()
    await Holiday.create(date=today + timedelta(days=1), name="Libur uji")
    app = await Application.get(id=app_id)
    assert app.sla_state == sla.NOT_STARTED  # submitted, not yet declared complete
    for to in ("verifikasi", "diproses"):
        app = await moves.move(verifier, app_id, MoveRequest(to, app.version))
    holidays = {today + timedelta(days=1)}
    assert app.sla_state == sla.RUNNING and app.sla_started_at is not None
    assert app.sla_due == add_working_days(today, 5, holidays)
    read = await sla.sla_for(app, timezone=TZ)
    assert (read.due, read.overdue, read.paused) == (app.sla_due, False, False)

    app = await moves.move(
        verifier,
        app_id,
        MoveRequest("perlu_perbaikan", app.version, corrections={"full_name": "Sesuai KTP"}),
    )
    assert app.sla_state == sla.PAUSED
    assert (await sla.sla_for(app, timezone=TZ)).paused
    await sync_service.engine().transition(  # what resubmit_application does on a push
        sync_service.staff_actor(verifier), app_id, "verifikasi"
    )
    app = await Application.get(id=app_id)
    assert app.sla_state == sla.RUNNING

    # a week later, still not decided: overdue, and the stored due date says so too
    later = datetime.now(UTC) + timedelta(days=14)
    state = await sla.sla_for(app, timezone=TZ, now=later)
    assert state.overdue and state.days_left is not None and state.days_left < 0
    assert app.sla_due is not None and app.sla_due < later.date()


async def test_clock_of_many_applications_in_one_call(
    client, make_user, make_device, siup_mikro_form
):
    ids = [await push_submitted(client, make_user, make_device) for _ in range(3)]
    verifier = await make_user(Role.VERIFIER)
    app = await Application.get(id=ids[0])
    for to in ("verifikasi", "diproses"):
        app = await moves.move(verifier, ids[0], MoveRequest(to, app.version))
    apps = await Application.filter(id__in=ids)
    clocks = await sla.sla_for_many(apps, timezone=TZ)
    assert clocks[ids[0]].state == sla.RUNNING
    assert clocks[ids[1]].state == clocks[ids[2]].state == sla.NOT_STARTED


async def test_a_new_holiday_moves_the_stored_due_dates_of_open_clocks(
    client, make_user, make_device, siup_mikro_form
):
    app_id = await push_submitted(client, make_user, make_device)
    verifier = await make_user(Role.VERIFIER)
    app = await Application.get(id=app_id)
    for to in ("verifikasi", "diproses"):
        app = await moves.move(verifier, app_id, MoveRequest(to, app.version))
    before = app.sla_due
    assert before is not None
    today = datetime.now(UTC).astimezone(ZoneInfo(TZ)).date()
    day = today + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    assert day <= before
    await Holiday.create(date=day, name="Cuti bersama")
    assert await sla.refresh_open(TZ) == 1
    after = (await Application.get(id=app_id)).sla_due
    assert after == add_working_days(today, 5, {day}) and after > before
