"""/admin/offices, /admin/holidays and /admin/regions: reference data an administrator keeps,
everything the CLI does, here too. Imports are all or nothing and name the bad line."""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from server.admin.common import admin_form, answer_error, done, file_or_text, require_admin, text
from server.models import Office, Region, User
from server.services.errors import NotFound, ServiceError
from server.services.reference import holidays, offices, region_jobs
from server.web.errors import ApiError
from server.web.i18n import gettext as _
from server.web.twin import respond, twin_routes

# --- offices ---------------------------------------------------------------------------------


def office_row(office: Office) -> dict[str, Any]:
    return {key: getattr(office, key) for key in ("code", *offices.EDITABLE)}


def _office_input(form: FormData) -> offices.OfficeInput:
    return offices.OfficeInput(**{key: text(form, key, max_length=400) for key in offices.EDITABLE})


async def offices_data(request: Request, user: User) -> dict[str, Any]:
    return {"offices": [office_row(o) for o in await offices.list_offices()]}


async def offices_page(request: Request) -> Response:
    user = await require_admin(request)
    return respond(request, "admin_offices.html", await offices_data(request, user))


async def create_office(request: Request) -> Response:
    actor, form = await admin_form(request)
    try:
        office = await offices.create_office(
            text(form, "code", max_length=40), _office_input(form), actor=actor
        )
    except ServiceError as exc:
        return await answer_error(request, actor, exc, "admin_offices.html", offices_data)
    return done(request, "/admin/offices", {"office": office_row(office)})


async def update_office(request: Request) -> Response:
    actor, form = await admin_form(request)
    try:
        office = await offices.update_office(
            request.path_params["code"], _office_input(form), actor=actor
        )
    except ServiceError as exc:
        return await answer_error(request, actor, exc, "admin_offices.html", offices_data)
    return done(request, "/admin/offices", {"office": office_row(office)})


# --- holidays --------------------------------------------------------------------------------


def _year(request: Request) -> int:
    raw = request.query_params.get("year", "")
    if not raw:
        return date.today().year
    if not (raw.isdigit() and len(raw) == 4):
        raise ApiError(400, "bad_filter", _("year must be four digits, like 2026."))
    return int(raw)


async def holidays_data(request: Request, user: User) -> dict[str, Any]:
    year = _year(request)
    rows = await holidays.list_holidays(year)
    return {
        "year": year,
        "holidays": [{"date": h.date.isoformat(), "name": h.name} for h in rows],
    }


async def holidays_page(request: Request) -> Response:
    user = await require_admin(request)
    return respond(request, "admin_holidays.html", await holidays_data(request, user))


async def import_holidays(request: Request) -> Response:
    actor, form = await admin_form(request)
    try:
        data, name = await file_or_text(form, "file", "csv")
        count = await holidays.store(holidays.read_upload(data, name), actor=actor)
    except ServiceError as exc:
        return await answer_error(request, actor, exc, "admin_holidays.html", holidays_data)
    return done(request, "/admin/holidays", {"imported": count})


async def set_holiday(request: Request) -> Response:
    actor, form = await admin_form(request)
    try:
        day = holidays.parse_day(text(form, "date", max_length=10), "date")
        await holidays.set_holiday(day, text(form, "name"), actor=actor)
    except ServiceError as exc:
        return await answer_error(request, actor, exc, "admin_holidays.html", holidays_data)
    return done(request, f"/admin/holidays?year={day.year}")


async def remove_holiday(request: Request) -> Response:
    actor, form = await admin_form(request)
    try:
        day = holidays.parse_day(text(form, "date", max_length=10), "date")
        await holidays.remove_holiday(day, actor=actor)
    except ServiceError as exc:
        return await answer_error(request, actor, exc, "admin_holidays.html", holidays_data)
    return done(request, f"/admin/holidays?year={day.year}")


# --- regions ---------------------------------------------------------------------------------


async def regions_data(request: Request, user: User) -> dict[str, Any]:
    counts = {level: await Region.filter(level=level).count() for level in (1, 2, 3, 4)}
    return {"counts": counts, "job": None}


async def regions_page(request: Request) -> Response:
    user = await require_admin(request)
    return respond(request, "admin_regions.html", await regions_data(request, user))


async def import_regions(request: Request) -> Response:
    actor, form = await admin_form(request)
    try:
        data, name = await file_or_text(form, "file", "csv")
        rows = region_jobs.read_upload(data, name)
        job = region_jobs.start(rows, name, actor=actor)
    except ServiceError as exc:
        return await answer_error(request, actor, exc, "admin_regions.html", regions_data)
    return done(request, f"/admin/regions/jobs/{job.id}", {"job": job.as_dict()})


async def region_job(request: Request) -> Response:
    user = await require_admin(request)
    job = region_jobs.get(request.path_params["job_id"])
    if job is None:
        raise NotFound(
            "Impor ini tidak dikenal di server ini (unknown import; it may have run on another "
            "worker or before a restart)."
        )
    data = await regions_data(request, user)
    data["job"] = job.as_dict()
    return respond(request, "admin_regions.html", data)


routes = [
    *twin_routes("/admin/offices", offices_page, name="admin_offices"),
    *twin_routes("/admin/offices", create_office, methods=["POST"], name="admin_office_create"),
    *twin_routes("/admin/offices/{code}", update_office, methods=["POST"]),
    *twin_routes("/admin/holidays", holidays_page, name="admin_holidays"),
    *twin_routes("/admin/holidays/import", import_holidays, methods=["POST"]),
    *twin_routes("/admin/holidays/set", set_holiday, methods=["POST"]),
    *twin_routes("/admin/holidays/remove", remove_holiday, methods=["POST"]),
    *twin_routes("/admin/regions", regions_page, name="admin_regions"),
    *twin_routes("/admin/regions/import", import_regions, methods=["POST"]),
    *twin_routes("/admin/regions/jobs/{job_id}", region_job, name="admin_region_job"),
]
