#!/usr/bin/env python3
"""Generates N PDF documents of 2-3 pages for the PDF benchmark.

    python gen_pdf_archive.py N DIR     # needs reportlab (scripts/bench.sh
                                        # installs it in a venv)

Each document is what a department's 绩效目标表 appendix looks like: a page
of prose (the budget explanation), then one of the seed's three projects as
a ruled table (reportlab platypus, STSong-Light: the predefined CMap
UniGB-UCS2-H, no font embedded, so files stay small), its indicator table
repeating its header row when it crosses the page. Names, amounts and
targets vary by document number, so no two documents are alike.
"""
import random
import sys
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "tests" / "fixtures" / "seed" / "seed.utf8.txt"
FONT = "STSong-Light"
PROSE = (
    "根据《中华人民共和国预算法》和市人大、市政府关于预算公开的要求，现将本部门预算公开如下。"
    "本部门主要职能是统筹推进科技创新中心建设，协调落实相关规划政策、重大项目和重大活动，"
    "负责展厅的运营管理和对外宣传工作，承担交办的其他事项。"
)


def projects() -> list[list[list[str]]]:
    rows = [l.split("\t") for l in SEED.read_text(encoding="utf-8").splitlines()]
    starts = [i for i, r in enumerate(rows) if r[0] == "财政项目支出绩效目标表"] + [len(rows)]
    return [rows[a:b] for a, b in zip(starts, starts[1:])]


def plain(c: str) -> str:
    for tag in ("<p>", "</p>"):
        c = c.replace(tag, "")
    return c


def document(path: Path, n: int, project: list[list[str]], rng: random.Random) -> None:
    body = ParagraphStyle("b", fontName=FONT, fontSize=10, leading=15, wordWrap="CJK", firstLineIndent=20)
    cell = ParagraphStyle("c", fontName=FONT, fontSize=9, leading=12, wordWrap="CJK")
    story = [Paragraph(f"第{n}号部门2020年部门预算说明", ParagraphStyle("h", fontName=FONT, fontSize=15, leading=20))]
    story += [Paragraph(PROSE, body) for _ in range(rng.randint(4, 9))]
    story.append(PageBreak())
    fields, indicators, seen = [], [], False
    for r in project:
        if r == [""]:
            continue
        r = [plain(c) for c in r] + [""] * (4 - len(r))
        if r[0] == "一级目标":
            seen = True
        (indicators if seen else fields).append(r[:4])
    for r in fields:
        if r[0] == "项目名称：":
            r[1] = f"{r[1]}（{n}）"
        for k, c in enumerate(r):
            if c.replace(",", "").isdigit():
                r[k] = f"{int(c.replace(',', '')) + n * 1000:,}"
    for r in indicators[1:]:
        if r[3].startswith(">=") and r[3][2:-1].isdigit():
            r[3] = f">={rng.randint(50, 99)}{r[3][-1]}"
    long_rows = [r for r in fields if len(r[1]) > 30]
    for r in long_rows:
        r[1] = r[1][: rng.randint(40, 160)]
    grid = TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("FONT", (0, 0), (-1, -1), FONT, 9),
                       ("VALIGN", (0, 0), (-1, -1), "MIDDLE")])
    wrapped = [[Paragraph(c, cell) if len(c) > 12 else c for c in r] for r in fields]
    story.append(Table(wrapped, colWidths=[110, 150, 110, 110], style=grid))
    story.append(Spacer(1, 12))
    story.append(Table(indicators, colWidths=[90, 90, 200, 100], style=grid, repeatRows=1))
    SimpleDocTemplate(str(path), pagesize=A4, invariant=1).build(story)


def main() -> None:
    n, out = int(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    seed_projects = projects()
    rng = random.Random(7)
    for i in range(n):
        document(out / f"dept-{i:05d}.pdf", i, seed_projects[i % len(seed_projects)], rng)


if __name__ == "__main__":
    main()
