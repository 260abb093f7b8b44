"""What a long step says while it runs: planner._progress."""

from __future__ import annotations

import threading
from collections.abc import Mapping

from planner._progress import listening, stage


def test_a_stage_reaches_the_listener_of_its_thread_only_while_it_listens() -> None:
    heard: list[tuple[str, dict[str, object]]] = []

    def hear(key: str, values: Mapping[str, object]) -> None:
        heard.append((key, dict(values)))

    stage("progress.start")  # nobody listens: nothing happens
    with listening(hear):
        stage("progress.groups", step=1, value=10)
        # a solve on a second thread (a root search) says nothing to this one
        other = threading.Thread(target=lambda: stage("progress.bound"))
        other.start()
        other.join()
        inner: list[str] = []
        with listening(lambda key, values: inner.append(key)):
            stage("progress.trim")
        stage("progress.assign")  # the outer listener again
    stage("progress.revise")
    assert heard == [("progress.groups", {"step": 1, "value": 10}), ("progress.assign", {})]
    assert inner == ["progress.trim"]


def test_a_listener_is_removed_when_its_block_fails() -> None:
    heard: list[str] = []
    try:
        with listening(lambda key, values: heard.append(key)):
            raise ValueError("a step failed")
    except ValueError:
        pass
    stage("progress.start")
    assert heard == []


def test_a_failing_listener_never_stops_the_work() -> None:
    def broken(key: str, values: Mapping[str, object]) -> None:
        raise RuntimeError("the terminal went away")

    with listening(broken):
        stage("progress.start")  # no error: the solve it reports goes on
