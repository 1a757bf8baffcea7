"""Load jixiao's JSON Lines into real warehouses and check nothing is lost.

Run from the repository root:

    pip install -r tests/warehouse/requirements.txt
    python3 -m pytest -q tests/warehouse

The binary is $JIXIAO_BIN (default target/release/jixiao, relative to the
repository root). Every test runs the binary itself, on these inputs:

  fixtures     corpus/ and tests/fixtures/{seed,text,sheets,html,zip}
  archive      a generated archive: 300 text documents in mixed encodings
               (UTF-8, GBK/CRLF, UTF-16LE), 12 xlsx workbooks and 20 documents
               in zip archives (scripts/gen_archive.py)
  seed_copies  the seed's three projects four times: seed.utf8.txt,
               seed.gbk-crlf.txt and the two seed copies in archive.zip, for
               the hand-computed budget total without duplicates
  layouts      tests/fixtures/layouts (other provinces' layouts: two-level
               tables, side-by-side blocks, weights, extra columns), when the
               folder exists; its expected error lines are allowed

each with --emit projects and --emit indicators, and checks the stderr
summary against the JSON Schema files, DuckDB (schema/duckdb.sql),
PostgreSQL jsonb (skipped unless a server answers: set PGHOST, PGUSER, ...),
the BigQuery schema files and schema/clickhouse.sql (loaded into chDB, an
in-process ClickHouse, when the optional `chdb` package is installed).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from jsonschema import Draft202012Validator

REPO = Path(__file__).resolve().parents[2]
SCHEMA_DIR = REPO / "schema"
OPS = ("eq", "ge", "le", "gt", "lt", "range")
MONEY = ("total", "current_year", "prior_year_budget", "prior_year_executed")
FIXTURE_INPUTS = [
    "corpus",
    "tests/fixtures/seed",
    "tests/fixtures/text",
    "tests/fixtures/sheets",
    "tests/fixtures/html",
    "tests/fixtures/zip",
]
# The hand-computed total (test_duckdb_budget_sum_counts_each_project_once).
SEED_COPIES = [
    "tests/fixtures/seed/seed.utf8.txt",
    "tests/fixtures/seed/seed.gbk-crlf.txt",
    "tests/fixtures/zip/archive.zip",  # 2020/科创办/绩效目标表.txt and 2020/教育局.zip/seed-gbk.txt
]
LAYOUTS = "tests/fixtures/layouts"
# the error codes a case may have lines of; every other case has none
ALLOWED_ERRORS = {"layouts": {"no_projects"}}
SUMMARY = re.compile(
    r"^jixiao: (?P<documents>\d+) documents?, (?P<records>\d+) records?, "
    r"(?P<indicators>\d+) indicators?; errors: (?P<errors>[^;]+); warnings: (?P<warnings>[^;]+);",
    re.M,
)
DUPLICATE_RECORDS = re.compile(r"; (\d+) records? of an earlier project \(duplicate_of is set\)")


# --------------------------------------------------------------------------
# helpers


def binary() -> Path:
    p = Path(os.environ.get("JIXIAO_BIN", "target/release/jixiao"))
    if not p.is_absolute():
        p = REPO / p
    if not p.is_file():
        pytest.fail(f"jixiao binary not found at {p}: build it (cargo build --release) or set JIXIAO_BIN")
    return p


def load_schema(name: str) -> dict:
    return json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))


RECORD_SCHEMA = load_schema("record.schema.json")
MANIFEST_SCHEMA = load_schema("manifest.schema.json")
INDICATOR_SCHEMA = load_schema("indicator.schema.json")


def resolve(node: dict, root: dict) -> dict:
    ref = node.get("$ref")
    if ref:
        assert ref.startswith("#/"), ref
        for part in ref[2:].split("/"):
            root = root[part]
        return root
    return node


def key_tree(node: dict, root: dict):
    """Schema -> ordered tree of keys: [(key, subtree)], subtree None for leaves.

    An array of objects is described by the tree of its items."""
    node = resolve(node, root)
    types = node.get("type")
    types = set(types) if isinstance(types, list) else {types}
    if "array" in types:
        return key_tree(node["items"], root)
    if "object" in types and "properties" in node:  # also an object or null (duplicate_of)
        return [(k, key_tree(v, root)) for k, v in node["properties"].items()]
    return None


RECORD_KEYS = key_tree(RECORD_SCHEMA, RECORD_SCHEMA)
INDICATOR_KEYS = key_tree(INDICATOR_SCHEMA, INDICATOR_SCHEMA)


def missing_or_unknown_keys(obj, tree, where="") -> list[str]:
    """Keys the schema names that `obj` lacks (or has extra, or in another
    order), recursively through objects and arrays of objects. `extra` is
    free-form and not descended into."""
    if tree is None or obj is None:  # a leaf, or a null object (the JSON Schema says where null is allowed)
        return []
    if isinstance(obj, list):
        out = []
        for i, item in enumerate(obj):
            out += missing_or_unknown_keys(item, tree, f"{where}[{i}]")
        return out
    if not isinstance(obj, dict):
        return [f"{where}: expected an object, got {type(obj).__name__}"]
    want = [k for k, _ in tree]
    got = list(obj)
    out = []
    if got != want:
        miss = [k for k in want if k not in obj]
        unknown = [k for k in got if k not in want]
        out.append(f"{where or '<line>'}: missing {miss}, unknown {unknown}, order {got}")
    for k, sub in tree:
        if k in obj and k != "extra":
            out += missing_or_unknown_keys(obj[k], sub, f"{where}.{k}")
    return out


@dataclass
class Summary:
    documents: int
    records: int
    indicators: int
    errors: str
    warnings: Counter
    duplicate_records: int  # "N records of an earlier project"; 0 when absent


def parse_summary(stderr: str) -> Summary:
    found = SUMMARY.findall(stderr)
    assert found, f"no summary line on stderr:\n{stderr}"
    documents, records, indicators, errors, warnings = found[-1]
    counts = Counter()
    if warnings.strip() != "none":
        for item in warnings.split():
            code, n = item.split("=")
            counts[code] = int(n)
    dups = DUPLICATE_RECORDS.findall(stderr)
    return Summary(int(documents), int(records), int(indicators), errors.strip(), counts, int(dups[-1]) if dups else 0)


@dataclass
class Run:
    """One input set extracted with both --emit forms."""

    name: str
    records_path: Path
    indicators_path: Path
    summary: Summary
    indicators_summary: Summary
    records: list = field(default_factory=list)  # json.loads, floats as Decimal
    flat: list = field(default_factory=list)
    errors: list = field(default_factory=list)  # the errors file's lines


def manifest_of(out: Path) -> Path:
    return out.with_suffix(".manifest.jsonl")


def errors_of(out: Path) -> Path:
    return out.with_suffix(".errors.jsonl")


def extract(paths: list[str], out: Path, emit: str, cwd: Path, allowed_errors=frozenset()) -> Summary:
    errors = errors_of(out)
    cmd = [str(binary()), "extract", *paths, "--emit", emit, "-o", str(out), "--errors", str(errors), "-j", "2"]
    cmd += ["--manifest", str(manifest_of(out))]
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120)
    assert errors.exists(), cmd
    lines = [json.loads(line) for line in errors.read_text(encoding="utf-8").splitlines()]
    # exit 1: some inputs are error lines (only those a case allows)
    assert proc.returncode == (1 if lines else 0), f"{cmd} exited {proc.returncode}:\n{proc.stderr}"
    bad = [e for e in lines if e["code"] not in allowed_errors]
    assert not bad, bad
    return parse_summary(proc.stderr)


def read_lines(path: Path) -> list:
    raw = path.read_bytes()
    assert raw == b"" or raw.endswith(b"\n"), f"{path}: last line not terminated"
    assert b"\r" not in raw, f"{path}: CR in output"
    text = raw.decode("utf-8")  # strict: must be UTF-8
    assert not text.startswith("\ufeff"), f"{path}: BOM"
    return [json.loads(line, parse_float=Decimal) for line in text.splitlines()]


@pytest.fixture(scope="session")
def archive(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("archive")
    gen = [sys.executable, str(REPO / "scripts/gen_archive.py")]
    for args in (
        ["300", str(root / "text")],  # utf8, gbk (CRLF), utf16 (BOM) in turn
        ["12", str(root / "xlsx"), "--format", "xlsx"],
        ["20", str(root / "zip"), "--zip", "--per-dept", "10"],
    ):
        subprocess.run(gen + args, check=True, capture_output=True, timeout=120)
    return root


@pytest.fixture(scope="session")
def runs(archive, tmp_path_factory) -> dict[str, Run]:
    out = tmp_path_factory.mktemp("out")
    result = {}
    inputs = [
        ("fixtures", FIXTURE_INPUTS, REPO),
        ("archive", [str(archive / d) for d in ("text", "xlsx", "zip")], archive),
        ("seed_copies", SEED_COPIES, REPO),
    ]
    if "layouts" in CASES:
        inputs.append(("layouts", [LAYOUTS], REPO))
    for name, paths, cwd in inputs:
        allowed = ALLOWED_ERRORS.get(name, frozenset())
        rec, ind = out / f"{name}.records.jsonl", out / f"{name}.indicators.jsonl"
        run = Run(
            name, rec, ind, extract(paths, rec, "projects", cwd, allowed), extract(paths, ind, "indicators", cwd, allowed)
        )
        run.records = read_lines(rec)
        run.flat = read_lines(ind)
        run.errors = read_lines(errors_of(rec))
        assert run.errors == read_lines(errors_of(ind))
        result[name] = run
    return result


CASES = ["fixtures", "archive", "seed_copies"] + (["layouts"] if (REPO / LAYOUTS).is_dir() else [])


# --------------------------------------------------------------------------
# the summary and the files agree


@pytest.mark.parametrize("case", CASES)
def test_summary_counts_match_the_files(runs, case):
    run = runs[case]
    s, si = run.summary, run.indicators_summary
    errors = Counter(e["code"] for e in run.errors)
    assert s.errors == (" ".join(f"{c}={n}" for c, n in sorted(errors.items())) or "none")
    assert (s.documents, s.records, s.indicators) == (si.documents, si.records, si.indicators)
    assert len(run.records) == s.records > 0
    assert sum(len(r["indicators"]) for r in run.records) == s.indicators > 0
    assert len(run.flat) == s.indicators
    docs = {(r["source"]["path"], r["source"]["member"]) for r in run.records}
    assert len(docs) + len(run.errors) == s.documents
    warnings = Counter(w["code"] for r in run.records for w in r["warnings"])
    assert warnings == s.warnings
    # "N records of an earlier project": the records with duplicate_of set
    assert s.duplicate_records == si.duplicate_records == sum(r["duplicate_of"] is not None for r in run.records)
    assert sum(f["duplicate_of"] is not None for f in run.flat) == sum(
        len(r["indicators"]) for r in run.records if r["duplicate_of"] is not None
    )
    if case == "archive":
        encodings = Counter(r["source"]["encoding"] for r in run.records)
        formats = Counter(r["source"]["format"] for r in run.records)
        assert {"UTF-8", "GBK", "UTF-16LE"} <= set(encodings), encodings
        assert {"text", "xlsx"} <= set(formats), formats
        assert any(r["source"]["member"] for r in run.records)


# --------------------------------------------------------------------------
# JSON Schema


def schema_errors(validator: Draft202012Validator, lines: list, label: str) -> list[str]:
    out = []
    for n, obj in enumerate(lines, 1):
        for e in validator.iter_errors(obj):
            out.append(f"{label}:{n}: {'/'.join(map(str, e.absolute_path))}: {e.message}")
    return out


def plain(path: Path) -> list:
    """Lines parsed the way any JSON consumer does (floats as float)."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("case", CASES)
