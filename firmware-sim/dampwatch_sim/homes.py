"""Homes and their rooms as parameter arrays, drawn per archetype with a spread.

Fabric and ventilation values follow the usual UK ranges: U-values of about 0.3–0.6 W/(m²K) for
insulated cavity walls and 1.5–2.1 for solid walls (BRE, SAP 10.2 Appendix S), windows 1.4–2.8
(double glazing); thermal mass per floor area from ISO 13790 Table 12 (light 80, medium 165,
heavy 260 kJ/(m²K)); the air–mass coupling h_ms = 9.1 W/(m²K) over 2.5 times the floor area
(ISO 13790 §12.2.2); air change rates 0.15–0.35 /h for a sealed, unventilated home and 0.5–1 /h for
a ventilated one (BS 5250:2021, Approved Document F), a bathroom extract fan of 15 l/s and a kitchen
hood of 30 l/s (Approved Document F, Table 1.1). Cold-wall temperature factors f_Rsi: 0.75 is the UK
design minimum (BRE IP1/06); poorly insulated solid walls, corners and lintels sit at 0.5–0.65.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from dampwatch.psychrometrics_array import FloatArray
from dampwatch_sim.names import (
    BATHROOM,
    BEDROOM_PREFIX,
    COLD,
    DAMP,
    KIND_BATHROOM,
    KIND_BEDROOM,
    KIND_KITCHEN,
    KIND_LIVING,
    KITCHEN,
    LIVING_ROOM,
    OVERHEATING,
)

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

AIR_HEAT_CAPACITY_J_M3K = 1.2 * 1005.0
FURNISHING_FACTOR = 4.0  # furniture and surface layers that follow the air within minutes
H_MS_W_M2K = 9.1
MASS_AREA_RATIO = 2.5
CEILING_HEIGHT_M = 2.4
FLOOR_AREAS_M2 = {KIND_LIVING: 16.0, KIND_KITCHEN: 9.0, KIND_BATHROOM: 5.0, KIND_BEDROOM: 11.0}
EXTERNAL_WALL_M2 = {KIND_LIVING: 11.0, KIND_KITCHEN: 7.0, KIND_BATHROOM: 5.0, KIND_BEDROOM: 8.0}
WINDOW_M2 = {KIND_LIVING: 2.6, KIND_KITCHEN: 1.2, KIND_BATHROOM: 0.6, KIND_BEDROOM: 1.6}
# Air exchanged with the rest of the home through doorways, /h: bathroom and bedroom doors are
# mostly shut, living room and kitchen doors mostly open.
INTERZONE_ACH = {KIND_LIVING: 1.5, KIND_KITCHEN: 1.5, KIND_BATHROOM: 0.5, KIND_BEDROOM: 0.8}
BATHROOM_FAN_L_S = 15.0
KITCHEN_HOOD_L_S = 30.0


@dataclass(frozen=True, slots=True)
class Home:
    """One simulated home: its id, archetype, rooms and the indices of its rooms in the table."""

    home_id: str
    archetype: str
    traits: frozenset[str]
    rooms: tuple[str, ...]
    room_index: tuple[int, ...]
    occupants: int
    works_away: bool
    heated: bool


@dataclass(slots=True)
class RoomTable:
    """Every room of every home as parallel arrays: the unit the physics vectorises over."""

    home: IntArray
    kind: IntArray
    volume_m3: FloatArray
    floor_m2: FloatArray
    h_window_w_k: FloatArray
    h_fabric_w_k: FloatArray
    h_air_mass_w_k: FloatArray
    c_air_j_k: FloatArray
    c_mass_j_k: FloatArray
    ach_base: FloatArray
    ach_interzone: FloatArray
    ach_window: FloatArray
    window_open_c: FloatArray
    extract_boost_ach: FloatArray
    f_rsi: FloatArray
    set_point_c: FloatArray
    setback_c: FloatArray
    heater_w: FloatArray
    solar_m2: FloatArray
    sleepers: FloatArray
    clothes_drying: BoolArray


@dataclass(slots=True)
class HomeTable:
    """Per-home behaviour parameters the schedules read."""

    occupants: IntArray
    works_away: BoolArray
    heated: BoolArray
    heating_blocks: IntArray  # 0 none, 1 evening only, 2 morning and evening, 3 all day
    drying_days_per_week: FloatArray
    shower_probability: FloatArray
    shower_grams: FloatArray
    cooking_scale: FloatArray
    extra: dict[str, FloatArray] = field(default_factory=dict)


def room_names(bedrooms: int) -> tuple[str, ...]:
    """The rooms of a home with `bedrooms` bedrooms, in table order."""
    beds = tuple(f"{BEDROOM_PREFIX}{number}" for number in range(1, bedrooms + 1))
    return (LIVING_ROOM, KITCHEN, BATHROOM, *beds)


def room_kind(name: str) -> int:
    """The kind index of a room slug."""
    if name == LIVING_ROOM:
        return KIND_LIVING
    if name == KITCHEN:
        return KIND_KITCHEN
    if name == BATHROOM:
        return KIND_BATHROOM
    return KIND_BEDROOM


def _draw_home(rng: np.random.Generator, traits: frozenset[str]) -> dict[str, float]:
    """One home's parameters: healthy defaults, then each trait's overrides."""
    damp, cold, hot = DAMP in traits, COLD in traits, OVERHEATING in traits
    values = {
        "bedrooms": float(rng.integers(1, 4)),
        "occupants": float(rng.integers(1, 5)),
        "works_away": float(rng.random() < 0.55),
        "u_wall": rng.uniform(0.3, 0.7),
        "u_window": rng.uniform(1.4, 2.8),
        "mass_kj_m2k": rng.choice([80.0, 165.0, 260.0]),
        "ach": rng.uniform(0.5, 1.0),
        "f_rsi": rng.uniform(0.76, 0.9),
        "bathroom_fan": float(rng.random() < 0.9),
        "kitchen_hood": float(rng.random() < 0.8),
        "set_point": rng.uniform(19.5, 21.5),
        "setback": rng.uniform(15.0, 17.0),
        "heated": 1.0,
        "heating_blocks": 2.0,
        "drying_days": rng.uniform(0.0, 0.7),
        "shower_probability": rng.uniform(0.6, 0.9),
        "shower_grams": rng.uniform(250.0, 400.0),
        "cooking_scale": rng.uniform(0.7, 1.2),
        "solar_m2": rng.uniform(0.1, 0.25),
        "top_floor": float(rng.random() < 0.2),
        "window_ach": rng.uniform(2.0, 4.0),
        "window_open_c": rng.uniform(23.0, 25.0),
    }
    if damp:
        values |= {
            "bedrooms": float(rng.integers(1, 3)),
            "occupants": float(rng.integers(2, 6)),
            "u_wall": rng.uniform(1.5, 2.1),
            "u_window": rng.uniform(2.8, 4.8),
            "ach": rng.uniform(0.25, 0.45),
            "f_rsi": rng.uniform(0.5, 0.65),
            "bathroom_fan": float(rng.random() < 0.2),
            "kitchen_hood": float(rng.random() < 0.3),
            "set_point": rng.uniform(18.0, 19.5),
            "heating_blocks": float(rng.choice([1, 2])),
            "drying_days": rng.uniform(3.0, 6.0),
            "shower_grams": rng.uniform(350.0, 500.0),
            "cooking_scale": rng.uniform(1.0, 1.6),
            "window_ach": rng.uniform(0.5, 1.5),
            "window_open_c": rng.uniform(25.0, 27.0),
        }
    if cold:
        heated = rng.random() < 0.6
        values |= {
            "occupants": float(rng.integers(1, 3)) if not damp else values["occupants"],
            "works_away": 0.0,
            "u_wall": max(values["u_wall"], rng.uniform(1.2, 2.1)),
            "f_rsi": min(values["f_rsi"], rng.uniform(0.65, 0.78)),
            "set_point": rng.uniform(14.0, 16.5),
            "setback": rng.uniform(8.0, 12.0),
            "heated": float(heated),
            "heating_blocks": 1.0 if heated else 0.0,
        }
    if hot:
        values |= {
            "top_floor": 1.0,
            "solar_m2": rng.uniform(0.45, 0.8),
            "window_ach": rng.uniform(0.5, 1.0),  # single aspect: no cross ventilation
            "ach": rng.uniform(0.3, 0.6),
            "mass_kj_m2k": 80.0,
            "u_wall": rng.uniform(0.2, 0.4),
            "works_away": 0.0,
        }
    return values


def build_tables(
    home_ids: list[str], archetypes: list[str], rng: np.random.Generator
) -> tuple[list[Home], HomeTable, RoomTable]:
    """Draw every home's parameters and lay their rooms out as arrays."""
    homes: list[Home] = []
    per_home: list[dict[str, float]] = []
    rows: list[dict[str, float]] = []
    for number, (home_id, archetype) in enumerate(zip(home_ids, archetypes, strict=True)):
        traits = frozenset(archetype.split("+"))
        values = _draw_home(rng, traits)
        per_home.append(values)
        names = room_names(int(values["bedrooms"]))
        first = len(rows)
        for name in names:
            rows.append(_room_row(rng, number, name, values))
        _assign_sleepers(rows[first:], int(values["occupants"]))
        homes.append(
            Home(
                home_id,
                archetype,
                traits,
                names,
                tuple(range(first, len(rows))),
                int(values["occupants"]),
                bool(values["works_away"]),
                bool(values["heated"]),
            )
        )
    return homes, _home_table(per_home), _room_table(rows)


