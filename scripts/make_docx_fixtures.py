#!/usr/bin/env python3
"""Writes the Word fixtures from the seed (tests/fixtures/seed/seed.utf8.txt).

Needs python-docx, installed into a throw-away venv:

    python3 -m venv /tmp/venv-docx
    /tmp/venv-docx/bin/pip install python-docx==1.2.0
    /tmp/venv-docx/bin/python scripts/make_docx_fixtures.py

The seed is split on "\\n" into lines and on "\\t" into cells; blank lines
are left out (Word files have no blank table rows between blocks). A cell
holding `<p>…</p>` paragraphs (the seed's web-form export) is written as
one Word paragraph per `<p>`, as the document would have been typed.

* docx/seed.docx: the seed's three projects as a department file holds
  them: per project, three paragraphs (the title 财政项目支出绩效目标表, the
  year line, the 申报单位名称 line), then one 4-column table holding the
  rest: label/value rows, a value with no label after it spans the columns
  up to the row's end (`gridSpan`), one-cell rows (本项目上年度…,
  2020年绩效目标) span all four, and the 一级目标/二级目标 cells left blank
  under a value are merged down (`vMerge`).
* docx/merged_cells.docx: the seed's second project alone, laid out with
  more merges: a headline paragraph before the title; 项目概况's paragraphs
  as line breaks (`w:br`) in one paragraph; the budget block as a table
  nested in a cell that spans the whole row; the indicator table's empty
  level cells merged down in both level columns (`vMerge`).
* bad/damaged.docx: the first half of seed.docx's bytes (a zip without its
  central directory).
* sheets/seed.et: a WPS spreadsheet, which is the binary xls layout: the
  bytes of sheets/seed.xls, unchanged.

The bytes are reproducible: zip members get a fixed date and the document
properties a fixed creation time.
"""
import datetime
import io
import re
import shutil
import zipfile
from pathlib import Path

import docx
from docx.shared import Pt

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "tests" / "fixtures" / "seed" / "seed.utf8.txt"
FIX = ROOT / "tests" / "fixtures"
TITLE = "财政项目支出绩效目标表"
FIXED = datetime.datetime(2020, 6, 1, 12, 0, 0)
PARA = re.compile(r"<p>(.*?)</p>", re.S)


def seed_projects() -> list[list[list[str]]]:
    """The seed's projects: each a list of its non-blank lines' cells."""
    lines = [l.split("\t") for l in SEED.read_text(encoding="utf-8").split("\n")]
    projects: list[list[list[str]]] = []
    for cells in lines:
        if not any(c.strip() for c in cells):
            continue
        if cells[0] == TITLE:
            projects.append([])
        projects[-1].append(cells)
    return projects


def paragraphs(cell: str) -> list[str]:
    """A cell's text as Word paragraphs."""
    found = PARA.findall(cell)
    return [p.strip() for p in found] if found else [cell]


def new_document() -> docx.Document:
    d = docx.Document()
    d.core_properties.created = FIXED
    d.core_properties.modified = FIXED
    d.core_properties.author = "jixiao fixtures"
    d.styles["Normal"].font.size = Pt(10)
    return d


def fill(cell, text: str, breaks: bool = False) -> None:
    """Writes text into an empty cell: one paragraph per paragraph, or
    (breaks) one paragraph with line breaks between them."""
    parts = paragraphs(text)
    first = cell.paragraphs[0]
    if breaks:
        run = first.add_run(parts[0])
        for p in parts[1:]:
            run.add_break()
            run.add_text(p)
        return
    first.add_run(parts[0])
    for p in parts[1:]:
        cell.add_paragraph(p)


def head(d, project: list[list[str]]) -> list[list[str]]:
    """Title, year and 申报单位名称 as paragraphs; returns the other lines."""
    for cells in project[:3]:
        d.add_paragraph(cells[0])
    return project[3:]


def is_level_row(cells: list[str]) -> bool:
    return len(cells) == 4 and cells[2] != "" and cells[3] != "" and (
        cells[0] == "" or cells[1] == "")


def write_table(d, rows: list[list[str]]) -> None:
    """One project's lines as a 4-column table (see the module doc)."""
    table = d.add_table(rows=len(rows), cols=4)
    table.style = "Table Grid"
    for r, cells in enumerate(rows):
        cells = (cells + ["", "", "", ""])[:4]
        filled = [i for i, c in enumerate(cells) if c != ""]
        if len(filled) == 1 and filled[0] == 0:
            merged = table.cell(r, 0).merge(table.cell(r, 3))
            fill(merged, cells[0])
            continue
        c = 0
        while c < 4:
            text = cells[c]
            # a value with only blanks after it spans to the row's end
            end = c
            if text != "" and c > 0 and all(x == "" for x in cells[c + 1:]) and not is_level_row(cells):
                end = 3
            cell = table.cell(r, c) if end == c else table.cell(r, c).merge(table.cell(r, end))
            if text != "":
                fill(cell, text)
            c = end + 1
    merge_levels(table, rows, (0, 1))


