"""Container entrypoint: `dampwatch ARGS...` with a stable MQTT client id for each ingest replica.

With `docker compose up --scale ingest=3` every replica runs the same configuration, yet each needs
its own stable client id, because the broker keeps a persistent session (and queues that worker's
share of a shared subscription) per id. A replica's hostname is its container id, which changes when
the container is recreated and would orphan the old session with its queued messages. Its container
name (`dampwatch-ingest-2`) is stable: Docker's DNS returns it for the container's own address.
"""

from __future__ import annotations

import os
import re
import socket
import sys
from collections.abc import Callable, Sequence

CLIENT_ID_VARIABLE = "DAMPWATCH_INGEST_CLIENT_ID"
CLIENT_ID_PREFIX = "dampwatch-ingest"
_INVALID = re.compile(r"[^A-Za-z0-9_.-]+")
MAX_ID_LENGTH = 64


def _container_name(hostname: str) -> str | None:
    """The compose container name that Docker's DNS gives this container's address, if any."""
    try:
        address = socket.gethostbyname(hostname)
        name = socket.gethostbyaddr(address)[0]
    except OSError:
        return None
    label = name.split(".", 1)[0]
    return None if not label or label == hostname or label.replace("-", "").isdigit() else label


def ingest_client_id(hostname: str, lookup: Callable[[str], str | None] = _container_name) -> str:
    """`dampwatch-ingest-N` from the container name, else `dampwatch-ingest-{hostname}`."""
    name = lookup(hostname) or hostname
    if not name.startswith(CLIENT_ID_PREFIX):
        name = f"{CLIENT_ID_PREFIX}-{name}"
    return _INVALID.sub("-", name).strip("-._")[:MAX_ID_LENGTH]


def main(argv: Sequence[str]) -> int:
    """Exec `dampwatch` with argv, first deriving the ingest's client id when none is set."""
    if argv[:1] == ["ingest"] and not os.environ.get(CLIENT_ID_VARIABLE):
        os.environ[CLIENT_ID_VARIABLE] = ingest_client_id(socket.gethostname())
    os.execvp("dampwatch", ["dampwatch", *argv])  # noqa: S606
    return 1  # not reached: exec replaces this process


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