def test_every_line_validates_against_the_json_schema(runs, case):
    run = runs[case]
    Draft202012Validator.check_schema(RECORD_SCHEMA)
    Draft202012Validator.check_schema(INDICATOR_SCHEMA)
    errors = schema_errors(Draft202012Validator(RECORD_SCHEMA), plain(run.records_path), "records")
    errors += schema_errors(Draft202012Validator(INDICATOR_SCHEMA), plain(run.indicators_path), "indicators")
    assert not errors, "\n".join(errors[:20])


def test_golden_files_validate_against_the_json_schema():
    goldens = sorted(REPO.glob("tests/fixtures/*/*.expected.jsonl"))
    assert len(goldens) >= 10
    validator = Draft202012Validator(RECORD_SCHEMA)
    errors, lines = [], 0
    for g in goldens:
        objs = plain(g)
        lines += len(objs)
        errors += schema_errors(validator, objs, str(g.relative_to(REPO)))
        for n, obj in enumerate(objs, 1):
            errors += [f"{g.name}:{n}: {m}" for m in missing_or_unknown_keys(obj, RECORD_KEYS)]
    assert lines > 0
    assert not errors, "\n".join(errors[:20])


def test_binary_prints_the_schema_files():
    for emit, schema in (("projects", RECORD_SCHEMA), ("indicators", INDICATOR_SCHEMA)):
        proc = subprocess.run([str(binary()), "schema", "--emit", emit], capture_output=True, text=True, check=True)
        assert json.loads(proc.stdout) == schema, f"`jixiao schema --emit {emit}` differs from schema/"


