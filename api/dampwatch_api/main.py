"""`dampwatch api`: migrate the database, then serve the API with uvicorn."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from dampwatch.settings import UnsafeSettingsError, describe_settings_error
from dampwatch_api.settings import ApiAppSettings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dampwatch api", description="Serve the HTTP API.")
    parser.add_argument("--host", help="listen address (DAMPWATCH_API_HOST)")
    parser.add_argument("--port", type=int, help="listen port (DAMPWATCH_API_PORT)")
    parser.add_argument("--workers", type=int, help="worker processes (DAMPWATCH_API_WORKERS)")
    parser.add_argument("--no-migrate", action="store_true", help="skip the database upgrade")
    return parser


def run(settings: ApiAppSettings, *, migrate_first: bool = True) -> None:
    """Upgrade the database and serve until interrupted."""
    import uvicorn  # noqa: PLC0415

    from dampwatch_api.app import create_app  # noqa: PLC0415
    from dampwatch_api.db import migrate  # noqa: PLC0415

    # Requests are counted and timed per route in /metrics; a log line each would cost more than
    # the board itself. uvicorn picks uvloop and httptools when they are installed.
    if migrate_first:
        migrate(settings.sqlalchemy_url)
    options = server_options(settings)
    if settings.api_workers > 1:
        # Each worker process builds its own app from the same environment.
        uvicorn.run(
            "dampwatch_api.main:app_from_environment",
            factory=True,
            workers=settings.api_workers,
            **options,
        )
        return
    uvicorn.run(create_app(settings), **options)


def server_options(settings: ApiAppSettings) -> dict[str, Any]:
    """uvicorn's options; X-Forwarded-For counts only from DAMPWATCH_TRUSTED_PROXIES."""
    return {
        "host": settings.api_host,
        "port": settings.api_port,
        "log_level": settings.log_level.lower(),
        "access_log": False,
        "proxy_headers": bool(settings.trusted_proxies),
        "forwarded_allow_ips": ",".join(settings.trusted_proxies) or None,
        "server_header": False,
    }


def app_from_environment() -> object:
    """An app from `DAMPWATCH_*` settings (uvicorn's factory for several workers)."""
    from dampwatch_api.app import create_app  # noqa: PLC0415

    return create_app(ApiAppSettings())


def main(argv: Sequence[str] | None = None) -> int:
    """Parse flags and settings, then run."""
    args = _parser().parse_args(argv)
    overrides = {
        key: value
        for key, value in (
            ("api_host", args.host),
            ("api_port", args.port),
            ("api_workers", args.workers),
        )
        if value is not None
    }
    try:
        settings = ApiAppSettings(**overrides)
    except (UnsafeSettingsError, ValidationError) as error:
        print(f"dampwatch api: {describe_settings_error(error)}", file=sys.stderr)
        return 2
    run(settings, migrate_first=not args.no_migrate)
    return 0


if __name__ == "__main__":
    sys.exit(main())
