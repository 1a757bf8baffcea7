#!/usr/bin/env python3
"""Writes the spreadsheet fixtures in tests/fixtures/sheets/ from the seed.

Needs Python 3.11 and three PyPI packages, installed into a throw-away venv:

    python3 -m venv /tmp/fixvenv
    /tmp/fixvenv/bin/pip install openpyxl==3.1.5 xlwt==1.3.0 odfpy==1.4.1
    /tmp/fixvenv/bin/python scripts/make_sheet_fixtures.py

The seed (corpus/000_ac0013b8211afd0d.txt) is split on "\\n" into lines and
on "\\t" into cells; every line goes to the row of the same number, so the
rows the sheet reader gives carry the line numbers of the text version.

* seed.xlsx, seed.xls, seed.ods: one sheet named 绩效目标表 holding the whole
  seed. Cells are text, except budget amounts written with thousands
  separators (41,098,620), stored as numbers (41098620), and dates
  (2020-01-01), stored as real date cells formatted yyyy-mm-dd, so that the
  reader's number and date rendering is exercised. The title cells A:D of
  each title row (财政项目支出绩效目标表) are merged.
* two_sheets.xlsx: sheet 项目一 holds the seed's first project (lines 3-37),
  sheet 项目二 the second (lines 39-75), each starting at row 1 as a person
  would lay it out (line n of the seed is row n-2, resp. n-38), and a third
  sheet 说明 holds a single prose cell and no table.

* seed_formulas.xlsx: the seed saved as openpyxl (and pandas through it)
  saves it when nobody forces text: every cell starting with "=" (=100%,
  =0) becomes a formula with no cached value (<f>100%</f><v></v>). Then,
  as Excel leaves a workbook it recalculated and saved, two targets are
  formulas with a cached value and a number format: D32 (>=95%) is
  <f>0.95*1</f><v>0.95</v> formatted ">="0%, D33 (>=95%) is
  <f>0.955-0.005</f><v>0.95</v> formatted ">="0.0% (shown >=95.0%), and
  fullCalcOnLoad is dropped from workbook.xml (Excel trusts its own cache).
  The reader must give the seed's targets: =100%, >=95%, >=95.0%.

xlsb cannot be written by these tools, so there is no xlsb fixture.

The bytes are reproducible: zip members get a fixed date and the document
properties a fixed creation time.
"""
import datetime
import io
import re
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl
import xlwt
from odf.opendocument import OpenDocumentSpreadsheet
from odf.style import Style, TableColumnProperties
from odf.number import DateStyle, Day, Month, Text as NumberText, Year
from odf.table import CoveredTableCell, Table, TableCell, TableColumn, TableRow
from odf.text import P
from openpyxl.styles import Alignment

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpus" / "000_ac0013b8211afd0d.txt"
OUT = ROOT / "tests" / "fixtures" / "sheets"
SHEET = "绩效目标表"
TITLE = "财政项目支出绩效目标表"
FIXED = datetime.datetime(2020, 6, 1, 12, 0, 0)
AMOUNT = re.compile(r"^\d{1,3}(,\d{3})+$")
DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def seed_lines() -> list[list[str]]:
    """The seed's lines (index 0 = line 1), each split into its cells."""
    text = SEED.read_text(encoding="utf-8")
    return [line.split("\t") for line in text.split("\n")]


def typed(cell: str):
    """The value a cell is written as: int, date or the text itself."""
    if AMOUNT.match(cell):
        return int(cell.replace(",", ""))
    m = DATE.match(cell)
    if m:
        return datetime.date(int(m[1]), int(m[2]), int(m[3]))
    return cell


def is_title(cells: list[str]) -> bool:
    return bool(cells) and cells[0] == TITLE


def normalize_zip(path: Path) -> None:
    """Rewrites a zip with fixed member dates (same order, same methods)."""
    src = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "docProps/core.xml":
                stamp = FIXED.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
                data = re.sub(
                    rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)",
                    rb"\g<1>" + stamp + rb"\g<3>",
                    data,
                )
            new = zipfile.ZipInfo(info.filename, date_time=FIXED.timetuple()[:6])
            new.compress_type = info.compress_type
            new.external_attr = info.external_attr
            dst.writestr(new, data)
    path.write_bytes(out.getvalue())


