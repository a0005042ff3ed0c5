"""Run private Mosquitto and InfluxDB 1.x processes with generated configs in one data directory."""

from dampwatch.servers.influx import InfluxQueryError, InfluxServer, quote_ident
from dampwatch.servers.mosquitto import MosquittoServer
from dampwatch.servers.process import ServerStartError, find_binary, free_port

__all__ = [
    "InfluxQueryError",
    "InfluxServer",
    "MosquittoServer",
    "ServerStartError",
    "find_binary",
    "free_port",
    "quote_ident",
]
