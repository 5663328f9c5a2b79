"""Draw the app's PNG icons (static/icons/) without an image library: the favicon's red
rounded square with a white "D", at the sizes a phone asks the web app manifest for.

Run `python docs/make_icons.py` after changing the design; the PNGs are committed.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

RED = (0xC8, 0x10, 0x2E)
WHITE = (0xFF, 0xFF, 0xFF)
OUT = Path(__file__).resolve().parents[1] / "static" / "icons"


def _inside_rounded(x: float, y: float, lo: float, hi: float, r: float) -> bool:
    if not (lo <= x <= hi and lo <= y <= hi):
        return False
    cx = min(max(x, lo + r), hi - r)
    cy = min(max(y, lo + r), hi - r)
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def _in_letter_d(x: float, y: float) -> bool:
    """A "D" on the unit square: a stem and a half ring (outer and inner half ellipses)."""
    left, top, bottom, stroke = 0.30, 0.24, 0.76, 0.11
    if not (top <= y <= bottom and left <= x <= 0.74):
        return False
    if x <= left + stroke:
        return True
    cy, ry = (top + bottom) / 2, (bottom - top) / 2
    cx, rx = left + stroke, 0.74 - (left + stroke)
    outer = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1
    inner = ((x - cx) / (rx - stroke)) ** 2 + ((y - cy) / (ry - stroke)) ** 2 < 1
    return outer and not inner


def icon(size: int, *, maskable: bool) -> bytes:
    """A PNG (RGBA, 8 bit). Maskable icons fill the square: the launcher cuts its own shape
    and keeps the central 80 %, so the letter is drawn smaller inside a full red field."""
    rows = []
    for py in range(size):
        row = bytearray([0])  # filter type 0 for each scanline
        for px in range(size):
            x, y = (px + 0.5) / size, (py + 0.5) / size
            if maskable:
                inside = True
                lx, ly = (x - 0.5) / 0.8 + 0.5, (y - 0.5) / 0.8 + 0.5
            else:
                inside = _inside_rounded(x, y, 0.0, 1.0, 0.19)
                lx, ly = x, y
            if not inside:
                row += bytes((0, 0, 0, 0))
            elif _in_letter_d(lx, ly):
                row += bytes((*WHITE, 255))
            else:
                row += bytes((*RED, 255))
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (180, 192, 512):
        (OUT / f"icon-{size}.png").write_bytes(icon(size, maskable=False))
    (OUT / "icon-maskable-512.png").write_bytes(icon(512, maskable=True))


if __name__ == "__main__":
    main()
