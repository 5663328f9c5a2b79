"""The load test's targets (issue 19) and the figures judged against them. Pure: no Django,
no locust, so it is tested on its own (tests/test_load_targets.py).

Every request the locust users make (bench/load/locustfile.py) is one JSON line
{"t": start (epoch s), "name", "ms", "error": "" or what failed}; a step of the knee
search is a line {"t", "step": users}. The figures here are computed from those lines,
not from locust's own statistics, so any window (a step, the login burst) can be judged.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

DOSSIER_MS = 150.0
PAGE_MS = 300.0
# p95 per request name: the dossier ≤ 150 ms; every list, search, home page and dashboard
# ≤ 300 ms (issue 19). Each role's home page has its own name.
TARGETS: dict[str, float] = {
    "dossier": DOSSIER_MS,
    "home: manager": PAGE_MS,
    "home: executive": PAGE_MS,
    "home: archivist": PAGE_MS,
    "home: service": PAGE_MS,
    "list: page": PAGE_MS,
    "list: gold": PAGE_MS,
    "list: inbox": PAGE_MS,
    "list: duplicates": PAGE_MS,
    "list: service records": PAGE_MS,
    "list: maintenance due": PAGE_MS,
    "search: list": PAGE_MS,
    "search: api": PAGE_MS,
    "dashboard: gold": PAGE_MS,
    "dashboard: 80/20": PAGE_MS,
    "dashboard: drill-down": PAGE_MS,
    "dashboard: compliance": PAGE_MS,
}
# Measured and reported, no latency target of their own (still: no failure allowed).
UNTARGETED = frozenset({"login page", "login", "api: submit report", "api: customer"})
# A request that never got an answer: the connection was refused, reset or closed.
DROPPED_MARKS = (
    "ConnectionError",
    "ConnectionResetError",
    "ConnectionRefusedError",
    "RemoteDisconnected",
    "Connection aborted",
    "ProtocolError",
    "ChunkedEncodingError",
    "Timeout",
)
BURST_SETTLE_S = 5.0  # the login burst's window: first login to 5 s after the last
MIN_BURST_SAMPLES = 5  # a name's p95 in the burst window is judged from this many requests


def percentile(samples: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (as bench/report.py): p95 of 60 samples is the 57th smallest."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    return ordered[max(1, math.ceil(pct / 100 * len(ordered))) - 1]


@dataclass(frozen=True)
class Record:
    t: float
    name: str
    ms: float
    error: str = ""


@dataclass
class Row:
    name: str
    samples: list[float] = field(default_factory=list)
    failures: int = 0
    dropped: int = 0

    @property
    def count(self) -> int:
        return len(self.samples)

    @property
    def p50(self) -> float:
        return percentile(self.samples, 50)

    @property
    def p95(self) -> float:
        return percentile(self.samples, 95)

    @property
    def max(self) -> float:
        return max(self.samples) if self.samples else math.nan

    @property
    def target(self) -> float | None:
        return TARGETS.get(self.name)

    @property
    def passed(self) -> bool | None:
        """None: no latency target; False also when a targeted request was never made."""
        if self.target is None:
            return None
        return bool(self.samples) and self.p95 <= self.target


@dataclass
class Summary:
    rows: dict[str, Row]
    seconds: float

    @property
    def requests(self) -> int:
        return sum(r.count for r in self.rows.values())

    @property
    def failures(self) -> int:
        return sum(r.failures for r in self.rows.values())

    @property
    def dropped(self) -> int:
        return sum(r.dropped for r in self.rows.values())

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else math.nan

    @property
    def unknown(self) -> list[str]:
        """Request names with neither a target nor a place in UNTARGETED: a new request in
        the locustfile must say which it is."""
        return sorted(set(self.rows) - set(TARGETS) - UNTARGETED)

    def verdicts(self) -> list[tuple[str, bool, str]]:
        """(what, passed, figure) for each target: every targeted name's p95, no failed or
        dropped request, every request name known."""
        out = []
        for name, target in TARGETS.items():
            row = self.rows.get(name)
            if row is None or not row.samples:
                out.append((f"{name} p95 ≤ {target:g} ms", False, "not measured"))
            else:
                out.append((f"{name} p95 ≤ {target:g} ms", bool(row.passed), f"{row.p95:.0f} ms"))
        out.append(
            (
                "0 failed or dropped requests",
                self.failures == 0,
                f"{self.failures} failed ({self.dropped} dropped) of {self.requests:,}",
            )
        )
        if self.unknown:
            out.append(("every request has a target or none on purpose", False, str(self.unknown)))
        return out

    @property
    def passed(self) -> bool:
        return all(ok for _, ok, _ in self.verdicts())


def is_dropped(error: str) -> bool:
    return any(mark in error for mark in DROPPED_MARKS)


def summarize(records: Iterable[Record], start: float, end: float) -> Summary:
    """The requests that started in [start, end)."""
    rows: dict[str, Row] = {}
    for record in records:
        if not start <= record.t < end:
            continue
        row = rows.setdefault(record.name, Row(record.name))
        row.samples.append(record.ms)
        if record.error:
            row.failures += 1
            row.dropped += is_dropped(record.error)
    return Summary(rows=rows, seconds=end - start)


def burst_window(records: Sequence[Record]) -> tuple[float, float] | None:
    """From the first login's start to BURST_SETTLE_S after the last one ended (None: no
    login): a login that waits its turn (dealercrm/login_pacing.py) keeps the window open."""
    logins = [r for r in records if r.name == "login"]
    if not logins:
        return None
    return min(r.t for r in logins), max(r.t + r.ms / 1000 for r in logins) + BURST_SETTLE_S


def burst_verdict(records: Sequence[Record]) -> tuple[bool, str]:
    """Do the other users' requests keep their targets while the logins happen? Each
    targeted name with at least MIN_BURST_SAMPLES requests in the window is judged."""
    window = burst_window(records)
    if window is None:
        return True, "no logins"
    summary = summarize(records, *window)
    judged = [
        r for r in summary.rows.values() if r.target is not None and r.count >= MIN_BURST_SAMPLES
    ]
    logins = summary.rows.get("login")
    worst = max(judged, key=lambda r: r.p95 / (r.target or 1), default=None)
    spread = window[1] - window[0] - BURST_SETTLE_S
    detail = (
        f"{logins.count if logins else 0} logins in {spread:.0f} s; "
        f"{summary.requests} requests in the window"
    )
    if worst is not None:
        detail += f"; closest to its target: {worst.name} p95 {worst.p95:.0f} ms ≤ {worst.target:g}"
    failed = [r.name for r in judged if not r.passed]
    if failed:
        detail += f"; over target: {', '.join(failed)}"
    return not failed and summary.failures == 0, detail


def read_log(path: Path) -> tuple[list[Record], list[tuple[float, int]]]:
    """The requests and the step marks (time, users) of a locust run's log."""
    records: list[Record] = []
    steps: list[tuple[float, int]] = []
    if not path.exists():
        return records, steps
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            continue  # the line being written when the log was read
        if "step" in item:
            steps.append((float(item["t"]), int(item["step"])))
        else:
            records.append(
                Record(float(item["t"]), item["name"], float(item["ms"]), item.get("error", ""))
            )
    return records, steps


