"""Short-lived OAuth 2.0 access tokens, exchanged for an API token (client credentials grant).

Camunda 8 clients configured for OAuth send a client id and secret to a token
endpoint and then a bearer access token with every request. Here the client id
is a user name and the secret one of that user's API tokens; the access token is
``sfat_<payload>.<signature>``: the payload names the API token by its hash and
says when it expires, the signature is an HMAC with a key shared by every server
on the database (``Accounts.shared_secret``). Nothing is stored per access
token, and removing the API token (or its user) ends every access token made
from it, because each use looks the API token up again.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Callable

from engine.accounts import Accounts, UserRecord, token_hash

ACCESS_PREFIX = "sfat_"
LIFETIME_S = 3600
SIGNING_KEY_SETTING = "oauth_access_token_key"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class AccessTokens:
    """Issue and check access tokens for the users of one database; thread-safe."""

    def __init__(self, accounts: Accounts, clock: Callable[[], float] = time.time) -> None:
        self.accounts = accounts
        self.clock = clock
        self._key: bytes | None = None

    def _signing_key(self) -> bytes:
        if self._key is None:
            self._key = self.accounts.shared_secret(SIGNING_KEY_SETTING).encode("ascii")
        return self._key

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._signing_key(), payload.encode("utf-8", "replace"), hashlib.sha256).digest())

    def issue(self, client_id: str, client_secret: str) -> str | None:
        """An access token if ``client_secret`` is an API token of user ``client_id``; None otherwise."""
        user = self.accounts.user_for_token(client_secret)
        if user is None or not hmac.compare_digest(user.username.encode(), client_id.encode()):
            return None
        claims = {"h": token_hash(client_secret), "exp": int(self.clock()) + LIFETIME_S}
        payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
        return f"{ACCESS_PREFIX}{payload}.{self._sign(payload)}"

    def user_for(self, access_token: str) -> UserRecord | None:
        """The user an access token stands for, if it is ours, unexpired and its API token still exists."""
        if not access_token.startswith(ACCESS_PREFIX):
            return None
        payload, dot, signature = access_token[len(ACCESS_PREFIX) :].partition(".")
        if not dot or not hmac.compare_digest(signature.encode(), self._sign(payload).encode()):
            return None
        try:
            claims = json.loads(_unb64(payload))
        except (binascii.Error, ValueError):
            return None
        if not isinstance(claims, dict) or not isinstance(claims.get("exp"), int) or claims["exp"] <= self.clock():
            return None
        digest = claims.get("h")
        return self.accounts.user_for_token_hash(digest) if isinstance(digest, str) else None


__all__ = ["ACCESS_PREFIX", "LIFETIME_S", "AccessTokens"]
