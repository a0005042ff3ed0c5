"""The registry: homes, rooms, devices, gateways, tenants with consent, users and API keys."""
