#!/usr/bin/env python3
"""Writes tests/fixtures/zip/archive.zip (standard library only).

The archive holds what a year's submission looks like, with its traps:

* 2020/科创办/绩效目标表.txt  the seed, its name stored in GBK without the
  UTF-8 flag, as Windows archivers write it;
* 2020/科创办/说明.png        a member of an unsupported type (counted);
* 2020/科创办/               a folder entry (skipped);
* 2020/教育局.zip            a nested archive holding the GBK+CRLF seed.

    python3 scripts/make_zip_fixtures.py
"""
import io
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fixtures" / "zip" / "archive.zip"
SEED = ROOT / "tests" / "fixtures" / "seed"
FIXED_DATE = (2020, 6, 1, 12, 0, 0)  # reproducible bytes


class GbkName(zipfile.ZipInfo):
    """A ZipInfo whose name is written in GBK, without the UTF-8 flag."""

    def _encodeFilenameFlags(self):  # noqa: N802 (zipfile's own name)
        return self.filename.encode("gbk"), self.flag_bits & ~0x800


def add(zf: zipfile.ZipFile, name: str, data: bytes, gbk: bool = False) -> None:
    info = (GbkName if gbk else zipfile.ZipInfo)(name, date_time=FIXED_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data)


def main() -> None:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        add(zf, "seed-gbk.txt", (SEED / "seed.gbk-crlf.txt").read_bytes())
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(OUT, "w") as zf:
        zf.writestr(zipfile.ZipInfo("2020/科创办/", date_time=FIXED_DATE), b"")
        add(zf, "2020/科创办/绩效目标表.txt", (SEED / "seed.utf8.txt").read_bytes(), gbk=True)
        add(zf, "2020/科创办/说明.png", b"\x89PNG not a table\n")
        add(zf, "2020/教育局.zip", inner.getvalue())
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
