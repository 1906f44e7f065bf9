"""The ``jemput`` command: serve, migrate, demo data, users, reference-data imports."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from tortoise.exceptions import BaseORMException

from server import db
from server.services.errors import ServiceError
from server.settings import Settings, SettingsError


@asynccontextmanager
async def database(settings: Settings):  # type: ignore[no-untyped-def]
    await db.init_db(settings)
    try:
        yield
    finally:
        await db.close_db()


def run(coro: Coroutine[Any, Any, int | None]) -> int:
    return asyncio.run(coro) or 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    # Each worker reads its settings from the environment: it must know there are several
    # (rate-limit counters then default to the shared database), and a bad mix stops here.
    os.environ["WORKERS"] = str(args.workers)
    Settings.from_env()

    uvicorn.run(
        "server.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=False,  # X-Forwarded-For is read only from TRUSTED_PROXIES
        log_level="info",
    )
    return 0


async def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    applied = await db.migrate(settings)
    print(f"migrations applied: {len(applied)}" + (f" ({', '.join(applied)})" if applied else ""))
    return 0


async def cmd_makemigrations(args: argparse.Namespace, settings: Settings) -> int:
    """Development helper: write a new migration for model changes (uses a scratch SQLite)."""
    import tempfile

    from tortoise.cli import cli as tortoise_cli

    with tempfile.TemporaryDirectory() as scratch:
        scratch_settings = Settings.from_env(
            {
                "DATA_DIR": scratch,
                "SECRET_KEY": "x" * 40,
                "DATABASE_URL": f"sqlite://{scratch}/m.db",
            }
        )
        await db.migrate(scratch_settings)
        await db.close_db()
        db.MIGRATION_CONFIG.clear()
        db.MIGRATION_CONFIG.update(db.tortoise_config(scratch_settings))
        ctx = tortoise_cli.CLIContext(config="server.db.MIGRATION_CONFIG", config_file=None)
        await tortoise_cli.makemigrations(ctx, (), False, args.name)
    return 0


async def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from server.services.reference import demo

    async with database(settings):
        result = await demo.load(settings, password=os.environ.get("JEMPUT_DEMO_PASSWORD"))
    print(demo.describe(result, settings))
    return 0


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Kata sandi / password: ")
    if getpass.getpass("Ulangi / repeat: ") != first:
        raise ServiceError("Kata sandi tidak sama (passwords differ).")
    return first


async def cmd_user(args: argparse.Namespace, settings: Settings) -> int:
    from server.services.accounts import users

    async with database(settings):
        if args.user_command == "add":
            user = await users.create_user(
                args.username,
                _read_password(args),
                full_name=args.name,
                role=args.role,
                office_code=args.office,
                area_codes=args.area or [],
            )
            print(f"created {user.username} ({user.role.value})")
        elif args.user_command == "list":
            for user in await users.list_users():
                state = "active" if user.is_active else "disabled"
                office = user.office.code if user.office else "-"
                role = user.role.value
                print(f"{user.username:20} {role:11} {state:9} {office:16} {user.full_name}")
        elif args.user_command in ("disable", "enable"):
            await users.set_active(args.username, args.user_command == "enable")
            print(f"{args.username} {args.user_command}d")
        elif args.user_command == "set-password":
            await users.set_password(args.username, _read_password(args))
            print(f"password changed for {args.username}")
        elif args.user_command == "allow-enrol":
            from server.services.accounts import devices

            await devices.allow_enrolment(await users.get_user(args.username), actor=None)
            print(f"{args.username} may enrol a tablet again")
        elif args.user_command == "reset-second-factor":
            from server.services.accounts import second_factor

            await second_factor.reset(await users.get_user(args.username), actor=None)
            print(f"{args.username} sets up a new authenticator at the next sign-in")
    return 0


async def cmd_regions(args: argparse.Namespace, settings: Settings) -> int:
    from server.services.reference import regions

    rows = regions.read_directory(Path(args.directory))
    print(f"read {len(rows)} regions from {args.directory}")

    def progress(done: int, total: int) -> None:
        print(f"\r  importing {done}/{total}", end="", flush=True)

    async with database(settings):
        result = await regions.import_rows(rows, progress=progress)
    print(
        f"\nregions: {result['created']} created, {result['updated']} renamed, "
        f"{result['unchanged']} unchanged"
    )
    return 0


async def cmd_holidays(args: argparse.Namespace, settings: Settings) -> int:
    from server.services.applications import sla
    from server.services.reference import holidays

    async with database(settings):
        count = await holidays.import_file(Path(args.file))
        clocks = await sla.refresh_open(settings.timezone)
    print(f"holidays imported: {count}; SLA due dates recomputed: {clocks}")
    return 0


async def cmd_uploads(args: argparse.Namespace, settings: Settings) -> int:
    from server.uploads import web

    async with database(settings):
        removed = await web.cleanup(settings)
    print(f"expired partial uploads removed: {removed}")
    return 0


async def cmd_audit(args: argparse.Namespace, settings: Settings) -> int:
    from server.services import audit

    async with database(settings):
        result = await audit.verify()
    if result.ok:
        print(f"audit trail intact: {result.rows} rows, head {result.head}")
        return 0
    print(
        f"jemput: AUDIT TRAIL BROKEN at {result.problem} ({result.rows} rows verified before it)",
        file=sys.stderr,
    )
    return 3


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="jemput", description="Jemput Bola server administration")
    sub = p.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the web server")
    serve.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    serve.add_argument("--workers", type=int, default=int(os.environ.get("WORKERS", "1")))
    sub.add_parser("migrate", help="apply pending database migrations")
    mk = sub.add_parser("makemigrations", help="(development) write a migration for model changes")
    mk.add_argument("--name", default=None)
    sub.add_parser("demo", help="load demo data once (regions, permit types, users)")

    user = sub.add_parser("user", help="manage accounts")
    usub = user.add_subparsers(dest="user_command", required=True)
    add = usub.add_parser("add")
    add.add_argument("username")
    add.add_argument(
        "--role", required=True, choices=["officer", "verifier", "supervisor", "admin"]
    )
    add.add_argument("--name", required=True, help="full name")
    add.add_argument("--office", help="office code")
    add.add_argument("--area", action="append", help="region-code prefix (repeatable)")
    add.add_argument("--password-stdin", action="store_true")
    usub.add_parser("list")
    for name in ("disable", "enable"):
        usub.add_parser(name).add_argument("username")
    usub.add_parser(
        "allow-enrol", help="let an officer enrol a tablet again after a revoke"
    ).add_argument("username")
    usub.add_parser(
        "reset-second-factor", help="forget a lost authenticator and its recovery codes"
    ).add_argument("username")
    setpw = usub.add_parser("set-password")
    setpw.add_argument("username")
    setpw.add_argument("--password-stdin", action="store_true")

    regions = sub.add_parser("regions", help="reference regions")
    rsub = regions.add_subparsers(dest="regions_command", required=True)
    rsub.add_parser("import", help="import code,parent_code,name CSV files").add_argument(
        "directory"
    )
    hol = sub.add_parser("holidays", help="public holidays")
    hsub = hol.add_subparsers(dest="holidays_command", required=True)
    hsub.add_parser("import", help="import a date,name CSV file").add_argument("file")
    uploads = sub.add_parser("uploads", help="photo and document uploads")
    upsub = uploads.add_subparsers(dest="uploads_command", required=True)
    upsub.add_parser("cleanup", help="remove expired partial uploads")
    audit = sub.add_parser("audit", help="the audit trail")
    asub = audit.add_subparsers(dest="audit_command", required=True)
    asub.add_parser("verify", help="check the hash chain; exit 3 naming the first bad row")
    return p


COMMANDS: dict[str, Callable[[argparse.Namespace, Settings], Awaitable[int] | int]] = {
    "serve": cmd_serve,
    "migrate": cmd_migrate,
    "makemigrations": cmd_makemigrations,
    "demo": cmd_demo,
    "user": cmd_user,
    "regions": cmd_regions,
    "holidays": cmd_holidays,
    "uploads": cmd_uploads,
    "audit": cmd_audit,
}


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        result = COMMANDS[args.command](args, settings)
        if asyncio.iscoroutine(result):
            return run(result)
        return int(result or 0)
    except SettingsError as exc:
        print(f"jemput: configuration error: {exc}", file=sys.stderr)
        return 2
    except ServiceError as exc:
        print(f"jemput: {exc.message}", file=sys.stderr)
        return 1
    except (db.DatabaseError, BaseORMException) as exc:
        print(f"jemput: database error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
