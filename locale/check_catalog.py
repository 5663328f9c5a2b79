#!/usr/bin/env python3
"""Check the gettext catalogs under locale/: complete, not fuzzy, compiled.

Usage (from anywhere; needs only the standard library):

    python locale/check_catalog.py                 # every locale/*/LC_MESSAGES/django.po
    python locale/check_catalog.py path/to/django.po ...
    python locale/check_catalog.py --extract       # run makemessages first, so strings
                                                   # added to the code since count too

Exits 1 and prints each problem when a catalog has
  * an untranslated entry (empty msgstr, or an empty msgstr[n] of a plural),
  * a fuzzy entry or a fuzzy header (Django ignores fuzzy entries),
  * a %-placeholder in a python-format msgstr that its msgid does not have,
  * no charset=UTF-8 / Plural-Forms in the header,
  * no .mo, or a .mo older than its .po whose translations differ from the .po's
    (run `manage.py compilemessages`),
  * a word that means different things in different places (AMBIGUOUS below) used
    without a context: one msgid has one translation, so "File" on the import form (文件)
    and on the inbox button (归档) must be two entries, told apart by msgctxt.
A .mo older than its .po but with the same translations passes with a note: a fresh
git clone writes django.mo before django.po, so the times alone would fail every clone.
Obsolete entries (#~) are ignored. Exits 0 and prints a summary otherwise.
"""

from __future__ import annotations

import ast
import gettext
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = LOCALE_DIR.parent
PLACEHOLDER = re.compile(r"%(?:\([A-Za-z_]\w*\))?[#0 +-]*\d*(?:\.\d+)?[sdifrxXeEgGcoa%]")
KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")$')


@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)  # key -1: a plain msgstr

    @property
    def mo_key(self) -> str:
        return self.msgid if self.msgctxt is None else f"{self.msgctxt}\x04{self.msgid}"


def parse(path: Path) -> list[Entry]:
    """The entries of a .po file (header first, as msgid "")."""
    entries: list[Entry] = []
    cur: Entry | None = None
    part: tuple[str, int] | None = None  # the keyword the next "..." line continues

    def finish() -> None:
        nonlocal cur, part
        if cur is not None and (cur.msgstr or cur.msgid or cur.msgid_plural):
            entries.append(cur)
        cur, part = None, None

    for no, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line:
            finish()
        elif line.startswith("#~"):
            continue  # obsolete entry
        elif line.startswith("#"):
            if part is not None and part[0] == "msgstr":
                finish()  # a comment after a msgstr starts the next entry
            cur = cur or Entry(line=no)
            if line.startswith("#,"):
                cur.flags.update(flag.strip() for flag in line[2:].split(","))
        elif m := KEYWORD.match(line):
            word, index, value = m.group(1), m.group(2), ast.literal_eval(m.group(3))
            if word in ("msgid", "msgctxt") and part is not None and part[0] == "msgstr":
                finish()  # no blank line between two entries
            cur = cur or Entry(line=no)
            if word == "msgctxt":
                cur.msgctxt, part = value, ("msgctxt", 0)
            elif word == "msgid":
                cur.msgid, part = value, ("msgid", 0)
            elif word == "msgid_plural":
                cur.msgid_plural, part = value, ("msgid_plural", 0)
            else:
                n = int(index) if index is not None else -1
                cur.msgstr[n], part = value, ("msgstr", n)
        elif line.startswith('"') and cur is not None and part is not None:
            value = ast.literal_eval(line)
            if part[0] == "msgctxt":
                cur.msgctxt = (cur.msgctxt or "") + value
            elif part[0] == "msgid":
                cur.msgid += value
            elif part[0] == "msgid_plural":
                cur.msgid_plural = (cur.msgid_plural or "") + value
            else:
                cur.msgstr[part[1]] += value
        else:
            raise SystemExit(f"{path}:{no}: cannot parse: {raw!r}")
    finish()
    return entries


def placeholders(text: str) -> set[str]:
    return {p for p in PLACEHOLDER.findall(text) if p != "%%"}


