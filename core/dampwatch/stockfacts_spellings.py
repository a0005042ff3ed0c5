"""The EPC register's spellings of stock facts, mapped onto our vocabulary.

The register describes walls and heating in free text ("Cavity wall, as built, insulated
(assumed)", "Boiler and radiators, mains gas"); these patterns read the common descriptions and
leave the rest to be reported, never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import StrEnum
from typing import Final, TypeVar

E = TypeVar("E", bound=StrEnum)

# Cells that say "unknown" in the register's or a spreadsheet's words: the fact stays None.
UNKNOWN_SPELLINGS: Final = frozenset(
    {"", "unknown", "no data!", "invalid!", "not recorded", "n/a", "na", "none recorded", "-"}
)
AGE_SPELLINGS: Final = {
    "pre 1900": "before 1900",
    "pre-1900": "before 1900",
    "2012+": "2012 onwards",
    "2012 or later": "2012 onwards",
}
# (pattern over the folded description, value); the first that matches wins.
WALL_PATTERNS: Final[Sequence[tuple[str, str]]] = (
    (r"^cavity wall.*\bno insulation\b", "cavity uninsulated"),
    (
        r"^cavity wall.*(filled cavity|\binsulated\b|internal insulation|external insul)",
        "cavity insulated",
    ),
    (r"^solid brick.*\bno insulation\b", "solid brick"),
    (r"^solid brick.*(\binsulated\b|internal insulation|external insul)", "solid brick insulated"),
    (r"^(sandstone|limestone|granite|whinstone|stone)\b", "stone"),
    (r"^timber frame\b", "timber frame"),
    (r"^system built\b", "system built"),
    (r"^cob\b", "cob"),
    (r"^park home wall", "park home"),
)
HEATING_PATTERNS: Final[Sequence[tuple[str, str]]] = (
    (r"heat pump", "heat pump"),
    (r"^community scheme|district heat", "district"),
    (r"^no system present", "none"),
    (r"^electric storage heaters|storage heaters", "electric storage"),
    (r"^boiler and (radiators|underfloor heating), mains gas", "gas boiler"),
    (r"^boiler and (radiators|underfloor heating), oil", "oil"),
    (r"^boiler and (radiators|underfloor heating), lpg", "lpg"),
    (r"(coal|anthracite|smokeless fuel|wood logs|wood pellets|dual fuel)", "solid fuel"),
    (
        r"^(room heaters, electric|electric underfloor|boiler and radiators, electric)",
        "electric direct",
    ),
)


def _fold(text: str) -> str:
    """Lower case with single spaces."""
    return re.sub(r"\s+", " ", text.strip().lower())


def spelled(kind: type[E], text: str, patterns: Sequence[tuple[str, str]]) -> E:
    """The member whose value is `text`, else the first pattern's; ValueError when none fits."""
    folded = _fold(text)
    for member in kind:
        if folded in (member.value, member.value.replace("-", " ")):
            return member
    for pattern, value in patterns:
        if re.search(pattern, folded):
            return kind(value)
    raise ValueError(text)
