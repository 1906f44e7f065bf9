"""Reading a back-office form: one rule for every state-changing staff page.

The content type must be a form (415 otherwise), the body is read under the same byte cap as
JSON (413 past it, with or without Content-Length) before it is parsed, and the CSRF token is
checked before anything else looks at the fields."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request

from server.web.auth import CSRF_FIELD, check_csrf
from server.web.bodies import FORM_MAX_BYTES, read_form
from server.web.errors import ApiError
from server.web.i18n import gettext as _

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data", "")


async def staff_form(
    request: Request,
    *,
    max_fields: int = 10,
    max_files: int = 0,
    max_bytes: int = FORM_MAX_BYTES,
    max_part_size: int = 1024 * 1024,
) -> FormData:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in FORM_TYPES:
        raise ApiError(
            415,
            "not_a_form",
            _("Send the form as application/x-www-form-urlencoded or multipart/form-data."),
        )
    form = await read_form(
        request,
        max_bytes=max_bytes,
        max_files=max_files,
        max_fields=max_fields,
        max_part_size=max_part_size,
    )
    try:
        token = form.get(CSRF_FIELD)
        await check_csrf(request, token if isinstance(token, str) else None)
    except BaseException:
        await form.close()
        raise
    return form
