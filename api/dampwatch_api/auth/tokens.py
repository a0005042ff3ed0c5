"""Short-lived JWT access tokens (HS256) for people who signed in with a password.

A token names its user by name and by row id (`uid`: a user deleted and created again under the
same name is another user), and carries the user's token version (`ver`): signing out or a new
password raises the version, which revokes every token issued before. It also names its sign-in
(`sid`, a random id, and `auth_time`), which a renewed token keeps: a page session renews while
in use, up to a fixed time after the password was given.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

ALGORITHM = "HS256"
ISSUER = "dampwatch"


class TokenError(ValueError):
    """The token is malformed, forged or expired."""


@dataclass(frozen=True, slots=True)
class TokenClaims:
    """What a valid token says: who, at which token version, which sign-in, since when."""

    username: str
    user_id: int
    version: int
    session_id: str
    signed_in_at: datetime
    issued_at: datetime
    expires_at: datetime


def create_access_token(
    username: str,
    secret_key: str,
    lifetime_s: int,
    *,
    user_id: int,
    version: int = 0,
    session_id: str | None = None,
    signed_in_at: datetime | None = None,
) -> str:
    """A signed token naming the user, valid for `lifetime_s` seconds (a new sign-in unless
    `session_id` and `signed_in_at` carry an earlier one on)."""
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": username,
        "uid": user_id,
        "ver": version,
        "iss": ISSUER,
        "iat": now,
        "exp": now + timedelta(seconds=lifetime_s),
        "sid": session_id or secrets.token_urlsafe(16),
        "auth_time": int((signed_in_at or now).timestamp()),
    }
    return jwt.encode(claims, secret_key, algorithm=ALGORITHM)


def token_claims(token: str, secret_key: str) -> TokenClaims:
    """The claims of a valid token, or TokenError."""
    try:
        claims = jwt.decode(
            token,
            secret_key,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["sub", "uid", "ver", "exp", "iat", "iss"]},
        )
    except jwt.PyJWTError as error:
        raise TokenError(str(error)) from error
    subject, user_id, version = claims.get("sub"), claims.get("uid"), claims.get("ver")
    if not isinstance(subject, str) or not subject:
        raise TokenError("token has no subject")
    if type(user_id) is not int or type(version) is not int:
        raise TokenError("token has no user id or version")
    issued = datetime.fromtimestamp(int(claims["iat"]), UTC)
    auth_time = claims.get("auth_time")
    return TokenClaims(
        username=subject,
        user_id=user_id,
        version=version,
        session_id=str(claims.get("sid") or ""),
        signed_in_at=datetime.fromtimestamp(auth_time, UTC) if type(auth_time) is int else issued,
        issued_at=issued,
        expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
    )


def session_id_of(token: str, secret_key: str) -> str:
    """The sign-in id of a token this site signed, expired or not (never for authentication)."""
    try:
        claims = jwt.decode(
            token,
            secret_key,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"verify_exp": False, "require": ["sid"]},
        )
    except jwt.PyJWTError as error:
        raise TokenError(str(error)) from error
    return str(claims["sid"])
