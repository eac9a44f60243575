"""SQL for accounts: users, API tokens, shared settings. The rules live in ``engine.accounts``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from engine.store import schema as t


@dataclass(frozen=True)
class UserRecord:
    id: str
    username: str
    password_hash: str
    role: str
    must_change_password: bool
    created_at: float
    password_changed_at: float


@dataclass(frozen=True)
class TokenRecord:
    id: str
    user_id: str
    name: str
    created_at: float
    last_used_at: float | None


def _user(row: Any) -> UserRecord:
    m = row._mapping
    return UserRecord(**{k: m[k] for k in UserRecord.__dataclass_fields__})


def _token(row: Any) -> TokenRecord:
    m = row._mapping
    return TokenRecord(**{k: m[k] for k in TokenRecord.__dataclass_fields__})


class AccountStore:
    """Reads and writes of ``users``, ``api_tokens`` and ``settings`` in the caller's transaction."""

    def count_users(self, conn: Connection) -> int:
        return int(conn.execute(select(func.count()).select_from(t.users)).scalar_one())

    def insert_user(self, conn: Connection, row: dict[str, Any]) -> bool:
        """Insert a user; False when the username is taken (also by a concurrent insert)."""
        try:
            with conn.begin_nested():
                conn.execute(t.users.insert(), [row])
        except IntegrityError:
            return False
        return True

    def user_by_name(self, conn: Connection, username: str) -> UserRecord | None:
        row = conn.execute(select(t.users).where(t.users.c.username == username)).first()
        return _user(row) if row else None

    def user_by_id(self, conn: Connection, user_id: str) -> UserRecord | None:
        row = conn.execute(select(t.users).where(t.users.c.id == user_id)).first()
        return _user(row) if row else None

    def users(self, conn: Connection) -> list[UserRecord]:
        return [_user(r) for r in conn.execute(select(t.users).order_by(t.users.c.username))]

    def update_user(self, conn: Connection, user_id: str, values: dict[str, Any]) -> None:
        conn.execute(update(t.users).where(t.users.c.id == user_id).values(**values))

    def delete_user(self, conn: Connection, user_id: str) -> None:
        conn.execute(delete(t.api_tokens).where(t.api_tokens.c.user_id == user_id))
        conn.execute(delete(t.users).where(t.users.c.id == user_id))

    def insert_token(self, conn: Connection, row: dict[str, Any]) -> None:
        conn.execute(t.api_tokens.insert(), [row])

    def user_by_token_hash(self, conn: Connection, token_hash: str) -> tuple[UserRecord, str] | None:
        row = conn.execute(
            select(t.users, t.api_tokens.c.id.label("token_id"))
            .join(t.api_tokens, t.api_tokens.c.user_id == t.users.c.id)
            .where(t.api_tokens.c.token_hash == token_hash)
        ).first()
        return (_user(row), str(row.token_id)) if row else None

    def touch_token(self, conn: Connection, token_id: str, now: float) -> None:
        conn.execute(update(t.api_tokens).where(t.api_tokens.c.id == token_id).values(last_used_at=now))

    def tokens(self, conn: Connection, user_id: str) -> list[TokenRecord]:
        query = select(t.api_tokens).where(t.api_tokens.c.user_id == user_id).order_by(t.api_tokens.c.created_at)
        return [_token(r) for r in conn.execute(query)]

    def setting(self, conn: Connection, key: str) -> str | None:
        value = conn.execute(select(t.settings.c.value).where(t.settings.c.key == key)).scalar()
        return str(value) if value is not None else None

    def insert_setting(self, conn: Connection, key: str, value: str) -> bool:
        """Insert a setting unless another process did first; True when this value was stored."""
        try:
            with conn.begin_nested():
                conn.execute(t.settings.insert(), [{"key": key, "value": value}])
        except IntegrityError:
            return False
        return True
