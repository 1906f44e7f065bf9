"""Server-side back-office sessions kept in the database (every worker sees the same)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from server.models import StaffSession, User


@dataclass(frozen=True)
class NewSession:
    session: StaffSession
    token: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def start(user: User, *, hours: int, language: str) -> NewSession:
    token = secrets.token_urlsafe(32)
    session = await StaffSession.create(
        id_hash=_hash(token),
        user=user,
        csrf_token=secrets.token_urlsafe(32),
        expires_at=datetime.now(UTC) + timedelta(hours=hours),
        language=language,
    )
    return NewSession(session=session, token=token)


async def load(token: str | None) -> StaffSession | None:
    if not token or len(token) > 128:
        return None
    session = await StaffSession.get_or_none(id_hash=_hash(token)).prefetch_related("user")
    if session is None:
        return None
    if session.expires_at <= datetime.now(UTC) or not session.user.is_active:
        await session.delete()
        return None
    return session


async def end(token: str | None) -> None:
    if token:
        await StaffSession.filter(id_hash=_hash(token)).delete()


async def end_all_for(user: User) -> None:
    await StaffSession.filter(user=user).delete()


async def purge_expired() -> int:
    return await StaffSession.filter(expires_at__lte=datetime.now(UTC)).delete()
