"""One way to export a table: CSV (UTF-8 with a BOM, so Chinese Excel opens it) or xlsx.

Views pass rows they already got from a selector — an export never sees more than the
page it came from — and every export is written to the security log.

    fmt = exports.requested_format(request)          # "csv", "xlsx" or None
    if fmt:
        return exports.export_response(
            request, fmt=fmt, name="customers", title=_("Customers"),
            headers=[_("Name"), _("Phone")], rows=((c.name, c.phone) for c in qs),
        )

Spreadsheet safety: strings that a spreadsheet would run as a formula (starting with
``= + - @`` or a tab/CR) get a leading apostrophe in CSV (OWASP "CSV injection"); in
xlsx every string is written as a string cell, so nothing is ever a formula.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_SHEET_TITLE_MAX = 31


def requested_format(request: HttpRequest, param: str = "export") -> str | None:
    """``?export=csv`` or ``?export=xlsx``; anything else is not an export request."""
    value = request.GET.get(param, "").strip().lower()
    return value if value in FORMATS else None


def export_url(request: HttpRequest, fmt: str, param: str = "export") -> str:
    """The current URL (filters kept, page dropped) asking for an export."""
    query = request.GET.copy()
    query.pop("page", None)
    query[param] = fmt
    return f"{request.path}?{query.urlencode()}"


def csv_safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _plain(value: Any) -> Any:
    """Values a spreadsheet understands: aware datetimes in local time, no tz."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None, microsecond=0)
    if isinstance(value, (bool, int, float, Decimal, dt.date)):
        return value
    return str(value)


def csv_bytes(headers: Sequence[Any], rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([str(h) for h in headers])
    for row in rows:
        writer.writerow([csv_safe(_plain(v)) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(title: str, headers: Sequence[Any], rows: Iterable[Sequence[Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(title))
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=str(header))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        cells = []
        for value in row:
            value = _plain(value)
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula
            elif isinstance(value, dt.datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(value, Decimal):  # money: shown as on the pages, 7,740,045.00
                cell.number_format = "#,##0.00"
            elif isinstance(value, float):  # rates, already in percent: one decimal
                cell.number_format = "0.0"
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_title(title: str) -> str:
    cleaned = "".join(ch for ch in str(title) if ch not in "[]:*?/\\").strip()
    return (cleaned or "Sheet")[:XLSX_SHEET_TITLE_MAX]


def filename(name: str, fmt: str) -> str:
    return f"{name}-{timezone.localdate():%Y%m%d}.{fmt}"


class _CountingRows:
    """Counts rows as they stream, so the log records how many left the building."""

    def __init__(self, rows: Iterable[Sequence[Any]]) -> None:
        self._rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[Sequence[Any]]:
        for row in self._rows:
            self.count += 1
            yield row


def export_response(
    request: HttpRequest,
    *,
    fmt: str,
    name: str,
    title: str,
    headers: Sequence[Any],
    rows: Iterable[Sequence[Any]],
) -> HttpResponse:
    """Build the download and write the EXPORT row to the security log."""
    from .security import log_event

    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    disposition = content_disposition_header(True, filename(name, fmt))
    filters = {k: v for k, v in request.GET.items() if k not in ("export", "page")}
    counted = _CountingRows(rows)
    if fmt == "xlsx":
        content = xlsx_bytes(str(title), headers, counted)
    else:
        content = csv_bytes(headers, counted)
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = disposition
    log_event(
        "export",
        request=request,
        status=200,
        outcome=f"{name}.{fmt}",
        detail={"export": name, "format": fmt, "filters": filters, "rows": counted.count},
    )
    return response
