"""Small strict validators for JSON values. They raise ``Invalid`` with a path and a sentence."""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from typing import Any


class Invalid(ValueError):
    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
FIELD_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def obj(
    value: Any, path: str, required: Collection[str], optional: Collection[str] = ()
) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise Invalid(path, f"must be an object, got {type_name(value)}")
    unknown = sorted(set(value) - set(required) - set(optional))
    if unknown:
        raise Invalid(path, f"unknown field(s): {', '.join(unknown)}")
    missing = [key for key in required if key not in value]
    if missing:
        raise Invalid(path, f"missing field(s): {', '.join(missing)}")
    return value


def string(
    value: Any,
    path: str,
    *,
    pattern: re.Pattern[str] | None = None,
    max_len: int = 200,
    min_len: int = 0,
    hint: str = "",
) -> str:
    if not isinstance(value, str):
        raise Invalid(path, f"must be a string, got {type_name(value)}")
    if not min_len <= len(value) <= max_len:
        raise Invalid(path, f"must be {min_len}..{max_len} characters long")
    problem = text_problem(value)
    if problem:
        raise Invalid(path, problem)
    if pattern is not None and not pattern.fullmatch(value):
        raise Invalid(path, f"is not a valid {hint or 'value'}")
    return value


def text_problem(value: str) -> str | None:
    """The one rule for text any client sends: databases cannot store a NUL character or a
    lone UTF-16 surrogate (PostgreSQL refuses both), so neither is ever accepted."""
    if "\x00" in value:
        return "contains a NUL character"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "contains an invalid character (a lone surrogate)"
    return None


def integer(
    value: Any, path: str, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(path, f"must be an integer, got {type_name(value)}")
    if minimum is not None and value < minimum:
        raise Invalid(path, f"must be at least {minimum}")
    if maximum is not None and value > maximum:
        raise Invalid(path, f"must be at most {maximum}")
    return value


def uuid(value: Any, path: str) -> str:
    return string(value, path, pattern=UUID_RE, max_len=36, hint="lower-case UUID")


def timestamp(value: Any, path: str) -> datetime:
    text = string(value, path, max_len=40)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise Invalid(path, "is not an ISO 8601 date-time") from None
    if parsed.tzinfo is None:
        raise Invalid(path, "must carry a time zone (e.g. Z or +08:00)")
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+14:00 is still year 0 in UTC
        raise Invalid(path, "must fall within the years 1 to 9999 in UTC") from None


def canonical(value: Any) -> str:
    """One spelling per JSON value, so equal values compare equal whatever their key order."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def same(a: Any, b: Any) -> bool:
    return canonical(a) == canonical(b)
