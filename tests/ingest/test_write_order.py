"""Batches written side by side report in the order they were queued, not the order they end."""

from __future__ import annotations

import threading

from dampwatch_ingest.write_order import Countdown, InOrder


def test_reports_follow_the_queue_order_not_the_finish_order():
    order = InOrder(threading.Event())
    reported: list[int] = []
    finished = [threading.Event() for _ in range(6)]

    def writer(ticket: int) -> None:
        finished[ticket].wait(10)  # the "write" ends when the test says so
        assert order.wait_turn(ticket)
        reported.append(ticket)
        order.done(ticket)

    threads = [threading.Thread(target=writer, args=(ticket,)) for ticket in range(6)]
    for thread in threads:
        thread.start()
    for ticket in (5, 3, 4, 1, 2, 0):  # later batches finish first
        finished[ticket].set()
    for thread in threads:
        thread.join(10)
    assert reported == [0, 1, 2, 3, 4, 5]


def test_giving_up_releases_a_writer_waiting_for_its_turn_without_a_report():
    give_up = threading.Event()
    order = InOrder(give_up)
    outcome: list[bool] = []
    waiting = threading.Thread(target=lambda: outcome.append(order.wait_turn(1)))
    waiting.start()  # ticket 0 never reports: its write is still being retried
    give_up.set()
    waiting.join(10)
    assert outcome == [False]


def test_countdown_sets_the_event_after_the_last_thread():
    event = threading.Event()
    countdown = Countdown(2, event)
    countdown.finished()
    assert not event.is_set()
    countdown.finished()
    assert event.is_set()
