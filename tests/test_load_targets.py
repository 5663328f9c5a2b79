"""The load test's judging (bench/load/targets.py, issue 19): targets per request name,
failed and dropped requests, the login burst, the knee search's steps."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bench.load.targets import (
    DOSSIER_MS,
    PAGE_MS,
    TARGETS,
    UNTARGETED,
    Record,
    Step,
    burst_verdict,
    knee,
    knee_steps,
    percentile,
    read_log,
    step_windows,
    summarize,
)

LOCUSTFILE = Path(__file__).resolve().parent.parent / "bench" / "load" / "locustfile.py"


def all_targets(ms: float, t: float = 0.0, n: int = 20) -> list[Record]:
    return [Record(t + i * 0.1, name, ms) for name in TARGETS for i in range(n)]


def test_issue_19s_targets():
    assert TARGETS["dossier"] == DOSSIER_MS == 150
    assert all(v == PAGE_MS == 300 for k, v in TARGETS.items() if k != "dossier")
    homes = {k for k in TARGETS if k.startswith("home: ")}
    assert homes == {"home: manager", "home: executive", "home: archivist", "home: service"}
    assert {"dashboard: gold", "dashboard: 80/20", "search: list", "search: api"} <= set(TARGETS)


def test_the_locustfile_makes_every_targeted_request_and_only_known_ones():
    names = set(re.findall(r'name="([^"]+)"', LOCUSTFILE.read_text(encoding="utf-8")))
    assert set(TARGETS) <= names
    assert names <= set(TARGETS) | UNTARGETED


def test_percentile_is_nearest_rank():
    samples = list(range(1, 61))
    assert percentile(samples, 95) == 57
    assert percentile(samples, 50) == 30
    assert percentile([5.0], 95) == 5.0


def test_every_target_met_passes_and_reports_requests_per_second():
    summary = summarize(all_targets(100), 0, 10)
    assert summary.passed
    assert summary.requests == 20 * len(TARGETS)
    assert summary.rps == pytest.approx(summary.requests / 10)


def test_a_slow_dossier_fails_only_its_own_target():
    records = all_targets(100) + [Record(1.0, "dossier", 400) for _ in range(5)]
    verdicts = {what: ok for what, ok, _ in summarize(records, 0, 10).verdicts()}
    assert verdicts == {**dict.fromkeys(verdicts, True), "dossier p95 ≤ 150 ms": False}


def test_a_target_never_measured_fails():
    records = [r for r in all_targets(100) if r.name != "home: service"]
    summary = summarize(records, 0, 10)
    assert not summary.passed
    assert ("home: service p95 ≤ 300 ms", False, "not measured") in summary.verdicts()


def test_one_failed_or_dropped_request_fails_the_run():
    dropped = Record(
        1.0, "login", 5, "ConnectionError: ('Connection aborted.', RemoteDisconnected())"
    )
    server_error = Record(2.0, "api: submit report", 30, "CatchResponseError: 500 Server Error")
    summary = summarize([*all_targets(100), dropped, server_error], 0, 10)
    assert (summary.failures, summary.dropped) == (2, 1)
    assert not summary.passed


def test_an_unknown_request_name_fails_until_it_is_given_a_target_or_none():
    summary = summarize([*all_targets(100), Record(1.0, "something new", 10)], 0, 10)
    assert summary.unknown == ["something new"]
    assert not summary.passed


def test_requests_outside_the_window_are_left_out():
    summary = summarize([Record(0.5, "dossier", 1), Record(5.0, "dossier", 999)], 0, 5)
    assert summary.rows["dossier"].samples == [1]


def test_the_login_burst_is_judged_on_the_pages_served_while_users_log_in():
    logins = [Record(i * 0.2, "login", 80) for i in range(40)]  # 40 logins in 8 s
    calm = all_targets(100, t=0)
    ok, detail = burst_verdict([*logins, *calm])
    assert ok, detail
    assert "40 logins in 8 s" in detail
    slow = [Record(1 + i * 0.1, "home: manager", 900) for i in range(30)]
    ok, detail = burst_verdict([*logins, *calm, *slow])
    assert not ok
    assert "home: manager" in detail
    # slow after the burst's window (last login + 5 s) is not the burst's doing
    later = [Record(60 + i * 0.1, "home: manager", 900) for i in range(30)]
    assert burst_verdict([*logins, *calm, *later])[0]


def test_knee_steps_are_fine_at_first_then_double():
    assert knee_steps(50, 800) == [50, 75, 100, 150, 200, 300, 400, 600, 800]
    assert knee_steps(50, 120) == [50, 75, 100]
    assert knee_steps(10, 10) == [10]


def _step(users: int, ms: float) -> Step:
    return Step(users, summarize(all_targets(ms), 0, 10))


def test_the_knee_is_the_last_passing_step_before_the_first_failing_one():
    last, broke = knee([_step(50, 100), _step(75, 120), _step(100, 400), _step(150, 100)])
    assert last == 75
    assert broke is not None and broke.users == 100
    assert knee([_step(50, 100), _step(75, 100)]) == (75, None)
    last, broke = knee([_step(50, 400)])
    assert last is None and broke is not None and broke.users == 50


def test_step_windows_run_from_mark_to_mark():
    assert step_windows([(0.0, 50), (60.0, 75), (120.0, 100)], 175.0) == [
        (50, 0.0, 60.0),
        (75, 60.0, 120.0),
        (100, 120.0, 175.0),
    ]


def test_the_request_log_is_read_back_with_its_step_marks(tmp_path):
    log = tmp_path / "requests.jsonl"
    log.write_text(
        "\n".join(
            [
                json.dumps({"t": 1.0, "step": 50}),
                json.dumps({"t": 1.5, "name": "dossier", "ms": 42.0, "error": ""}),
                json.dumps({"t": 2.0, "name": "login", "ms": 80.0, "error": "HTTPError: 500"}),
                '{"t": 3.0, "name": "dossi',  # being written when read
            ]
        ),
        encoding="utf-8",
    )
    records, marks = read_log(log)
    assert marks == [(1.0, 50)]
    assert records == [Record(1.5, "dossier", 42.0), Record(2.0, "login", 80.0, "HTTPError: 500")]


def test_a_knee_step_is_judged_after_its_new_users_have_logged_in():
    from bench.load.targets import BURST_SETTLE_S, Record, settled_start

    records = [
        Record(t=100.0, name="login", ms=500),
        Record(t=103.0, name="login", ms=500),
        Record(t=104.0, name="dossier", ms=400),  # inside the burst: not judged here
        Record(t=130.0, name="login", ms=500),  # the next step's user
    ]
    assert settled_start(records, 100.0, 120.0) == 103.0 + BURST_SETTLE_S
    assert settled_start(records, 120.0, 180.0) == 130.0 + BURST_SETTLE_S
    assert settled_start(records, 180.0, 240.0) == 180.0  # no login in the step
    assert settled_start(records, 100.0, 105.0) == 105.0  # never past the step's end
