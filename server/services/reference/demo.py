"""Demo data, loaded once: offices, regions, permit types, holidays, a user per role."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from tortoise.transactions import in_transaction

from server import reference
from server.models import FormDefinition, Office, PermitType, Role, User
from server.services.accounts import second_factor, users
from server.services.reference import holidays, regions
from server.settings import Settings

DEMO_USERS = [
    ("petugas", "Rahmat Hidayat", Role.OFFICER, "dpmptsp-banjarmasin", ["63.71", "63.03"]),
    ("petugas2", "Siti Aminah", Role.OFFICER, "dpmptsp-banjar", ["63.03"]),
    ("verifikator", "Dewi Lestari", Role.VERIFIER, "dpmptsp-banjarmasin", ["63.71", "63.03"]),
    ("supervisor", "Budi Santoso", Role.SUPERVISOR, "dpmptsp-kalsel", ["63"]),
    ("admin", "Admin Jemput Bola", Role.ADMIN, "dpmptsp-kalsel", []),
]


@dataclass
class DemoResult:
    loaded: bool
    accounts: list[tuple[str, str, str]] = field(default_factory=list)


def accounts_file(settings: Settings) -> Path:
    return settings.data_dir / "demo-accounts.txt"


async def load(settings: Settings, *, password: str | None = None) -> DemoResult:
    if await User.exists():
        return DemoResult(loaded=False)
    async with in_transaction():
        await _offices()
        await regions.import_rows(regions.read_csv(reference.DEMO_REGIONS_FILE))
        await load_permit_types()
        for path in reference.holiday_files():
            await holidays.import_file(path)
        accounts = []
        for username, name, role, office, area in DEMO_USERS:
            secret = password or secrets.token_urlsafe(15)
            user = await users.create_user(
                username, secret, full_name=name, role=role, office_code=office, area_codes=area
            )
            extra = ""
            if second_factor.required(user):
                # Pre-enrolled so `make run` works without the setup page; the key is in the
                # accounts file (add it to an authenticator app, or see `describe`).
                user.totp_secret = second_factor.new_secret()
                await user.save(update_fields=["totp_secret"])
                extra = f"totp:{user.totp_secret}"
            accounts.append((username, role.value, f"{secret} {extra}".strip()))
    result = DemoResult(loaded=True, accounts=accounts)
    path = accounts_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.writelines(f"{u:12} {r:11} {p}\n" for u, r, p in accounts)
    return result


TOTP_HINT = (
    "admin and supervisor sign in with a second step: add their totp: key to an "
    "authenticator app, or print the current code with\n"
    '  .venv/bin/python -c "import pyotp,sys; print(pyotp.TOTP(sys.argv[1]).now())" KEY'
)


def describe(result: DemoResult, settings: Settings) -> str:
    path = accounts_file(settings)
    if result.loaded:
        lines = ["demo data loaded; accounts (username role password):"]
        lines += [f"  {u:12} {r:11} {p}" for u, r, p in result.accounts]
        return "\n".join([*lines, TOTP_HINT])
    if path.exists():
        return (
            "demo data already present; accounts (username role password):\n"
            + "".join(f"  {line}" for line in path.read_text().splitlines(keepends=True))
            + TOTP_HINT
        )
    return "demo data already present"


async def _offices() -> None:
    for office in reference.load_offices():
        await Office.create(
            code=office["code"],
            name=office["name"],
            region_code=office["region_code"],
            address=office.get("address", ""),
            phone=office.get("phone", ""),
            email=office.get("email", ""),
            hours=office.get("hours", ""),
        )


async def load_permit_types() -> None:
    """The shipped permit types and their form definitions (server/reference/permit_types)."""
    for spec in reference.load_permit_types():
        permit = await PermitType.create(
            code=spec["code"],
            name_id=spec["name"]["id"],
            name_en=spec["name"]["en"],
            issuer=spec.get("issuer", ""),
            external_system=spec.get("external_system", ""),
            sla_days=spec["sla_working_days"],
            meta={k: v for k, v in spec.items() if k not in ("forms", "name", "code")},
        )
        for form in spec["forms"]:
            await FormDefinition.create(
                permit_type=permit, version=form["version"], definition=form
            )
