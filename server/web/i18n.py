"""Server text in Bahasa Indonesia (default) or English, from Babel message catalogs.

Message ids are English; ``server/locale/id/LC_MESSAGES/messages.po`` carries the Indonesian.
Catalogs are read from the .po files at start-up, so no compile step can be forgotten.
"""

from __future__ import annotations

import contextvars
import io
from functools import cache
from pathlib import Path
from typing import Protocol

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from server.settings import LANGUAGES

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
current_language: contextvars.ContextVar[str] = contextvars.ContextVar("language", default="id")


@cache
def translations(language: str) -> NullTranslations:
    po_path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if not po_path.exists():
        return NullTranslations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def gettext(message: str) -> str:
    return translations(current_language.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_language.get()).ngettext(singular, plural, n)


class Translatable(Protocol):
    template: str
    params: dict[str, object]


def service_message(error: Translatable) -> str:
    """A service's message in the current language: the template translated, then filled."""
    text = gettext(error.template)
    return text % error.params if error.params else text


def label(texts: object) -> str:
    """A ``{"id": ..., "en": ...}`` label from a definition, in the current language."""
    if isinstance(texts, dict):
        return str(texts.get(current_language.get()) or texts.get("id") or "")
    return "" if texts is None else str(texts)


def pick_language(*candidates: str | None, accept: str = "", default: str = "id") -> str:
    for candidate in candidates:
        if candidate in LANGUAGES:
            return candidate
    for part in accept.split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return default
