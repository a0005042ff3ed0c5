"""The assessment job: hourly aggregates from InfluxDB → indicators, alerts and risk series."""
