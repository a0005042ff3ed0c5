"""Where homes are (census areas, deprivation) and what they are built of (stock facts)."""
