"""Short-lived JWT access tokens (HS256) for people who signed in with a password."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt

ALGORITHM = "HS256"
ISSUER = "dampwatch"


class TokenError(ValueError):
    """The token is malformed, forged or expired."""


def create_access_token(username: str, secret_key: str, lifetime_s: int) -> str:
    """A signed token naming `username`, valid for `lifetime_s` seconds."""
    now = datetime.now(UTC)
    claims = {
        "sub": username,
        "iss": ISSUER,
        "iat": now,
        "exp": now + timedelta(seconds=lifetime_s),
    }
    return jwt.encode(claims, secret_key, algorithm=ALGORITHM)


def username_from_token(token: str, secret_key: str) -> str:
    """The username a valid token names, or TokenError."""
    try:
        claims = jwt.decode(
            token,
            secret_key,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["sub", "exp", "iat", "iss"]},
        )
    except jwt.PyJWTError as error:
        raise TokenError(str(error)) from error
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise TokenError("token has no subject")
    return subject
