"""Benchmarks of the dampwatch ingest against real Mosquitto and InfluxDB processes.

Run `python -m bench.ingest_bench` from the repository root (`make bench`).
"""
