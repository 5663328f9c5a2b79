"""Reading a spreadsheet into rows of text: xlsx (first sheet) and CSV in UTF-8 (with or
without a byte-order mark), UTF-16 or GB18030 (a superset of GBK: what Chinese Excel
writes when it saves "CSV"). Values come back as stripped strings, numbers without a
spurious ".0" (a phone typed into a number cell), dates as YYYY-MM-DD."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePath

from django.utils.translation import gettext as _

MAX_BYTES = 40 * 1024 * 1024
MAX_ROWS = 100_000
XLSX_MAGIC = b"PK\x03\x04"
# Old binary Excel (OLE compound file): openpyxl cannot read it.
XLS_MAGIC = b"\xd0\xcf\x11\xe0"
# What our own CSV export puts before a would-be formula (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@")


class ReadError(ValueError):
    """The file cannot be read as a table; the message is for the archivist."""


@dataclass
class Table:
    headers: list[str]
    rows: Iterator[list[str]]  # data rows, in file order, header excluded
    encoding: str  # "xlsx" for workbooks
    first_row: int = 2  # the spreadsheet's number of the first data row


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.replace(microsecond=0).isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    text = str(value).strip()
    # Our own export escapes formula-like text with an apostrophe: take it off again.
    if text.startswith("'") and text[1:2] and text[1:2] in FORMULA_PREFIXES:
        text = text[1:]
    return text


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding): a BOM decides; else strict UTF-8; else GB18030."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise ReadError(
            _("The file is neither UTF-8 nor GBK/GB18030 text; save it as CSV UTF-8 or xlsx.")
        ) from exc


def _sniff_delimiter(sample: str) -> str:
    first = sample.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", "\t", ";", "，")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(data: bytes) -> Table:
    text, encoding = decode(data)
    delimiter = _sniff_delimiter(text[:4096])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        header = []
    except csv.Error as exc:
        raise ReadError(_("The CSV file cannot be read: %(error)s") % {"error": exc}) from exc

    def rows() -> Iterator[list[str]]:
        try:
            for row in reader:
                yield [cell_text(v) for v in row]
        except csv.Error as exc:
            raise ReadError(
                _("The CSV file cannot be read at line %(line)s: %(error)s")
                % {"line": reader.line_num, "error": exc}
            ) from exc

    return Table([cell_text(h) for h in header], rows(), encoding)


def _read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # zip, XML and openpyxl errors all mean "not a workbook"
        raise ReadError(
            _("The file is not a readable Excel workbook (xlsx): %(error)s")
            % {"error": type(exc).__name__}
        ) from exc
    sheet = workbook.worksheets[0] if workbook.worksheets else None
    if sheet is None:
        raise ReadError(_("The workbook has no sheet."))
    values = sheet.iter_rows(values_only=True)
    header = next(values, None) or ()

    def rows() -> Iterator[list[str]]:
        try:
            for row in values:
                yield [cell_text(v) for v in row]
        finally:
            workbook.close()

    return Table([cell_text(h) for h in header], rows(), "xlsx")


def read_table(data: bytes, file_name: str) -> Table:
    """The table in the file, or ReadError with a message the archivist can act on."""
    if not data:
        raise ReadError(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise ReadError(
            _("The file is larger than %(mb)s MB; split it into smaller files.")
            % {"mb": MAX_BYTES // (1024 * 1024)}
        )
    suffix = PurePath(file_name).suffix.lower()
    if data.startswith(XLS_MAGIC) or suffix == ".xls":
        raise ReadError(
            _("Old Excel files (.xls) cannot be read: save the sheet as .xlsx or CSV first.")
        )
    if data.startswith(XLSX_MAGIC):
        if suffix not in {".xlsx", ".xlsm", ""}:
            raise ReadError(_("Only .xlsx and .csv files can be imported."))
        table = _read_xlsx(data)
    elif suffix in {".csv", ".txt", ""}:
        if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise ReadError(_("This is not a text (CSV) file."))
        table = _read_csv(data)
    else:
        raise ReadError(_("Only .xlsx and .csv files can be imported."))
    if not any(table.headers):
        raise ReadError(_("The first row must hold the column names; it is empty."))
    return table


def nonblank_rows(table: Table) -> Iterator[tuple[int, list[str]]]:
    """(spreadsheet row number, cells) for every row with something in it, at most MAX_ROWS."""
    count = 0
    for number, row in enumerate(table.rows, start=table.first_row):
        if not any(row):
            continue
        count += 1
        if count > MAX_ROWS:
            raise ReadError(
                _("The file has more than %(max)s rows; split it into smaller files.")
                % {"max": f"{MAX_ROWS:,}"}
            )
        yield number, row
