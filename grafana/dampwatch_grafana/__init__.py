"""Grafana boards as code: datasource provisioning, dashboards generated from Python, publishing."""