def _room_row(
    rng: np.random.Generator, home: int, name: str, values: dict[str, float]
) -> dict[str, float]:
    kind = room_kind(name)
    floor = FLOOR_AREAS_M2[kind] * rng.uniform(0.8, 1.25)
    volume = floor * CEILING_HEIGHT_M
    wall = EXTERNAL_WALL_M2[kind] * rng.uniform(0.7, 1.3)
    window = WINDOW_M2[kind] * rng.uniform(0.8, 1.2)
    roof_loss = values["top_floor"] * floor * 0.35  # a roof at about 0.35 W/(m²K)
    h_fabric = values["u_wall"] * wall + roof_loss + 0.25 * floor * 0.5  # floor/party losses
    ach = values["ach"] * rng.uniform(0.85, 1.15)
    boost = 0.0
    if kind == KIND_BATHROOM and values["bathroom_fan"]:
        boost = BATHROOM_FAN_L_S * 3.6 / volume
    if kind == KIND_KITCHEN and values["kitchen_hood"]:
        boost = KITCHEN_HOOD_L_S * 3.6 / volume
    h_fabric_design = h_fabric + values["u_window"] * window + 0.335 * ach * volume
    heater = 2.0 * h_fabric_design * (21.0 + 3.0)  # radiators sized with a margin for -3 °C
    f_rsi = values["f_rsi"] - rng.uniform(0.0, 0.05)  # corners and lintels of this room
    return {
        "home": float(home),
        "kind": float(kind),
        "volume": volume,
        "floor": floor,
        "h_window": values["u_window"] * window,
        "h_fabric": h_fabric,
        "h_air_mass": H_MS_W_M2K * MASS_AREA_RATIO * floor,
        "c_air": AIR_HEAT_CAPACITY_J_M3K * volume * FURNISHING_FACTOR,
        "c_mass": values["mass_kj_m2k"] * 1000.0 * floor,
        "ach": ach,
        "interzone": INTERZONE_ACH[kind],
        "ach_window": values["window_ach"],
        "window_open_c": values["window_open_c"],
        "boost": boost,
        "f_rsi": float(np.clip(f_rsi, 0.3, 0.95)),
        "set_point": values["set_point"] - (1.0 if kind == KIND_BEDROOM else 0.0),
        "setback": values["setback"],
        "heater": heater if values["heated"] else 0.0,
        "solar": values["solar_m2"] * (0.3 if kind == KIND_BATHROOM else 1.0),
        "sleepers": 0.0,
        "drying": 0.0,
    }


