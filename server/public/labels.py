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
        "pemeriksaan_lapangan": _("Being inspected at your premises"),
        "disetujui": _("Approved"),
        "ditolak": _("Refused"),
        "terbit": _("Permit issued"),
        "selesai": _("Done"),
        "dibatalkan": _("Cancelled"),
    }
    return labels.get(code, code)


def permit_name(names: dict[str, str]) -> str:
    return names.get(current_language.get()) or names.get("id") or ""


def kind_labels() -> dict[str, str]:
    return {
        "pengaduan": _("Complaint (Pengaduan)"),
        "konsultasi": _("Question (Konsultasi)"),
        "apresiasi": _("Appreciation (Apresiasi)"),
        "saran": _("Suggestion (Saran)"),
    }


def category_labels() -> dict[str, str]:
    """Peraturan Ombudsman 26/2017 Pasal 11, in everyday words."""
    return {
        "penundaan_berlarut": _("Undue delay"),
        "tidak_memberikan_pelayanan": _("Refused to serve me"),
        "penyimpangan_prosedur": _("The procedure was not followed"),
        "permintaan_imbalan": _("Asked for money or a gift"),
        "tidak_kompeten": _("Staff did not know the work"),
        "tidak_patut": _("Improper or rude conduct"),
        "diskriminasi": _("Discrimination"),
        "berpihak": _("Partiality"),
        "konflik_kepentingan": _("Conflict of interest"),
        "penyalahgunaan_wewenang": _("Abuse of authority"),
        "lainnya": _("Something else"),
    }


def state_labels() -> dict[str, str]:
    return {
        "new": _("New"),
        "in_progress": _("In progress"),
        "answered": _("Answered"),
        "closed": _("Closed"),
    }


def problem_message(problem: str) -> str:
    return {
        "choose": _("Choose one of the options."),
        "too_short": _("Write at least 10 characters."),
        "too_long": _("This is too long; shorten it."),
        "not_text": _("Write text here."),
        "bad_character": _("Remove the unusual character."),
        "age_range": _("Enter an age between 15 and 100."),
    }.get(problem, _("Check this field."))


def skm_questions() -> list[tuple[str, str, list[str]]]:
    """The nine SKM elements and their four answers, scored 1 to 4 (PermenPAN-RB 14/2017)."""
    return [
        (
            "u1",
            _("Were the requirements appropriate?"),
            [_("Not appropriate"), _("Less appropriate"), _("Appropriate"), _("Very appropriate")],
        ),
        (
            "u2",
            _("Was the procedure easy?"),
            [_("Not easy"), _("Less easy"), _("Easy"), _("Very easy")],
        ),
        (
            "u3",
            _("Was the service fast?"),
            [_("Not fast"), _("Less fast"), _("Fast"), _("Very fast")],
        ),
        (
            "u4",
            _("How was the fee?"),
            [_("Very expensive"), _("Quite expensive"), _("Cheap"), _("Free")],
        ),
        (
            "u5",
            _("Did the result match the service standard?"),
            [_("Not appropriate"), _("Less appropriate"), _("Appropriate"), _("Very appropriate")],
        ),
        (
            "u6",
            _("Were the staff competent?"),
            [_("Not competent"), _("Less competent"), _("Competent"), _("Very competent")],
        ),
        (
            "u7",
            _("Were the staff polite and friendly?"),
            [
                _("Not polite and friendly"),
                _("Less polite and friendly"),
                _("Polite and friendly"),
                _("Very polite and friendly"),
            ],
        ),
        (
            "u8",
            _("How are complaints, suggestions and input handled?"),
            [
                _("There is none"),
                _("There is one but it does not work"),
                _("It works but not fully"),
                _("Well managed"),
            ],
        ),
        ("u9", _("How were the facilities?"), [_("Poor"), _("Fair"), _("Good"), _("Very good")]),
    ]


def profile_choices() -> dict[str, dict[str, str]]:
    return {
        "sex": {"L": _("Male"), "P": _("Female")},
        "education": {
            "sd": _("Primary school"),
            "smp": _("Junior high school"),
            "sma": _("Senior high school"),
            "d1_d3": _("Diploma (D1–D3)"),
            "s1": _("Bachelor (S1/D4)"),
            "s2_s3": _("Master or doctorate (S2/S3)"),
            "lainnya": _("Other"),
        },
        "occupation": {
            "pns": _("Civil servant"),
            "tni_polri": _("Military or police"),
            "swasta": _("Private employee"),
            "wirausaha": _("Self-employed"),
            "petani_nelayan": _("Farmer or fisher"),
            "pelajar": _("Student"),
            "lainnya": _("Other"),
        },
    }