def test_the_json_schema_rejects_what_version_2_does_not_write(runs):
    """The schema is strict where version 2 changed: a version-1 line, the
    removed duplicate_project warning, a category or period outside the
    lists, an incomplete duplicate_of, a page 0 fail validation."""
    record = json.loads(runs["seed_copies"].records_path.read_text(encoding="utf-8").splitlines()[-1])
    flat = json.loads(runs["seed_copies"].indicators_path.read_text(encoding="utf-8").splitlines()[-1])
    assert record["duplicate_of"] is not None and flat["duplicate_of"] is not None
    rec, ind = Draft202012Validator(RECORD_SCHEMA), Draft202012Validator(INDICATOR_SCHEMA)
    assert rec.is_valid(record) and ind.is_valid(flat)

    def edited(obj, edit):
        obj = json.loads(json.dumps(obj))
        edit(obj)
        return obj

    bad_records = [
        lambda r: r.update(schema_version=1),
        lambda r: r.pop("duplicate_of"),
        lambda r: r["duplicate_of"].pop("member"),
        lambda r: r["duplicate_of"].update(record_id="x"),
        lambda r: r.update(warnings=[{"code": "duplicate_project", "message": "m"}]),
        lambda r: r["source"].update(page=0),
        lambda r: r["source"].pop("page"),
        lambda r: r["source"].update(format="doc"),
        lambda r: r["budget"].pop("sources"),
        lambda r: r["budget"].update(sources=[{"name": "财政拨款"}]),
        lambda r: r["indicators"][0].update(category="output.other"),
        lambda r: r["indicators"][0].update(period="monthly"),
        lambda r: r["indicators"][0].update(core=None),
        lambda r: r["indicators"][0].update(extra={"备注": 1}),
        lambda r: r["indicators"][0].update(row=0),
        lambda r: r["indicators"][0].pop("weight"),
    ]
    for n, edit in enumerate(bad_records):
        assert not rec.is_valid(edited(record, edit)), n
    bad_flat = [
        lambda f: f.update(schema_version=1),
        lambda f: f.pop("source_index"),
        lambda f: f.update(duplicate_of={"record_id": flat["duplicate_of"]}),
        lambda f: f.update(category="output.other"),
    ]
    for n, edit in enumerate(bad_flat):
        assert not ind.is_valid(edited(flat, edit)), n
    # and accepts what version 2 allows
    for edit in (
        lambda r: r["indicators"][0].update(level1=None, level2=None, category=None, period="long_term", weight=2.5),
        lambda r: r["budget"].update(sources=[{"name": "财政拨款", "amount": 100.5}, {"name": "其他资金", "amount": None}]),
        lambda r: r["source"].update(format="pdf", page=3),
        lambda r: r.update(duplicate_of=None),
    ):
        assert rec.is_valid(edited(record, edit))


@pytest.mark.parametrize("case", CASES)
def test_no_key_is_ever_missing(runs, case):
    run = runs[case]
    bad = [m for r in run.records for m in missing_or_unknown_keys(r, RECORD_KEYS)]
    bad += [m for r in run.flat for m in missing_or_unknown_keys(r, INDICATOR_KEYS)]
    assert len(bad) == 0, "\n".join(bad[:20])


@pytest.mark.parametrize("case", CASES)
def test_amounts_are_integers_when_whole_else_two_decimals(runs, case):
    bad = []
    for r in runs[case].records:
        amounts = [(f"budget.{k}", r["budget"][k]) for k in MONEY]
        amounts += [(f"budget.sources[{i}].amount", s["amount"]) for i, s in enumerate(r["budget"]["sources"])]
        for where, v in amounts:
            if v is None or isinstance(v, int) and not isinstance(v, bool):
                continue
            # parsed with parse_float=Decimal: the literal as written
            if not isinstance(v, Decimal) or v == v.to_integral_value() or v.as_tuple().exponent < -2:
                bad.append(f"{r['record_id']} {where} = {v!r}")
    assert not bad, bad[:20]


# --------------------------------------------------------------------------
# DuckDB


def duckdb_script(run: Run) -> str:
    def lit(p: Path) -> str:
        return str(p).replace("'", "''")

    sql = (SCHEMA_DIR / "duckdb.sql").read_text(encoding="utf-8")
    assert "{records}" in sql and "{indicators}" in sql
    return sql.replace("{records}", lit(run.records_path)).replace("{indicators}", lit(run.indicators_path))


def derived_indicators_sql() -> str:
    """The commented-out `INSERT INTO indicators ... FROM records` of duckdb.sql."""
    sql = (SCHEMA_DIR / "duckdb.sql").read_text(encoding="utf-8")
    tail = sql.split("-- Without an --emit indicators file", 1)[1]
    lines = [ln[3:] if ln.startswith("-- ") else ln[2:] for ln in tail.splitlines()[1:] if ln.startswith("--")]
    stmt = "\n".join(lines).strip()
    assert stmt.startswith("INSERT INTO indicators"), stmt
    return stmt


@pytest.fixture(scope="module")
def duck(runs):
    cons = {}
    for case, run in runs.items():
        con = duckdb.connect(":memory:")
        con.execute(duckdb_script(run))
        cons[case] = con
    yield cons
    for con in cons.values():
        con.close()


def one(con, sql, *params):
    rows = con.execute(sql, list(params)).fetchall()  # fetch all: DuckDB 2 refuses new work on an unfinished result
    assert len(rows) == 1, rows
    return rows[0][0]


def py_sum(records, key) -> Decimal | None:
    vals = [Decimal(r["budget"][key]) for r in records if r["budget"][key] is not None]
    return sum(vals, Decimal(0)) if vals else None


def duck_tree(t):
    """DuckDBPyType -> the same key tree shape as key_tree()."""
    if t.id == "list":
        return duck_tree(t.children[0][1])
    if t.id == "struct":
        return [(name, duck_tree(sub)) for name, sub in t.children]
    return None


@pytest.mark.parametrize("case", CASES)
def test_duckdb_counts_and_sums(duck, runs, case):
    con, run = duck[case], runs[case]
    s = run.summary
    assert one(con, "SELECT count(*) FROM records") == s.records
    assert one(con, "SELECT sum(len(indicators)) FROM records") == s.indicators
    assert one(con, "SELECT count(*) FROM indicators") == s.indicators
    assert one(con, "SELECT count(DISTINCT (source.path, source.member)) FROM records") + len(run.errors) == s.documents
    for k in MONEY:
        assert one(con, f"SELECT sum(budget.{k}) FROM records") == py_sum(run.records, k), k
    if case != "layouts":  # the layouts' budgets are still being mapped (issue 13)
        assert py_sum(run.records, "total") > 0
    assert one(con, "SELECT sum(len(warnings)) FROM records") == sum(s.warnings.values())
    by_code = dict(con.execute("SELECT w.code, count(*) FROM (SELECT unnest(warnings) AS w FROM records) GROUP BY 1").fetchall())
    assert by_code == dict(s.warnings)


