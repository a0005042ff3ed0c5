"""Pure assessment models: surface conditions, indicators, device health, rules and priority."""
