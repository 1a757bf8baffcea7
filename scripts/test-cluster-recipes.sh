#!/usr/bin/env bash
# Tests the README's "Running on a cluster" recipes for real:
#
#   * GNU parallel: the one-liner, run as written (skipped with a message when
#     `parallel` is not installed: apt-get install parallel);
#   * Slurm: the array job script, run once per array index with
#     SLURM_ARRAY_TASK_ID set, as Slurm would;
#   * Kubernetes: the Indexed Job's container command, run once per completion
#     index with JOB_COMPLETION_INDEX set, the /data volume mapped to a
#     temporary folder.
#
# Each time the union of all shards' records (and error lines) must equal an
# unsharded run over the same archive, record for record (both sorted), and
# every shard folder must end with _SUCCESS. Exits 1 on any mismatch.
#
#   bash scripts/test-cluster-recipes.sh         # JIXIAO_BIN=... to pick a binary
#
# The recipes below are copies of the README's code blocks; when README.md has
# a "Running on a cluster" section, each must appear there verbatim (so the
# README cannot drift from what is tested here).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
BIN=${JIXIAO_BIN:-$REPO/target/release/jixiao}
case $BIN in /*) ;; *) BIN=$REPO/$BIN ;; esac
[ -x "$BIN" ] || { echo "test-cluster-recipes: no jixiao binary at $BIN" >&2; exit 2; }
DOCS=${CLUSTER_DOCS:-400}

T=$(mktemp -d "${TMPDIR:-/tmp}/jixiao-cluster.XXXXXX")
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/bin"
ln -s "$BIN" "$T/bin/jixiao"
export PATH="$T/bin:$PATH"

# ---------------------------------------------------------------- recipes
PARALLEL_RECIPE=$(cat <<'EOF'
parallel 'jixiao extract "$ARCHIVE" --shard-index {} --shard-count 8 -o out/shard-{}/ --errors out/errors-{}.jsonl || [ $? -eq 1 ]' ::: $(seq 0 7)
EOF
)
SLURM_RECIPE=$(cat <<'EOF'
#!/bin/bash
#SBATCH --job-name=jixiao
#SBATCH --array=0-15
#SBATCH --cpus-per-task=4
#SBATCH --mem=4G
ARCHIVE=${ARCHIVE:-/data/archive}
OUT=${OUT:-out}
jixiao extract "$ARCHIVE" --shard-index "$SLURM_ARRAY_TASK_ID" --shard-count 16 \
    -j "${SLURM_CPUS_PER_TASK:-1}" \
    -o "$OUT/shard-$SLURM_ARRAY_TASK_ID/" --errors "$OUT/errors-$SLURM_ARRAY_TASK_ID.jsonl" \
    || [ $? -eq 1 ]
EOF
)
K8S_RECIPE=$(cat <<'EOF'
apiVersion: batch/v1
kind: Job
metadata:
  name: jixiao
spec:
  completionMode: Indexed
  completions: 16
  parallelism: 4
  backoffLimit: 6
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: jixiao
          image: registry.example.com/jixiao:latest
          command: ["sh", "-c"]
          args:
            - >-
              jixiao extract /data/archive
              --shard-index "$JOB_COMPLETION_INDEX" --shard-count 16 -j 2
              -o "/data/out/shard-$JOB_COMPLETION_INDEX/"
              --errors "/data/out/errors-$JOB_COMPLETION_INDEX.jsonl"
              || [ $? -eq 1 ]
          resources:
            requests: {cpu: "2", memory: 2Gi}
          volumeMounts:
            - {name: data, mountPath: /data}
      volumes:
        - name: data
          persistentVolumeClaim: {claimName: jixiao-data}
EOF
)

FAILED=0
fail() { echo "FAIL: $*"; FAILED=1; }

# ---------------------------------------------------------------- README drift
if grep -q '^## Running on a cluster' "$REPO/README.md"; then
    for name in PARALLEL_RECIPE SLURM_RECIPE K8S_RECIPE; do
        if python3 - "$REPO/README.md" "${!name}" <<'PY'
import sys
sys.exit(0 if sys.argv[2] in open(sys.argv[1], encoding="utf-8").read() else 1)
PY
        then echo "ok   README.md has the tested $name verbatim"
        else fail "README.md's $name differs from the one tested here"
        fi
    done
else
    echo "note: README.md has no 'Running on a cluster' section yet: drift check skipped"
fi

# ---------------------------------------------------------------- archive
# Mixed encodings, workbooks, web pages, zip archives, and three files that
# give error lines, under the Kubernetes volume's path.
ARCHIVE="$T/data/archive"
gen() { python3 "$REPO/scripts/gen_archive.py" "$@" >/dev/null 2>&1; }
gen "$DOCS" "$ARCHIVE/text"
gen 20 "$ARCHIVE/xlsx" --format xlsx
gen 20 "$ARCHIVE/html" --format html
gen 40 "$ARCHIVE/zip" --zip --per-dept 10
mkdir -p "$ARCHIVE/bad"
cp "$REPO"/tests/fixtures/bad/* "$ARCHIVE/bad/"
export ARCHIVE
echo "archive: $(find "$ARCHIVE" -type f | wc -l) files"

# CLUSTER_IGNORE_KEYS=key,key: set these top-level keys to null in every
# record on both sides before comparing (for run-scoped keys that need records
# of other files, which a shard cannot see: duplicate_of).
# CLUSTER_IGNORE_WARNINGS=code,code: drop these warnings from every record on
# both sides. Default: neither, the comparison is byte for byte.
drop_ignored() {
    if [ -z "${CLUSTER_IGNORE_WARNINGS:-}" ] && [ -z "${CLUSTER_IGNORE_KEYS:-}" ]; then
        cat
        return
    fi
    python3 -c '
import json, sys
drop = set(filter(None, sys.argv[1].split(",")))
keys = list(filter(None, sys.argv[2].split(",")))
for line in sys.stdin:
    r = json.loads(line)
    r["warnings"] = [w for w in r["warnings"] if w["code"] not in drop]
    for k in keys:
        assert k in r, f"no key {k} in a record"
        r[k] = None
    sys.stdout.write(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n")
' "${CLUSTER_IGNORE_WARNINGS:-}" "${CLUSTER_IGNORE_KEYS:-}"
}
[ -z "${CLUSTER_IGNORE_WARNINGS:-}" ] || echo "note: ignoring warnings $CLUSTER_IGNORE_WARNINGS on both sides"
[ -z "${CLUSTER_IGNORE_KEYS:-}" ] || echo "note: ignoring keys $CLUSTER_IGNORE_KEYS on both sides"

# The unsharded reference run (status 1: the bad files are error lines).
mkdir -p "$T/full"
status=0
(cd "$T/full" && jixiao extract "$ARCHIVE" -q -o out/records.jsonl --errors out/errors.jsonl) || status=$?
[ "$status" -le 1 ] || { echo "unsharded run failed with status $status" >&2; exit 2; }
drop_ignored < "$T/full/out/records.jsonl" | LC_ALL=C sort > "$T/full.sorted"
LC_ALL=C sort "$T/full/out/errors.jsonl" > "$T/full.errors.sorted"
echo "unsharded: $(wc -l < "$T/full.sorted") records, $(wc -l < "$T/full.errors.sorted") error lines"
[ -s "$T/full.errors.sorted" ] || fail "the reference run has no error lines: the bad files were not read"

# explain SHARDED UNSHARDED: what differs, by record and by key.
explain() {
    python3 - "$1" "$2" <<'PY'
import json, sys
from collections import Counter
def load(p):
    out = {}
    for line in open(p, encoding="utf-8"):
        r = json.loads(line)
        out[(r["source"]["path"], r["source"]["member"] or "", r["source"]["index"])] = r
    return out
a, b = load(sys.argv[1]), load(sys.argv[2])
print(f"     records only in the shards: {len(a.keys() - b.keys())}, only unsharded: {len(b.keys() - a.keys())}")
keys, codes = Counter(), Counter()
for k in a.keys() & b.keys():
    for field in a[k]:
        if a[k][field] != b[k].get(field):
            keys[field] += 1
    if a[k]["warnings"] != b[k]["warnings"]:
        wa = Counter(w["code"] for w in a[k]["warnings"])
        wb = Counter(w["code"] for w in b[k]["warnings"])
        for code in wa.keys() | wb.keys():
            if wa[code] != wb[code]:
                codes[code] += 1
print(f"     records that differ, by key: {dict(keys)}")
if codes:
    print(f"     ... of which warnings, by code: {dict(codes)} (a warning that needs records of other files cannot come out the same from a shard)")
PY
}

# compare NAME OUTDIR SHARDS: union of OUTDIR/shard-*/part-*.jsonl and
# OUTDIR/errors-*.jsonl against the unsharded run.
compare() {
    local name=$1 out=$2 shards=$3 n=0 missing=0
    for ((i = 0; i < shards; i++)); do
        [ -f "$out/shard-$i/_SUCCESS" ] || { missing=$((missing + 1)); continue; }
        n=$((n + 1))
    done
    [ "$missing" -eq 0 ] || fail "$name: $missing of $shards shards have no _SUCCESS"
    find "$out" -path "$out/shard-*" -name 'part-*.jsonl' -exec cat {} + | drop_ignored | LC_ALL=C sort > "$T/$name.sorted"
    cat "$out"/errors-*.jsonl | LC_ALL=C sort > "$T/$name.errors.sorted"
    local recs errs
    recs=$(wc -l < "$T/$name.sorted")
    errs=$(wc -l < "$T/$name.errors.sorted")
    local empty
    empty=$(for ((i = 0; i < shards; i++)); do [ -s "$out/errors-$i.jsonl" ] || echo; done | wc -l)
    if cmp -s "$T/$name.sorted" "$T/full.sorted" && cmp -s "$T/$name.errors.sorted" "$T/full.errors.sorted"; then
        echo "ok   $name: $n shards, union $recs records + $errs error lines == unsharded, record for record"
    else
        fail "$name: union of $n shards has $recs records + $errs error lines, unsharded $(wc -l < "$T/full.sorted") + $(wc -l < "$T/full.errors.sorted")"
        explain "$T/$name.sorted" "$T/full.sorted"
    fi
    # every shard got work (a degenerate hash would put everything in one)
    local busy
    busy=$(for ((i = 0; i < shards; i++)); do [ ! -s "$out/shard-$i/part-00000.jsonl" ] || echo; done | wc -l)
    echo "     $busy of $shards shards hold records; $((shards - empty)) wrote error lines"
    [ "$busy" -ge $((shards / 2)) ] || fail "$name: only $busy of $shards shards hold records"
}

