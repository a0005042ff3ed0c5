"""Platform API: registry, readings, risk, alerts, tenant and officer pages, assessment job."""
