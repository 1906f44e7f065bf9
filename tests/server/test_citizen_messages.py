"""Every sentence the citizen side can show is a Babel message id with an Indonesian
translation: service errors (``server/services/citizen``), public pages (``server/public``) and
the office's feedback and SKM pages. A message with variables is a ``%(name)s`` template with
``params``, never an f-string (an f-string can never be found in the catalog)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from server.services.errors import ServiceError
from server.web import i18n

ROOTS = ("server/services/citizen", "server/public", "server/office/citizen.py")
ERRORS = {"ServiceError", "Conflict", "NotFound", "Forbidden", "TooManyRequests"}


def _sources() -> list[Path]:
    out: list[Path] = []
    for root in ROOTS:
        path = Path(root)
        out.extend(sorted(path.glob("*.py")) if path.is_dir() else [path])
    return out


def _messages() -> tuple[list[tuple[str, str]], list[str]]:
    """(where, message id) of every literal message, and where an f-string was used."""
    found: list[tuple[str, str]] = []
    fstrings: list[str] = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            name = node.func.id
            if name in ("_", "gettext") or name in ERRORS:
                arg = node.args[0] if node.args else None
            elif name == "ApiError":
                arg = node.args[2] if len(node.args) > 2 else None
            else:
                continue
            where = f"{path}:{node.lineno}"
            if isinstance(arg, ast.JoinedStr):
                fstrings.append(where)
            elif isinstance(arg, ast.Constant) and " " in str(arg.value):
                found.append((where, str(arg.value)))  # a sentence, not a code ("not_found")
    return found, fstrings


def test_no_message_is_an_f_string() -> None:
    _found, fstrings = _messages()
    assert fstrings == []


def test_every_message_has_an_indonesian_translation() -> None:
    catalog = i18n.translations("id")._catalog  # type: ignore[attr-defined]
    found, _fstrings = _messages()
    assert len(found) > 40  # the scan sees the messages (it would pass vacuously otherwise)
    missing = [f"{where}: {text}" for where, text in found if not catalog.get(text)]
    assert missing == []


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("id", "Tidak ada status tiket “dibuang”; pakai salah satu dari new, in_progress"),
        ("en", "There is no ticket state “dibuang”; use one of new, in_progress"),
    ],
)
async def test_a_message_with_variables_is_translated_then_filled(
    db: object, language: str, expected: str
) -> None:
    from server.services.citizen import feedback

    with pytest.raises(ServiceError) as caught:
        await feedback.inbox(state="dibuang")
    token = i18n.current_language.set(language)
    try:
        text = i18n.service_message(caught.value)
    finally:
        i18n.current_language.reset(token)
    assert text.startswith(expected)
    assert caught.value.message.startswith("There is no ticket state “dibuang”")
