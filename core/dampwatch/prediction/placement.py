"""Where to place the next sensors, and which homes to visit first.

Placement rule (explainable to a board): among homes without sensors, take the home with the
highest predicted risk weighted by how little its area is known, one at a time:

    priority = p × 1 / sqrt(1 + m_area)

where p is the home's calibrated probability of a hazard (either kind) and m_area counts the
sensors in its MSOA, those already there plus those this plan has placed. A sensor in a
high-risk home finds a hazard most often (p); the weight spreads sensors over areas the model
has seen least, where each new outcome sharpens the area rate for every neighbour. The square
root halves an area's weight only when four sensors are there, so risk still leads.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from dampwatch.prediction.features import FloatArray

NO_AREA = "(no area)"


@dataclass(frozen=True, slots=True)
class Placement:
    """One home chosen for a sensor, in the order chosen, with why."""

    rank: int
    home_id: str
    area: str
    probability: float
    area_sensors_before: int
    priority: float


def either_hazard(damp: FloatArray, cold: FloatArray) -> FloatArray:
    """P(damp or cold), taking the two as independent given the facts (an approximation)."""
    return 1.0 - (1.0 - damp) * (1.0 - cold)


def coverage_weight(sensors: int) -> float:
    """How much an area's unknowns add to a home's priority: 1 with none, 1/2 with three."""
    return float(1.0 / np.sqrt(1.0 + sensors))


def place_sensors(
    home_ids: Sequence[str],
    areas: Sequence[str | None],
    probability: FloatArray,
    monitored: Mapping[str, int],
    count: int,
) -> list[Placement]:
    """The next `count` homes for sensors (greedy on priority; ties to the lower home id)."""
    queues: dict[str, list[tuple[float, str]]] = {}
    for home_id, area, p in zip(home_ids, areas, probability, strict=True):
        queues.setdefault(area or NO_AREA, []).append((-float(p), home_id))
    for queue in queues.values():
        heapq.heapify(queue)
    placed = {area: int(monitored.get(area, 0)) for area in queues}
    best = [
        (queue[0][0] * coverage_weight(placed[area]), queue[0][1], area)
        for area, queue in queues.items()
    ]
    heapq.heapify(best)
    plan: list[Placement] = []
    while best and len(plan) < count:
        negative_priority, home_id, area = heapq.heappop(best)
        negative_p, _ = heapq.heappop(queues[area])
        plan.append(
            Placement(len(plan) + 1, home_id, area, -negative_p, placed[area], -negative_priority)
        )
        placed[area] += 1
        if queues[area]:
            head_p, head_id = queues[area][0]
            heapq.heappush(best, (head_p * coverage_weight(placed[area]), head_id, area))
    return plan


def visit_first(home_ids: Sequence[str], probability: FloatArray, top: int) -> list[int]:
    """Indices of the `top` homes by probability, highest first (ties to the lower home id)."""
    order = sorted(range(len(home_ids)), key=lambda i: (-float(probability[i]), home_ids[i]))
    return order[:top]
