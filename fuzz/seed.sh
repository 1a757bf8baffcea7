#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with seeds taken from the test fixtures (and
# the sample corpus), so no copy of a fixture is ever committed under fuzz/.
# Safe to run again: seeds are named by their sha1, existing files are kept.
#
#   text_path          every text document (tests/fixtures/{seed,text,bad}, corpus/)
#   sheet_reader       every workbook (tests/fixtures/sheets/*.{xlsx,xls,xlsb,ods})
#   docx_reader        every Word file (tests/fixtures/{docx,bad}/*.docx), each one's
#                      word/document.xml alone, and fuzz/regressions/docx_reader/*
#   html_strip         every cell of the text fixtures holding '<' or '&', every
#                      <td>/<th> body of the HTML fixtures, and the pages themselves
#   target_normaliser  every short cell of the text fixtures holding a digit or a
#                      comparison sign, and operator\tvalue\tunit triples
#   pdf_reader         every PDF fixture under 64 KiB (tests/fixtures/{pdf,bad}/*.pdf)
#                      and the saved inputs of fuzz/regressions/pdf_reader/
#   worker_protocol    the saved streams of fuzz/regressions/worker_protocol/ (a
#                      real worker's input and output)
#
# Needs python3 (on every machine of this project). Usage: fuzz/seed.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
cd "$root"

python3 - "$root" "$here/corpus" <<'PY'
import hashlib, html, io, pathlib, re, sys, zipfile

root = pathlib.Path(sys.argv[1])
corpus = pathlib.Path(sys.argv[2])
fx = root / "tests" / "fixtures"
count = {}

def seed(target, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not data:
        return
    d = corpus / target
    d.mkdir(parents=True, exist_ok=True)
    p = d / hashlib.sha1(data).hexdigest()
    if not p.exists():
        p.write_bytes(data)
        count[target] = count.get(target, 0) + 1

def files(*globs):
    for g in globs:
        for p in sorted(root.glob(g)):
            if p.is_file() and not p.name.endswith(".expected.jsonl"):
                yield p

text_files = list(files("tests/fixtures/seed/*", "tests/fixtures/text/*",
                        "tests/fixtures/bad/*", "corpus/*.txt"))
for p in text_files:
    seed("text_path", p.read_bytes())

for p in files("tests/fixtures/sheets/*.xlsx", "tests/fixtures/sheets/*.xls",
               "tests/fixtures/sheets/*.xlsb", "tests/fixtures/sheets/*.ods"):
    seed("sheet_reader", p.read_bytes())

for p in files("tests/fixtures/docx/*.docx", "tests/fixtures/bad/*.docx",
               "fuzz/regressions/docx_reader/*"):
    data = p.read_bytes()
    seed("docx_reader", data)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            seed("docx_reader", z.read("word/document.xml"))
    except (zipfile.BadZipFile, KeyError):
        pass

def utf8_text(p):
    try:
        return p.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return None

numeric = re.compile(r"[0-9０-９<>=≥≤%％]")
for p in text_files:
    t = utf8_text(p)
    if t is None:
        continue
    for line in t.splitlines():
        cells = line.split("\t")
        for c in cells:
            if "<" in c or "&" in c:
                seed("html_strip", c)
            if numeric.search(c) and len(c) <= 64:
                seed("target_normaliser", c.strip())
        for i in range(len(cells) - 2):
            if numeric.search(cells[i + 1]) and len(cells[i + 1]) <= 32:
                seed("target_normaliser", "\t".join(cells[i:i + 3]))

cell = re.compile(r"<t[dh][^>]*>(.*?)</t[dh]>", re.S | re.I)
for p in files("tests/fixtures/html/*.html"):
    seed("html_strip", p.read_bytes())
    t = utf8_text(p)
    if t is None:
        continue
    for m in cell.finditer(t):
        body = m.group(1)
        seed("html_strip", body)
        plain = html.unescape(re.sub(r"<[^>]*>", "", body)).strip()
        if numeric.search(plain) and len(plain) <= 64:
            seed("target_normaliser", plain)

for s in ["≥95%", "＞＝２，０００人", "90%-100%", "不低于1.5万元", "<=3个", "2020.12",
          "≥\t2\t次", "定性\t好\t", "1,000～2,000万元", "95%左右"]:
    seed("target_normaliser", s)

for p in files("tests/fixtures/pdf/*.pdf", "tests/fixtures/bad/*.pdf",
               "fuzz/regressions/pdf_reader/*"):
    if p.stat().st_size <= 64 * 1024:
        seed("pdf_reader", p.read_bytes())

for p in files("fuzz/regressions/worker_protocol/*"):
    seed("worker_protocol", p.read_bytes())

for t in sorted(count):
    print(f"{t}: {count[t]} new seeds in {corpus / t}")
PY
