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


# Writing last_seen_at on every request would turn each page view into a write.
LAST_SEEN_RESOLUTION = timedelta(seconds=60)


async def start(
    user: User, *, hours: int, language: str, second_factor_done: bool = True
) -> NewSession:
    """A new random session id (also at the second factor: the id changes with privilege)."""
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    session = await StaffSession.create(
        id_hash=_hash(token),
        user=user,
        csrf_token=secrets.token_urlsafe(32),
        expires_at=now + timedelta(hours=hours),
        last_seen_at=now,
        second_factor_done=second_factor_done,
        language=language,
    )
    return NewSession(session=session, token=token)


async def load(token: str | None, *, idle_minutes: int) -> StaffSession | None:
    """The live session for a cookie, or None: unknown, past its absolute end, idle longer
    than ``idle_minutes``, or its user disabled (the row is then deleted, so a replayed
    cookie stays dead)."""
    if not token or len(token) > 128:
        return None
    session = await StaffSession.get_or_none(id_hash=_hash(token)).prefetch_related("user")
    if session is None:
        return None
    now = datetime.now(UTC)
    seen = session.last_seen_at or session.created_at
    idle = now - seen > timedelta(minutes=idle_minutes)
    if session.expires_at <= now or idle or not session.user.is_active:
        await session.delete()
        return None
    if now - seen > LAST_SEEN_RESOLUTION:
        session.last_seen_at = now
        await StaffSession.filter(id_hash=session.id_hash).update(last_seen_at=now)
    return session


async def end(token: str | None) -> None:
    if token:
        await StaffSession.filter(id_hash=_hash(token)).delete()


async def end_all_for(user: User) -> None:
    await StaffSession.filter(user=user).delete()


async def purge_expired() -> int:
    return await StaffSession.filter(expires_at__lte=datetime.now(UTC)).delete()
