"""Find the Mosquitto 2.1 build with persist-sqlite that deploy/mosquitto/build-2.1.sh makes."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

MOSQUITTO_21_VERSION: Final = "2.1.2"
# A directory laid out as the build script leaves it: bin/mosquitto and lib/*.so.
MOSQUITTO_21_ENV: Final = "DAMPWATCH_TEST_MOSQUITTO_21"
# `make setup` builds into the checkout; an installed wheel has no such directory.
MOSQUITTO_21_CACHE: Final = (
    Path(__file__).resolve().parents[2] / ".cache" / f"mosquitto-{MOSQUITTO_21_VERSION}"
)
MOSQUITTO_21_MISSING: Final = (
    f"Mosquitto {MOSQUITTO_21_VERSION} with persist-sqlite is not built: run `make setup` "
    f"(deploy/mosquitto/build-2.1.sh), or set {MOSQUITTO_21_ENV} to a directory holding "
    "bin/mosquitto and lib/mosquitto_persist_sqlite.so"
)


@dataclass(frozen=True, slots=True)
class MosquittoBuild:
    """A broker executable and the plugins built with it."""

    binary: Path
    persist_sqlite: Path
    dynamic_security: Path

    @classmethod
    def at(cls, directory: Path) -> MosquittoBuild:
        """The build laid out under directory (bin/, lib/), present or not."""
        lib = directory / "lib"
        return cls(
            directory / "bin" / "mosquitto",
            lib / "mosquitto_persist_sqlite.so",
            lib / "mosquitto_dynamic_security.so",
        )

    def complete(self) -> bool:
        """Whether the executable and both plugins are there."""
        return (
            os.access(self.binary, os.X_OK)
            and self.persist_sqlite.is_file()
            and self.dynamic_security.is_file()
        )


def find_mosquitto_21(environ: Mapping[str, str] | None = None) -> MosquittoBuild | None:
    """The 2.1 build named by DAMPWATCH_TEST_MOSQUITTO_21, else the checkout's cache, else None."""
    configured = (os.environ if environ is None else environ).get(MOSQUITTO_21_ENV)
    build = MosquittoBuild.at(Path(configured) if configured else MOSQUITTO_21_CACHE)
    return build if build.complete() else None