@pytest.mark.parametrize("case", CASES)
def test_the_manifest_validates_and_adds_up(runs, case):
    """The manifest: one line per file and member, valid against its
    schema; loaded into DuckDB by schema/manifest.duckdb.sql, its record
    count is the records file's line count."""
    run = runs[case]
    Draft202012Validator.check_schema(MANIFEST_SCHEMA)
    for out, summary in ((run.records_path, run.summary), (run.indicators_path, run.indicators_summary)):
        path = manifest_of(out)
        lines = plain(path)
        errors = schema_errors(Draft202012Validator(MANIFEST_SCHEMA), lines, path.name)
        assert not errors, "\n".join(errors[:20])
        read = [m for m in lines if m["outcome"] != "skipped"]
        assert len(read) == summary.documents
        sql = (SCHEMA_DIR / "manifest.duckdb.sql").read_text(encoding="utf-8")
        con = duckdb.connect(":memory:")
        con.execute(sql.replace("{manifest}", str(path).replace("'", "''")))
        assert one(con, "SELECT count(*) FROM manifest") == len(lines)
        assert one(con, "SELECT sum(records) FROM manifest") == summary.records
        assert one(con, "SELECT sum(indicators) FROM manifest") == summary.indicators
        assert one(con, "SELECT count(*) FROM manifest WHERE outcome = 'error'") == len(run.errors)
        con.close()
    con = duckdb.connect(":memory:")
    con.execute(duckdb_script(run))
    sql = (SCHEMA_DIR / "manifest.duckdb.sql").read_text(encoding="utf-8")
    con.execute(sql.replace("{manifest}", str(manifest_of(run.records_path)).replace("'", "''")))
    assert one(con, "SELECT sum(records) FROM manifest") == one(con, "SELECT count(*) FROM records")
    assert len(run.records) == one(con, "SELECT count(*) FROM records")
    con.close()


@pytest.mark.parametrize("case", CASES)
def test_duckdb_indicator_values(duck, case):
    con = duck[case]
    ops = ", ".join(f"'{o}'" for o in OPS)
    assert one(con, f"SELECT count(*) FROM indicators WHERE op IS NOT NULL AND op NOT IN ({ops})") == 0
    assert one(con, f"SELECT count(*) FROM (SELECT unnest(indicators) AS i FROM records) WHERE i.op NOT IN ({ops})") == 0
    assert one(con, "SELECT count(*) FROM indicators WHERE kind NOT IN ('quantitative', 'qualitative')") == 0
    assert one(con, "SELECT count(*) FROM indicators WHERE (kind = 'quantitative') <> (value IS NOT NULL)") == 0
    assert one(con, "SELECT count(*) FROM indicators WHERE (op = 'range') <> (value_max IS NOT NULL)") == 0
    assert one(con, "SELECT count(*) FROM indicators WHERE op IS NOT NULL") > 0
    assert one(con, "SELECT count(*) FROM indicators WHERE value_max < value") == 0


@pytest.mark.parametrize("case", CASES)
def test_duckdb_has_every_key(duck, runs, case):
    con, run = duck[case], runs[case]
    for table, tree, path in (("records", RECORD_KEYS, run.records_path), ("indicators", INDICATOR_KEYS, run.indicators_path)):
        cols = [r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position", [table]
        ).fetchall()]
        assert len(cols) == len(tree)
        assert cols == [k for k, _ in tree]
        rel = con.sql(f"SELECT * FROM {table}")
        got = [(name, duck_tree(t)) for name, t in zip(rel.columns, rel.types)]
        # extra is JSON in DuckDB (free-form), so compare without its subtree
        assert got == [(k, None if k == "extra" else sub) for k, sub in tree]
        # read_json with columns= ignores unknown keys and fills missing ones
        # with NULL, so check the raw lines' keys in DuckDB as well
        keys = "[" + ", ".join(f"'{k}'" for k, _ in tree) + "]"
        lit = str(path).replace("'", "''")
        bad = one(con, f"SELECT count(*) FROM read_ndjson_objects('{lit}') WHERE json_keys(json) <> {keys}")
        assert bad == 0


def same(orig, got, where="") -> list[str]:
    """orig: the JSON line (floats as Decimal); got: DuckDB's Python value."""
    if isinstance(orig, dict) and isinstance(got, str):  # a JSON column (extra)
        got = json.loads(got, object_pairs_hook=dict, parse_float=Decimal)
    if isinstance(orig, dict):
        if not isinstance(got, dict) or list(got) != list(orig):
            return [f"{where}: {orig!r} != {got!r}"]
        return [m for k in orig for m in same(orig[k], got[k], f"{where}.{k}")]
    if isinstance(orig, list):
        if not isinstance(got, list) or len(got) != len(orig):
            return [f"{where}: {orig!r} != {got!r}"]
        return [m for i, (a, b) in enumerate(zip(orig, got)) for m in same(a, b, f"{where}[{i}]")]
    if isinstance(orig, bool) or orig is None or isinstance(orig, str):
        return [] if orig == got and type(orig) is type(got) else [f"{where}: {orig!r} != {got!r}"]
    if isinstance(got, float):  # DOUBLE: the nearest double, as any JSON reader gives
        return [] if float(orig) == got else [f"{where}: {orig!r} != {got!r}"]
    return [] if Decimal(orig) == Decimal(got) else [f"{where}: {orig!r} != {got!r}"]


@pytest.mark.parametrize("case", CASES)
def test_duckdb_rows_equal_the_lines(duck, runs, case):
    """Every value of every line comes back from DuckDB unchanged."""
    con, run = duck[case], runs[case]
    rel = con.sql("SELECT * FROM records")
    cols = rel.columns
    rows = {}
    for row in rel.fetchall():
        d = dict(zip(cols, row))
        d["extra"] = json.loads(d["extra"], object_pairs_hook=dict)
        rows[(d["source"]["path"], d["source"]["member"], d["source"]["index"])] = d
    assert len(rows) == len(run.records)
    diffs = []
    for r in run.records:
        got = rows[(r["source"]["path"], r["source"]["member"], r["source"]["index"])]
        diffs += same(r, got, r["record_id"])
    rel = con.sql("SELECT * FROM indicators")
    flat = [dict(zip(rel.columns, row)) for row in rel.fetchall()]
    assert len(flat) == len(run.flat)
    for n, (a, b) in enumerate(zip(run.flat, flat)):
        diffs += same(a, b, f"indicators:{n + 1}")
    assert not diffs, "\n".join(diffs[:20])


