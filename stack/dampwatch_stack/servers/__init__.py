"""Run private Mosquitto and InfluxDB 1.x processes with generated configs in one data directory."""

from dampwatch_stack.servers.influx import InfluxQueryError, InfluxServer, quote_ident
from dampwatch_stack.servers.mosquitto import MosquittoServer
from dampwatch_stack.servers.process import ServerStartError, find_binary, free_port

__all__ = [
    "InfluxQueryError",
    "InfluxServer",
    "MosquittoServer",
    "ServerStartError",
    "find_binary",
    "free_port",
    "quote_ident",
]
