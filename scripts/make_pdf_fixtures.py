#!/usr/bin/env python3
"""Writes the PDF fixtures of the PDF reader (src/read/pdf/).

The outputs are small and committed (tests/fixtures/pdf/, and the three
that give an error line in tests/fixtures/bad/), so `cargo test` needs none of
the tools; re-run this script only when the seed or a fixture changes:

    python3 -m venv /tmp/venv-pdf && /tmp/venv-pdf/bin/pip install reportlab pillow
    /tmp/venv-pdf/bin/python scripts/make_pdf_fixtures.py

It needs Chromium (`/usr/bin/chromium`, `apt-get install -y chromium`) for
the HTML prints and reportlab (with Pillow) for the rest. See
tests/fixtures/pdf/SOURCES.md for what each file is.
"""
import subprocess
import sys
import tempfile
import zlib
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from make_html_fixtures import spanned_rows  # noqa: E402

SEED = ROOT / "tests" / "fixtures" / "seed" / "seed.utf8.txt"
OUT = ROOT / "tests" / "fixtures" / "pdf"
# the PDFs that give an error line, not records
BAD = ROOT / "tests" / "fixtures" / "bad"
CHROMIUM = "/usr/bin/chromium"

STYLE = """<style>
@page { size: A4; margin: 18mm 15mm; }
body { font-family: "Noto Sans CJK SC", "WenQuanYi Zen Hei", "Noto Serif CJK SC", sans-serif; font-size: 10.5pt; }
table { border-collapse: collapse; width: 100%; margin-bottom: 14pt; }
td, th { %BORDER% padding: 3pt 4pt; vertical-align: middle; }
tr { break-inside: avoid; }
td p { margin: 0 0 4pt 0; }
h1 { font-size: 16pt; text-align: center; }
p.prose { text-indent: 2em; line-height: 1.6; margin: 0 0 6pt 0; }
</style>"""


def seed_rows() -> list[list[str]]:
    lines = SEED.read_text(encoding="utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.split("\t") for line in lines]


def projects(rows: list[list[str]]) -> list[list[list[str]]]:
    """The seed's three projects: from each title line to the next."""
    starts = [i for i, r in enumerate(rows) if r[0] == "财政项目支出绩效目标表"]
    starts.append(len(rows))
    return [rows[a:b] for a, b in zip(starts, starts[1:])]


def cell(c: str) -> str:
    return c if "<p>" in c else escape(c, quote=False)


def project_table(rows: list[list[str]]) -> str:
    """One project as one bordered table: the title row spans the four
    columns, blank lines are left out, the indicator block has its level-1
    and level-2 cells merged down (rowspan) as published tables do."""
    out = []
    i = 0
    while i < len(rows):
        r = rows[i]
        if r == [""]:
            i += 1
            continue
        if r[0] == "一级目标":
            end = i
            while end < len(rows) and rows[end] != [""]:
                end += 1
            block = spanned_rows(rows[i:end])
            out.extend(b.replace("<tr>", "<tr>") for b in block)
            i = end
            continue
        if all(c == "" for c in r[1:]):
            out.append(f'<tr><td colspan="4">{cell(r[0])}</td></tr>')
        else:
            tds = "".join(f"<td>{cell(c)}</td>" for c in r)
            out.append(f"<tr>{tds}</tr>")
        i += 1
    return "<table>\n" + "\n".join(out) + "\n</table>"


def page(body: str, border: bool = True) -> str:
    style = STYLE.replace("%BORDER%", "border: 0.75pt solid #000;" if border else "")
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        + style
        + "</head><body>\n"
        + body
        + "\n</body></html>\n"
    )


def print_pdf(html: str, out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "page.html"
        src.write_text(html, encoding="utf-8")
        subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-pdf-header-footer",
                f"--user-data-dir={tmp}/profile",
                f"--print-to-pdf={out}",
                src.as_uri(),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )


PROSE = (
    "根据《中华人民共和国预算法》和市人大、市政府关于预算公开的要求，现将本部门2020年部门预算公开如下。"
    "本部门主要职能是统筹推进科技创新中心建设，协调落实相关规划政策、重大项目和重大活动，"
    "负责科创中心展厅的运营管理和对外宣传工作，承担市委市政府交办的其他事项。"
)


