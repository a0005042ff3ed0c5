"""`make bench-assess`: one assessment cycle over 10,000 homes × 3 rooms × 30 days of hours.

Measured in one run: the vectorised compute path (surface estimate, flags, rolling windows, the
VTT mould index, rules, device health) at full scale; its baseline, the scalar per-room VTT model
(dampwatch.mould.run) timed on a sample and scaled to the same rooms; the InfluxQL hourly read of
a regular cycle (new hour plus the 48-hour rewind) against a real InfluxDB at a smaller scale,
scaled linearly to 10,000 homes; and a whole cycle (read, compute, SQL alerts, writes) at that
smaller scale.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy.orm import sessionmaker

from bench.report import Row, environment, format_environment, format_table
from dampwatch import mould
from dampwatch.assessment.config import DEFAULT_CONFIG, HOURS_30D
from dampwatch.assessment.devices import DeviceFrame, DeviceStart, device_health
from dampwatch.assessment.frame import RoomFrame, hour_index
from dampwatch.assessment.indicators import MouldGrid, assess_rooms
from dampwatch.assessment.rules import room_verdicts
from dampwatch.influx import InfluxQL, make_writer
from dampwatch.servers import InfluxServer
from dampwatch_api.assess.cycle import run_cycle
from dampwatch_api.assess.reader import read_hourly
from dampwatch_api.assess.settings import AssessSettings
from dampwatch_api.db.migrate import migrate_engine
from dampwatch_api.db.session import create_db_engine

TARGET_S = 60.0
ROOMS_PER_HOME = 3
CHUNK = 4096


def synthetic_rooms(homes: int, hours: int, seed: int) -> RoomFrame:
    """Winter-like hourly room data with daily cycles and noise."""
    rng = np.random.default_rng(seed)
    rooms = homes * ROOMS_PER_HOME
    names = ["living-room", "bedroom-1", "bathroom"] * homes
    frame = RoomFrame.empty(
        [f"h{i // ROOMS_PER_HOME}" for i in range(rooms)], names, 490_000, hours
    )
    day = np.sin(np.arange(hours) / 24 * 2 * np.pi)
    frame.temperature_c = (
        19 + rng.normal(0, 1.5, (rooms, 1)) + day + rng.normal(0, 0.2, (rooms, hours))
    )
    frame.humidity_pct = np.clip(
        55 + rng.normal(0, 10, (rooms, 1)) - 3 * day + rng.normal(0, 2, (rooms, hours)), 5, 100
    )
    frame.outdoor_c = np.repeat(5 + 3 * day[None, :], rooms, axis=0)
    return frame


def compute_cycle(frame: RoomFrame) -> float:
    """Seconds for the room and device compute of one cycle over the whole frame."""
    started = time.perf_counter()
    rooms = len(frame.rooms)
    raising = 0
    for start in range(0, rooms, CHUNK):
        part = frame.take(slice(start, start + CHUNK))
        count = len(part.rooms)
        ind = assess_rooms(
            part, np.zeros((count, HOURS_30D), np.uint16), MouldGrid.zeros(count), DEFAULT_CONFIG
        )
        verdicts = room_verdicts(part, ind, np.zeros(count, bool), DEFAULT_CONFIG)
        raising += sum(int((v.verdict[:, -1] == 2).sum()) for v in verdicts.values())
        devices = DeviceFrame.empty(part.homes, part.rooms, part.rooms, part.start_hour, part.hours)
        devices.count[:] = 6
        devices.temperature_c, devices.humidity_pct = part.temperature_c, part.humidity_pct
        device_health(devices, DeviceStart.unknown(count, 25.0), np.zeros(count), DEFAULT_CONFIG)
    return time.perf_counter() - started


def scalar_baseline(frame: RoomFrame, sample: int) -> float:
    """Seconds the scalar VTT model alone would take for all rooms, from a timed sample."""
    surface = frame.outdoor_c + 0.75 * (frame.temperature_c - frame.outdoor_c)
    started = time.perf_counter()
    for row in range(sample):
        mould.run(zip(surface[row].tolist(), frame.humidity_pct[row].tolist(), strict=True))
    return (time.perf_counter() - started) * len(frame.rooms) / sample


def influx_part(homes: int, data_dir: Path) -> tuple[float, float, int]:
    """(read seconds, whole-cycle seconds, rows read) at `homes` homes, real InfluxDB."""
    now = datetime(2026, 1, 20, 12, 5, tzinfo=UTC)
    with InfluxServer(data_dir / "influx") as server:
        server.create_database("bench")
        settings = AssessSettings(
            influx_url=server.url,
            influx_api="v1",
            influx_database="bench",
            assess_backfill_days=3,
            database_url=f"sqlite:///{data_dir / 'bench.db'}",
        )
        writer = make_writer(settings)
        start = now - timedelta(hours=72)
        lines = []
        for home in range(homes):
            for room in ("living-room", "bedroom-1", "bathroom"):
                for step in range(0, 72 * 6):
                    at = start + timedelta(minutes=10 * step)
                    t = 19.0 + (home % 7) * 0.3 + 0.01 * (step % 13)
                    lines.append(
                        f"reading,device=d-{room},home=h{home},room={room} "
                        f"temperature_c={t},humidity_pct={55 + step % 9} "
                        f"{int(at.timestamp()) * 10**9}"
                    )
                    if len(lines) >= 20_000:
                        writer.write(lines)
                        lines = []
        if lines:
            writer.write(lines)
        influx = InfluxQL(settings)
        end = hour_index(now)
        started = time.perf_counter()
        readings = read_hourly(influx, end - 49, end, [])
        read_s = time.perf_counter() - started
        rows = int((readings.frame.count > 0).sum())
        engine = create_db_engine(settings.sqlalchemy_url)
        migrate_engine(engine)
        factory = sessionmaker(bind=engine, expire_on_commit=False)
        with factory() as session:  # the first cycle back-fills; the second is a regular one
            run_cycle(session, influx, writer, settings, now=now - timedelta(hours=1))
            session.commit()
        started = time.perf_counter()
        with factory() as session:
            run_cycle(session, influx, writer, settings, now=now)
            session.commit()
        cycle_s = time.perf_counter() - started
        influx.close()
        writer.close()
        engine.dispose()
    return read_s, cycle_s, rows


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(prog="assess_bench")
    parser.add_argument("--homes", type=int, default=10_000)
    parser.add_argument("--influx-homes", type=int, default=500)
    args = parser.parse_args(argv)
    frame = synthetic_rooms(args.homes, HOURS_30D, seed=1)
    compute_s = compute_cycle(frame)
    baseline_s = scalar_baseline(frame, sample=100)
    with tempfile.TemporaryDirectory() as tmp:
        read_s, cycle_s, rows = influx_part(args.influx_homes, Path(tmp))
    scale = args.homes / args.influx_homes
    read_full = read_s * scale
    total = compute_s + read_full
    rooms = args.homes * ROOMS_PER_HOME
    table = [
        Row(
            f"compute: {rooms:,} rooms × 720 h (vectorised)",
            compute_s,
            "s",
            baseline_s,
            baseline_s / compute_s,
            note="baseline: scalar VTT model alone, 100 rooms timed, scaled",
        ),
        Row(
            f"InfluxQL read, 49 h × {args.influx_homes} homes",
            read_s,
            "s",
            note=f"{rows:,} device-hours read",
        ),
        Row(
            f"InfluxQL read scaled to {args.homes:,} homes",
            read_full,
            "s",
            note="linear in homes (rows are independent series)",
        ),
        Row(f"whole regular cycle at {args.influx_homes} homes (SQL, writes)", cycle_s, "s"),
        Row(
            f"one cycle at {args.homes:,} homes (compute + read)",
            total,
            "s",
            target=f"≤ {TARGET_S:.0f} s",
            passed=total <= TARGET_S,
        ),
    ]
    print(format_table(table))
    print()
    print(format_environment(environment()))
    return 0 if total <= TARGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
