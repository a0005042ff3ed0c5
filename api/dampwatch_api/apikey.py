"""`dampwatch apikey create --role R [--home H] --name N`: print a new API key once."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from dampwatch.settings import DatabaseSettings, UnsafeSettingsError, describe_settings_error
from dampwatch_api.registry.models import Role


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dampwatch apikey", description="Manage API keys.")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="create a key and print it once")
    create.add_argument("--role", required=True, choices=[role.value for role in Role])
    create.add_argument("--home", help="the home a tenant key belongs to")
    create.add_argument("--portfolio", action="append", default=[], help="officer portfolio")
    create.add_argument("--name", required=True, help="what the key is for")
    create.add_argument("--json", action="store_true", help="print JSON for scripts")
    return parser


def run(settings: DatabaseSettings, args: argparse.Namespace) -> str:
    """Create the key in the (migrated) database and return it."""
    from dampwatch_api.auth.apikeys import create_api_key  # noqa: PLC0415
    from dampwatch_api.db import migrate  # noqa: PLC0415
    from dampwatch_api.db.session import (  # noqa: PLC0415
        create_db_engine,
        make_session_factory,
        session_scope,
    )

    migrate(settings.sqlalchemy_url)
    engine = create_db_engine(settings.sqlalchemy_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            issued = create_api_key(
                session,
                name=args.name,
                role=Role(args.role),
                home_id=args.home,
                portfolios=args.portfolio,
            )
            return issued.key
    finally:
        engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    """Parse flags, create the key, print it."""
    from dampwatch_api.auth.apikeys import ApiKeyError  # noqa: PLC0415

    args = _parser().parse_args(argv)
    try:
        key = run(DatabaseSettings(), args)
    except (ApiKeyError, UnsafeSettingsError, ValidationError) as error:
        print(f"dampwatch apikey: {describe_settings_error(error)}", file=sys.stderr)
        return 2
    except SQLAlchemyError as error:
        print(f"dampwatch apikey: database error: {error.__class__.__name__}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({"key": key, "role": args.role, "name": args.name, "home": args.home}))
    else:
        print(key)
        print("Store this key now: it is not shown again.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