# --- xlsx -------------------------------------------------------------------


def fill_xlsx(
    ws, lines: list[list[str]], first_line: int, last_line: int, text: bool = True
) -> None:
    """Writes lines first_line..=last_line (1-based) from row 1 + offset."""
    offset = first_line - 1
    for number in range(first_line, last_line + 1):
        cells = lines[number - 1]
        row = number - offset
        for col, cell in enumerate(cells, start=1):
            if cell == "":
                continue
            value = typed(cell)
            c = ws.cell(row=row, column=col)
            c.value = value
            if isinstance(value, str) and text:
                # openpyxl takes a string starting with "=" for a formula;
                # "=100%" is a target value, so force text.
                c.data_type = "s"
            elif isinstance(value, datetime.date):
                c.number_format = "yyyy-mm-dd"
        if is_title(cells):
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=4)
            ws.cell(row=row, column=1).alignment = Alignment(horizontal="center")


def new_workbook() -> openpyxl.Workbook:
    wb = openpyxl.Workbook()
    wb.properties.created = FIXED
    wb.properties.modified = FIXED
    wb.properties.creator = "jixiao fixtures"
    return wb


def write_seed_xlsx(lines: list[list[str]]) -> None:
    wb = new_workbook()
    ws = wb.active
    ws.title = SHEET
    fill_xlsx(ws, lines, 1, len(lines))
    path = OUT / "seed.xlsx"
    wb.save(path)
    normalize_zip(path)


def write_two_sheets_xlsx(lines: list[list[str]]) -> None:
    wb = new_workbook()
    ws = wb.active
    ws.title = "项目一"
    fill_xlsx(ws, lines, 3, 37)
    ws = wb.create_sheet("项目二")
    fill_xlsx(ws, lines, 39, 75)
    ws = wb.create_sheet("说明")
    ws["A1"] = (
        "本工作簿由 scripts/make_sheet_fixtures.py 从种子文档生成，"
        "每个项目一张工作表，仅供测试使用。"
    )
    path = OUT / "two_sheets.xlsx"
    wb.save(path)
    normalize_zip(path)


# Cells of seed_formulas.xlsx given a cached value: cell -> (formula,
# cached value, number format).
CACHED = {
    "D32": ("0.95*1", "0.95", '">="0%'),
    "D33": ("0.955-0.005", "0.95", '">="0.0%'),
}