@pytest.mark.parametrize("case", CASES)
def test_duckdb_extra_keys_survive(duck, runs, case):
    con, run = duck[case], runs[case]
    assert one(con, "SELECT sum(len(json_keys(extra))) FROM records") == sum(len(r["extra"]) for r in run.records)
    assert one(con, "SELECT count(*) FROM records WHERE len(json_keys(extra)) > 0") == sum(1 for r in run.records if r["extra"])
    if case == "fixtures":
        assert (
            one(con, "SELECT extra->>'联系人' FROM records WHERE source.path = 'tests/fixtures/text/wan_yuan.txt'")
            == "王五"
        )
        # key order survives too
        keys = one(con, "SELECT json_keys(extra) FROM records WHERE source.path = 'tests/fixtures/text/wan_yuan.txt'")
        assert keys == ["联系人", "联系电话"]


@pytest.mark.parametrize("case", CASES)
def test_duckdb_flat_indicators_equal_records_unnested(duck, case):
    """--emit indicators holds exactly the records' indicators, and the
    documented fallback in duckdb.sql derives the same rows from records."""
    con = duck[case]
    con.execute("CREATE OR REPLACE TEMP TABLE derived AS SELECT * FROM indicators LIMIT 0")
    con.execute(derived_indicators_sql().replace("INSERT INTO indicators", "INSERT INTO derived", 1))
    assert one(con, "SELECT count(*) FROM derived") == one(con, "SELECT count(*) FROM indicators") > 0
    assert one(con, "SELECT count(*) FROM (SELECT * FROM derived EXCEPT ALL SELECT * FROM indicators)") == 0
    assert one(con, "SELECT count(*) FROM (SELECT * FROM indicators EXCEPT ALL SELECT * FROM derived)") == 0


# --------------------------------------------------------------------------
# schema version 2: duplicates and the flat join (issue 13, "Done when")

# The seed's three projects, each with its 项目当年预算（元） line as it stands
# in tests/fixtures/seed/seed.utf8.txt (the GBK file and the two copies in
# archive.zip hold the same lines in other encodings):
SEED_CURRENT_YEAR = {
    "科创中心建设工作经费": ("项目总预算（元）：\t41,098,620\t项目当年预算（元）：\t41,098,620", Decimal(41098620)),
    "科创中心展厅运营经费": ("项目总预算（元）：\t5,869,574\t项目当年预算（元）：\t5,869,574", Decimal(5869574)),
    "未来公园展厅运营经费": ("项目总预算（元）：\t11,219,208\t项目当年预算（元）：\t11,219,208", Decimal(11219208)),
}
# 41,098,620 + 5,869,574 + 11,219,208 = 58,187,402 yuan: each project once
SEED_TOTAL = Decimal("58187402")
# the seed_copies run holds each project four times (seed.gbk-crlf.txt,
# seed.utf8.txt, and archive.zip's 2020/科创办/绩效目标表.txt and
# 2020/教育局.zip/seed-gbk.txt): 4 x 58,187,402 = 232,749,608 yuan
SEED_TOTAL_WITH_COPIES = Decimal("232749608")


def test_the_hand_computed_total_is_the_source_text():
    """The literals above are the source's own lines (a changed fixture
    must change them too), and they add up as the comments say."""
    text = (REPO / "tests/fixtures/seed/seed.utf8.txt").read_text(encoding="utf-8")
    gbk = (REPO / "tests/fixtures/seed/seed.gbk-crlf.txt").read_bytes().decode("gbk")
    for name, (line, amount) in SEED_CURRENT_YEAR.items():
        assert f"项目名称：\t{name}" in text
        assert line in text.splitlines(), line
        assert line in gbk.splitlines(), line
        assert line.endswith(f"{int(amount):,}")
    assert sum(a for _, a in SEED_CURRENT_YEAR.values()) == SEED_TOTAL == 41098620 + 5869574 + 11219208
    assert SEED_TOTAL_WITH_COPIES == 4 * SEED_TOTAL


def test_duckdb_budget_sum_counts_each_project_once(duck, runs):
    """sum(budget.current_year) WHERE duplicate_of IS NULL is the
    hand-computed total: every copy of a project after the first in output
    order (seed.gbk-crlf.txt sorts first) has duplicate_of set, whatever its
    encoding or container."""
    con, run = duck["seed_copies"], runs["seed_copies"]
    assert one(con, "SELECT count(*) FROM records") == 12  # 4 documents x 3 projects
    assert one(con, "SELECT sum(budget.current_year) FROM records WHERE duplicate_of IS NULL") == SEED_TOTAL
    # without the filter the copies are counted too
    everything = one(con, "SELECT sum(budget.current_year) FROM records")
    assert everything > SEED_TOTAL
    assert everything == SEED_TOTAL_WITH_COPIES
    # the first records are the GBK file's; every other record is a copy
    firsts = con.execute(
        "SELECT source.path, source.member, project_name FROM records WHERE duplicate_of IS NULL ORDER BY source.\"index\""
    ).fetchall()
    assert firsts == [("tests/fixtures/seed/seed.gbk-crlf.txt", None, name) for name in SEED_CURRENT_YEAR]
    copies = con.execute(
        "SELECT source.path, source.member, count(*) FROM records WHERE duplicate_of IS NOT NULL GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    assert copies == [
        ("tests/fixtures/seed/seed.utf8.txt", None, 3),
        ("tests/fixtures/zip/archive.zip", "2020/教育局.zip/seed-gbk.txt", 3),
        ("tests/fixtures/zip/archive.zip", "2020/科创办/绩效目标表.txt", 3),
    ]
    # duplicate_of names its first record by (path, member, index), and by
    # record_id: a record of the same project that is itself a first
    assert one(
        con,
        """SELECT count(*) FROM records d LEFT JOIN records f
             ON  f.source.path = d.duplicate_of.path
             AND f.source.member IS NOT DISTINCT FROM d.duplicate_of.member
             AND f.source."index" = d.duplicate_of."index"
           WHERE d.duplicate_of IS NOT NULL
             AND (f.record_id IS DISTINCT FROM d.duplicate_of.record_id
                  OR f.duplicate_of IS NOT NULL
                  OR f.project_name IS DISTINCT FROM d.project_name
                  OR f.budget.current_year IS DISTINCT FROM d.budget.current_year)""",
    ) == 0
    assert sum(r["duplicate_of"] is None for r in run.records) == 3


def flat_join_sql(on: str) -> str:
    return f"""SELECT i.*, r.record_id AS r_record_id, r.duplicate_of AS r_duplicate_of,
                      r.indicators[i.indicator_index + 1] AS r_indicator
               FROM indicators i JOIN records r ON {on}"""


