#!/usr/bin/env bash
# Opt-in test, NOT run in CI: jixiao under Spark's RDD.pipe, in local mode.
#
#   bash scripts/spark-pipe.sh            # 2,000 documents
#   SPARK_DOCS=500 bash scripts/spark-pipe.sh
#
# Needs Java 17+ and network access to PyPI: pyspark is a ~435 MB download,
# installed once into a venv under ${TMPDIR:-/tmp}/jixiao-spark and reused.
#
# What it does:
#   1. generates an archive with scripts/gen_archive.py (mixed encodings) and
#      adds three files that give error lines (tests/fixtures/bad);
#   2. lists its files and runs, in Spark local mode,
#        sc.parallelize(paths, 8).pipe("/bin/sh -c '<abs>/jixiao extract --files-from - -o - -q -j 1
#            --errors \"$(/usr/bin/mktemp <dir>/errors-XXXXXX.jsonl)\"; [ $? -le 1 ]'", checkCode=True)
#      PySpark's pipe starts the child with an EMPTY environment (no PATH), so
#      every program is named by its absolute path;
#   3. reads the piped lines back with spark.read.json (FAILFAST);
#   4. runs plain `jixiao extract` over the same folder and compares: record
#      count, the multiset of record_ids, the lines themselves, and the
#      number of error lines. Prints PASS or FAIL; exits 1 on a mismatch.
#
# Each task writes its own errors file (a fresh mktemp name), so the error
# lines of all tasks can be counted against the plain run.
#
# Why the `sh -c ...; [ $? -le 1 ]` wrapper: jixiao exits 1 when some input
# gave an error line (the records of the other inputs are still written);
# that is expected in a large archive, while any other non-zero status is a
# real failure. pipe(checkCode=True) then fails the task only on the latter.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
BIN=${JIXIAO_BIN:-$REPO/target/release/jixiao}
case $BIN in /*) ;; *) BIN=$REPO/$BIN ;; esac
N=${SPARK_DOCS:-2000}
PARTITIONS=${SPARK_PARTITIONS:-8}
PYSPARK_VERSION=${PYSPARK_VERSION:-4.0.1}
WORK=${TMPDIR:-/tmp}/jixiao-spark
VENV=$WORK/venv
RUN=$WORK/run

[ -x "$BIN" ] || { echo "spark-pipe: no jixiao binary at $BIN (cargo build --release, or set JIXIAO_BIN)" >&2; exit 2; }
command -v java >/dev/null || { echo "spark-pipe: java not found (Spark 4 needs Java 17+)" >&2; exit 2; }
echo "== java: $(java -version 2>&1 | head -1)"

mkdir -p "$WORK"
if ! "$VENV/bin/python" -c "import pyspark, sys; sys.exit(pyspark.__version__ != '$PYSPARK_VERSION')" 2>/dev/null; then
    echo "== installing pyspark==$PYSPARK_VERSION into $VENV (a ~435 MB download)"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "pyspark==$PYSPARK_VERSION"
fi
echo "== pyspark $("$VENV/bin/python" -c 'import pyspark; print(pyspark.__version__)')"

rm -rf "$RUN"
mkdir -p "$RUN/errors"
echo "== generating $N documents"
python3 "$REPO/scripts/gen_archive.py" "$N" "$RUN/archive" 2>&1 | tail -1
mkdir -p "$RUN/archive/bad"
cp "$REPO"/tests/fixtures/bad/* "$RUN/archive/bad/"
# the same list jixiao makes when it walks the folder (it skips hidden entries)
find "$RUN/archive" -type f -not -name '.*' | LC_ALL=C sort > "$RUN/paths.txt"
echo "== $(wc -l < "$RUN/paths.txt") files listed"

echo "== plain run"
set +e
"$BIN" extract "$RUN/archive" -o "$RUN/plain.jsonl" --errors "$RUN/plain.errors.jsonl"
plain_rc=$?
set -e
if [ "$plain_rc" -gt 1 ]; then echo "spark-pipe: plain run failed with status $plain_rc" >&2; exit 2; fi

cat > "$RUN/job.py" <<'PY'
import collections, glob, json, os, sys, time
from pyspark.sql import SparkSession

run, bin_, partitions = sys.argv[1], sys.argv[2], int(sys.argv[3])
spark = (
    SparkSession.builder.master("local[2]")
    .appName("jixiao-pipe")
    .config("spark.ui.enabled", "false")
    .config("spark.ui.showConsoleProgress", "false")
    .config("spark.driver.host", "127.0.0.1")
    .config("spark.driver.bindAddress", "127.0.0.1")
    .config("spark.local.dir", os.path.join(run, "spark-local"))
    .getOrCreate()
)
spark.sparkContext.setLogLevel("ERROR")
sc = spark.sparkContext
paths = open(os.path.join(run, "paths.txt"), encoding="utf-8").read().splitlines()

# The README's recipe. The child gets an empty environment: absolute paths
# only. One errors file per task (mktemp); -j 1 as Spark runs a task per
# core; exit status 1 (some inputs gave error lines) is not a failure.
errors_dir = os.path.join(run, "errors")
command = (
    f"/bin/sh -c '{bin_} extract --files-from - -o - -q -j 1"
    f" --errors \"$(/usr/bin/mktemp {errors_dir}/errors-XXXXXX.jsonl)\"; [ $? -le 1 ]'"
)
print("pipe command:", command, flush=True)

t0 = time.time()
records = sc.parallelize(paths, partitions).pipe(command, checkCode=True).cache()
out_dir = os.path.join(run, "piped")
records.saveAsTextFile(out_dir)
t1 = time.time()
# As in the README: straight from the piped RDD, with an explicit schema
# (inference drops `extra` when every project's extra is {}, makes it a
# struct of every label ever seen otherwise, and reads money as DOUBLE),
# failing on a malformed line.
SCHEMA = (
    "schema_version INT, record_id STRING, "
    "source STRUCT<path: STRING, member: STRING, sha256: STRING, format: STRING, encoding: STRING, "
    "sheet: STRING, page: INT, index: INT, first_row: INT, last_row: INT>, "
    "duplicate_of STRUCT<record_id: STRING, path: STRING, member: STRING, index: INT>, "
    "year INT, title STRING, department STRING, department_code STRING, implementing_unit STRING, "
    "project_name STRING, project_category STRING, "
    "planned_start STRING, planned_end STRING, government_procurement BOOLEAN, performance_type STRING, "
    "overview STRING, basis STRING, necessity STRING, safeguards STRING, implementation_plan STRING, goals STRING, "
    "goals_long_term STRING, "
    "budget STRUCT<total: DECIMAL(18,2), current_year: DECIMAL(18,2), prior_year_budget: DECIMAL(18,2), "
    "prior_year_executed: DECIMAL(18,2), sources: ARRAY<STRUCT<name: STRING, amount: DECIMAL(18,2)>>>, "
    "indicators ARRAY<STRUCT<level1: STRING, level2: STRING, level3: STRING, target: STRING, op: STRING, "
    "value: DOUBLE, value_max: DOUBLE, unit: STRING, kind: STRING, category: STRING, period: STRING, "
    "core: BOOLEAN, weight: DOUBLE, extra: MAP<STRING, STRING>, row: INT>>, "
    "extra MAP<STRING, STRING>, warnings ARRAY<STRUCT<code: STRING, message: STRING>>"
)
df = spark.read.schema(SCHEMA).option("mode", "FAILFAST").json(records)
n_spark = df.count()
ids_spark = collections.Counter(r.record_id for r in df.select("record_id").collect())
n_indicators = df.selectExpr("sum(size(indicators))").first()[0]
spark_total = df.selectExpr("sum(budget.total)").first()[0]
n_saved = spark.read.schema(SCHEMA).option("mode", "FAILFAST").json(out_dir).count()
inferred = spark.read.json(records)
print(f"spark: {partitions} partitions, {len(paths)} paths, pipe+save {t1 - t0:.1f} s", flush=True)
print("note: with schema inference instead, extra is",
      inferred.schema["extra"].dataType.simpleString() if "extra" in inferred.columns else "DROPPED",
      "and budget.total is", inferred.schema["budget"].dataType["total"].dataType.simpleString(), flush=True)

plain = open(os.path.join(run, "plain.jsonl"), encoding="utf-8").read().splitlines()
ids_plain = collections.Counter(json.loads(l)["record_id"] for l in plain)
piped = []
for part in sorted(glob.glob(os.path.join(out_dir, "part-*"))):
    piped += open(part, encoding="utf-8").read().splitlines()
errors_spark = sum(len(open(f, encoding="utf-8").read().splitlines()) for f in glob.glob(os.path.join(errors_dir, "*.jsonl")))
errors_plain = len(open(os.path.join(run, "plain.errors.jsonl"), encoding="utf-8").read().splitlines())
plain_indicators = sum(len(json.loads(l)["indicators"]) for l in plain)
from decimal import Decimal
plain_total = sum((json.loads(l, parse_float=Decimal)["budget"]["total"] or 0 for l in plain), Decimal(0))

checks = [
    ("records (spark.read.json count vs plain lines)", n_spark, len(plain)),
    ("records (read back from saveAsTextFile)", n_saved, len(plain)),
    ("indicators", n_indicators, plain_indicators),
    ("sum(budget.total) as DECIMAL(18,2)", spark_total, plain_total),
    ("columns", df.columns, list(json.loads(plain[0]))),
    ("distinct record_ids", len(ids_spark), len(ids_plain)),
    ("record_id multiset equal", ids_spark == ids_plain, True),
    ("lines equal (sorted)", sorted(piped) == sorted(plain), True),
    ("error lines (per-task files vs plain)", errors_spark, errors_plain),
]
ok = True
for name, got, want in checks:
    good = got == want
    ok &= good
    print(f"{'ok  ' if good else 'BAD '} {name}: spark={got} plain={want}", flush=True)
print("PASS" if ok else "FAIL", flush=True)
spark.stop()
sys.exit(0 if ok else 1)
PY

echo "== spark (local[2], $PARTITIONS partitions)"
SPARK_LOCAL_IP=127.0.0.1 PYSPARK_PYTHON="$VENV/bin/python" PYSPARK_DRIVER_PYTHON="$VENV/bin/python" \
    "$VENV/bin/python" "$RUN/job.py" "$RUN" "$BIN" "$PARTITIONS"
