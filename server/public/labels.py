"""Words citizens read for codes the system stores (statuses, permit names)."""

from __future__ import annotations

from server.web.i18n import current_language
from server.web.i18n import gettext as _


def status_label(code: str) -> str:
    labels = {
        "draf": _("Draft (not sent yet)"),
        "diterima": _("Received by the office"),
        "verifikasi": _("Documents being checked"),
        "perlu_perbaikan": _("Needs correction from you"),
        "diproses": _("Being processed"),
        "disetujui": _("Approved"),
        "ditolak": _("Refused"),
        "terbit": _("Permit issued"),
        "selesai": _("Done"),
        "dibatalkan": _("Cancelled"),
    }
    return labels.get(code, code)


def permit_name(names: dict[str, str]) -> str:
    return names.get(current_language.get()) or names.get("id") or ""