UNIQUE_KEY = """r.source.path = i.source_path
                AND r.source.member IS NOT DISTINCT FROM i.source_member
                AND r.source."index" = i.source_index"""


@pytest.mark.parametrize("case", CASES)
def test_duckdb_flat_indicators_join_one_record_each(duck, runs, case):
    """(source_path, source_member, source_index) joins every flat line to
    exactly one record, its own: the joined row count is the line count, no
    line matches two records, and the record's indicator at indicator_index
    is the line's. A line's duplicate_of is its record's
    duplicate_of.record_id."""
    con, run = duck[case], runs[case]
    n = one(con, "SELECT count(*) FROM indicators")
    assert n == len(run.flat) > 0
    con.execute(f"CREATE OR REPLACE TEMP TABLE joined AS {flat_join_sql(UNIQUE_KEY)}")
    assert one(con, "SELECT count(*) FROM joined") == n
    key = 'source_path, source_member, source_index, indicator_index'
    assert one(con, f"SELECT count(*) FROM (SELECT {key} FROM joined GROUP BY ALL HAVING count(*) > 1)") == 0
    assert one(con, f"SELECT count(DISTINCT ({key})) FROM joined") == n
    assert one(con, "SELECT count(*) FROM joined WHERE record_id <> r_record_id") == 0
    assert one(
        con,
        """SELECT count(*) FROM joined
           WHERE r_indicator.level3 <> level3 OR r_indicator.target <> target OR r_indicator."row" <> "row" """,
    ) == 0
    assert one(con, "SELECT count(*) FROM joined WHERE duplicate_of IS DISTINCT FROM r_duplicate_of.record_id") == 0
    if any(r["duplicate_of"] and r["indicators"] for r in run.records):
        assert one(con, "SELECT count(*) FROM joined WHERE duplicate_of IS NOT NULL") > 0
    # the same check in Python, on the lines as written
    by_key = Counter((r["source"]["path"], r["source"]["member"], r["source"]["index"]) for r in run.records)
    assert all(c == 1 for c in by_key.values())
    records = {(r["source"]["path"], r["source"]["member"], r["source"]["index"]): r for r in run.records}
    for f in run.flat:
        r = records[(f["source_path"], f["source_member"], f["source_index"])]
        assert f["record_id"] == r["record_id"]
        assert f["duplicate_of"] == (r["duplicate_of"] or {}).get("record_id")
        assert {k: f[k] for k in r["indicators"][f["indicator_index"]]} == r["indicators"][f["indicator_index"]]


def test_record_id_alone_is_no_join_key(duck):
    """Why the flat lines carry the source key: archive.zip's
    2020/教育局.zip/seed-gbk.txt is byte for byte seed.gbk-crlf.txt, so
    their records share record_ids and a join on record_id doubles rows."""
    con = duck["seed_copies"]
    n = one(con, "SELECT count(*) FROM indicators")
    assert one(con, f"SELECT count(*) FROM ({flat_join_sql('r.record_id = i.record_id')})") > n


# --------------------------------------------------------------------------
# PostgreSQL (jsonb)

COPY_OPTS = r"csv quote e'\x01' delimiter e'\x02'"


def postgres_or_skip() -> str:
    psql = shutil.which("psql")
    if not psql:
        pytest.skip("psql not installed")
    env = dict(os.environ, PGCONNECT_TIMEOUT=os.environ.get("PGCONNECT_TIMEOUT", "3"))
    if shutil.which("pg_isready"):
        ready = subprocess.run(["pg_isready"], capture_output=True, text=True, env=env, timeout=30)
        if ready.returncode != 0:
            pytest.skip(f"no PostgreSQL server answers (pg_isready: {ready.stdout.strip() or ready.returncode}); set PGHOST/PGPORT/PGUSER/PGDATABASE")
    probe = subprocess.run([psql, "-X", "-At", "-c", "SELECT 1"], capture_output=True, text=True, env=env, timeout=30)
    if probe.returncode != 0:
        pytest.skip(f"cannot connect to PostgreSQL: {probe.stderr.strip()}")
    return psql


@pytest.mark.parametrize("case", CASES)
def test_postgres_jsonb(runs, case, tmp_path):
    psql = postgres_or_skip()
    run = runs[case]

    def lit(p: Path) -> str:
        return str(p).replace("'", "''")

    ops = ", ".join(f"'{o}'" for o in OPS)
    required = ", ".join(f"'{k}'" for k, _ in RECORD_KEYS)
    script = tmp_path / "load.sql"
    script.write_text(
        f"""
CREATE TEMP TABLE jixiao_records (doc jsonb NOT NULL);
\\copy jixiao_records(doc) from '{lit(run.records_path)}' {COPY_OPTS}
CREATE TEMP TABLE jixiao_indicators (doc jsonb NOT NULL);
\\copy jixiao_indicators(doc) from '{lit(run.indicators_path)}' {COPY_OPTS}
SELECT 'records', count(*), coalesce(sum(jsonb_array_length(doc->'indicators')), 0) FROM jixiao_records;
SELECT 'indicators', count(*) FROM jixiao_indicators;
SELECT 'total', coalesce(sum((doc->'budget'->>'total')::numeric)::text, 'null') FROM jixiao_records;
SELECT 'current_year', coalesce(sum((doc->'budget'->>'current_year')::numeric)::text, 'null') FROM jixiao_records;
SELECT 'current_year_first', coalesce(sum((doc->'budget'->>'current_year')::numeric)::text, 'null') FROM jixiao_records
  WHERE jsonb_typeof(doc->'duplicate_of') = 'null';
SELECT 'bad_op', count(*) FROM jixiao_indicators WHERE doc->>'op' IS NOT NULL AND doc->>'op' NOT IN ({ops});
SELECT 'bad_op_nested', count(*) FROM jixiao_records, jsonb_array_elements(doc->'indicators') i
  WHERE i->>'op' IS NOT NULL AND i->>'op' NOT IN ({ops});
SELECT 'missing_key', count(*) FROM jixiao_records WHERE NOT doc ?& ARRAY[{required}];
SELECT 'extra_keys', coalesce(sum((SELECT count(*) FROM jsonb_object_keys(doc->'extra'))), 0) FROM jixiao_records;
SELECT 'wan_yuan', coalesce(max(doc->'extra'->>'联系人'), 'none') FROM jixiao_records
  WHERE doc->'source'->>'path' = 'tests/fixtures/text/wan_yuan.txt';
""",
        encoding="utf-8",
    )
    env = dict(os.environ, PGCLIENTENCODING="UTF8", PGOPTIONS="-c client_min_messages=warning")
    proc = subprocess.run(
        [psql, "-X", "-q", "-At", "-F", "|", "-v", "ON_ERROR_STOP=1", "-f", str(script)],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    got = {}
    for line in proc.stdout.splitlines():
        name, *vals = line.split("|")
        got[name] = vals
    s = run.summary
    assert got["records"] == [str(s.records), str(s.indicators)]
    assert got["indicators"] == [str(s.indicators)]
    for k in ("total", "current_year"):
        want = py_sum(run.records, k)
        if want is None:
            assert got[k] == ["null"], k
        else:
            assert Decimal(got[k][0]) == want, k
    want = py_sum([r for r in run.records if r["duplicate_of"] is None], "current_year")
    assert got["current_year_first"] == ["null"] if want is None else Decimal(got["current_year_first"][0]) == want
    if case == "seed_copies":
        assert Decimal(got["current_year_first"][0]) == SEED_TOTAL
    assert got["bad_op"] == ["0"] and got["bad_op_nested"] == ["0"]
    assert got["missing_key"] == ["0"]
    assert got["extra_keys"] == [str(sum(len(r["extra"]) for r in run.records))]
    if case == "fixtures":
        assert got["wan_yuan"] == ["王五"]


# --------------------------------------------------------------------------
# BigQuery schema files (no BigQuery here: check the files against the JSON
# Schema, and check every output line the way a load job types it)

BQ_TYPES = {"STRING", "INTEGER", "FLOAT", "NUMERIC", "BOOLEAN", "RECORD", "JSON"}
BQ_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,299}$")


