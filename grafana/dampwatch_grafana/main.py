"""`dampwatch grafana publish|generate`: publish the boards to a Grafana, or write the files."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from dampwatch.settings import describe_settings_error
from dampwatch_grafana.schema import DEFAULT_FOLDER
from dampwatch_grafana.settings import GrafanaSettings

GRAFANA_DIR = Path(__file__).resolve().parents[1]
TOKEN_ENV = "DAMPWATCH_GRAFANA_TOKEN"  # noqa: S105 (a variable name)


class _Parser(argparse.ArgumentParser):
    """Argument errors as one line and exit code 2, without the usage dump."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="dampwatch grafana", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    publish = commands.add_parser(
        "publish",
        help="create or update the InfluxDB and PostgreSQL datasources and the boards in a Grafana",
    )
    publish.add_argument("--url", required=True, help="Grafana's base URL, e.g. http://host:3000")
    publish.add_argument(
        "--token",
        default=os.environ.get(TOKEN_ENV),
        help=f"service account token (default: ${TOKEN_ENV})",
    )
    publish.add_argument("--folder", default=DEFAULT_FOLDER, help="folder title for the boards")
    publish.add_argument(
        "--influx-url",
        help="InfluxDB URL as Grafana's server sees it (default: DAMPWATCH_INFLUX_URL)",
    )
    generate = commands.add_parser(
        "generate", help="write the boards' JSON and the provisioning files"
    )
    generate.add_argument(
        "--out", type=Path, default=GRAFANA_DIR, help="the grafana/ folder to write into"
    )
    return parser


def run_publish(url: str, token: str, folder: str, influx_url: str | None) -> int:
    """Publish with the InfluxDB and PostgreSQL settings from the environment; errors as one
    line, exit 2."""
    from dampwatch_grafana.datasource import (  # noqa: PLC0415
        connection_from_settings,
        datasource_payload,
        sql_connection_from_settings,
        sql_datasource_payload,
    )
    from dampwatch_grafana.generate import dashboards  # noqa: PLC0415
    from dampwatch_grafana.publish import GrafanaSession, PublishError, publish  # noqa: PLC0415

    try:
        settings = GrafanaSettings()
        sql = sql_datasource_payload(sql_connection_from_settings(settings))
    except (ValidationError, ValueError) as error:
        print(
            f"dampwatch grafana: invalid settings: {describe_settings_error(error)}",
            file=sys.stderr,
        )
        return 2
    influx = datasource_payload(connection_from_settings(settings, influx_url))
    try:
        session = GrafanaSession(url, token)
        report = publish(session, folder=folder, datasources=[influx, sql], dashboards=dashboards())
    except PublishError as error:
        print(f"dampwatch grafana: {error}", file=sys.stderr)
        return 2
    print(report.summary())
    return 0


def main(argv: list[str] | Sequence[str]) -> int:
    """Entry point of `dampwatch grafana`."""
    arguments = _parser().parse_args(list(argv))
    if arguments.command == "generate":
        from dampwatch_grafana.generate import write_all  # noqa: PLC0415

        for path in write_all(arguments.out):
            print(path)
        return 0
    if not arguments.token:
        print(f"dampwatch grafana: --token (or ${TOKEN_ENV}) is required", file=sys.stderr)
        return 2
    return run_publish(arguments.url, arguments.token, arguments.folder, arguments.influx_url)
