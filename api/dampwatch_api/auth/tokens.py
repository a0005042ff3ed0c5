"""Short-lived JWT access tokens (HS256) for people who signed in with a password.

A token names its user by name and by row id (`uid`: a user deleted and created again under the
same name is another user), and carries the user's token version (`ver`): signing out or a new
password raises the version, which revokes every token issued before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

ALGORITHM = "HS256"
ISSUER = "dampwatch"


class TokenError(ValueError):
    """The token is malformed, forged or expired."""


@dataclass(frozen=True, slots=True)
class TokenClaims:
    """Who a valid token names."""

    username: str
    user_id: int
    version: int


def create_access_token(
    username: str, secret_key: str, lifetime_s: int, *, user_id: int, version: int = 0
) -> str:
    """A signed token naming the user, valid for `lifetime_s` seconds."""
    now = datetime.now(UTC)
    claims = {
        "sub": username,
        "uid": user_id,
        "ver": version,
        "iss": ISSUER,
        "iat": now,
        "exp": now + timedelta(seconds=lifetime_s),
    }
    return jwt.encode(claims, secret_key, algorithm=ALGORITHM)


def claims_of_token(token: str, secret_key: str) -> TokenClaims:
    """The user a valid token names, or TokenError."""
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
    return TokenClaims(subject, user_id, version)
