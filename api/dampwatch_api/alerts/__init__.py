"""Alerts: SQL models, the lifecycle with its audit trail, the statutory clock and the board."""