def compiled_differences(po_entries: list[Entry], mo: Path) -> list[str]:
    """What the .mo says differently from the .po (translated, non-fuzzy entries)."""
    with mo.open("rb") as fh:
        catalog: dict[object, str] = dict(gettext.GNUTranslations(fh)._catalog)  # type: ignore[attr-defined]
    want: dict[object, str] = {}
    for e in po_entries:
        if e.msgid == "" or "fuzzy" in e.flags or not e.msgstr:
            continue
        if any(not s for s in e.msgstr.values()):
            continue
        if e.msgid_plural is None:
            want[e.mo_key] = e.msgstr[-1]
        else:
            want.update({(e.mo_key, n): s for n, s in e.msgstr.items()})
    got = {k: v for k, v in catalog.items() if k != ""}
    diffs = [f"{k!r} is not in the .mo" for k in want if k not in got]
    diffs += [f"{k!r} differs in the .mo" for k in want if k in got and got[k] != want[k]]
    diffs += [f"{k!r} is in the .mo only" for k in got if k not in want]
    return diffs


# English words this UI uses in more than one sense. Each use must carry a context
# (`{% translate "File" context "…" %}`, `pgettext_lazy("…", "File")`), so that every sense
# gets its own translation; a bare msgid would force one Chinese word on all of them.
AMBIGUOUS = {
    "By": "汇报人 / 导入人 / 操作人",
    "Due": "到期日 / 应联系",
    "File": "文件 (an upload) / 归档 (filing a report)",
    "Filter": "筛选 (the button) / 滤芯 (a part category)",
    "Kind": "客户类型 / 提醒类型 / 候选类型",
    "Open": "待处理 / 待审核 / 打开",
    "Service": "服务人员 (the role) / 售后服务 (the dossier tab)",
}


def check(po: Path) -> tuple[list[str], list[str], int]:
    problems: list[str] = []
    notes: list[str] = []
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
            problems.append(f"{po}:{header.line}: the header has no 'charset=UTF-8'")
        if any(e.msgid_plural for e in messages) and "Plural-Forms:" not in text:
            problems.append(f"{po}:{header.line}: the header has no Plural-Forms")

    for e in messages:
        where = f"{po}:{e.line}: {e.msgid[:60]!r}"
        if "fuzzy" in e.flags:
            problems.append(f"{where} is fuzzy")
        if e.msgid in AMBIGUOUS and e.msgctxt is None:
            problems.append(
                f"{where} means {AMBIGUOUS[e.msgid]}: translate each use with a context"
            )
        if not e.msgstr or any(not s for s in e.msgstr.values()):
            problems.append(f"{where} is untranslated")
            continue
        if "python-format" in e.flags:
            allowed = placeholders(e.msgid) | placeholders(e.msgid_plural or "")
            for n, s in sorted(e.msgstr.items()):
                extra = placeholders(s) - allowed
                missing = set() if e.msgid_plural else placeholders(e.msgid) - placeholders(s)
                if extra or missing:
                    label = "msgstr" if n < 0 else f"msgstr[{n}]"
                    problems.append(
                        f"{where}: {label} placeholders wrong"
                        f" (unknown {sorted(extra)}, missing {sorted(missing)})"
                    )

    mo = po.with_suffix(".mo")
    if not mo.exists():
        problems.append(f"{mo}: missing (run manage.py compilemessages)")
    else:
        older = mo.stat().st_mtime < po.stat().st_mtime
        diffs = compiled_differences(entries, mo)
        if diffs:
            why = "older than and different from" if older else "different from"
            problems.append(
                f"{mo}: {why} {po.name} (run manage.py compilemessages): "
                + "; ".join(diffs[:5])
                + (f"; and {len(diffs) - 5} more" if len(diffs) > 5 else "")
            )
        elif older:
            notes.append(f"{mo}: older than {po.name} but holds the same translations")
    return problems, notes, len(messages)


def main(argv: list[str]) -> int:
    paths = [a for a in argv if a != "--extract"]
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
    catalogs = [Path(p) for p in paths] or sorted(LOCALE_DIR.glob("*/LC_MESSAGES/django.po"))
    if not catalogs:
        print(f"no catalogs found under {LOCALE_DIR}")
        return 1
    failed = False
    for po in catalogs:
        problems, notes, count = check(po)
        for note in notes:
            print(f"note: {note}")
        if problems:
            failed = True
            print(f"{po}: {len(problems)} problem(s) in {count} entries")
            for problem in problems:
                print(f"  {problem}")
        else:
            print(f"{po}: OK, {count} entries translated and compiled")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
