"""What every /admin/ endpoint shares: admins only, CSRF on every change, one way to answer
(the page again with the error and a 4xx, or a redirect / JSON after success)."""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from server.models import Role, User
from server.services.errors import ServiceError
from server.web.auth import CSRF_FIELD, check_csrf, require_staff
from server.web.bodies import check_text, read_form
from server.web.errors import ApiError
from server.web.i18n import gettext as _
from server.web.twin import NO_STORE, respond, wants_json

MAX_FIELDS = 60
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data", "")

PageData = Callable[[Request, User], Awaitable[dict[str, Any]]]


async def require_admin(request: Request) -> User:
    return await require_staff(request, Role.ADMIN)


async def admin_form(request: Request) -> tuple[User, FormData]:
    """The signed-in admin and the submitted form, CSRF checked (field or X-CSRF-Token)."""
    user = await require_admin(request)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in FORM_TYPES:
        raise ApiError(
            415,
            "not_a_form",
            _("Send the form as application/x-www-form-urlencoded or multipart/form-data."),
        )
    form = await read_form(
        request,
        max_bytes=MAX_UPLOAD_BYTES + 64 * 1024,
        max_files=1,
        max_fields=MAX_FIELDS,
        max_part_size=MAX_UPLOAD_BYTES,
    )
    form = await _in_memory(form)
    token = form.get(CSRF_FIELD)
    await check_csrf(request, token if isinstance(token, str) else None)
    return user, form


async def _in_memory(form: FormData) -> FormData:
    """Uploads are small (capped): read them now and release the spooled files, so no path
    (a refusal included) can leave one open."""
    items: list[tuple[str, str | UploadFile]] = []
    for key, value in form.multi_items():
        if isinstance(value, UploadFile):
            data = await value.read()
            await value.close()
            value = UploadFile(io.BytesIO(data), size=len(data), filename=value.filename)
        items.append((key, value))
    return FormData(items)


def text(form: FormData, key: str, *, max_length: int = 200) -> str:
    value = form.get(key, "")
    return check_text(value if isinstance(value, str) else "", key, max_length=max_length).strip()


def texts(form: FormData, key: str, *, max_length: int = 40) -> list[str]:
    """A repeated field, or one field of values separated by commas, spaces or new lines."""
    out: list[str] = []
    for value in form.getlist(key):
        if isinstance(value, str):
            check_text(value, key, max_length=2000)
            out += [part for part in value.replace(",", " ").split() if part]
    for part in out:
        check_text(part, key, max_length=max_length)
    return out


async def file_or_text(form: FormData, file_key: str, text_key: str) -> tuple[bytes, str]:
    """An uploaded file (preferred) or pasted text; (bytes, the name to show in messages)."""
    upload = form.get(file_key)
    if isinstance(upload, UploadFile) and upload.filename:
        data = await upload.read(MAX_UPLOAD_BYTES + 1)
        if len(data) > MAX_UPLOAD_BYTES:
            raise ApiError(413, "too_large", _("The file is larger than 2 MB."))
        return data, upload.filename
    pasted = form.get(text_key, "")
    if isinstance(pasted, str) and pasted.strip():
        check_text(pasted, text_key, max_length=MAX_UPLOAD_BYTES)
        return pasted.encode(), text_key
    raise ApiError(400, "nothing_sent", _("Choose a file or paste its content first."))


async def answer_error(
    request: Request, user: User, exc: ServiceError, template: str, page: PageData
) -> Response:
    """The same page again with the message on top, and the error's 4xx status."""
    data = await page(request, user)
    data["error"] = {"error": exc.code, "message": exc.message, "details": exc.details}
    return respond(request, template, data, status=exc.status)


def done(request: Request, target: str, data: dict[str, Any] | None = None) -> Response:
    if wants_json(request):
        return JSONResponse({"ok": True, **(data or {})}, headers=NO_STORE)
    return RedirectResponse(target, status_code=303, headers=NO_STORE)
