#!/usr/bin/env python3
"""Draws the PWA icons (public/icons/*.png): a white diamond, the brand mark, on the accent
blue. Plain zlib PNG writing, no imaging library. Run once; the PNGs are committed."""
import struct
import sys
import zlib
from pathlib import Path

BLUE = (29, 78, 216)
WHITE = (255, 255, 255)


def png(size, pixel):
    rows = bytearray()
    for y in range(size):
        rows.append(0)
        for x in range(size):
            rows.extend(pixel(x + 0.5, y + 0.5, size))
    def chunk(kind, data):
        c = struct.pack(">I", len(data)) + kind + data
        return c + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + chunk(b"IEND", b""))


def icon(maskable):
    def pixel(x, y, size):
        c = size / 2
        # The diamond: |dx| + |dy| <= r; a maskable icon keeps it inside the 80 % safe zone.
        r = size * (0.26 if maskable else 0.32)
        if abs(x - c) + abs(y - c) <= r:
            return (*WHITE, 255)
        if maskable:
            return (*BLUE, 255)
        # A rounded square with transparent corners.
        radius = size * 0.18
        dx = max(radius - x, x - (size - radius), 0)
        dy = max(radius - y, y - (size - radius), 0)
        return (*BLUE, 255) if dx * dx + dy * dy <= radius * radius else (0, 0, 0, 0)
    return pixel


def main(out):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "icon-192.png").write_bytes(png(192, icon(False)))
    (out / "icon-512.png").write_bytes(png(512, icon(False)))
    (out / "maskable-512.png").write_bytes(png(512, icon(True)))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "public/icons")
