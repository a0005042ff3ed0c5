"""Sequence-gap accounting and the summary line."""

from dampwatch_ingest.metrics import IngestMetrics, SequenceTracker


def test_gaps_count_missing_numbers_not_redeliveries_or_restarts():
    tracker = SequenceTracker()
    device = ("home", "dev")
    assert tracker.observe(device, [0, 1, 2]) == 0
    assert tracker.observe(device, [5]) == 2  # 3 and 4 missing
    assert tracker.observe(device, [4, 5]) == 0  # late and duplicate: not new gaps
    assert tracker.observe(device, [0, 1]) == 0  # device restarted its counter
    assert tracker.observe(device, [3]) == 1
    assert tracker.worst() == [(device, 3)]
    assert tracker.devices_with_gaps == 1


def test_tracked_devices_are_bounded():
    tracker = SequenceTracker(max_devices=2)
    for device in range(5):
        tracker.observe(("h", str(device)), [1])
    assert tracker.observe(("h", "0"), [9]) == 0  # forgotten, so no gap can be claimed


def test_summary_line():
    metrics = IngestMetrics()
    metrics.received = 3
    metrics.acknowledged = 3
    metrics.readings_written.inc(250)
    metrics.rejected.labels("range").inc(2)
    metrics.observe_sequences(("h", "d"), [1, 4])
    metrics.influx_up.set(1)
    assert metrics.summary() == (
        "received 3 messages, wrote 250 readings, rejected 2 (range=2), withheld 0, backlog 0, "
        "sequence gaps 2 (worst h/d:2), influx up, mqtt DISCONNECTED"
    )
