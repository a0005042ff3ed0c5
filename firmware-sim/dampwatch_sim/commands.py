"""The work behind `dampwatch sim run|cohort|replay`, driven by main() and by tests."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from dampwatch.const import MAX_READINGS_PER_MESSAGE
from dampwatch.settings import MqttSettings
from dampwatch.topics import is_valid_id
from dampwatch_sim.cohort import Cohort, CohortError, build_cohort, parse_mix
from dampwatch_sim.datasets import DatasetError, load_dataset
from dampwatch_sim.names import SECONDS_PER_DAY
from dampwatch_sim.progress import ProgressBar
from dampwatch_sim.publish import (
    Connections,
    Outgoing,
    PublishError,
    PublishStats,
    cohort_outgoing,
    publish_cohort,
    publish_stream,
)
from dampwatch_sim.replay import replay_messages, shift_series, time_span
from dampwatch_sim.usage import UsageError, check_homes, refuse_future


def _cohort(args: argparse.Namespace) -> Cohort:
    check_homes(args)
    start = args.start
    if start is None and args.command == "run":
        now = time.time() // args.interval * args.interval
        start = now if args.speed == 1.0 else now - args.days * SECONDS_PER_DAY
    if start is not None and start % args.interval:
        start = start // args.interval * args.interval
    try:
        mix = parse_mix(args.mix) if args.mix else None
        return build_cohort(
            args.homes,
            args.days,
            args.seed,
            mix,
            start,
            interval_s=args.interval,
            home_prefix=args.home_prefix,
        )
    except CohortError as error:
        raise UsageError(str(error)) from None


def _summary(cohort: Cohort, stats: PublishStats | None, extra: dict[str, Any]) -> dict[str, Any]:
    document: dict[str, Any] = {
        "homes": len(cohort.homes),
        "devices": len(cohort.devices),
        "days": cohort.days,
        "seed": cohort.seed,
        "start": cohort.truth["start"] if extra.get("truth") else None,
    }
    if stats is not None:
        document |= {
            "messages": stats.messages,
            "readings": stats.readings,
            "status_messages": stats.status_messages,
            "elapsed_s": round(stats.elapsed_s, 3),
            "readings_per_s": round(stats.readings / stats.elapsed_s) if stats.elapsed_s else None,
        }
    return document | extra


def simulate(
    args: argparse.Namespace, settings: MqttSettings, credentials: dict[str, str] | None
) -> int:
    """`run` and `cohort`."""
    cohort = _cohort(args)
    speed = args.speed if args.command == "run" else 0.0
    if args.command == "run":
        refuse_future(cohort.start_s, cohort.days, speed)
    batch = args.batch or (1 if speed == 1.0 else MAX_READINGS_PER_MESSAGE)
    progress = ProgressBar(f"{args.command} {len(cohort.homes)} homes")
    stats: PublishStats | None = None
    extra: dict[str, Any] = {}
    try:
        if args.command == "cohort" and args.output is not None:
            extra["output_messages"] = _write_output(cohort, args.output, settings, batch)
        if args.command == "run" or not args.no_publish:
            stats = publish_cohort(
                cohort,
                settings,
                speed=speed,
                batch=batch,
                per_home=args.connection == "home",
                credentials=credentials,
                registry=args.registry,
                progress=progress,
            )
    except PublishError as error:
        print(f"dampwatch sim: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        raise UsageError(f"cannot write: {error}") from None
    if args.command == "cohort":
        _write_json(args.truth, cohort.truth)
        conditions = sum(len(home["conditions"]) for home in cohort.truth["homes"])
        extra |= {"truth": str(args.truth), "conditions": conditions}
    summary = _summary(cohort, stats, extra)
    if args.json:
        print(json.dumps(summary, sort_keys=True))
    else:
        print(_describe(summary), file=sys.stderr)
    return 0


def _describe(summary: dict[str, Any]) -> str:
    parts = [f"{summary['homes']} homes, {summary['devices']} devices, {summary['days']} days"]
    if "readings" in summary:
        parts.append(
            f"{summary['readings']} readings in {summary['messages']} messages "
            f"({summary['elapsed_s']} s, {summary['readings_per_s']} readings/s)"
        )
    if "truth" in summary:
        parts.append(f"{summary['conditions']} true conditions written to {summary['truth']}")
    return "; ".join(parts)


def _write_json(path: Path, document: dict[str, Any]) -> None:
    try:
        path.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    except OSError as error:
        raise UsageError(f"cannot write {path}: {error.strerror}") from None


def _write_output(cohort: Cohort, path: Path, settings: MqttSettings, batch: int) -> int:
    """Every message as a JSON line {send_s, topic, retain, payload}; same seed, same bytes."""
    count = 0
    try:
        with path.open("w", encoding="utf-8") as handle:
            for messages in cohort_outgoing(cohort, settings.mqtt_topic_prefix, batch):
                for message in messages:
                    handle.write(_line(message))
                    count += 1
    except OSError as error:
        raise UsageError(f"cannot write {path}: {error.strerror}") from None
    return count


def _line(message: Outgoing) -> str:
    record = {
        "send_s": message.send_s,
        "topic": message.topic,
        "retain": message.retain,
        "payload": message.payload.decode(),
    }
    return json.dumps(record, sort_keys=True) + "\n"


def replay(
    args: argparse.Namespace, settings: MqttSettings, credentials: dict[str, str] | None
) -> int:
    """`replay FILE`."""
    if not is_valid_id(args.home):
        raise UsageError(f"--home {args.home!r} is not a valid home id")
    try:
        series = load_dataset(args.file)
    except DatasetError as error:
        raise UsageError(str(error)) from None
    first, last = time_span(series)
    if args.shift_to_now:
        series = shift_series(series, time.time() - last)
    elif args.start is not None:
        series = shift_series(series, args.start - first)
    first, last = time_span(series)
    batch = args.batch or (MAX_READINGS_PER_MESSAGE if args.speed == 0 else 1)
    groups = int((last - first) // 86_400) + 1
    connections = Connections(settings, per_home=args.connection == "home", credentials=credentials)
    try:
        stats = publish_stream(
            replay_messages(series, args.home, settings.mqtt_topic_prefix, batch),
            connections,
            start_s=first,
            total=groups,
            speed=args.speed,
            progress=ProgressBar(f"replay {args.file.name}"),
        )
    except PublishError as error:
        print(f"dampwatch sim: {error}", file=sys.stderr)
        return 1
    finally:
        connections.close()
    summary = {
        "home": args.home,
        "devices": {item.device_id: item.room for item in series},
        "first_ts": int(first),
        "last_ts": int(last),
        "messages": stats.messages,
        "readings": stats.readings,
        "elapsed_s": round(stats.elapsed_s, 3),
    }
    if args.json:
        print(json.dumps(summary, sort_keys=True))
    else:
        print(
            f"replayed {stats.readings} readings of {len(series)} devices as {args.home}",
            file=sys.stderr,
        )
    return 0