def merge_levels(table, rows: list[list[str]], columns) -> None:
    """Merges each blank level cell (一级/二级目标) into the cell above."""
    rows = [(r + ["", "", "", ""])[:4] for r in rows]
    for col in columns:
        r = 0
        while r < len(rows):
            start = r
            if rows[r][col] != "" and rows[r][2] != "":
                while r + 1 < len(rows) and rows[r + 1][col] == "" \
                        and rows[r + 1][2] != "" and rows[r + 1][3] != "":
                    r += 1
                if r > start:
                    table.cell(start, col).merge(table.cell(r, col))
            r += 1


def save(d, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    d.save(buf)
    path.write_bytes(normalized(buf.getvalue()))


def normalized(data: bytes) -> bytes:
    """The zip with fixed member dates (same order, same methods)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "docProps/core.xml":
                stamp = FIXED.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
                body = re.sub(
                    rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)",
                    rb"\g<1>" + stamp + rb"\g<3>",
                    body,
                )
            new = zipfile.ZipInfo(info.filename, date_time=FIXED.timetuple()[:6])
            new.compress_type = zipfile.ZIP_DEFLATED
            new.external_attr = info.external_attr
            dst.writestr(new, body)
    return out.getvalue()


def write_seed(projects) -> Path:
    d = new_document()
    for i, project in enumerate(projects):
        if i > 0:
            d.add_paragraph("")
        write_table(d, head(d, project))
    path = FIX / "docx" / "seed.docx"
    save(d, path)
    return path


def write_merged_cells(project) -> None:
    d = new_document()
    d.add_paragraph("上海推进科技创新中心建设办公室2020年度项目支出绩效目标")
    rest = head(d, project)
    budget_at = next(i for i, c in enumerate(rest) if c[0].startswith("本项目上年度"))
    fields, budget, indicators = rest[:budget_at], rest[budget_at:budget_at + 3], rest[budget_at + 3:]
    table = d.add_table(rows=len(fields) + 1 + len(indicators), cols=4)
    table.style = "Table Grid"
    for r, cells in enumerate(fields):
        cells = (cells + ["", "", "", ""])[:4]
        if cells[2] == "" and cells[3] == "":
            table.cell(r, 0).paragraphs[0].add_run(cells[0])
            fill(table.cell(r, 1).merge(table.cell(r, 3)), cells[1], breaks=True)
        else:
            for c in range(4):
                if cells[c]:
                    fill(table.cell(r, c), cells[c])
    # the budget block: a table nested in a cell spanning the row
    r = len(fields)
    holder = table.cell(r, 0).merge(table.cell(r, 3))
    inner = holder.add_table(rows=len(budget), cols=4)
    inner.style = "Table Grid"
    for i, cells in enumerate(budget):
        cells = (cells + ["", "", "", ""])[:4]
        if i == 0:
            fill(inner.cell(0, 0).merge(inner.cell(0, 3)), cells[0])
            continue
        for c in range(4):
            if cells[c]:
                fill(inner.cell(i, c), cells[c])
    base = r + 1
    for i, cells in enumerate(indicators):
        cells = (cells + ["", "", "", ""])[:4]
        row = base + i
        if len([c for c in cells if c]) == 1:
            fill(table.cell(row, 0).merge(table.cell(row, 3)), cells[0])
            continue
        for c in range(4):
            if cells[c]:
                fill(table.cell(row, c), cells[c])
    merge_levels_offset(table, indicators, base)
    save(d, FIX / "docx" / "merged_cells.docx")


def merge_levels_offset(table, rows, base: int) -> None:
    """merge_levels on rows that start at table row `base`."""
    class Shifted:
        def cell(self, r, c):
            return table.cell(base + r, c)
    merge_levels(Shifted(), rows, (0, 1))


def main() -> None:
    projects = seed_projects()
    assert len(projects) == 3, len(projects)
    seed = write_seed(projects)
    write_merged_cells(projects[1])
    data = seed.read_bytes()
    (FIX / "bad" / "damaged.docx").write_bytes(data[: len(data) // 2])
    shutil.copyfile(FIX / "sheets" / "seed.xls", FIX / "sheets" / "seed.et")
    for p in ["docx/seed.docx", "docx/merged_cells.docx", "bad/damaged.docx", "sheets/seed.et"]:
        print(p, (FIX / p).stat().st_size, "bytes")


if __name__ == "__main__":
    main()
