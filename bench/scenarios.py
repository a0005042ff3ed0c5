"""The benchmark's scenarios; each uses its own databases and MQTT sessions on shared servers."""

from __future__ import annotations

import time
from dataclasses import asdict

from bench.influx_tools import bare_write, count_readings, fresh_database
from bench.latency import MessageFactory, VisibilityPoller
from bench.mqtt_tools import PacedPublisher, create_session, drop_session, publish_all
from bench.report import Row
from bench.runs import Context, drain_with_ingest, run_consumer, start_ingest, stop_ingest
from bench.workload import batched_messages, line_protocol, single_messages, total_readings

DRAIN_RATIO = 1.0
BATCHED_MIN_RATE = 20_000.0
BATCHED_RATIO = 0.8
NAIVE_RATIO = 10.0
LATENCY_P99_S = 2.0


def _stored_note(stored: int, expected: int) -> str:
    return "" if stored == expected else f"InfluxDB holds {stored} of {expected} readings"


def single_drain(ctx: Context) -> list[Row]:
    """(1) Drain a preloaded session of single-reading messages: bare subscriber vs ingest."""
    port, n = ctx.mosquitto.port, ctx.config.messages
    messages = single_messages(n, ctx.config.devices)
    database = fresh_database(ctx.influx, "bench_single")
    bare_id, ingest_id = "bench-s1-bare", "bench-s1-ingest"
    for client_id in (bare_id, ingest_id):
        create_session(port, client_id)
    ctx.progress(f"[1] preloading {n:,} single-reading messages")
    publish_s = publish_all(port, messages, "bench-s1-pub")
    del messages
    ctx.progress(f"[1] published in {publish_s:.1f} s; draining with the bare subscriber")
    bare = run_consumer(ctx, "bare", bare_id, n)
    drop_session(port, bare_id)
    ctx.progress("[1] draining with the ingest")
    ingest = drain_with_ingest(ctx, ingest_id, database, n, "run 1 (single)")
    drop_session(port, ingest_id)
    ctx.influx.drop_database(database)

    bare_rate = n / bare.drain_s
    marks = ingest.milestones
    after_first = ingest.done_s - (marks.first_message or 0.0)
    # like for like: the bare subscriber is timed from its connect, the ingest from its first
    # message (its process start-up, mostly imports, is reported in the note)
    rate = n / after_first if after_first > 0 else 0.0
    ctx.details["single"] = {
        "messages": n,
        "publish_s": publish_s,
        "bare": asdict(bare) | {"drain_s": bare.drain_s, "total_s": bare.total_s},
        "ingest": asdict(ingest),
    }
    steady = n / after_first if after_first > 0 else 0.0
    note = (
        f"ingest {ingest.done_s:.2f} s from process start (metrics up at "
        f"{marks.metrics_up or 0:.2f} s, first message by {marks.first_message or 0:.2f} s; "
        f"{steady:,.0f} msg/s = {steady / bare_rate:.2f}x bare after it); bare "
        f"{bare.drain_s:.2f} s from connect, {bare.total_s:.2f} s from its process start "
        f"(MQTT {ctx.config.baseline_protocol}). Ingest {ingest.cpu.per_1k(n)}; bare "
        f"{bare.cpu.per_1k(n)}. {_stored_note(ingest.stored, n)}"
    )
    ratio = rate / bare_rate
    passed = ratio >= DRAIN_RATIO and ingest.stored == n
    target = f"≥ {DRAIN_RATIO:.2f}x bare"
    row = Row("1 drain, 1 reading/msg", rate, "msg/s", bare_rate, ratio, target, passed)
    row.note = note.strip()
    ctx.ingest_rate = rate
    return [row]


