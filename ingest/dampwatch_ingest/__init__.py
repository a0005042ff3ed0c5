"""MQTT-to-InfluxDB ingest: validate, derive, batch, write, then acknowledge."""