# --- the knee ----------------------------------------------------------------------------------


def knee_steps(first: int, last: int) -> list[int]:
    """Users per step: first × 1, 1.5, 2, 3, 4, 6, 8 … up to last (50, 75, 100, 150, 200,
    300 …): fine near the start, then a step doubles the users of the step two before."""
    steps: list[int] = []
    base = first
    while base <= last:
        steps.append(base)
        if round(base * 1.5) <= last:
            steps.append(round(base * 1.5))
        base *= 2
    return steps


@dataclass
class Step:
    users: int
    summary: Summary

    @property
    def passed(self) -> bool:
        return self.summary.passed


def knee(steps: Sequence[Step]) -> tuple[int | None, Step | None]:
    """(the most users of a passing step before the first failing one, that failing step)."""
    last_pass = None
    for step in steps:
        if not step.passed:
            return last_pass, step
        last_pass = step.users
    return last_pass, None


def settled_start(records: Sequence[Record], start: float, end: float) -> float:
    """Where a knee step is judged from: BURST_SETTLE_S after the last login of its new
    users (their logins are the burst, judged by the plain run), else its start."""
    logins = [r.t for r in records if r.name == "login" and start <= r.t < end]
    return min(end, max(logins) + BURST_SETTLE_S) if logins else start


def step_windows(marks: Sequence[tuple[float, int]], end: float) -> list[tuple[int, float, float]]:
    """(users, start, end) of each step from the step marks; the last ends at `end`."""
    out = []
    for i, (start, users) in enumerate(marks):
        stop = marks[i + 1][0] if i + 1 < len(marks) else end
        out.append((users, start, stop))
    return out
