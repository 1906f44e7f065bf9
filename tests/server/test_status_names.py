"""Every status has a name people read, in both languages, wherever statuses are shown: the
office pages, the citizen's status page and the field app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from server.public.labels import status_label
from server.services.applications.statuses import STATUS_NAMES, both, status_name
from server.web.i18n import current_language
from sync.model import STATUSES

PWA_I18N = Path(__file__).resolve().parents[2] / "pwa" / "i18n"


@pytest.mark.parametrize("language", ["id", "en"])
def test_every_status_has_a_name_in_each_language(language):
    token = current_language.set(language)
    try:
        for code in STATUSES:
            assert status_name(code, language) not in ("", code)
            assert status_label(code) not in ("", code)
        pwa = json.loads((PWA_I18N / f"{language}.json").read_text(encoding="utf-8"))
        assert {c for c in STATUSES if not pwa.get(f"status.{c}")} == set()
    finally:
        current_language.reset(token)


def test_names_differ_between_languages_and_both_reads_in_either():
    assert status_name("ditolak", "id") == "Ditolak" and status_name("ditolak", "en") == "Rejected"
    assert both("pemeriksaan_lapangan") == "Pemeriksaan Lapangan (Field inspection)"
    assert set(STATUS_NAMES) == set(STATUSES)