# ---------------------------------------------------------------- GNU parallel
if command -v parallel >/dev/null; then
    mkdir -p "$T/parallel"
    (cd "$T/parallel" && bash -c "$PARALLEL_RECIPE") 2> "$T/parallel.log" ||
        { cat "$T/parallel.log"; fail "GNU parallel recipe exited non-zero"; }
    compare parallel "$T/parallel/out" 8
else
    echo "skip GNU parallel: 'parallel' is not installed (apt-get install parallel)"
fi

# ---------------------------------------------------------------- Slurm
printf '%s\n' "$SLURM_RECIPE" > "$T/jixiao.sbatch"
range=$(sed -n 's/^#SBATCH --array=\([0-9]*\)-\([0-9]*\)$/\1 \2/p' "$T/jixiao.sbatch")
read -r first last <<< "$range"
mkdir -p "$T/slurm"
for ((i = first; i <= last; i++)); do
    (cd "$T/slurm" && SLURM_ARRAY_TASK_ID=$i OUT=out bash "$T/jixiao.sbatch") 2>> "$T/slurm.log" ||
        fail "Slurm array task $i exited non-zero"
done
compare slurm "$T/slurm/out" $((last - first + 1))

# ---------------------------------------------------------------- Kubernetes
# The container's command, from the YAML: sh -c ARGS[0]; the /data volume is
# $T/data. Kubernetes itself would expand $(VAR) references (there are none).
printf '%s\n' "$K8S_RECIPE" > "$T/job.yaml"
python3 - "$T/job.yaml" "$T/k8s.cmd" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
try:
    import yaml
    job = yaml.safe_load(text)
    c = job["spec"]["template"]["spec"]["containers"][0]
    assert job["spec"]["completionMode"] == "Indexed"
    argv, completions = c["command"] + c["args"], job["spec"]["completions"]
    mount = c["volumeMounts"][0]["mountPath"]