def batched_drain(ctx: Context) -> list[Row]:
    """(2) Drain messages of 100 readings: the ingest vs a bare batched `/write`."""
    port, config = ctx.mosquitto.port, ctx.config
    messages = batched_messages(config.batched_readings, config.per_message, config.batched_devices)
    readings = total_readings(messages)
    lines = line_protocol(messages)
    # the baseline before and after the ingest's drain: on shared cores the load drifts
    before_s, bare_stored = _bare_batched(ctx, lines)
    database = fresh_database(ctx.influx, "bench_batched")
    ingest_id = "bench-s2-ingest"
    create_session(port, ingest_id)
    ctx.progress(f"[2] preloading {len(messages):,} messages of {config.per_message} readings")
    publish_s = publish_all(port, messages, "bench-s2-pub")
    del messages
    ctx.progress(f"[2] published in {publish_s:.1f} s; draining with the ingest")
    ingest = drain_with_ingest(ctx, ingest_id, database, readings, "run 2 (batched)")
    drop_session(port, ingest_id)
    ctx.influx.drop_database(database)

    after_s, stored_after = _bare_batched(ctx, lines)
    bare_s, bare_stored = (before_s + after_s) / 2, min(bare_stored, stored_after)

    marks = ingest.milestones
    # like for like, as in (1): the bare /write is timed from its first request with its bodies
    # encoded beforehand, the ingest from its first message (its start-up is in the note)
    after_first = ingest.done_s - (marks.first_message or 0.0)
    rate, bare_rate = readings / after_first, readings / bare_s
    from_start = readings / ingest.done_s
    ok = ingest.stored == readings
    ctx.details["batched"] = {
        "readings": readings,
        "publish_s": publish_s,
        "ingest": asdict(ingest),
        "bare_write_s": bare_s,
        "bare_write_before_after_s": [before_s, after_s],
        "bare_stored": bare_stored,
    }
    absolute = Row(
        "2 drain, 100 readings/msg",
        rate,
        "readings/s",
        target="≥ 20,000 readings/s",
        passed=ok and rate >= BATCHED_MIN_RATE,
        note=(
            f"ingest {ingest.done_s:.2f} s from process start, first message by "
            f"{marks.first_message or 0:.2f} s ({from_start:,.0f} readings/s = "
            f"{from_start / bare_rate:.2f}x bare from process start); "
            f"{ingest.cpu.per_1k(readings)} "
            f"(here: per 1k readings). {_stored_note(ingest.stored, readings)}"
        ).strip(),
    )
    relative = Row(
        "2 vs bare batched /write",
        rate,
        "readings/s",
        bare_rate,
        rate / bare_rate,
        f"≥ {BATCHED_RATIO:.2f}x bare",
        ok and rate / bare_rate >= BATCHED_RATIO,
        note=(
            f"bare /write {bare_s:.2f} s (mean of {before_s:.2f} s before the ingest's drain "
            f"and {after_s:.2f} s after it); stored {bare_stored:,}"
        ),
    )
    return [absolute, relative]


def _bare_batched(ctx: Context, lines: list[str]) -> tuple[float, int]:
    """Seconds a bare batched `/write` of `lines` takes into a fresh database; points stored."""
    ctx.progress(f"[2] bare /write of {len(lines):,} points, 5,000 per request")
    bare_db = fresh_database(ctx.influx, "bench_batched_bare")
    seconds = bare_write(ctx.influx, bare_db, lines)
    stored = count_readings(ctx.influx, bare_db)
    ctx.influx.drop_database(bare_db)
    return seconds, stored


def naive_drain(ctx: Context) -> list[Row]:
    """(3) A subscriber writing one `/write` per message, timed from connect to last write."""
    port, n, ingest_rate = ctx.mosquitto.port, ctx.config.naive_messages, ctx.ingest_rate
    messages = single_messages(n, min(ctx.config.devices, n), prefix="n", seed=3)
    database = fresh_database(ctx.influx, "bench_naive")
    client_id = "bench-s3-naive"
    create_session(port, client_id)
    ctx.progress(f"[3] preloading {n:,} messages; draining with the naive ingest")
    publish_all(port, messages, "bench-s3-pub")
    naive = run_consumer(ctx, "naive", client_id, n, database)
    drop_session(port, client_id)
    stored = count_readings(ctx.influx, database)
    ctx.influx.drop_database(database)
    naive_rate = n / naive.drain_s
    ctx.details["naive"] = asdict(naive) | {"drain_s": naive.drain_s, "stored": stored}
    ratio = ingest_rate / naive_rate if ingest_rate else None
    return [
        Row(
            "3 ingest (1) vs naive",
            ingest_rate,
            "msg/s",
            naive_rate,
            ratio,
            "≥ 10x naive",
            None if ratio is None else ratio >= NAIVE_RATIO and stored == n,
            note=(
                f"naive {naive.drain_s:.2f} s from connect (its start-up excluded) for "
                f"{n:,} messages, stored {stored:,}; {naive.cpu.per_1k(n)}"
            ),
        )
    ]


