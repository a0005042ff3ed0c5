"""The `dampwatch` command: a dispatcher that imports each subcommand's deployable only when run."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Final, NamedTuple

from dampwatch import __version__


class Command(NamedTuple):
    """A subcommand and the module whose `main(argv) -> int` runs it."""

    module: str
    summary: str
    extra: str


COMMANDS: Final[dict[str, Command]] = {
    "ingest": Command(
        "dampwatch_ingest.main", "consume readings from MQTT and store them in InfluxDB", "ingest"
    ),
    "assess": Command(
        "dampwatch_api.assess.main", "turn readings into risk flags and alerts", "api"
    ),
    "api": Command("dampwatch_api.main", "serve the HTTP API and pages", "api"),
    "casework": Command(
        "dampwatch_api.worker.main", "cases, statutory deadlines, webhooks, daily feed", "api"
    ),
    "predict": Command(
        "dampwatch_api.predict.main", "rank homes without sensors by their risk this winter", "api"
    ),
    "report": Command("dampwatch_api.report.main", "write a home's condition report as PDF", "api"),
    "opendata": Command(
        "dampwatch_api.opendata.main", "publish protected tables of damp, cold and heat", "api"
    ),
    "apikey": Command("dampwatch_api.apikey", "create API keys for machines", "api"),
    "places": Command(
        "dampwatch_api.places.main", "place homes in census areas from their postcodes", "api"
    ),
    "stock": Command("dampwatch_api.places.stock_main", "import homes' stock facts (CSV)", "api"),
    "gateway": Command(
        "dampwatch_gateway.main", "in-home gateway: decode sensors, store and forward", "gateway"
    ),
    "sim": Command("dampwatch_sim.main", "simulated homes and devices: run, cohort, replay", "sim"),
    "grafana": Command("dampwatch_grafana.main", "publish dashboards to a Grafana", "grafana"),
    "up": Command("dampwatch_stack.up", "run the whole platform locally without Docker", "all"),
    "demo": Command(
        "dampwatch_stack.demo", "run the platform on a local stack with simulated homes", "all"
    ),
}


def _parser() -> argparse.ArgumentParser:
    listing = "\n".join(f"  {name:<10} {command.summary}" for name, command in COMMANDS.items())
    parser = argparse.ArgumentParser(
        prog="dampwatch",
        description="Find the homes that need help: damp and mould, cold homes, overheating.",
        epilog=f"commands:\n{listing}\n\nRun 'dampwatch COMMAND --help' for a command's options.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"dampwatch {__version__}")
    parser.add_argument("command", choices=sorted(COMMANDS), metavar="COMMAND")
    parser.add_argument("args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    parsed = _parser().parse_args(argv)
    command = COMMANDS[parsed.command]
    try:
        module = importlib.import_module(command.module)
    except ModuleNotFoundError as error:
        print(
            f"dampwatch {parsed.command}: missing dependency {error.name!r}; "
            f"install it with: pip install 'dampwatch[{command.extra}]'",
            file=sys.stderr,
        )
        return 2
    result: int = module.main(list(parsed.args))
    return result


if __name__ == "__main__":
    sys.exit(main())