except ImportError:  # no PyYAML: read the folded scalar by hand
    lines = text.splitlines()
    at = next(i for i, l in enumerate(lines) if l.strip() == "- >-")
    indent = len(lines[at + 1]) - len(lines[at + 1].lstrip())
    body = []
    for l in lines[at + 1:]:
        if len(l) - len(l.lstrip()) < indent:
            break
        body.append(l.strip())
    argv = ["sh", "-c", " ".join(body)]
    completions = int(re.search(r"completions: (\d+)", text).group(1))
    mount = re.search(r"mountPath: (\S+?)\}", text).group(1)
assert argv[:2] == ["sh", "-c"] and len(argv) == 3, argv
assert "$(" not in argv[2].replace("$(seq", ""), "a $(VAR) for Kubernetes to expand: not simulated"
open(sys.argv[2], "w", encoding="utf-8").write(f"{completions}\n{mount}\n{argv[2]}\n")
PY
completions=$(sed -n 1p "$T/k8s.cmd")
mount=$(sed -n 2p "$T/k8s.cmd")
k8s_cmd=$(sed -n 3p "$T/k8s.cmd")
k8s_cmd=${k8s_cmd//"$mount/"/"$T/data/"}
echo "k8s: sh -c '$k8s_cmd' for JOB_COMPLETION_INDEX in 0..$((completions - 1))"
for ((i = 0; i < completions; i++)); do
    (cd "$T" && JOB_COMPLETION_INDEX=$i sh -c "$k8s_cmd") 2>> "$T/k8s.log" ||
        fail "Kubernetes index $i exited non-zero"
done
compare k8s "$T/data/out" "$completions"

if [ "$FAILED" -ne 0 ]; then
    echo "FAIL"
    exit 1
fi
echo "PASS"