def bq_expected_type(node: dict, root: dict) -> set[str]:
    node = resolve(node, root)
    if "const" in node:
        return {"INTEGER"} if isinstance(node["const"], int) else {"STRING"}
    if "enum" in node:
        return {"STRING"}
    t = node.get("type")
    types = set(t) if isinstance(t, list) else {t}
    types.discard("null")
    if types == {"object"}:
        return {"JSON"} if "properties" not in node else {"RECORD"}
    (t,) = types
    return {"string": {"STRING"}, "integer": {"INTEGER"}, "number": {"NUMERIC", "FLOAT"}, "boolean": {"BOOLEAN"}}[t]


def check_bq_fields(fields: list, node: dict, root: dict, where: str) -> list[str]:
    node = resolve(node, root)
    out = []
    props = node["properties"]
    names = [f.get("name") for f in fields]
    if names != list(props):
        out.append(f"{where}: fields {names} != schema keys {list(props)}")
    for f in fields:
        name = f.get("name", "?")
        here = f"{where}.{name}"
        if not BQ_NAME.match(name or ""):
            out.append(f"{here}: not a valid BigQuery column name")
        if set(f) - {"name", "type", "mode", "description", "fields"}:
            out.append(f"{here}: unknown attributes {set(f)}")
        if f.get("type") not in BQ_TYPES:
            out.append(f"{here}: type {f.get('type')}")
        if name not in props:
            continue
        sub = resolve(props[name], root)
        is_array = sub.get("type") == "array"
        if f.get("mode") != ("REPEATED" if is_array else "NULLABLE"):
            out.append(f"{here}: mode {f.get('mode')}")
        item = resolve(sub["items"], root) if is_array else sub
        want = bq_expected_type(item, root)
        if f.get("type") not in want:
            out.append(f"{here}: type {f.get('type')}, expected one of {want}")
        if f.get("type") == "RECORD":
            out += check_bq_fields(f.get("fields", []), item, root, here)
        elif "fields" in f:
            out.append(f"{here}: fields on a non-RECORD")
    return out


def bq_type_errors(value, fields: list, where: str) -> list[str]:
    """What a NEWLINE_DELIMITED_JSON load job would reject in one line."""
    out = []
    if not isinstance(value, dict):
        return [f"{where}: not an object"]
    names = {f["name"] for f in fields}
    unknown = set(value) - names
    if unknown:  # bq load fails on these unless --ignore_unknown_values
        out.append(f"{where}: unknown keys {unknown}")
    for f in fields:
        v = value.get(f["name"])
        here = f"{where}.{f['name']}"
        if f["mode"] == "REPEATED":
            if not isinstance(v, list):
                out.append(f"{here}: REPEATED needs an array, got {v!r}")
                continue
            items = v
        else:
            items = [v]
        for i, x in enumerate(items):
            if x is None:
                if f["mode"] == "REPEATED":
                    out.append(f"{here}[{i}]: null inside an ARRAY")
                continue
            t = f["type"]
            if t == "RECORD":
                out += bq_type_errors(x, f["fields"], here)
            elif t == "STRING" and not isinstance(x, str):
                out.append(f"{here}: STRING got {x!r}")
            elif t == "BOOLEAN" and not isinstance(x, bool):
                out.append(f"{here}: BOOLEAN got {x!r}")
            elif t == "INTEGER" and (isinstance(x, bool) or not isinstance(x, int) or not -(2**63) <= x < 2**63):
                out.append(f"{here}: INTEGER got {x!r}")
            elif t == "NUMERIC":
                # NUMERIC: 29 integer digits, 9 decimals
                if isinstance(x, bool) or not isinstance(x, (int, Decimal)):
                    out.append(f"{here}: NUMERIC got {x!r}")
                else:
                    d = Decimal(x)
                    if d.as_tuple().exponent < -9 or abs(d) >= Decimal(10) ** 29:
                        out.append(f"{here}: NUMERIC out of range {x!r}")
            elif t == "FLOAT" and (isinstance(x, bool) or not isinstance(x, (int, Decimal))):
                out.append(f"{here}: FLOAT got {x!r}")
    return out


@pytest.mark.parametrize(
    "file,schema", [("bigquery.json", RECORD_SCHEMA), ("bigquery-indicators.json", INDICATOR_SCHEMA)]
)
def test_bigquery_schema_covers_exactly_the_keys(file, schema):
    fields = json.loads((SCHEMA_DIR / file).read_text(encoding="utf-8"))
    assert isinstance(fields, list) and fields
    errors = check_bq_fields(fields, schema, schema, file)
    assert not errors, "\n".join(errors)
    # money is NUMERIC (exact), not FLOAT
    if file == "bigquery.json":
        budget = next(f for f in fields if f["name"] == "budget")
        assert {f["type"] for f in budget["fields"] if f["name"] != "sources"} == {"NUMERIC"}
        sources = next(f for f in budget["fields"] if f["name"] == "sources")
        assert (sources["type"], sources["mode"]) == ("RECORD", "REPEATED")
        assert next(f for f in sources["fields"] if f["name"] == "amount")["type"] == "NUMERIC"
        indicators = next(f for f in fields if f["name"] == "indicators")
        assert next(f for f in indicators["fields"] if f["name"] == "extra")["type"] == "JSON"
        assert next(f for f in fields if f["name"] == "extra")["type"] == "JSON"


