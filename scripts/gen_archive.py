#!/usr/bin/env python3
"""Generate a reproducible synthetic annual archive for throughput benchmarks.

Usage:
    python3 scripts/gen_archive.py N DIR [--seed-file PATH] [--mix utf8,gbk,utf16]
                                         [--per-dept 50] [--format text|xlsx|html|docx]
                                         [--zip]

--format xlsx / html / docx: the documents are workbooks (from
tests/fixtures/sheets/seed.xlsx), web pages (from
tests/fixtures/html/seed.html) or Word files (from
tests/fixtures/docx/seed.docx) instead of text exports, with the same
per-document department and project names (amounts stay the seed's).
--zip: each department folder is written as one DIR/dept-NNNN.zip archive
instead (members dept-NNNN/doc-NNNNNN.EXT, deflated).

Writes N documents derived from one seed export (a tab-separated
"财政项目支出绩效目标表" text export) into DIR:

    DIR/dept-0001/doc-000001.txt ... DIR/dept-0001/doc-000050.txt
    DIR/dept-0002/doc-000051.txt ...

Documents are numbered 1..N (n); department folder d = (n - 1) // per_dept + 1.
Per document the following is varied, so that no two documents are identical:

  * department line  `申报单位名称：<dept>`  ->  `申报单位名称：第0007号部门（<dept>）`
    (d = department folder number; mentions of the department name elsewhere
    in free text, e.g. inside 《…财务管理制度》, are left alone);
  * every project name line `项目名称：\t<name>\t…` -> `<name>（文档000123）`;
  * every budget amount cell with thousands separators (`41,098,620`) is
    replaced by a value derived from (n, original value) with the same
    `1,234,567` format; equal amounts in the seed stay equal in the document
    (e.g. 总预算 == 当年预算), and a `4109.86万元` in free text that matches an
    amount is rewritten to match the new amount.

Encoding by 0-based index i = n - 1, cycling through the mix (default
utf8,gbk,utf16 -> equal thirds by i % 3):
    utf8  : UTF-8, no BOM, LF line ends
    gbk   : GBK, CRLF line ends (falls back to GB18030 with a note on stderr
            if the seed contains characters GBK cannot encode)
    utf16 : UTF-16LE with BOM (U+FEFF), LF line ends

Everything is deterministic (no randomness): the same arguments produce
byte-identical files. Existing files in DIR are overwritten, other files are
left alone. Standard library only. The output is meant to be generated at
bench time and never committed.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import sys
import zipfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SEED = REPO_ROOT / "corpus/000_ac0013b8211afd0d.txt"

ENCODINGS = ("utf8", "gbk", "utf16")

DEPT_LINE = re.compile(r"^(申报单位名称：)([^\t\n]*)", re.M)
PROJECT_LINE = re.compile(r"^(项目名称：\t)([^\t\n]*)", re.M)
# An amount cell: a whole tab-separated cell with thousands separators.
AMOUNT_CELL = re.compile(r"(?<=\t)\d{1,3}(?:,\d{3})+(?=\t|\n|$)")
WAN = re.compile(r"(\d+(?:\.\d+)?)万元")


def wan_text(yuan: int) -> str:
    """Render an amount in yuan as 万元 with two decimals (41098620 -> 4109.86)."""
    # integer rounding, half up, to avoid float formatting surprises
    cents_wan = (yuan + 50) // 100  # units of 0.01 万元
    return f"{cents_wan // 100}.{cents_wan % 100:02d}"


def vary_amount(value: int, slot: int, n: int) -> int:
    """Deterministic per-document amount: value scaled by a factor in [0.5, 1.5)."""
    h = (n * 2654435761 + (slot + 1) * 40503 + value) % 1_000_003
    h = h % 1_000_000
    new = value * (500_000 + h) // 1_000_000
    return max(new, 1)


class Template:
    """The seed split into static text and slots, with static parts pre-encoded."""

    def __init__(self, text: str) -> None:
        # (start, end, kind, key) for every variable span
        spans: list[tuple[int, int, str, object]] = []
        self.dept_names: list[str] = []
        for m in DEPT_LINE.finditer(text):
            name = m.group(2)
            if name:
                spans.append((m.start(2), m.end(2), "dept", name))
                self.dept_names.append(name)
        self.project_names: list[str] = []
        for m in PROJECT_LINE.finditer(text):
            spans.append((m.start(2), m.end(2), "proj", m.group(2)))
            self.project_names.append(m.group(2))
        amounts: list[int] = []
        for m in AMOUNT_CELL.finditer(text):
            v = int(m.group(0).replace(",", ""))
            if v not in amounts:
                amounts.append(v)
            spans.append((m.start(), m.end(), "amount", v))
        self.amounts = amounts
        wan_of = {wan_text(v): v for v in amounts}
        for m in WAN.finditer(text):
            v = wan_of.get(m.group(1))
            if v is not None:
                spans.append((m.start(1), m.end(1), "wan", v))
        spans.sort()
        for a, b in zip(spans, spans[1:]):
            if a[1] > b[0]:
                raise SystemExit(f"gen_archive: overlapping template slots {a} / {b}")

        statics: list[str] = []
        self.slots: list[tuple[str, object]] = []
        pos = 0
        for start, end, kind, key in spans:
            statics.append(text[pos:start])
            self.slots.append((kind, key))
            pos = end
        statics.append(text[pos:])

        gbk_codec = "gbk"
        try:
            text.encode("gbk")
        except UnicodeEncodeError as e:
            gbk_codec = "gb18030"
            print(
                f"gen_archive: note: seed has characters GBK cannot encode "
                f"({text[e.start:e.end]!r}); writing the 'gbk' share as GB18030",
                file=sys.stderr,
            )
        self.codec = {"utf8": "utf-8", "gbk": gbk_codec, "utf16": "utf-16-le"}
        self.newline = {"utf8": "\n", "gbk": "\r\n", "utf16": "\n"}
        self.bom = {"utf8": b"", "gbk": b"", "utf16": "\ufeff".encode("utf-16-le")}
        # statics pre-encoded once per encoding (newline conversion included)
        self.static_bytes: dict[str, list[bytes]] = {}
        for enc in ENCODINGS:
            codec, nl = self.codec[enc], self.newline[enc]
            parts = [s.replace("\n", nl).encode(codec) for s in statics]
            parts[0] = self.bom[enc] + parts[0]
            self.static_bytes[enc] = parts

    def render(self, n: int, dept: int, enc: str) -> bytes:
        doc_tag = f"（文档{n:06d}）"
        dept_prefix = f"第{dept:04d}号部门（"
        new_amount = {v: vary_amount(v, k, n) for k, v in enumerate(self.amounts)}
        values: list[str] = []
        for kind, key in self.slots:
            if kind == "dept":
                values.append(f"{dept_prefix}{key}）")
            elif kind == "proj":
                values.append(f"{key}{doc_tag}")
            elif kind == "amount":
                values.append(f"{new_amount[key]:,}")
            else:  # wan
                values.append(wan_text(new_amount[key]))
        codec = self.codec[enc]
        statics = self.static_bytes[enc]
        out = [statics[0]]
        for value, static in zip(values, statics[1:]):
            out.append(value.encode(codec))  # slot values contain no newlines
            out.append(static)
        return b"".join(out)


FIXTURE = {
    "xlsx": "tests/fixtures/sheets/seed.xlsx",
    "html": "tests/fixtures/html/seed.html",
    "docx": "tests/fixtures/docx/seed.docx",
}


class Markup:
    """A workbook or web page of the seed, renamed per document.

    The department and project names are replaced in the page itself or in
    the workbook's worksheet XML (the fixtures store strings inline), and a
    workbook is re-zipped with fixed timestamps, so output is reproducible.
    """

    def __init__(self, path: Path, tpl: "Template") -> None:
        self.names = list(dict.fromkeys(tpl.project_names))
        self.depts = list(dict.fromkeys(tpl.dept_names))
        self.is_zip = path.suffix in (".xlsx", ".docx")
        if self.is_zip:
            with zipfile.ZipFile(path) as zf:
                self.parts = [(i.filename, zf.read(i.filename)) for i in zf.infolist()]
        else:
            self.page = path.read_text(encoding="utf-8")

    def rename(self, text: str, n: int, dept: int) -> str:
        for name in self.names:
            text = text.replace(name, f"{name}（文档{n:06d}）")
        for d in self.depts:
            text = text.replace(f"：{d}", f"：第{dept:04d}号部门（{d}）")
        return text

    def render(self, n: int, dept: int) -> bytes:
        if not self.is_zip:
            return self.rename(self.page, n, dept).encode("utf-8")
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in self.parts:
                if name.startswith("xl/worksheets/") or name in (
                    "xl/sharedStrings.xml",
                    "word/document.xml",
                ):
                    data = self.rename(data.decode("utf-8"), n, dept).encode("utf-8")
                info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, data)
        return buf.getvalue()


def parse_mix(s: str) -> list[str]:
    mix: list[str] = []
    for name in s.split(","):
        name = name.strip().lower().replace("-", "").replace("_", "")
        if not name:
            continue
        if name not in ENCODINGS:
            raise argparse.ArgumentTypeError(
                f"unknown encoding {name!r} (choose from {','.join(ENCODINGS)})"
            )
        if name not in mix:
            mix.append(name)
    if not mix:
        raise argparse.ArgumentTypeError("empty --mix")
    return mix


def non_negative(s: str) -> int:
    v = int(s)
    if v < 0:
        raise argparse.ArgumentTypeError("must be >= 0")
    return v


def positive(s: str) -> int:
    v = int(s)
    if v <= 0:
        raise argparse.ArgumentTypeError("must be > 0")
    return v


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description="Generate a reproducible synthetic archive of jixiao text exports."
    )
    ap.add_argument("n", type=non_negative, metavar="N", help="number of documents")
    ap.add_argument("dir", type=Path, metavar="DIR", help="output directory")
    ap.add_argument(
        "--seed-file",
        type=Path,
        default=DEFAULT_SEED,
        help=f"seed export, UTF-8 (default: {DEFAULT_SEED})",
    )
    ap.add_argument(
        "--mix",
        type=parse_mix,
        default=list(ENCODINGS),
        help="encodings to cycle through by document index (default: utf8,gbk,utf16)",
    )
    ap.add_argument(
        "--format",
        choices=("text", "xlsx", "html", "docx"),
        default="text",
        help="document format (default: text)",
    )
    ap.add_argument(
        "--zip",
        action="store_true",
        help="write one zip archive per department instead of a folder",
    )
    ap.add_argument(
        "--per-dept",
        type=positive,
        default=50,
        help="documents per department folder (default: 50)",
    )
    args = ap.parse_args(argv)

    raw = args.seed_file.read_bytes()
    text = raw.decode("utf-8-sig").replace("\r\n", "\n")
    tpl = Template(text)
    if not tpl.dept_names or not tpl.project_names:
        print(
            "gen_archive: warning: seed has no 申报单位名称 / 项目名称 lines; "
            "documents may not differ",
            file=sys.stderr,
        )

    out_dir: Path = args.dir
    out_dir.mkdir(parents=True, exist_ok=True)
    mix = args.mix
    ext = {"text": "txt", "xlsx": "xlsx", "html": "html", "docx": "docx"}[args.format]
    markup = None
    if args.format != "text":
        markup = Markup(REPO_ROOT / FIXTURE[args.format], tpl)
    total = 0
    archive = None
    current_dept = 0
    dept_dir = ""

    def close_archive() -> None:
        nonlocal total
        if archive is not None:
            zf, buf, path = archive
            zf.close()
            path.write_bytes(buf.getvalue())
            total += len(buf.getvalue())

    for i in range(args.n):
        n = i + 1
        dept = i // args.per_dept + 1
        if dept != current_dept:
            current_dept = dept
            name = f"dept-{dept:04d}"
            if args.zip:
                close_archive()
                buf = io.BytesIO()
                archive = (zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED), buf, out_dir / f"{name}.zip")
            else:
                dept_dir = os.path.join(out_dir, name)
                os.makedirs(dept_dir, exist_ok=True)
        if markup is None:
            data = tpl.render(n, dept, mix[i % len(mix)])
        else:
            data = markup.render(n, dept)
        member = f"doc-{n:06d}.{ext}"
        if archive is not None:
            info = zipfile.ZipInfo(f"dept-{dept:04d}/{member}", date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive[0].writestr(info, data)
        else:
            with open(os.path.join(dept_dir, member), "wb") as f:
                f.write(data)
            total += len(data)
    close_archive()
    print(f"wrote {args.n} documents, {total / 1e6:.1f} MB, into {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
