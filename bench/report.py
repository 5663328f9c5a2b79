"""Formatting of benchmark results: console tables and sections of docs/benchmarks.md.

Each benchmark owns one section of the document, between its own marker comments, and
rewrites only that section; other sections (later benchmarks) survive untouched.
"""

from __future__ import annotations

import math
import os
import platform
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

DOC_HEADER = """# Benchmarks

Figures measured on real data sizes. Each benchmark writes its own section between
`<!-- bench:NAME:begin -->` and `<!-- bench:NAME:end -->` and rewrites only that section,
so sections added by later benchmarks survive a re-run. Run `make bench`
(`.venv/bin/python bench/run.py`; see `bench/run.py --help`).
"""


def percentile(samples: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (p95 of 60 samples is the 57th smallest)."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Timing:
    samples_ms: list[float] = field(default_factory=list)

    def add(self, ms: float) -> None:
        self.samples_ms.append(ms)

    @property
    def p50(self) -> float:
        return percentile(self.samples_ms, 50)

    @property
    def p95(self) -> float:
        return percentile(self.samples_ms, 95)

    @property
    def max(self) -> float:
        return max(self.samples_ms) if self.samples_ms else math.nan

    @property
    def n(self) -> int:
        return len(self.samples_ms)


def ms(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.1f}"


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A Markdown table (also readable on a terminal)."""
    lines = [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join("---" for _ in headers) + "|",
    ]
    lines.extend("| " + " | ".join(str(cell) for cell in row) + " |" for row in rows)
    return "\n".join(lines)


def machine_description() -> dict[str, str]:
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    model = ""
    meminfo = ""
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
        model = found.group(1).strip() if found else ""
        found = re.search(r"^MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text(), re.MULTILINE)
        meminfo = f"{int(found.group(1)) / 1024 / 1024:.1f} GiB" if found else ""
    except OSError:
        pass
    return {
        "cpus": str(cpus),
        "cpu_model": model or platform.processor() or "unknown",
        "memory": meminfo or "unknown",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
    }


def replace_section(path: Path, name: str, body: str) -> None:
    """Write `body` between this benchmark's markers, keeping the rest of the file."""
    begin, end = f"<!-- bench:{name}:begin -->", f"<!-- bench:{name}:end -->"
    block = f"{begin}\n{body.strip()}\n{end}\n"
    text = path.read_text(encoding="utf-8") if path.exists() else DOC_HEADER
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end) + r"\n?", re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + block
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