def budget_doc(rows: list[list[str]]) -> str:
    """A department budget: a cover title, prose pages (with a small
    bordered summary table among them), then the 绩效目标表 appendix, whose
    indicator tables repeat their header row (<thead>) on every page."""
    parts = ["<h1>上海推进科技创新中心建设办公室2020年部门预算</h1>"]
    for n in range(1, 6):
        parts.append(f"<h2>第{n}部分 部门预算说明</h2>")
        parts.extend(f'<p class="prose">{PROSE}（{n}.{k}）</p>' for k in range(1, 13))
    parts.append('<p style="break-before: page">附件：2020年度项目支出绩效目标表</p>')
    for project in projects(rows)[:2]:
        fields, indicators = [], []
        seen_header = False
        for r in project:
            if r[0] == "一级目标":
                seen_header = True
            (indicators if seen_header else fields).append(r)
        parts.append(project_table(fields))
        header = indicators[0]
        body = [r for r in indicators[1:] if r != [""]]
        # every row written out (no rowspan), so a header repeated on the
        # next page is the table's first row there
        head = "<thead><tr>" + "".join(f"<th>{escape(c)}</th>" for c in header) + "</tr></thead>"
        trs = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>\n" for r in body)
        parts.append(f"<table>{head}<tbody>{trs}{trs}</tbody></table>")
    return page("\n".join(parts))


def stream_doc(rows: list[list[str]]) -> str:
    """The seed's third project without any ruling line: short cells only
    (long texts in a row of several cells cut to ten characters, no
    wrapping), so columns come from
    text alignment."""
    project = projects(rows)[2]
    trs = []
    for r in project:
        if r == [""]:
            continue
        # a line of one cell (title, department) spans the columns anyway
        cells = r if sum(1 for c in r if c) == 1 else [c if len(c) <= 10 else c[:10] for c in r]
        if sum(1 for c in cells if c) == 1 and cells[0]:
            trs.append(f'<tr><td colspan="4">{escape(cells[0])}</td></tr>')
        else:
            trs.append("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>")
    nowrap = "<style>td { white-space: nowrap; vertical-align: top; padding: 3pt 6pt; }</style>"
    return page(nowrap + "<table>\n" + "\n".join(trs) + "\n</table>", border=False)


LONG = "为提升上海科创建设集中度和显示度，增强政府、客户、社会群体对张江科学城的认识度。" * 40


def split_row_doc(rows: list[list[str]]) -> str:
    """The seed's first project with a 项目概况 of 1,600 characters, rows
    allowed to break across pages: the cell goes on on the next page, drawn
    open at the break (no bottom border, no top border after it)."""
    project = [list(r) for r in projects(rows)[0]]
    for r in project:
        if r[0] == "项目概况：":
            r[1] = LONG
    html = page(project_table(project)).replace("tr { break-inside: avoid; }", "")
    return html


def reportlab_fixtures() -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.lib import pdfencrypt
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas
    from PIL import Image, ImageDraw

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))

    def draw_table(c, rows, x0=40, y0=780, widths=(90, 170, 150, 110), h=20):
        y = y0
        for r in rows:
            x = x0
            for w, text in zip(widths, r + [""] * (len(widths) - len(r))):
                c.rect(x, y - h, w, h, stroke=1, fill=0)
                c.drawString(x + 3, y - h + 6, text)
                x += w
            y -= h

    # predefined CMap UniGB-UCS2-H (reportlab's STSong-Light, no ToUnicode)
    c = canvas.Canvas(str(OUT / "cmap-unigb-ucs2.pdf"), pagesize=A4, invariant=1)
    c.setFont("STSong-Light", 10)
    c.drawString(50, 800, "财政项目支出绩效目标表")
    c.drawString(50, 786, "(2020年度)")
    draw_table(
        c,
        [
            ["申报单位名称：", "上海推进科技创新中心建设办公室"],
            ["项目名称：", "科创中心展厅运营经费", "项目类别：", "经常性专项业务费"],
            ["一级目标", "二级目标", "三级目标", "指标值"],
            ["产出目标", "数量", "参观人数", ">=2000人"],
            ["", "质量", "接待工作质量", ">=95%"],
        ],
        y0=770,
    )
    c.showPage()
    c.save()

    # scanned: one image of a table, no text layer
    img = Image.new("L", (800, 300), 255)
    d = ImageDraw.Draw(img)
    for k in range(6):
        d.line([(20, 20 + 50 * k), (780, 20 + 50 * k)], fill=0, width=2)
    for x in (20, 300, 780):
        d.line([(x, 20), (x, 270)], fill=0, width=2)
    with tempfile.TemporaryDirectory() as tmp:
        png = Path(tmp) / "scan.png"
        img.save(png)
        c = canvas.Canvas(str(BAD / "scanned.pdf"), pagesize=A4, invariant=1)
        c.drawImage(ImageReader(str(png)), 40, 500, width=500, height=190)
        c.showPage()
        c.save()

    # a landscape table on a portrait page shown turned (/Rotate 90), as
    # scanners and some exports store wide tables
    c = canvas.Canvas(str(OUT / "rotated-page.pdf"), pagesize=A4, invariant=1)
    c.setPageRotation(90)
    c.translate(A4[0], 0)
    c.rotate(90)
    c.setFont("STSong-Light", 10)
    c.drawString(50, 550, "财政项目支出绩效目标表")
    c.drawString(50, 536, "(2020年度)")
    draw_table(
        c,
        [
            ["项目名称：", "科创中心展厅运营经费", "项目类别：", "经常性专项业务费"],
            ["一级目标", "二级目标", "三级目标", "指标值"],
            ["产出目标", "数量", "参观人数", ">=2000人"],
            ["效果目标", "满意度", "参观人员满意度", ">=95%"],
        ],
        y0=520,
    )
    c.showPage()
    c.save()

    # encrypted with a user password: not read
    enc = pdfencrypt.StandardEncryption("secret", ownerPassword="owner", strength=128)
    c = canvas.Canvas(str(BAD / "encrypted.pdf"), pagesize=A4, invariant=1, encrypt=enc)
    c.setFont("STSong-Light", 10)
    c.drawString(50, 800, "财政项目支出绩效目标表")
    c.showPage()
    c.save()

    # encrypted with an owner password only: opens with the empty password
    enc = pdfencrypt.StandardEncryption("", ownerPassword="owner", strength=128)
    c = canvas.Canvas(str(OUT / "owner-password.pdf"), pagesize=A4, invariant=1, encrypt=enc)
    c.setFont("STSong-Light", 10)
    c.drawString(50, 800, "财政项目支出绩效目标表")
    draw_table(
        c,
        [
            ["项目名称：", "科创中心展厅运营经费"],
            ["一级目标", "二级目标", "三级目标", "指标值"],
            ["产出目标", "数量", "参观人数", ">=2000人"],
        ],
        y0=770,
    )
    c.showPage()
    c.save()


