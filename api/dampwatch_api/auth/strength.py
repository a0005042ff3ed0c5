"""Whether a password is strong enough: long, and not guessable (zxcvbn, Dropbox's estimator).

zxcvbn knows common passwords, words, names, keyboard walks, dates and l33t substitutions, so
`admin`, `password1` and `Tr0ub4dor` are weak however they are dressed up.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from zxcvbn import zxcvbn

MIN_LENGTH: Final = 12
MIN_SCORE: Final = 3  # of 0-4: "safely unguessable: moderate protection from offline attack"
# zxcvbn's cost grows with length; beyond this a password is judged on its first characters.
MEASURED_CHARACTERS: Final = 100
PRODUCT: Final = "dampwatch"
MIN_WORD: Final = 4  # shorter names than this are found inside strong passwords by chance


def weakness(password: str, related: Iterable[str] = ()) -> str | None:
    """Why the password is too weak, in words that never repeat it; None when it is strong."""
    if len(password) < MIN_LENGTH:
        return f"it must be at least {MIN_LENGTH} characters long"
    words = [PRODUCT, *(word for word in related if len(word) >= MIN_WORD)]
    if any(word.lower() in password.lower() for word in words):
        return "it must not contain the username or the product's name"
    result = zxcvbn(password[:MEASURED_CHARACTERS], user_inputs=words)
    if int(result["score"]) < MIN_SCORE:
        warning = str(result.get("feedback", {}).get("warning") or "it is easy to guess")
        return warning.rstrip(".").lower()
    return None
