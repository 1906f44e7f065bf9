"""Every problem the tablet's form check can report, and every reason the server gives for a
field, has a sentence in both languages of the field app."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from server.services.forms.values import MESSAGES

PWA = Path(__file__).resolve().parents[2] / "pwa"
CHECKER_CODES = set(re.findall(r'problem\("([a-z_0-9]+)"', (PWA / "core/formcheck.js").read_text()))
# codes passed on from the NIK and phone checks
for twin in ("nik.js", "phone.js"):
    CHECKER_CODES |= set(
        re.findall(r'(?:fail|push|empty)\(\[?"([a-z_0-9]+)"', (PWA / "core" / twin).read_text())
    )


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_check_code_has_a_sentence(lang: str) -> None:
    strings = json.loads((PWA / "i18n" / f"{lang}.json").read_text())
    assert {"region_village", "nik_length", "email_format"} <= CHECKER_CODES
    missing = [
        code
        for code in sorted(CHECKER_CODES | set(MESSAGES))
        if f"check.{code}" not in strings and code not in strings
    ]
    assert missing == []
