"""Region and holiday imports: real Kemendagri data, and all-or-nothing on bad rows."""

from __future__ import annotations

from datetime import date

import pytest

from server.models import Holiday, Region
from server.services.errors import ServiceError
from server.services.reference import holidays, regions


async def test_import_kalimantan_selatan(db, shared_regions):
    rows = regions.read_directory(shared_regions)
    seen: list[tuple[int, int]] = []
    result = await regions.import_rows(
        rows, progress=lambda done, total: seen.append((done, total))
    )
    assert result["created"] == 1 + 13 + 156 + 2016  # province added from the regencies' parent
    assert seen[-1] == (2185, 2185)
    assert await Region.filter(level=2).count() == 13
    village = await Region.get(code="63.71.01.1001")
    assert village.parent_code == "63.71.01" and village.level == 4
    again = await regions.import_rows(rows)
    assert again == {"created": 0, "updated": 0, "unchanged": 2185}


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("63.71.01,63.71", None),
        ("63.7X.01,63.7X,Bad", "is not a Kemendagri code"),
        ("63.71.02,63.03,Wrong Parent", "does not match code"),
        ("63.71.03,63.71,", "name must be"),
    ],
)
async def test_malformed_row_names_file_and_line_and_imports_nothing(db, tmp_path, line, message):
    write(tmp_path / "regencies.csv", "code,parent_code,name\n63.71,63,Kota Banjarmasin\n")
    write(tmp_path / "districts.csv", f"code,parent_code,name\n63.71.04,63.71,Ok\n{line}\n")
    with pytest.raises(ServiceError) as info:
        await regions.import_rows(regions.read_directory(tmp_path))
    assert f"{tmp_path / 'districts.csv'}:3:" in info.value.message
    if message:
        assert message in info.value.message
    assert await Region.all().count() == 0


async def test_unknown_parent_rolls_back_everything(db, tmp_path):
    write(
        tmp_path / "a.csv",
        "code,parent_code,name\n63.71,63,Kota Banjarmasin\n63.99.01.1001,63.99.01,Orphan\n",
    )
    with pytest.raises(ServiceError, match=r"a\.csv:3: parent 63\.99\.01"):
        await regions.import_rows(regions.read_directory(tmp_path))
    assert await Region.all().count() == 0


async def test_holiday_import_and_bad_date(db, tmp_path):
    good = write(tmp_path / "h.csv", "date,name\n2026-08-17,Hari Kemerdekaan\n2026-12-25,Natal\n")
    assert await holidays.import_file(good) == 2
    assert (await Holiday.get(date=date(2026, 8, 17))).name == "Hari Kemerdekaan"
    bad = write(
        tmp_path / "bad.csv", "date,name\n2027-01-01,Tahun Baru\n2027-02-30,Bukan tanggal\n"
    )
    with pytest.raises(ServiceError, match=r"bad.csv:3: '2027-02-30' is not a date"):
        await holidays.import_file(bad)
    assert await Holiday.filter(date=date(2027, 1, 1)).count() == 0
