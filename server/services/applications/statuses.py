"""Status names people read (never the raw codes), in Bahasa Indonesia and English."""

from __future__ import annotations

from sync.model import STATUSES

STATUS_NAMES: dict[str, dict[str, str]] = {
    "draf": {"id": "Draf", "en": "Draft"},
    "diterima": {"id": "Diterima", "en": "Received"},
    "verifikasi": {"id": "Verifikasi", "en": "Verification"},
    "perlu_perbaikan": {"id": "Perlu Perbaikan", "en": "Needs correction"},
    "diproses": {"id": "Diproses", "en": "In process"},
    "pemeriksaan_lapangan": {"id": "Pemeriksaan Lapangan", "en": "Field inspection"},
    "disetujui": {"id": "Disetujui", "en": "Approved"},
    "ditolak": {"id": "Ditolak", "en": "Rejected"},
    "terbit": {"id": "Terbit", "en": "Issued"},
    "selesai": {"id": "Diserahkan / Selesai", "en": "Handed over / done"},
    "dibatalkan": {"id": "Dibatalkan", "en": "Cancelled"},
}
assert set(STATUS_NAMES) == set(STATUSES), "every status needs a name"

# The button that makes each move, as the office says it.
MOVE_NAMES: dict[str, dict[str, str]] = {
    "verifikasi": {"id": "Mulai verifikasi", "en": "Start verification"},
    "perlu_perbaikan": {"id": "Minta perbaikan", "en": "Request correction"},
    "diproses": {"id": "Berkas lengkap, proses", "en": "File complete, process"},
    "pemeriksaan_lapangan": {"id": "Pemeriksaan lapangan", "en": "Field inspection"},
    "disetujui": {"id": "Setujui", "en": "Approve"},
    "ditolak": {"id": "Tolak", "en": "Reject"},
    "terbit": {"id": "Terbitkan", "en": "Issue"},
    "selesai": {"id": "Serahkan", "en": "Hand over"},
    "dibatalkan": {"id": "Batalkan", "en": "Cancel"},
}


def status_name(code: str, language: str = "id") -> str:
    names = STATUS_NAMES.get(code)
    return names.get(language, names["id"]) if names else code


def both(code: str) -> str:
    """ "Diterima (Received)": for messages read in either language."""
    names = STATUS_NAMES.get(code)
    return f"{names['id']} ({names['en']})" if names else code
