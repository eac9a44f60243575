"""Users, roles, passwords and API tokens: who may look at and change what.

Roles are ordered: ``viewer`` reads everything, ``operator`` also starts,
retries, cancels, edits variables and works user tasks, ``admin`` also
deploys. Passwords are hashed with argon2id; API tokens are random and only
their SHA-256 is stored, so a copy of the database reveals neither.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from engine.store.accounts import AccountStore, TokenRecord, UserRecord
from engine.store.database import Connection, Database
from steadyflow.errors import ConflictError, InvalidInputError, NotFoundError

T = TypeVar("T")

ROLES = ("viewer", "operator", "admin")
ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}
MIN_PASSWORD_LENGTH = 8
TOKEN_PREFIX = "sft_"
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
_VERIFIED_TTL_S = 300.0
"""How long a verified basic-auth password is remembered, so API clients are not slowed by argon2 per call."""


def role_allows(role: str, needed: str) -> bool:
    """True when ``role`` is at least ``needed`` (viewer < operator < admin)."""
    return ROLE_RANK.get(role, -1) >= ROLE_RANK[needed]


def check_role(role: str) -> str:
    if role not in ROLE_RANK:
        raise InvalidInputError(f"role {role!r} does not exist; use one of {', '.join(ROLES)}")
    return role


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInputError(f"the password is too short: use at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > 1024:
        raise InvalidInputError("the password is too long: use at most 1024 characters")
    return password


def new_password() -> str:
    """A random password people can type: 20 characters from an unambiguous alphabet."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(20))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Accounts:
    """Account operations over one database; thread-safe."""

    def __init__(self, db: Database, hasher: PasswordHasher | None = None) -> None:
        self.db = db
        self.store = AccountStore()
        self.hasher = hasher or PasswordHasher()
        self._dummy_hash = self.hasher.hash(secrets.token_hex(16))
        self._cache_key = secrets.token_bytes(32)
        self._verified: dict[str, float] = {}
        self._lock = threading.Lock()

    def _write(self, work: Callable[[Connection], T], what: str) -> T:
        def attempt() -> T:
            with self.db.write() as conn:
                return work(conn)

        return self.db.retrying(attempt, what=what)

    # -- users -----------------------------------------------------------------
    def add_user(self, username: str, role: str, password: str | None = None) -> tuple[UserRecord, str]:
        """Create a user; returns it and its password (generated when none is given)."""
        if not _USERNAME.match(username):
            raise InvalidInputError(
                f"username {username!r} is not allowed: use 1-64 letters, digits, '_', '.', '@' or '-'"
            )
        check_role(role)
        secret = check_password(password) if password is not None else new_password()
        now = time.time()
        row = {
            "id": str(uuid.uuid4()),
            "username": username,
            "password_hash": self.hasher.hash(secret),
            "role": role,
            "must_change_password": False,
            "created_at": now,
            "password_changed_at": now,
        }
        if not self._write(lambda conn: self.store.insert_user(conn, row), f"add user {username}"):
            raise ConflictError(f"user {username!r} already exists; remove it first or pick another name")
        return self.user(username), secret

    def bootstrap_admin(self, username: str = "admin") -> str | None:
        """With no users at all, create an admin with a one-time password and return it; else None."""

        def work(conn: Connection) -> str | None:
            if self.store.count_users(conn) > 0:
                return None
            secret = new_password()
            now = time.time()
            row = {
                "id": str(uuid.uuid4()),
                "username": username,
                "password_hash": self.hasher.hash(secret),
                "role": "admin",
                "must_change_password": True,
                "created_at": now,
                "password_changed_at": now,
            }
            return secret if self.store.insert_user(conn, row) else None

        return self._write(work, "create the first admin")

    def user(self, username: str) -> UserRecord:
        with self.db.read() as conn:
            found = self.store.user_by_name(conn, username)
        if found is None:
            raise NotFoundError(f"user {username!r} does not exist; list users with 'steadyflow users list'")
        return found

    def user_by_id(self, user_id: str) -> UserRecord | None:
        with self.db.read() as conn:
            return self.store.user_by_id(conn, user_id)

    def users(self) -> list[UserRecord]:
        with self.db.read() as conn:
            return self.store.users(conn)

    def count_users(self) -> int:
        with self.db.read() as conn:
            return self.store.count_users(conn)

    def remove_user(self, username: str) -> None:
        user = self.user(username)

        def work(conn: Connection) -> None:
            admins = [u for u in self.store.users(conn) if u.role == "admin"]
            if user.role == "admin" and len(admins) <= 1:
                raise ConflictError(f"{username!r} is the last admin; add another admin before removing it")
            self.store.delete_user(conn, user.id)

        self._write(work, f"remove user {username}")

    def set_password(self, username: str, password: str, *, must_change: bool = False) -> None:
        user = self.user(username)
        values = {
            "password_hash": self.hasher.hash(check_password(password)),
            "must_change_password": must_change,
            "password_changed_at": time.time(),
        }
        self._write(lambda conn: self.store.update_user(conn, user.id, values), f"set the password of {username}")

    # -- authentication --------------------------------------------------------
    def authenticate(self, username: str, password: str) -> UserRecord | None:
        """The user when ``password`` is theirs, else None (same work either way, no user enumeration)."""
        with self.db.read() as conn:
            user = self.store.user_by_name(conn, username)
        if user is None:
            self._verify(self._dummy_hash, password)
            return None
        key = hmac.new(self._cache_key, f"{user.password_hash}\0{password}".encode(), "sha256").hexdigest()
        now = time.monotonic()
        with self._lock:
            if self._verified.get(key, 0.0) > now:
                return user
        if not self._verify(user.password_hash, password):
            return None
        with self._lock:
            if len(self._verified) > 10_000:
                self._verified.clear()
            self._verified[key] = now + _VERIFIED_TTL_S
        return user

    def _verify(self, hashed: str, password: str) -> bool:
        try:
            return bool(self.hasher.verify(hashed, password))
        except (VerificationError, InvalidHashError):
            return False

    # -- API tokens ------------------------------------------------------------
    def issue_token(self, username: str, name: str = "api") -> str:
        """A new bearer token for ``username``; shown once, only its hash is stored."""
        user = self.user(username)
        label = name.strip()[:64] or "api"
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        row = {
            "id": str(uuid.uuid4()),
            "user_id": user.id,
            "name": label,
            "token_hash": token_hash(token),
            "created_at": time.time(),
            "last_used_at": None,
        }
        self._write(lambda conn: self.store.insert_token(conn, row), f"issue a token for {username}")
        return token

    def user_for_token(self, token: str) -> UserRecord | None:
        if not token.startswith(TOKEN_PREFIX):
            return None
        with self.db.read() as conn:
            found = self.store.user_by_token_hash(conn, token_hash(token))
        return found[0] if found else None

    def user_for_token_hash(self, digest: str) -> UserRecord | None:
        """The user of the API token with this hash, while that token exists (access tokens name it so)."""
        with self.db.read() as conn:
            found = self.store.user_by_token_hash(conn, digest)
        return found[0] if found else None

    def tokens(self, username: str) -> list[TokenRecord]:
        user = self.user(username)
        with self.db.read() as conn:
            return self.store.tokens(conn, user.id)

    # -- settings --------------------------------------------------------------
    def shared_secret(self, key: str) -> str:
        """A random secret shared by every server on this database (created by the first to ask)."""
        with self.db.read() as conn:
            found = self.store.setting(conn, key)
        if found is not None:
            return found
        candidate = secrets.token_hex(32)

        def work(conn: Connection) -> str:
            self.store.insert_setting(conn, key, candidate)
            stored = self.store.setting(conn, key)
            assert stored is not None
            return stored

        return self._write(work, f"create setting {key}")


__all__ = ["ROLES", "Accounts", "TokenRecord", "UserRecord", "check_role", "role_allows"]