def write_seed_formulas_xlsx(lines: list[list[str]]) -> None:
    wb = new_workbook()
    ws = wb.active
    ws.title = SHEET
    fill_xlsx(ws, lines, 1, len(lines), text=False)
    path = OUT / "seed_formulas.xlsx"
    wb.save(path)
    src = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    new_styles, styles = add_formats(
        src.read("xl/styles.xml"), [f for _, _, f in CACHED.values()]
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/styles.xml":
                data = new_styles
            elif info.filename == "xl/workbook.xml":
                data = re.sub(rb'\s*fullCalcOnLoad="1"', b"", data)
            elif info.filename == "xl/worksheets/sheet1.xml":
                for (cell, (formula, value, _)), style in zip(CACHED.items(), styles):
                    data, n = re.subn(
                        rb'<c r="' + cell.encode() + rb'"[^>]*>.*?</c>',
                        f'<c r="{cell}" s="{style}"><f>{formula}</f><v>{value}</v></c>'.encode(),
                        data,
                    )
                    assert n == 1, cell
            dst.writestr(info, data, compress_type=info.compress_type)
    path.write_bytes(out.getvalue())
    normalize_zip(path)


def add_formats(styles: bytes, codes: list[str]) -> tuple[bytes, list[int]]:
    """Adds one numFmt and one cellXfs entry per format code; gives the
    new style ids."""
    text = styles.decode()
    ids = []
    fmts = "".join(
        f'<numFmt numFmtId="{200 + i}" formatCode="{escape(code, {chr(34): "&quot;"})}"/>'
        for i, code in enumerate(codes)
    )
    m = re.search(r'<numFmts count="(\d+)">', text)
    if m:
        count = int(m[1]) + len(codes)
        text = text.replace(m[0], f'<numFmts count="{count}">' + fmts, 1)
    else:
        text = re.sub(
            r"(<styleSheet[^>]*>)",
            r"\g<1>" + f'<numFmts count="{len(codes)}">{fmts}</numFmts>',
            text,
            count=1,
        )
    m = re.search(r'<cellXfs count="(\d+)">', text)
    assert m
    first = int(m[1])
    xfs = "".join(
        f'<xf numFmtId="{200 + i}" fontId="0" fillId="0" borderId="0" applyNumberFormat="1"/>'
        for i in range(len(codes))
    )
    ids = [first + i for i in range(len(codes))]
    text = text.replace(m[0], f'<cellXfs count="{first + len(codes)}">', 1)
    text = text.replace("</cellXfs>", xfs + "</cellXfs>", 1)
    return text.encode(), ids


# --- xls --------------------------------------------------------------------


def write_seed_xls(lines: list[list[str]]) -> None:
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet(SHEET)
    date_style = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    title_style = xlwt.easyxf("align: horiz center")
    for number, cells in enumerate(lines, start=1):
        row = number - 1
        if is_title(cells):
            ws.write_merge(row, row, 0, 3, cells[0], title_style)
            continue
        for col, cell in enumerate(cells):
            if cell == "":
                continue
            value = typed(cell)
            if isinstance(value, datetime.date):
                ws.write(row, col, value, date_style)
            else:
                ws.write(row, col, value)
    wb.save(str(OUT / "seed.xls"))


# --- ods --------------------------------------------------------------------


def write_seed_ods(lines: list[list[str]]) -> None:
    doc = OpenDocumentSpreadsheet()
    date_style = DateStyle(name="isodate")
    date_style.addElement(Year(style="long"))
    date_style.addElement(NumberText(text="-"))
    date_style.addElement(Month(style="long"))
    date_style.addElement(NumberText(text="-"))
    date_style.addElement(Day(style="long"))
    doc.automaticstyles.addElement(date_style)
    date_cell = Style(name="datecell", family="table-cell", datastylename="isodate")
    doc.automaticstyles.addElement(date_cell)
    col_style = Style(name="col", family="table-column")
    col_style.addElement(TableColumnProperties(columnwidth="4cm"))
    doc.automaticstyles.addElement(col_style)

    table = Table(name=SHEET)
    table.addElement(TableColumn(stylename=col_style, numbercolumnsrepeated=4))
    empty_run = 0

    def flush_empty() -> None:
        nonlocal empty_run
        if empty_run:
            # A run of blank lines as one repeated row, as office suites
            # write it: the reader must still count every line.
            tr = TableRow(numberrowsrepeated=empty_run)
            tr.addElement(TableCell())
            table.addElement(tr)
            empty_run = 0

    for cells in lines:
        if all(c == "" for c in cells):
            empty_run += 1
            continue
        flush_empty()
        tr = TableRow()
        if is_title(cells):
            tc = TableCell(valuetype="string", numbercolumnsspanned=4)
            tc.addElement(P(text=cells[0]))
            tr.addElement(tc)
            for _ in range(3):
                tr.addElement(CoveredTableCell())
            table.addElement(tr)
            continue
        for cell in cells:
            value = typed(cell)
            if cell == "":
                tc = TableCell()
            elif isinstance(value, int):
                tc = TableCell(valuetype="float", value=str(value))
                tc.addElement(P(text=str(value)))
            elif isinstance(value, datetime.date):
                tc = TableCell(
                    valuetype="date", datevalue=value.isoformat(), stylename=date_cell
                )
                tc.addElement(P(text=value.isoformat()))
            else:
                tc = TableCell(valuetype="string")
                tc.addElement(P(text=cell))
            tr.addElement(tc)
        table.addElement(tr)
    flush_empty()
    doc.spreadsheet.addElement(table)
    path = OUT / "seed.ods"
    doc.save(str(path))
    normalize_zip(path)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    lines = seed_lines()
    write_seed_xlsx(lines)
    write_seed_xls(lines)
    write_seed_ods(lines)
    write_two_sheets_xlsx(lines)
    write_seed_formulas_xlsx(lines)
    for p in sorted(OUT.iterdir()):
        print(f"{p.relative_to(ROOT)}\t{p.stat().st_size} bytes")


if __name__ == "__main__":
    main()
