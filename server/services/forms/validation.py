"""Validation helpers for Indonesian data: NIK, phone numbers, region codes, rupiah, e-mail.

Pure standard library. Every parser returns a result object with the cleaned ``value`` (or
``None``), ``errors`` (the value is refused) and ``warnings`` (accepted, but a person should
look). Each issue has a short code plus a message in Indonesian and English. The golden cases
in ``tests/fixtures/validation/`` are shared with the field app's JavaScript twin, so a change
in behaviour here must change the fixtures too.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

RegionLookup = Callable[[str], bool]


@dataclass(frozen=True)
class Issue:
    code: str
    id: str
    en: str

    def message(self, lang: str = "id") -> str:
        return self.en if lang == "en" else self.id

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": {"id": self.id, "en": self.en}}


@dataclass(frozen=True)
class Result:
    value: Any = None
    errors: tuple[Issue, ...] = ()
    warnings: tuple[Issue, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def error_codes(self) -> list[str]:
        return [e.code for e in self.errors]

    @property
    def warning_codes(self) -> list[str]:
        return [w.code for w in self.warnings]


# --------------------------------------------------------------------------- NIK

# Every province code used in NIKs, past and present (Papua's codes were renumbered in 2022,
# and NIKs keep the code they were issued with).
PROVINCE_CODES = frozenset(
    str(n)
    for group in (
        range(11, 20),  # Sumatra
        [21],  # Kepulauan Riau
        range(31, 37),  # Java
        range(51, 54),  # Bali, Nusa Tenggara
        range(61, 66),  # Kalimantan
        range(71, 77),  # Sulawesi
        [81, 82],  # Maluku
        range(91, 97),  # Papua
    )
    for n in group
)
ADULT_AGE = 17  # age at which the e-KTP is issued


@dataclass(frozen=True)
class NikResult(Result):
    birth_date: dt.date | None = None
    sex: str | None = None  # "L" (laki-laki) or "P" (perempuan), as on the KTP
    region: str | None = None  # the kecamatan where the NIK was issued, dotted: "63.71.05"


def _nik_issue(code: str, **kw: Any) -> Issue:
    texts = {
        "nik_empty": ("NIK belum diisi.", "The NIK is empty."),
        "nik_not_digits": (
            "NIK hanya boleh berisi angka. Periksa huruf O/I yang mungkin terbaca sebagai 0/1.",
            "An NIK contains digits only. Check for the letters O or I in place of 0 or 1.",
        ),
        "nik_length": (
            "NIK harus 16 angka; yang diisi {n} angka. Cocokkan lagi dengan KTP.",
            "An NIK has 16 digits; {n} were entered. Check it against the ID card.",
        ),
        "nik_day": (
            "Angka ke-7 dan ke-8 NIK ({d}) bukan tanggal lahir yang mungkin "
            "(01-31, atau 41-71 untuk perempuan).",
            "Digits 7-8 of the NIK ({d}) are not a possible birth day (01-31, or 41-71 for women).",
        ),
        "nik_month": (
            "Angka ke-9 dan ke-10 NIK ({m}) bukan bulan lahir (01-12).",
            "Digits 9-10 of the NIK ({m}) are not a birth month (01-12).",
        ),
        "nik_date": (
            "Tanggal lahir dalam NIK ({d}) tidak ada di kalender. Periksa kembali NIK.",
            "The birth date inside the NIK ({d}) does not exist. Check the NIK again.",
        ),
        "nik_serial": (
            "Empat angka terakhir NIK tidak boleh 0000.",
            "The last four digits of an NIK cannot be 0000.",
        ),
        "nik_province_unknown": (
            "Kode provinsi {p} dalam NIK tidak dikenal. Pastikan NIK sesuai KTP.",
            "Province code {p} in the NIK is unknown. Make sure the NIK matches the ID card.",
        ),
        "nik_regency_unknown": (
            "Kode kabupaten/kota {r} dalam NIK tidak ada dalam daftar wilayah. "
            "Pastikan NIK sesuai KTP.",
            "Regency code {r} in the NIK is not in the region list. "
            "Make sure the NIK matches the ID card.",
        ),
        "nik_birth_date_mismatch": (
            "Menurut NIK tanggal lahir {nik}, tetapi yang diisi {stated}. "
            "Cocokkan dengan KTP; NIK lama bisa berbeda dari tanggal lahir sebenarnya.",
            "The NIK gives birth date {nik}, but {stated} was entered. Check the ID card; "
            "old NIKs can differ from the real birth date.",
        ),
        "nik_sex_mismatch": (
            "Menurut NIK jenis kelamin {nik}, tetapi yang diisi {stated}. Cocokkan dengan KTP.",
            "The NIK gives sex {nik}, but {stated} was entered. Check the ID card.",
        ),
        "nik_age_under_17": (
            "Menurut NIK pemohon berusia {age} tahun (di bawah 17). Pastikan NIK milik pemohon.",
            "According to the NIK the applicant is {age} (under 17). "
            "Make sure the NIK is the applicant's.",
        ),
    }
    id_text, en_text = texts[code]
    return Issue(code, id_text.format(**kw), en_text.format(**kw))


def _years_between(born: dt.date, today: dt.date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _date_or_none(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def parse_nik(
    raw: str | None,
    *,
    known_region_codes: RegionLookup | None = None,
    stated_birth_date: dt.date | None = None,
    stated_sex: str | None = None,
    today: dt.date | None = None,
) -> NikResult:
    """Check an NIK and read the birth date, sex and issuing region out of it.

    ``known_region_codes(code)`` answers whether a dotted region code ("63", "63.71") exists;
    the regency is only checked when the lookup knows the province, so a deployment holding
    one province's regions does not warn about every NIK from elsewhere.
    """
    today = today or dt.date.today()
    text = re.sub(r"[\s.]", "", raw or "")
    if not text:
        return NikResult(errors=(_nik_issue("nik_empty"),))
    if not text.isascii() or not text.isdigit():
        return NikResult(errors=(_nik_issue("nik_not_digits"),))
    if len(text) != 16:
        return NikResult(errors=(_nik_issue("nik_length", n=len(text)),))

    day_code, month, yy = int(text[6:8]), int(text[8:10]), int(text[10:12])
    errors: list[Issue] = []
    if not (1 <= day_code <= 31 or 41 <= day_code <= 71):
        errors.append(_nik_issue("nik_day", d=text[6:8]))
    if not 1 <= month <= 12:
        errors.append(_nik_issue("nik_month", m=text[8:10]))
    sex = "P" if day_code > 40 else "L"
    day = day_code - 40 if day_code > 40 else day_code
    born: dt.date | None = None
    if not errors:
        # 2000 and 1900 give the same leap years for every YY except 00, where 2000 is the
        # leap year; 1900 is only used when 20YY is in the future, which 2000 never is.
        born = _date_or_none(2000 + yy, month, day)
        if born is None:
            errors.append(_nik_issue("nik_date", d=f"{day:02d}-{month:02d}-{yy:02d}"))
        elif born > today:
            born = _date_or_none(1900 + yy, month, day)
    if text[12:] == "0000":
        errors.append(_nik_issue("nik_serial"))
    if errors or born is None:
        return NikResult(errors=tuple(errors) or (_nik_issue("nik_date", d=text[6:12]),))

    if stated_birth_date is not None and (
        (stated_birth_date.day, stated_birth_date.month, stated_birth_date.year % 100)
        == (born.day, born.month, born.year % 100)
        and stated_birth_date <= today
    ):
        born = stated_birth_date  # the applicant settles the century

    province, regency = text[:2], f"{text[:2]}.{text[2:4]}"
    warnings: list[Issue] = []
    if province not in PROVINCE_CODES:
        warnings.append(_nik_issue("nik_province_unknown", p=province))
    elif (
        known_region_codes is not None
        and known_region_codes(province)
        and not known_region_codes(regency)
    ):
        warnings.append(_nik_issue("nik_regency_unknown", r=regency))
    if stated_birth_date is not None and stated_birth_date != born:
        warnings.append(
            _nik_issue(
                "nik_birth_date_mismatch",
                nik=born.strftime("%d-%m-%Y"),
                stated=stated_birth_date.strftime("%d-%m-%Y"),
            )
        )
    if stated_sex is not None and stated_sex != sex:
        warnings.append(_nik_issue("nik_sex_mismatch", nik=sex, stated=stated_sex))
    age = _years_between(born, today)
    if age < ADULT_AGE:
        warnings.append(_nik_issue("nik_age_under_17", age=age))
    return NikResult(
        value=text,
        warnings=tuple(warnings),
        birth_date=born,
        sex=sex,
        region=f"{text[:2]}.{text[2:4]}.{text[4:6]}",
    )


def build_nik(region6: str, birth_date: dt.date, sex: str, serial: int) -> str:
    """Compose an NIK (used by tests and demo data, never to invent a citizen's number)."""
    day = birth_date.day + (40 if sex == "P" else 0)
    return f"{region6}{day:02d}{birth_date.month:02d}{birth_date.year % 100:02d}{serial:04d}"


# --------------------------------------------------------------------------- phone

TWO_DIGIT_AREA_CODES = frozenset({"21", "22", "24", "31", "61"})
_MOBILE = re.compile(r"8[1-35-9]\d{7,10}")
_LANDLINE = re.compile(r"[2-79]\d{6,10}")


@dataclass(frozen=True)
class PhoneResult(Result):
    display: str | None = None
    kind: str | None = None  # "mobile" or "landline"


_PHONE_TEXTS = {
    "phone_empty": ("Nomor telepon belum diisi.", "The phone number is empty."),
    "phone_chars": (
        "Nomor telepon hanya boleh berisi angka, spasi, tanda hubung, titik, kurung dan +.",
        "A phone number may contain only digits, spaces, dashes, dots, brackets and +.",
    ),
    "phone_country": (
        "Hanya nomor Indonesia (+62) yang diterima.",
        "Only Indonesian numbers (+62) are accepted.",
    ),
    "phone_prefix": (
        "Awali nomor dengan 0 atau +62, misalnya 0812-3456-7890.",
        "Start the number with 0 or +62, for example 0812-3456-7890.",
    ),
    "phone_mobile_length": (
        "Nomor HP harus 10 sampai 13 angka (diawali 08); yang diisi {n} angka.",
        "A mobile number has 10 to 13 digits starting with 08; {n} were entered.",
    ),
    "phone_mobile_prefix": (
        "Nomor HP Indonesia diawali 081, 082, 083, 085, 086, 087, 088 atau 089.",
        "Indonesian mobile numbers start with 081, 082, 083, 085, 086, 087, 088 or 089.",
    ),
    "phone_landline_length": (
        "Nomor telepon rumah/kantor harus kode area plus nomor, 8 sampai 12 angka; "
        "yang diisi {n} angka.",
        "A landline number is the area code plus the number, 8 to 12 digits; {n} were entered.",
    ),
    "phone_invalid": (
        "Ini bukan nomor telepon Indonesia yang benar. Contoh: 0812-3456-7890.",
        "This is not a valid Indonesian phone number. Example: 0812-3456-7890.",
    ),
    "phone_not_mobile": (
        "Isi nomor HP/WhatsApp aktif (diawali 08), bukan telepon rumah atau kantor.",
        "Enter an active mobile/WhatsApp number (starting with 08), not a landline.",
    ),
}


def _phone_error(code: str, **kw: Any) -> PhoneResult:
    id_text, en_text = _PHONE_TEXTS[code]
    return PhoneResult(errors=(Issue(code, id_text.format(**kw), en_text.format(**kw)),))


def _group(digits: str, sizes: tuple[int, ...]) -> str:
    parts, start = [], 0
    for size in sizes:
        parts.append(digits[start : start + size])
        start += size
    return "-".join(parts)


def format_phone(e164: str) -> str:
    """Display form of a stored E.164 number: 0812-3456-7890 or (0511) 3252111."""
    national = e164.removeprefix("+62")
    if national.startswith("8"):
        written = "0" + national
        sizes = {10: (4, 3, 3), 11: (4, 3, 4), 12: (4, 4, 4)}.get(len(written), (4, 4, 5))
        return _group(written, sizes)
    area_len = 2 if national[:2] in TWO_DIGIT_AREA_CODES else 3
    return f"(0{national[:area_len]}) {national[area_len:]}"


def parse_phone(raw: str | None, *, require_mobile: bool = False) -> PhoneResult:
    """Accept 08…, 628…, +628… (and landlines with area codes); store E.164 (+62…)."""
    text = re.sub(r"[\s\-.()]", "", raw or "")
    if not text:
        return _phone_error("phone_empty")
    if not re.fullmatch(r"\+?\d+", text):
        return _phone_error("phone_chars")
    if text.startswith("00"):
        text = "+" + text[2:]
    if text.startswith("+") and not text.startswith("+62"):
        return _phone_error("phone_country")
    if text.startswith(("+62", "62")):
        national = text.removeprefix("+").removeprefix("62")
        national = national.removeprefix("0")  # +62 (0)812 …
    elif text.startswith("0"):
        national = text[1:]
    else:
        return _phone_error("phone_prefix")

    if national.startswith("8"):
        if not 9 <= len(national) <= 12:
            return _phone_error("phone_mobile_length", n=len(national) + 1)
        if not _MOBILE.fullmatch(national):
            return _phone_error("phone_mobile_prefix")
        kind = "mobile"
    elif national[:1] in set("2345679"):
        if not _LANDLINE.fullmatch(national):
            return _phone_error("phone_landline_length", n=len(national) + 1)
        if require_mobile:
            return _phone_error("phone_not_mobile")
        kind = "landline"
    else:
        return _phone_error("phone_invalid")
    value = "+62" + national
    return PhoneResult(value=value, display=format_phone(value), kind=kind)


# --------------------------------------------------------------------------- region codes

REGION_LEVELS = ("province", "regency", "district", "village")
_REGION_DOTTED = re.compile(r"\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?")
_VILLAGE_KINDS = {"1": "kelurahan", "2": "desa", "3": "desa_adat"}


@dataclass(frozen=True)
class RegionCode(Result):
    level: str | None = None  # province, regency, district, village
    parent: str | None = None
    kind: str | None = None  # kabupaten/kota for regencies; kelurahan/desa/desa_adat


def parse_region_code(raw: str | None) -> RegionCode:
    """Read a Kemendagri code: 63, 63.71, 63.71.01, 63.71.01.1001 (undotted also accepted)."""
    text = (raw or "").strip()
    if re.fullmatch(r"\d{2}|\d{4}|\d{6}|\d{10}", text):
        cuts = [text[i : i + 2] for i in range(0, min(len(text), 6), 2)]
        text = ".".join(cuts + ([text[6:]] if len(text) == 10 else []))
    if not _REGION_DOTTED.fullmatch(text) or text.startswith("00"):
        return RegionCode(
            errors=(
                Issue(
                    "region_format",
                    "Kode wilayah harus seperti 63, 63.71, 63.71.01 atau 63.71.01.1001.",
                    "A region code looks like 63, 63.71, 63.71.01 or 63.71.01.1001.",
                ),
            )
        )
    parts = text.split(".")
    level = REGION_LEVELS[len(parts) - 1]
    kind = None
    if level == "regency":
        kind = "kota" if int(parts[1]) >= 71 else "kabupaten"
    elif level == "village":
        kind = _VILLAGE_KINDS.get(parts[3][0])
    return RegionCode(
        value=text,
        level=level,
        parent=".".join(parts[:-1]) or None,
        kind=kind,
    )


def region_level(code: str) -> int:
    """1 = province … 4 = village, from the number of dotted segments."""
    return code.count(".") + 1


# --------------------------------------------------------------------------- rupiah

_GROUPED = re.compile(r"\d{1,3}(\.\d{3})+")
_PREFIX = re.compile(r"^(rp\.?|idr)\s*", re.IGNORECASE)
_RUPIAH_TEXTS = {
    "rupiah_empty": ("Jumlah rupiah belum diisi.", "The rupiah amount is empty."),
    "rupiah_negative": ("Jumlah rupiah tidak boleh negatif.", "The amount cannot be negative."),
    "rupiah_cents": (
        "Isi rupiah tanpa sen, misalnya Rp1.500.000.",
        "Enter whole rupiah without cents, for example Rp1.500.000.",
    ),
    "rupiah_format": (
        "Tulis jumlah seperti Rp1.500.000 atau 1500000 (titik sebagai pemisah ribuan).",
        "Write the amount like Rp1.500.000 or 1500000 (dots separate thousands).",
    ),
}


def _rupiah_error(code: str) -> Result:
    return Result(errors=(Issue(code, *_RUPIAH_TEXTS[code]),))


def parse_rupiah(raw: str | int | float | None) -> Result:
    """Whole rupiah from "Rp1.500.000", "1.500.000,00", "1500000" or a JSON number."""
    if raw is None:
        return _rupiah_error("rupiah_empty")
    if isinstance(raw, bool):
        return _rupiah_error("rupiah_format")
    if isinstance(raw, int | float):
        if raw < 0:
            return _rupiah_error("rupiah_negative")
        if isinstance(raw, float) and not raw.is_integer():
            return _rupiah_error("rupiah_cents")
        return Result(value=int(raw))
    if not isinstance(raw, str):
        return _rupiah_error("rupiah_format")
    text = raw.strip()
    negative = text.startswith("-")
    text = _PREFIX.sub("", text.lstrip("-").strip())
    if text.startswith("-"):
        negative, text = True, text[1:].strip()
    if not text:
        return _rupiah_error("rupiah_empty")
    if negative:
        return _rupiah_error("rupiah_negative")
    whole, sep, cents = text.partition(",")
    if sep and cents not in {"-", "0", "00"}:
        return _rupiah_error("rupiah_cents" if re.fullmatch(r"\d{1,2}", cents) else "rupiah_format")
    if whole.isascii() and whole.isdigit():
        return Result(value=int(whole))
    if _GROUPED.fullmatch(whole):
        return Result(value=int(whole.replace(".", "")))
    return _rupiah_error("rupiah_format")


def format_rupiah(amount: int) -> str:
    """Rp1.500.000: Indonesian grouping, no space, no decimals."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
        raise ValueError(f"not a whole, non-negative rupiah amount: {amount!r}")
    return "Rp" + f"{amount:,}".replace(",", ".")


# --------------------------------------------------------------------------- e-mail

EMAIL_RE = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}"
)
# Misspellings seen on forms; a warning, because the OSS activation mail must arrive.
_EMAIL_TYPOS = {
    "gmail.co": "gmail.com",
    "gmail.con": "gmail.com",
    "gmial.com": "gmail.com",
    "gmai.com": "gmail.com",
    "gmal.com": "gmail.com",
    "gamil.com": "gmail.com",
    "yahoo.con": "yahoo.com",
    "yaho.com": "yahoo.com",
    "yahoo.co": "yahoo.co.id",
}


@dataclass(frozen=True)
class EmailResult(Result):
    suggestion: str | None = None


def parse_email(raw: str | None) -> EmailResult:
    text = (raw or "").strip()
    if not text:
        return EmailResult(
            errors=(Issue("email_empty", "Alamat email belum diisi.", "The e-mail is empty."),)
        )
    if len(text) > 254 or not EMAIL_RE.fullmatch(text):
        return EmailResult(
            errors=(
                Issue(
                    "email_format",
                    "Alamat email tidak benar. Contoh: nama@gmail.com.",
                    "This is not a valid e-mail address. Example: name@gmail.com.",
                ),
            )
        )
    local, _, domain = text.rpartition("@")
    value = f"{local}@{domain.lower()}"
    fix = _EMAIL_TYPOS.get(domain.lower())
    if fix is None:
        return EmailResult(value=value)
    suggestion = f"{local}@{fix}"
    return EmailResult(
        value=value,
        suggestion=suggestion,
        warnings=(
            Issue(
                "email_typo",
                f"Mungkin maksudnya {suggestion}? Email aktivasi OSS harus sampai ke pemohon.",
                f"Did you mean {suggestion}? The OSS activation e-mail must reach the applicant.",
            ),
        ),
    )


__all__ = [
    "PROVINCE_CODES",
    "REGION_LEVELS",
    "EmailResult",
    "Issue",
    "NikResult",
    "PhoneResult",
    "RegionCode",
    "RegionLookup",
    "Result",
    "build_nik",
    "format_phone",
    "format_rupiah",
    "parse_email",
    "parse_nik",
    "parse_phone",
    "parse_region_code",
    "parse_rupiah",
    "region_level",
]