# ---- hand-written PDF (no tool): GBK-EUC-H (the hostile inputs are made by tests/hostile_inputs.rs) ----


def write_pdf(path: Path, objects: list[bytes], root: int = 1, trailer_extra: bytes = b"") -> None:
    """Objects numbered 1.. in order, a classic xref table, a trailer."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root %d 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        root,
        trailer_extra,
        xref,
    )
    path.write_bytes(bytes(out))


def stream(data: bytes, extra: bytes = b"", compress: bool = False) -> bytes:
    if compress:
        data = zlib.compress(data, 9)
        extra += b" /Filter /FlateDecode"
    return b"<< /Length %d%s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def gbk_fixture() -> None:
    """GBK-EUC-H: STSong-Light not embedded, strings in GBK, no ToUnicode
    (as older government PDFs write them). A ruled two-column table."""
    lines = [
        ("财政项目支出绩效目标表", None),
        ("(2020年度)", None),
        ("项目名称：", "科创中心建设工作经费"),
        ("项目类别：", "经常性专项业务费"),
        ("一级目标", "二级目标"),
    ]
    ops = [b"0.5 w"]
    y = 780
    for left, right in lines:
        if right is None:
            ops.append(b"BT /F1 10 Tf 50 %d Td <%s> Tj ET" % (y, left.encode("gbk").hex().encode()))
        else:
            ops.append(b"50 %d 120 20 re S 170 %d 200 20 re S" % (y - 6, y - 6))
            ops.append(b"BT /F1 10 Tf 53 %d Td <%s> Tj ET" % (y, left.encode("gbk").hex().encode()))
            ops.append(b"BT /F1 10 Tf 173 %d Td <%s> Tj ET" % (y, right.encode("gbk").hex().encode()))
        y -= 20
    content = b"\n".join(ops)
    write_pdf(
        OUT / "cmap-gbk-euc.pdf",
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
            b" /Resources << /Font << /F1 5 0 R >> >> >>",
            stream(content),
            b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /GBK-EUC-H"
            b" /DescendantFonts [6 0 R] >>",
            b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light"
            b" /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >>"
            b" /DW 1000 /W [1 95 500] >>",
        ],
    )


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    rows = seed_rows()
    seed_html = "\n".join(project_table(p) for p in projects(rows))
    print_pdf(page(seed_html), OUT / "seed.pdf")
    print_pdf(budget_doc(rows), OUT / "department-budget.pdf")
    print_pdf(stream_doc(rows), OUT / "no-ruling-lines.pdf")
    print_pdf(split_row_doc(rows), OUT / "row-across-pages.pdf")
    reportlab_fixtures()
    gbk_fixture()
    # damaged: a PDF cut in the middle
    whole = (OUT / "cmap-unigb-ucs2.pdf").read_bytes()
    (BAD / "truncated.pdf").write_bytes(whole[: len(whole) // 2])


if __name__ == "__main__":
    main()
