"""Reference data shipped with the server (demo offices, regions, permit types, holidays).

See README.md in this folder. Loaders return plain data; importing it into the database is
the demo loader's and the CLI's job.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

REFERENCE_DIR = Path(__file__).resolve().parent
PERMIT_TYPES_DIR = REFERENCE_DIR / "permit_types"
OFFICES_FILE = REFERENCE_DIR / "offices.json"
DEMO_REGIONS_FILE = REFERENCE_DIR / "demo_regions.csv"


def holiday_files() -> list[Path]:
    return sorted(REFERENCE_DIR.glob("holidays-*.csv"))


def load_permit_types() -> list[dict[str, Any]]:
    """Every shipped permit type, sorted by code, checked by server.services.forms.values."""
    from server.services.forms.values import check_permit_type

    return [
        check_permit_type(json.loads(path.read_text(encoding="utf-8")))
        for path in sorted(PERMIT_TYPES_DIR.glob("*.json"))
    ]


def load_offices() -> list[dict[str, Any]]:
    offices: list[dict[str, Any]] = json.loads(OFFICES_FILE.read_text(encoding="utf-8"))
    return offices


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))
