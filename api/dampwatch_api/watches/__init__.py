"""Watches: rooms whose projection reaches a hazard rule within days, before any alert."""
