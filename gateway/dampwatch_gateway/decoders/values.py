"""Reading numbers out of JSON the way cheap firmware writes them."""

from __future__ import annotations

import json
import math
from typing import Any

from dampwatch_gateway.samples import DecodeError


def finite_number(value: Any) -> float | None:
    """A finite number from a JSON number or a numeric string ("37.00"); None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def json_object(payload: bytes) -> dict[str, Any]:
    """A JSON object from a message payload, or a DecodeError with the reason."""
    try:
        document = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise DecodeError("not_json", str(error)[:120]) from None
    if not isinstance(document, dict):
        raise DecodeError("not_json", f"expected a JSON object, got {type(document).__name__}")
    return document
