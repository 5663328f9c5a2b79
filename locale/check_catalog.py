#!/usr/bin/env python3
"""Check the gettext catalogs under locale/: complete, not fuzzy, compiled.

Usage (from anywhere, no Django needed):

    python locale/check_catalog.py                 # every locale/*/LC_MESSAGES/django.po
    python locale/check_catalog.py path/to/django.po ...
    python locale/check_catalog.py --extract       # run makemessages first, so strings
                                                   # added to the code since count too

Exits 1 and prints each problem when a catalog has an untranslated entry (an empty
msgstr, or an empty msgstr[n] of a plural), a fuzzy entry (Django ignores those), a
%-placeholder that differs between msgid and msgstr, a missing .mo, or a .mo older than
its .po (run `manage.py compilemessages`). Exits 0 and prints a summary otherwise.
Obsolete entries (#~) are ignored.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = LOCALE_DIR.parent
PLACEHOLDER = re.compile(r"%(?:\([A-Za-z_][A-Za-z0-9_]*\))?[#0 +-]*\d*(?:\.\d+)?[sdifrxXeEgGcoa%]")


@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)  # -1 for a plain msgstr


def parse(path: Path) -> list[Entry]:
    entries: list[Entry] = []
    cur: Entry | None = None
    key: tuple[str, int] | None = None

    def finish() -> None:
        nonlocal cur, key
        if cur is not None and (cur.msgstr or cur.msgid):
            entries.append(cur)
        cur, key = None, None

    for no, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):  # obsolete entry
            continue
        if line.startswith("#"):
            if cur is not None and key is not None:  # comment after msgstr: new entry
                finish()
            if cur is None:
                cur = Entry(line=no)
            if line.startswith("#,"):
                cur.flags.update(f.strip() for f in line[2:].split(","))
            continue
        if cur is None:
            cur = Entry(line=no)
        m = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")$', line)
        if m:
            word, index, literal = m.group(1), m.group(2), m.group(3)
            if word == "msgid" and key is not None and key[0] == "msgstr":
                finish()  # a new entry without a blank line in between
                cur = Entry(line=no)
            value = ast.literal_eval(literal)
            if word == "msgid":
                cur.msgid, key = value, ("msgid", 0)
            elif word == "msgid_plural":
                cur.msgid_plural, key = value, ("msgid_plural", 0)
            elif word == "msgctxt":
                key = ("msgctxt", 0)
            else:
                n = int(index) if index is not None else -1
                cur.msgstr[n], key = value, ("msgstr", n)
            continue
        if line.startswith('"') and cur is not None and key is not None:
            value = ast.literal_eval(line)
            if key[0] == "msgid":
                cur.msgid += value
            elif key[0] == "msgid_plural":
                cur.msgid_plural = (cur.msgid_plural or "") + value
            elif key[0] == "msgstr":
                cur.msgstr[key[1]] += value
            continue
        raise SystemExit(f"{path}:{no}: cannot parse: {raw!r}")
    finish()
    return entries


def placeholders(text: str) -> list[str]:
    return sorted(p for p in PLACEHOLDER.findall(text) if p != "%%")


def check(po: Path) -> tuple[list[str], int]:
    problems: list[str] = []
    entries = parse(po)
    messages = [e for e in entries if e.msgid != ""]
    header = next((e for e in entries if e.msgid == ""), None)

    if header is None:
        problems.append(f"{po}: no header entry")
    else:
        if "fuzzy" in header.flags:
            problems.append(f"{po}:{header.line}: the header is fuzzy (remove '#, fuzzy')")
        text = header.msgstr.get(-1, "")
        if "charset=UTF-8" not in text:
            problems.append(f"{po}:{header.line}: header has no 'charset=UTF-8'")
        if messages and any(e.msgid_plural for e in messages) and "Plural-Forms:" not in text:
            problems.append(f"{po}:{header.line}: header has no Plural-Forms")

    for e in messages:
        where = f"{po}:{e.line}: {e.msgid[:60]!r}"
        if "fuzzy" in e.flags:
            problems.append(f"{where} is fuzzy")
        if not e.msgstr or any(not s for s in e.msgstr.values()):
            problems.append(f"{where} is untranslated")
            continue
        if "python-format" in e.flags or "python-brace-format" in e.flags:
            want = placeholders(e.msgid)
            for n, s in e.msgstr.items():
                got = placeholders(s)
                # A plural's translations may drop the count placeholder, never add others.
                if got != want and not (e.msgid_plural and set(got) <= set(want)):
                    label = "msgstr" if n < 0 else f"msgstr[{n}]"
                    problems.append(f"{where}: {label} placeholders {got} differ from {want}")

    mo = po.with_suffix(".mo")
    if not mo.exists():
        problems.append(f"{mo}: missing (run manage.py compilemessages)")
    elif mo.stat().st_mtime < po.stat().st_mtime:
        problems.append(f"{mo}: older than {po.name} (run manage.py compilemessages)")
    return problems, len(messages)


def main(argv: list[str]) -> int:
    args = [a for a in argv if a != "--extract"]
    if "--extract" in argv:
        subprocess.run(
            [
                sys.executable,
                "manage.py",
                "makemessages",
                "--all",
                "--ignore=.venv",
                "--ignore=bench",
                "--ignore=tests",
                "--ignore=staticfiles",
            ],
            cwd=PROJECT_DIR,
            check=True,
        )
    catalogs = [Path(a) for a in args] or sorted(LOCALE_DIR.glob("*/LC_MESSAGES/django.po"))
    if not catalogs:
        print(f"no catalogs found under {LOCALE_DIR}")
        return 1
    failed = False
    for po in catalogs:
        problems, count = check(po)
        if problems:
            failed = True
            print(f"{po}: {len(problems)} problem(s) in {count} entries")
            for p in problems:
                print(f"  {p}")
        else:
            print(f"{po}: OK, {count} entries translated")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
