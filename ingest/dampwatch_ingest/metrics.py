"""The ingest's metrics: Prometheus counters, sequence-gap accounting and a one-line summary."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector

from dampwatch.const import RejectReason

MAX_TRACKED_DEVICES = 500_000


def current(metric: Counter | Gauge | CounterFunction) -> float:
    """The present value of an unlabelled counter or gauge."""
    for family in metric.collect():
        for sample in family.samples:
            if sample.name in (family.name, family.name + "_total"):
                return float(sample.value)
    return 0.0


def rejected_counts(metrics: IngestMetrics) -> dict[str, int]:
    """Rejections so far by reason, leaving out reasons never seen."""
    return {
        labels["reason"]: int(sample.value)
        for metric in metrics.rejected.collect()
        for sample in metric.samples
        if sample.name.endswith("_total") and (labels := sample.labels) and sample.value
    }


def total_rejected(metrics: IngestMetrics) -> int:
    """Rejections so far, all reasons together."""
    return sum(rejected_counts(metrics).values())


class CounterFunction(Collector):
    """A counter whose value a function reads when scraped."""

    def __init__(self, name: str, documentation: str, value: Callable[[], float]) -> None:
        self._name = name
        self._documentation = documentation
        self._value = value

    def collect(self) -> Iterator[Metric]:
        """The counter's one sample."""
        yield CounterMetricFamily(self._name, self._documentation, value=self._value())


class SequenceTracker:
    """Counts readings missing from each device's `seq` counter, as this worker sees them.

    Only a worker outside a shared subscription sees every message of a device; in a group the
    ingest leaves the count to the assessment, which reads the stored `seq` field.
    """

    def __init__(self, max_devices: int = MAX_TRACKED_DEVICES) -> None:
        self._last: OrderedDict[tuple[str, str], int] = OrderedDict()
        self._gaps: dict[tuple[str, str], int] = {}
        self._max_devices = max_devices

    def observe(self, device: tuple[str, str], seqs: Iterable[int]) -> int:
        """Record a device's sequence numbers; returns how many numbers were skipped."""
        missing = 0
        last = self._last.get(device)
        for seq in seqs:
            # a lower number is a redelivery, a late reading or a device restart: not a gap
            if last is not None and seq > last + 1:
                missing += seq - last - 1
            if last is None or seq > last or seq == 0:
                last = seq
        if last is not None:
            self._last[device] = last
            self._last.move_to_end(device)
            if len(self._last) > self._max_devices:
                self._last.popitem(last=False)
        if missing:
            self._gaps[device] = self._gaps.get(device, 0) + missing
        return missing

    def worst(self, count: int = 5) -> list[tuple[tuple[str, str], int]]:
        """The devices with the most missing readings."""
        return sorted(self._gaps.items(), key=lambda item: item[1], reverse=True)[:count]

    @property
    def devices_with_gaps(self) -> int:
        """How many devices have skipped at least one sequence number."""
        return len(self._gaps)


class IngestMetrics:
    """Prometheus metrics of one ingest worker, on a registry of its own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        prefix = "dampwatch_ingest_"
        # Plain integers, raised on paho's thread for every message without taking a lock (one
        # thread writes each); Prometheus reads them when scraped.
        self.received = 0
        self.acknowledged = 0
        self.messages = CounterFunction(
            prefix + "messages", "MQTT messages received", lambda: self.received
        )
        self.registry.register(self.messages)
        self.readings_written = Counter(
            prefix + "readings_written", "readings accepted by InfluxDB", registry=self.registry
        )
        self.rejected = Counter(
            prefix + "rejected", "messages or readings rejected", ["reason"], registry=self.registry
        )
        for reason in RejectReason:
            self.rejected.labels(reason.value)
        self.withheld = Counter(
            prefix + "withheld", "messages not stored: consent withdrawn", registry=self.registry
        )
        self.unrecorded = Counter(
            prefix + "rejections_unrecorded",
            "rejections InfluxDB refused to record (logged instead)",
            registry=self.registry,
        )
        self.write_retries = Counter(
            prefix + "write_retries", "InfluxDB writes retried", registry=self.registry
        )
        self.batch_seconds = Histogram(
            prefix + "batch_write_seconds",
            "time to write one batch, retries included",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
            registry=self.registry,
        )
        self.batch_points = Histogram(
            prefix + "batch_points",
            "points per batch",
            buckets=(1, 10, 100, 500, 1000, 2500, 5000, 10000),
            registry=self.registry,
        )
        self.latency_seconds = Histogram(
            prefix + "receive_to_ack_seconds",
            "time from receiving a message to acknowledging it",
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600),
            registry=self.registry,
        )
        self.backlog = Gauge(
            prefix + "backlog_messages",
            "messages received, not yet acknowledged",
            registry=self.registry,
        )
        self.backlog.set_function(lambda: self.received - self.acknowledged)
        self.sequence_gaps = Counter(
            prefix + "sequence_gaps",
            "readings missing from device sequence counters",
            registry=self.registry,
        )
        self.devices_with_gaps = Gauge(
            prefix + "devices_with_gaps",
            "devices with at least one sequence gap",
            registry=self.registry,
        )
        self.mqtt_connected = Gauge(
            prefix + "mqtt_connected", "1 while connected to the broker", registry=self.registry
        )
        self.influx_up = Gauge(
            prefix + "influx_up", "1 while InfluxDB accepts writes", registry=self.registry
        )
        self.sequences = SequenceTracker()
        # set where the sequences are tracked in another process (the store process)
        self.worst_gaps: list[tuple[tuple[str, str], int]] = []
        self._lock = threading.Lock()

    def observe_sequences(self, device: tuple[str, str], seqs: list[int]) -> None:
        """Account a message's sequence numbers."""
        with self._lock:
            missing = self.sequences.observe(device, seqs)
            if missing:
                self.sequence_gaps.inc(missing)
                self.devices_with_gaps.set(self.sequences.devices_with_gaps)

    def summary(self) -> str:
        """One log line with the totals so far."""
        rejected = rejected_counts(self)
        reasons = ", ".join(f"{reason}={count}" for reason, count in sorted(rejected.items()))
        worst = ", ".join(
            f"{home}/{device}:{n}"
            for (home, device), n in self.worst_gaps or self.sequences.worst(3)
        )
        return (
            f"received {int(current(self.messages))} messages, "
            f"wrote {int(current(self.readings_written))} readings, "
            f"rejected {sum(rejected.values())}{f' ({reasons})' if reasons else ''}, "
            f"withheld {int(current(self.withheld))}, "
            f"backlog {int(current(self.backlog))}, "
            f"sequence gaps {int(current(self.sequence_gaps))}"
            f"{f' (worst {worst})' if worst else ''}, "
            f"influx {'up' if current(self.influx_up) else 'DOWN'}, "
            f"mqtt {'connected' if current(self.mqtt_connected) else 'DISCONNECTED'}"
        )