@pytest.mark.parametrize("case", CASES)
def test_bigquery_types_accept_every_line(runs, case):
    run = runs[case]
    rec = json.loads((SCHEMA_DIR / "bigquery.json").read_text(encoding="utf-8"))
    flat = json.loads((SCHEMA_DIR / "bigquery-indicators.json").read_text(encoding="utf-8"))
    errors = [m for n, r in enumerate(run.records, 1) for m in bq_type_errors(r, rec, f"records:{n}")]
    errors += [m for n, r in enumerate(run.flat, 1) for m in bq_type_errors(r, flat, f"indicators:{n}")]
    assert not errors, "\n".join(errors[:20])


# --------------------------------------------------------------------------
# ClickHouse


def split_top(text: str) -> list[str]:
    """Split on commas outside parentheses."""
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur)
    return [p.strip() for p in parts]


def ch_tree(type_text: str):
    """Type text -> key tree for (Array of) named Tuples; None otherwise."""
    t = type_text.strip()
    m = re.match(r"^(Array|Tuple|Nullable|LowCardinality)\((.*)\)$", t, re.S)
    if not m:
        return None
    kind, inner = m.groups()
    if kind == "Tuple":
        return [(p.split(None, 1)[0], ch_tree(p.split(None, 1)[1])) for p in split_top(inner)]
    return ch_tree(inner)


def ch_tables() -> dict[str, list]:
    sql = re.sub(r"--[^\n]*", "", (SCHEMA_DIR / "clickhouse.sql").read_text(encoding="utf-8"))
    tables = {}
    for m in re.finditer(r"CREATE TABLE IF NOT EXISTS (\w+)\s*\(", sql):
        depth, i = 1, m.end()
        while depth:
            depth += {"(": 1, ")": -1}.get(sql[i], 0)
            i += 1
        body = sql[m.end() : i - 1]
        assert re.match(r"\s*ENGINE = MergeTree\s+ORDER BY", sql[i:]), m.group(1)
        tables[m.group(1)] = [(c.split(None, 1)[0], c.split(None, 1)[1]) for c in split_top(body)]
    return tables


def test_clickhouse_ddl_covers_exactly_the_keys():
    tables = ch_tables()
    assert set(tables) == {"jixiao_records", "jixiao_indicators"}
    for table, tree in (("jixiao_records", RECORD_KEYS), ("jixiao_indicators", INDICATOR_KEYS)):
        cols = tables[table]
        got = [(name, None if name == "extra" else ch_tree(t)) for name, t in cols]
        assert got == [(k, None if k == "extra" else sub) for k, sub in tree], table
        types = dict(cols)
        if table == "jixiao_records":
            assert types["extra"] == "Map(String, Nullable(String))"
            assert re.findall(r"Decimal\(18, 2\)", types["budget"]) and "Float" not in types["budget"]


@pytest.mark.parametrize("case", CASES)
def test_clickhouse_load_with_chdb(runs, case):
    """Optional (pip install chdb, ~900 MB installed): the DDL and a
    JSONEachRow insert in an in-process ClickHouse, strict about unknown keys."""
    chdb_session = pytest.importorskip("chdb.session", reason="chdb not installed (optional)")
    run = runs[case]
    sess = chdb_session.Session()
    try:
        sql = re.sub(r"--[^\n]*", "", (SCHEMA_DIR / "clickhouse.sql").read_text(encoding="utf-8"))
        for stmt in (s for s in sql.split(";") if s.strip()):
            sess.query(stmt)
        strict = "SETTINGS input_format_skip_unknown_fields = 0"
        for table, path in (("jixiao_records", run.records_path), ("jixiao_indicators", run.indicators_path)):
            data = path.read_text(encoding="utf-8")
            sess.query(f"INSERT INTO {table} {strict} FORMAT JSONEachRow\n{data}")

        def q(sql):
            return json.loads(str(sess.query(sql, "JSONCompact")), parse_float=Decimal)["data"]

        s = run.summary
        # 64-bit integers come back quoted (output_format_json_quote_64bit_integers)
        assert [int(x) for x in q("SELECT count(), sum(length(indicators)) FROM jixiao_records")[0]] == [s.records, s.indicators]
        assert int(q("SELECT count() FROM jixiao_indicators")[0][0]) == s.indicators
        for k in MONEY:
            got = q(f"SELECT toString(sum(budget.{k})) FROM jixiao_records")[0][0]
            want = py_sum(run.records, k)
            assert (got is None and want is None) or Decimal(got) == want, k
        # a null duplicate_of reads as a tuple of NULLs (see clickhouse.sql)
        firsts = [r for r in run.records if r["duplicate_of"] is None]
        got = q("SELECT countIf(duplicate_of.record_id IS NULL), toString(sumIf(budget.current_year, duplicate_of.record_id IS NULL)) FROM jixiao_records")[0]
        want = py_sum(firsts, "current_year")
        assert int(got[0]) == len(firsts)
        assert (got[1] is None and want is None) or Decimal(got[1]) == (want or 0)
        if case == "seed_copies":
            assert Decimal(got[1]) == SEED_TOTAL
        got = q("SELECT toString(sum(arraySum(s -> ifNull(s.amount, 0), budget.sources))) FROM jixiao_records")[0][0]
        assert Decimal(got) == sum((Decimal(s["amount"]) for r in run.records for s in r["budget"]["sources"] if s["amount"] is not None), Decimal(0))
        joined = q(
            """SELECT count(), countIf(i.duplicate_of IS DISTINCT FROM r.duplicate_of.record_id) FROM jixiao_indicators i
               JOIN jixiao_records r ON r.source.path = i.source_path AND ifNull(r.source.member, '') = ifNull(i.source_member, '')
                                    AND r.source.index = i.source_index"""
        )[0]
        assert [int(x) for x in joined] == [s.indicators, 0]
        assert int(q("SELECT sum(length(mapKeys(extra))) FROM jixiao_indicators")[0][0]) == sum(len(f["extra"]) for f in run.flat)
        ops = ", ".join(f"'{o}'" for o in OPS)
        assert int(q(f"SELECT count() FROM jixiao_indicators WHERE op IS NOT NULL AND op NOT IN ({ops})")[0][0]) == 0
        assert int(q("SELECT sum(length(mapKeys(extra))) FROM jixiao_records")[0][0]) == sum(len(r["extra"]) for r in run.records)
        if case == "fixtures":
            got = q("SELECT extra['联系人'], mapKeys(extra) FROM jixiao_records WHERE source.path = 'tests/fixtures/text/wan_yuan.txt'")
            assert got == [["王五", ["联系人", "联系电话"]]]
    finally:
        sess.close()
