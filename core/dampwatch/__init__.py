"""dampwatch core: the v1 contract, the building physics and the pieces every deployable shares."""

__version__ = "0.1.0"
