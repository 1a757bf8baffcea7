#!/usr/bin/env python3
"""Writes the HTML fixtures of the HTML reader (src/read/html.rs).

The outputs are small and committed (tests/fixtures/html/); re-run this
script only when the seed changes:

    python3 scripts/make_html_fixtures.py

seed.html       the seed as one <table>: line N of the seed is the N-th <tr>
                (blank lines are empty <tr>s), so HTML row numbers equal the
                text file's line numbers; title rows are one colspan=4 cell.
seed-gbk.html   the same page in GBK, declared as gb2312 by an http-equiv meta.
two_tables.html a page heading outside the tables, then the seed's first
                project (lines 3-37) and second project (lines 39-75) as two
                tables, with colspan on the title rows and rowspan on the
                level-1 and level-2 cells of the indicator tables.
"""
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpus" / "000_ac0013b8211afd0d.txt"
OUT = ROOT / "tests" / "fixtures" / "html"

TITLE = "财政项目支出绩效目标表"
HEADING = "上海推进科技创新中心建设办公室2020年度项目支出绩效目标"
INDICATOR_HEADER = "一级目标"


def cell_html(cell: str) -> str:
    """Cells holding rich-text editor output go in as markup, others escaped."""
    if "<p>" in cell or "</p>" in cell:
        return cell
    return escape(cell, quote=False)


def is_title(cells: list[str]) -> bool:
    return cells[0] == TITLE and all(c == "" for c in cells[1:])


def row_html(cells: list[str]) -> str:
    if cells == [""]:
        return "<tr></tr>"
    if is_title(cells):
        return f'<tr><td colspan="4">{escape(TITLE)}</td></tr>'
    return "<tr>" + "".join(f"<td>{cell_html(c)}</td>" for c in cells) + "</tr>"


def spanned_rows(rows: list[list[str]]) -> list[str]:
    """Rows as <tr>s; in indicator tables (from the 一级目标 header to the
    next blank line) a level-1 or level-2 cell spans the rows below it whose
    cell in that column (and, for level 2, in level 1) is blank."""
    out = []
    i = 0
    while i < len(rows):
        if rows[i][0] != INDICATOR_HEADER:
            out.append(row_html(rows[i]))
            i += 1
            continue
        out.append(row_html(rows[i]))
        end = i + 1
        while end < len(rows) and rows[end] != [""]:
            end += 1
        block = rows[i + 1 : end]
        for r, cells in enumerate(block):
            tds = []
            for col, cell in enumerate(cells):
                if col < 2 and cell == "":
                    continue  # covered by a rowspan from above
                span = 1
                if col < 2:
                    while r + span < len(block) and all(
                        block[r + span][c] == "" for c in range(col + 1)
                    ):
                        span += 1
                attr = f' rowspan="{span}"' if span > 1 else ""
                tds.append(f"<td{attr}>{cell_html(cell)}</td>")
            out.append("<tr>" + "".join(tds) + "</tr>")
        i = end
    return out


def page(head: str, body: list[str]) -> str:
    return (
        "<!DOCTYPE html>\n<html>\n<head>\n"
        + head
        + "\n<title>"
        + TITLE
        + "</title>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def table(rows: list[str]) -> list[str]:
    return ['<table border="1">'] + rows + ["</table>"]


def main() -> None:
    lines = SEED.read_text(encoding="utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    rows = [line.split("\t") for line in lines]
    OUT.mkdir(parents=True, exist_ok=True)

    seed_rows = [row_html(r) for r in rows]
    utf8 = page('<meta charset="utf-8">', table(seed_rows))
    (OUT / "seed.html").write_bytes(utf8.encode("utf-8"))
    gbk = page(
        '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">',
        table(seed_rows),
    )
    (OUT / "seed-gbk.html").write_bytes(gbk.encode("gbk"))

    first = rows[2:37]  # lines 3-37
    second = rows[38:75]  # lines 39-75
    two = page(
        '<meta charset="utf-8">',
        [f"<h1>{escape(HEADING)}</h1>"]
        + table(spanned_rows(first))
        + table(spanned_rows(second)),
    )
    (OUT / "two_tables.html").write_bytes(two.encode("utf-8"))


if __name__ == "__main__":
    main()