def _assign_sleepers(rows: list[dict[str, float]], occupants: int) -> None:
    """Two share the first bedroom, the rest spread over the others; washing dries in the lounge."""
    bedrooms = [row for row in rows if row["kind"] == KIND_BEDROOM]
    for person in range(occupants):
        target = 0 if person < 2 else 1 + (person - 2) % max(1, len(bedrooms) - 1)
        bedrooms[min(target, len(bedrooms) - 1)]["sleepers"] += 1.0
    rows[0]["drying"] = 1.0


def _room_table(rows: list[dict[str, float]]) -> RoomTable:
    def column(name: str) -> FloatArray:
        return np.array([row[name] for row in rows], dtype=np.float64)

    return RoomTable(
        home=column("home").astype(np.int64),
        kind=column("kind").astype(np.int64),
        volume_m3=column("volume"),
        floor_m2=column("floor"),
        h_window_w_k=column("h_window"),
        h_fabric_w_k=column("h_fabric"),
        h_air_mass_w_k=column("h_air_mass"),
        c_air_j_k=column("c_air"),
        c_mass_j_k=column("c_mass"),
        ach_base=column("ach"),
        ach_interzone=column("interzone"),
        ach_window=column("ach_window"),
        window_open_c=column("window_open_c"),
        extract_boost_ach=column("boost"),
        f_rsi=column("f_rsi"),
        set_point_c=column("set_point"),
        setback_c=column("setback"),
        heater_w=column("heater"),
        solar_m2=column("solar"),
        sleepers=column("sleepers"),
        clothes_drying=column("drying") > 0,
    )


def _home_table(per_home: list[dict[str, float]]) -> HomeTable:
    def column(name: str) -> FloatArray:
        return np.array([values[name] for values in per_home], dtype=np.float64)

    return HomeTable(
        occupants=column("occupants").astype(np.int64),
        works_away=column("works_away") > 0,
        heated=column("heated") > 0,
        heating_blocks=column("heating_blocks").astype(np.int64),
        drying_days_per_week=column("drying_days"),
        shower_probability=column("shower_probability"),
        shower_grams=column("shower_grams"),
        cooking_scale=column("cooking_scale"),
    )
