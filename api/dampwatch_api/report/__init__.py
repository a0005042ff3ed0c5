"""The condition report: a home's conditions, flags and alert history over a period, as PDF."""
