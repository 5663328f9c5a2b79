"""find_duplicates --csv IN --out OUT: the file run, exactly as ARCHITECTURE.md specifies,
without touching the database."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

HEADER = "id,name,phones,address,birth_date,id_number,models\n"
ROWS = [
    "1,刘文才,138 5399 1234;13953906688,山东省临沂市沂南县青驼镇刘家庄村3组,1971-08-16,,ZL50C-Ⅱ",
    "2,刘文财,138-5399-1234,青驼镇刘家庄村,1971,,ＺＬ５０Ｃ－II",
    "3,刘总,+86 13853991234,,,,",
    "4,王振海,138 0539 6612,兰陵县磨山镇王家湖村,1966-02-11,371324196602113512,",
    "5,王镇海,151-6539-8870,兰陵县磨山镇王家湖村,1974-10-03,371324197410033571,",
    "6,张庆华,135 6147 8823,寿光市稻田镇西马村,,,",
    "7,李强,,,,,",
]


def run(tmp_path: Path, text: str, *args: str) -> list[dict[str, str]]:
    source = tmp_path / "in.csv"
    source.write_text(text, encoding="utf-8")
    target = tmp_path / "out.csv"
    call_command(
        "find_duplicates", "--csv", str(source), "--out", str(target), "--language", "en", *args
    )
    with target.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_file_run_writes_the_pairs_with_scores_and_reasons(tmp_path, capsys):
    # when (no django_db mark: any database access would fail the test)
    rows = run(tmp_path, HEADER + "\n".join(ROWS) + "\n")
    # then
    assert list(rows[0]) == ["left_id", "right_id", "score", "reasons"]
    pairs = {frozenset((r["left_id"], r["right_id"])): r for r in rows}
    assert {frozenset(p) for p in [("1", "2"), ("1", "3"), ("2", "3"), ("4", "5")]} == set(pairs)
    assert all(0 <= float(r["score"]) <= 1 for r in rows)
    assert float(pairs[frozenset(("1", "2"))]["score"]) >= 0.5
    brothers = pairs[frozenset(("4", "5"))]
    assert float(brothers["score"]) < 0.5
    assert brothers["reasons"].startswith("possible relatives — do not merge without checking")
    assert "same phone 138 5399 1234" in pairs[frozenset(("1", "2"))]["reasons"]
    # best first
    scores = [float(r["score"]) for r in rows]
    assert scores == sorted(scores, reverse=True)
    assert "7 records" in capsys.readouterr().err


def test_empty_fields_a_byte_order_mark_and_crlf_are_fine(tmp_path):
    text = (
        "\ufeff"
        + HEADER.replace("\n", "\r\n")
        + "1,,,,,,\r\n2,,,,,,\r\n3,刘文才,13853991234,,,,\r\n4,刘文财,13853991234,,,,\r\n"
    )
    rows = run(tmp_path, text)
    assert [(r["left_id"], r["right_id"]) for r in rows] == [("3", "4")]


def test_a_higher_threshold_proposes_fewer_pairs(tmp_path):
    text = HEADER + "\n".join(ROWS) + "\n"
    assert len(run(tmp_path, text, "--threshold", "0.999")) < len(run(tmp_path, text))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id,name\n1,刘文才\n", r"missing column\(s\) phones"),
        (HEADER + "1,刘文才,,,,,\n1,刘文财,,,,,\n", "appears twice"),
        (HEADER + ",刘文才,,,,,\n", "empty id"),
    ],
)
def test_a_malformed_file_is_refused_clearly(tmp_path, text, message):
    with pytest.raises(CommandError, match=message):
        run(tmp_path, text)


def test_the_file_run_needs_an_output(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text(HEADER, encoding="utf-8")
    with pytest.raises(CommandError, match="--out"):
        call_command("find_duplicates", "--csv", str(source))


def test_the_command_line_run_ends_at_once_with_its_output_complete(tmp_path):
    # given the run typed at the command line (it ends without freeing what it built)
    import subprocess
    import sys

    source = tmp_path / "in.csv"
    source.write_text(HEADER + "\n".join(ROWS) + "\n", encoding="utf-8")
    target = tmp_path / "out.csv"
    manage = Path(__file__).resolve().parents[2] / "manage.py"
    # when
    done = subprocess.run(
        [
            sys.executable,
            str(manage),
            "find_duplicates",
            "--csv",
            str(source),
            "--out",
            str(target),
            "--language",
            "en",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # then it succeeded, said so, and the file holds every pair the in-process run writes
    assert done.returncode == 0, done.stderr
    assert "7 records, " in done.stderr and "written to" in done.stderr
    with target.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    (tmp_path / "again").mkdir()
    assert rows == run(tmp_path / "again", HEADER + "\n".join(ROWS) + "\n")