def live_max_rate(ctx: Context) -> float:
    """(5a) The rate at which readings published flat out become stored, publisher included.

    Draining a preloaded session leaves the broker only sending; live, the broker also takes
    every message in and the load generator needs its share of the same cores.
    """
    config, port = ctx.config, ctx.mosquitto.port
    count = config.live_probe_messages
    database = fresh_database(ctx.influx, "bench_live_max")
    client_id = "bench-s5-probe"
    create_session(port, client_id)
    ctx.progress(f"[5] {count:,} messages published flat out to find the live maximum")
    process = start_ingest(ctx, client_id, database)
    start_s = time.time() - 3600
    factory = MessageFactory(config.latency_devices)
    try:
        process.wait_connected()
        publisher = PacedPublisher(
            port,
            "bench-s5-probe-pub",
            1e9,
            count,
            lambda index, _due: factory(index, start_s + index / 1000),  # distinct timestamps
        )
        ctx.stack.callback(publisher.stop)
        started = time.monotonic()
        publisher.start()
        deadline = started + 120
        while count_readings(ctx.influx, database) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        elapsed = time.monotonic() - started
        publisher.stop()
    finally:
        stop_ingest(ctx, process, "run 5a (live maximum)")
        drop_session(port, client_id)
    stored = count_readings(ctx.influx, database)
    ctx.influx.drop_database(database)
    return stored / elapsed


def latency(ctx: Context) -> list[Row]:
    """(5) Publish at half the maximum live rate; when does each reading become queryable?"""
    config, port = ctx.config, ctx.mosquitto.port
    live_max = live_max_rate(ctx) if not config.latency_rate else None
    rate = config.latency_rate or (live_max / 2 if live_max else 1000.0)
    count = max(1, int(rate * config.latency_s))
    database = fresh_database(ctx.influx, "bench_latency")
    client_id = "bench-s5-ingest"
    create_session(port, client_id)
    ctx.progress(f"[5] {count:,} messages at {rate:,.0f} msg/s for {config.latency_s:.0f} s")
    process = start_ingest(ctx, client_id, database)
    try:
        process.wait_connected()
        publisher = PacedPublisher(
            port, "bench-s5-pub", rate, count, MessageFactory(config.latency_devices)
        )
        ctx.stack.callback(publisher.stop)
        poller = VisibilityPoller(ctx.influx, database, publisher, config.latency_devices)
        ctx.stack.callback(poller.stop)
        publisher.start()
        poller.start()
        publisher.join(config.latency_s * 3 + 60)
        deadline = time.monotonic() + 30
        while poller.is_alive() and time.monotonic() < deadline:
            poller.join(0.2)
        poller.stop()
        publisher.stop()
        for thread in (publisher, poller):
            if thread.error is not None:
                raise thread.error
        result = poller.result()
        written = (process.metrics() or {}).get("dampwatch_ingest_readings_written_total", 0)
    finally:
        stop_ingest(ctx, process, "run 5 (latency)")
        drop_session(port, client_id)
    stored = count_readings(ctx.influx, database)
    ctx.influx.drop_database(database)

    p50, p99, worst = result.quantile(0.5), result.quantile(0.99), result.quantile(1.0)
    ctx.details["latency"] = {
        "rate": rate,
        "published": result.published,
        "seen": len(result.latencies),
        "missing": result.missing,
        "found_in_final_sweep": result.found_late,
        "polls": result.polls,
        "rows_read": result.rows_read,
        "publisher_max_lag_s": publisher.max_lag_s,
        "ingest_written": written,
        "stored": stored,
        "p50_s": p50,
        "p99_s": p99,
        "max_s": worst,
    }
    complete = result.missing == 0 and stored == result.published
    probe = (
        f"half the live maximum of {live_max:,.0f} msg/s (publisher, broker, ingest and "
        f"InfluxDB on the same cores; the drain rate of (1) was {ctx.ingest_rate or 0:,.0f}); "
        if live_max
        else ""
    )
    note = (
        f"{probe}{result.published:,} published at {rate:,.0f} msg/s, "
        f"{len(result.latencies):,} seen, "
        f"{result.missing} never seen, {result.found_late} only in the final sweep; "
        f"stored {stored:,}; publisher max lag {publisher.max_lag_s * 1000:.0f} ms; "
        f"{result.polls} polls"
    )
    return [
        Row("5 latency p50", p50, "s", target="", note=note),
        Row(
            "5 latency p99",
            p99,
            "s",
            target="≤ 2 s",
            passed=None if p99 is None else p99 <= LATENCY_P99_S and complete,
        ),
        Row("5 latency max", worst, "s"),
    ]


def memory_rows(ctx: Context, limit_mb: float = 150.0) -> list[Row]:
    """(4) Peak RSS (VmHWM) of each ingest run, read just before SIGTERM."""
    return [
        Row(
            f"4 peak RSS, {label}",
            peak,
            "MB",
            target=f"≤ {limit_mb:.0f} MB",
            passed=None if peak is None else peak <= limit_mb,
        )
        for label, peak in ctx.peak_rss
    ]
