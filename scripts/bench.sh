#!/usr/bin/env bash
# Throughput benchmark, old and new side by side (a tool, not a test).
#
#     scripts/bench.sh [N...]     # N text documents; default $BENCH_DOCS
#
# Builds two release binaries and times both on the same generated archives
# in the same run, so that a noisy machine treats them alike:
#
#   old  the base revision BENCH_BASE (default 35be271, the commit before
#        the stage-folder restructure), checked out in a temporary
#        `git worktree` and built with its own Cargo.lock into
#        BENCH_TARGET_DIR (default ../.bench-target beside this checkout,
#        e.g. /work/.bench-target: kept between runs, so only the first
#        run builds it; the binary is cached there by commit id);
#   new  the current tree (its uncommitted changes included), target/release,
#        timed twice: as it runs by default (documents parsed in worker
#        processes) and with --no-isolate (in the run's own threads).
#
# For each size N: generates N text documents (thirds UTF-8, GBK+CRLF,
# UTF-16LE+BOM; scripts/gen_archive.py), prints the floor (`cat` of every
# file, and the decode stage alone), then for old and new at -j 1 and -j 2:
# seconds, MB/s, documents/s, records/s and peak RSS (/usr/bin/time), each
# the best of BENCH_REPEAT (default 5) runs, made in rounds that run every
# binary and -j once (interleaved: a drift of the machine's speed, common
# on a shared virtual machine, reaches all alike); the new/old speed ratio at
# -j 2; whether each binary's output is byte-identical at -j 1 and -j 2
# (sha256; a difference in the new binary fails the script); and whether
# old and new outputs are identical (if they differ, how many lines: not a
# failure, fixes may change output). Then workbooks and web pages, both
# binaries (BENCH_SHEETS=3000 documents of each; 0 to skip). Then Word
# documents (BENCH_DOCX=1000, from tests/fixtures/docx/seed.docx; 0 to
# skip), the new binary alone (the old one does not read them), against
# issue 14's target: at least 1,000 documents/s at -j 2, peak RSS at most
# 200 MB (a miss is reported, not a failure: the machine may be loaded).
# Then PDFs (BENCH_PDFS=1000 documents of 2-3 pages,
# scripts/gen_pdf_archive.py; 0 to skip): the new binary only (the old one reads no PDF), against the
# anchor a user would pick instead, pdfplumber's `extract_tables` on every
# page, timed in the same run in one Python process (both installed in a
# venv, BENCH_VENV, kept between runs like the old build).
#
# Environment:
#   BENCH_DOCS=20000      text documents when no N is given
#   BENCH_SHEETS=3000     xlsx and html documents (0: skip)
#   BENCH_DOCX=1000       docx documents (0: skip)
#   BENCH_PDFS=1000       PDF documents (0: skip)
#   BENCH_PLUMBER=1000    of them, how many pdfplumber reads (its time is
#                         scaled to all BENCH_PDFS when fewer)
#   BENCH_VENV=...        venv for reportlab and pdfplumber (default
#                         BENCH_TARGET_DIR/venv-pdf)
#   BENCH_BASE=35be271    the old revision (any git rev)
#   BENCH_REPEAT=5        timings per figure; the best is reported
#   BENCH_TARGET_DIR=...  persistent cargo target dir for the old build
#   BENCH_PERF=1          also `perf record -e cpu-clock -g` the new binary
#                         at -j 1 on the (last) text archive and print the
#                         top ten functions (self time)
#
# A quick check of the script itself: BENCH_DOCS=2000 BENCH_SHEETS=200.
#
# On a virtual machine that returns freed memory to its host (free page
# reporting: /sys/module/page_reporting), a run that writes into memory
# the host has taken back pays a fault on the host for each page it
# touches, which shows as the kernel's copy into the page cache: 18% of a
# profile in one run on the development VM, 2% in the others, and that
# run's figures 20-50% slower. Rounds and best-of-five even that out
# between old and new; figures across runs stay noisy.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=("${BENCH_DOCS:-20000}")
sheets=${BENCH_SHEETS:-3000}
docx=${BENCH_DOCX:-1000}
pdfs=${BENCH_PDFS:-1000}
plumber=${BENCH_PLUMBER:-$pdfs}
repeat=${BENCH_REPEAT:-5}
base_rev=${BENCH_BASE:-35be271}
base_target=${BENCH_TARGET_DIR:-$(dirname "$repo")/.bench-target}
work=$(mktemp -d "${TMPDIR:-/tmp}/jixiao-bench.XXXXXX")
cleanup() {
    if [ -d "$work/base" ]; then
        git -C "$repo" worktree remove --force "$work/base" >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# --- the two binaries --------------------------------------------------------
base_sha=$(git rev-parse --verify "$base_rev^{commit}")
mkdir -p "$base_target/bin"
old="$base_target/bin/jixiao-$base_sha"
if [ ! -x "$old" ]; then
    echo "building old: $base_rev ($base_sha) in a worktree, target $base_target"
    git worktree add -q --detach "$work/base" "$base_sha"
    (cd "$work/base" && CARGO_TARGET_DIR="$base_target" cargo build --release --locked -q --bin jixiao)
    cp "$base_target/release/jixiao" "$old"
    git worktree remove --force "$work/base"
fi
echo "building new: the current tree ($(git describe --always --dirty))"
cargo build --release --locked -q --bin jixiao --example decode_bench
new=target/release/jixiao

# --- timing ------------------------------------------------------------------
# The best time and largest peak RSS so far of each configuration (NAME,
# LABEL, JOBS), over the runs made of it.
declare -A best_secs peak_kb

# measure NAME BIN LABEL DIR JOBS [ARG...]: one extraction (with the extra
# ARGs); keeps the best time and the largest peak RSS (of the run and its
# worker processes together: /usr/bin/time counts the largest of them);
# the output goes to $work/out-NAME-LABEL-jJOBS.jsonl.
measure() {
    local name=$1 bin=$2 label=$3 dir=$4 jobs=$5 t rss key
    shift 5
    key="$name-$label-j$jobs"
    /usr/bin/time -f "%e %M" "$bin" extract "$dir" -o "$work/out-$key.jsonl" \
        --errors "$work/errors.jsonl" -j "$jobs" -q "$@" 2>"$work/time" >/dev/null || true
    read -r t rss < <(tail -1 "$work/time")
    best_secs[$key]=$(awk -v a="${best_secs[$key]:-}" -v b="$t" 'BEGIN {print (a == "" || b < a) ? b : a}')
    [ "$rss" -gt "${peak_kb[$key]:-0}" ] && peak_kb[$key]=$rss
    return 0
}

# report NAME LABEL DOCS MB JOBS: the line of figures of a configuration;
# leaves its best seconds in $secs and its peak RSS (KB) in $peak.
report() {
    local name=$1 label=$2 docs=$3 mb=$4 jobs=$5 key records
    key="$name-$label-j$jobs"
    secs=${best_secs[$key]} peak=${peak_kb[$key]}
    records=$(wc -l < "$work/out-$key.jsonl")
    awk -v n="$name" -v l="$label" -v j="$jobs" -v s="$secs" -v m="$mb" -v d="$docs" -v r="$records" -v k="$peak" 'BEGIN {
        s = (s > 0 ? s : 0.01)
        printf "%-6s %-5s -j %d: %6.2f s  %6.1f MB/s  %6.0f documents/s  %7.0f records/s  peak RSS %6.1f MB\n",
            n, l, j, s, m / s, d / s, r / s, k / 1024 }'
}

# run NAME BIN LABEL DIR DOCS MB JOBS [ARG...]: BENCH_REPEAT extractions in
# a row, then their line of figures (for a binary timed alone).
run() {
    local name=$1 bin=$2 label=$3 dir=$4 docs=$5 mb=$6 jobs=$7 i
    shift 7
    for ((i = 0; i < repeat; i++)); do
        measure "$name" "$bin" "$label" "$dir" "$jobs" "$@"
    done
    report "$name" "$label" "$docs" "$mb" "$jobs"
}

sha() { sha256sum "$1" | cut -c1-16; }

# same_jobs NAME LABEL: are NAME's -j 1 and -j 2 outputs byte-identical?
same_jobs() {
    local a b
    a=$(sha "$work/out-$1-$2-j1.jsonl") b=$(sha "$work/out-$1-$2-j2.jsonl")
    if [ "$a" = "$b" ]; then
        echo "$1 output -j 1 = -j 2: identical (sha256 $a)"
    else
        echo "$1 output -j 1 = -j 2: DIFFERENT ($a vs $b)"
        [ "$1" != old ] && failed=1
    fi
}

# old_vs_new LABEL: are old and new outputs (-j 2) identical?
old_vs_new() {
    local a="$work/out-old-$1-j2.jsonl" b="$work/out-new-$1-j2.jsonl" only_old only_new
    if cmp -s "$a" "$b"; then
        echo "old vs new output: identical (sha256 $(sha "$b"))"
    else
        only_old=$(diff "$a" "$b" | grep -c '^<' || true)
        only_new=$(diff "$a" "$b" | grep -c '^>' || true)
        echo "old vs new output: differ ($only_old lines only in old, $only_new only in new, of $(wc -l < "$a") / $(wc -l < "$b"))"
    fi
}

# ratio WHAT A B: "WHAT: A/B x" for two times in seconds.
ratio() {
    awk -v w="$1" -v a="$2" -v b="$3" 'BEGIN {
        a = (a > 0 ? a : 0.01); b = (b > 0 ? b : 0.01)
        printf "%s: %.2fx (%.2f s vs %.2f s; above 1: the second is faster)\n", w, a / b, a, b }'
}

# both LABEL DIR DOCS MB: old, new (worker processes, the default) and
# new --no-isolate ("newni") at -j 1 and -j 2, interleaved (each round
# runs all six once, BENCH_REPEAT rounds), so that a machine whose speed
# drifts during the benchmark treats them alike; then the comparisons.
both() {
    local label=$1 dir=$2 docs=$3 mb=$4 old2 new2 ni2 i jobs
    for ((i = 0; i < repeat; i++)); do
        for jobs in 1 2; do
            measure old "$old" "$label" "$dir" "$jobs"
            measure new "$new" "$label" "$dir" "$jobs"
            measure newni "$new" "$label" "$dir" "$jobs" --no-isolate
        done
    done
    report old "$label" "$docs" "$mb" 1
    report old "$label" "$docs" "$mb" 2
    old2=$secs
    report new "$label" "$docs" "$mb" 1
    report new "$label" "$docs" "$mb" 2
    new2=$secs
    report newni "$label" "$docs" "$mb" 1
    report newni "$label" "$docs" "$mb" 2
    ni2=$secs
    ratio "new/old speed at -j 2 (old, new)" "$old2" "$new2"
    ratio "new --no-isolate/old speed at -j 2 (old, newni)" "$old2" "$ni2"
    awk -v a="$ni2" -v b="$new2" 'BEGIN {
        a = (a > 0 ? a : 0.01); b = (b > 0 ? b : 0.01)
        printf "worker processes keep %.0f%% of the --no-isolate throughput at -j 2 (%.2f s vs %.2f s)\n", 100 * a / b, b, a }'
    same_jobs old "$label"
    same_jobs new "$label"
    same_jobs newni "$label"
    if cmp -s "$work/out-new-$label-j2.jsonl" "$work/out-newni-$label-j2.jsonl"; then
        echo "new vs new --no-isolate output: identical"
    else
        echo "new vs new --no-isolate output: DIFFERENT"
        failed=1
    fi
    old_vs_new "$label"
}

failed=0
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "old: $base_rev ($(git log -1 --format='%h %s' "$base_sha" | cut -c1-70))"
echo "new: $(git describe --always --dirty) ($(git log -1 --format='%h %s' | cut -c1-70))"
echo "each figure: the best of $repeat runs"
for n in "${sizes[@]}"; do
    dir="$work/archive-$n"
    python3 scripts/gen_archive.py "$n" "$dir" >/dev/null
    mb=$(du -sb "$dir" | awk '{printf "%.1f", $1/1e6}')
    sync
    cat_t=$(/usr/bin/time -f "%e" sh -c 'find "$1" -type f -print0 | xargs -0 cat >/dev/null' sh "$dir" 2>&1 | tail -1)
    echo "== $n text documents, $mb MB"
    echo "cat:           $(awk -v m="$mb" -v t="$cat_t" 'BEGIN {printf "%.2f s, %.0f MB/s", t, (t > 0 ? m / t : 0)}')"
    target/release/examples/decode_bench "$dir"
    both text "$dir" "$n" "$mb"
    if [ "${BENCH_PERF:-0}" = 1 ]; then
        echo "-- perf: new -j 1, top ten functions by self time (cpu-clock)"
        perf record -q -e cpu-clock -g -o "$work/perf.data" -- "$new" extract "$dir" \
            -o "$work/perf.jsonl" --errors "$work/errors.jsonl" -j 1 -q >/dev/null 2>&1 || true
        perf report -i "$work/perf.data" --no-children --stdio -g none --sort symbol \
            >"$work/perf.txt" 2>/dev/null || true
        # (a file, not a pipe into head: under pipefail, SIGPIPE would end the script)
        awk '!/^#/ && NF { sub(/[ -]+$/, ""); print; if (++n == 10) exit }' "$work/perf.txt"
    fi
    rm -rf "$dir"
done
if [ "$sheets" -gt 0 ]; then
    for format in xlsx html; do
        dir="$work/$format"
        python3 scripts/gen_archive.py "$sheets" "$dir" --format "$format" >/dev/null
        mb=$(du -sb "$dir" | awk '{printf "%.1f", $1/1e6}')
        echo "== $sheets $format documents, $mb MB"
        both "$format" "$dir" "$sheets" "$mb"
        rm -rf "$dir"
    done
fi
if [ "$docx" -gt 0 ]; then
    dir="$work/docx"
    python3 scripts/gen_archive.py "$docx" "$dir" --format docx >/dev/null
    mb=$(du -sb "$dir" | awk '{printf "%.1f", $1/1e6}')
    echo "== $docx docx documents, $mb MB (new only: the old binary reads no Word files)"
    run new "$new" docx "$dir" "$docx" "$mb" 1
    run new "$new" docx "$dir" "$docx" "$mb" 2
    awk -v d="$docx" -v s="$secs" -v k="$peak" 'BEGIN {
        s = (s > 0 ? s : 0.01)
        printf "docx target (>= 1000 documents/s at -j 2, peak RSS <= 200 MB): %.0f documents/s, %.1f MB: %s\n",
            d / s, k / 1024, (d / s >= 1000 && k / 1024 <= 200) ? "met" : "NOT met" }'
    run newni "$new" docx "$dir" "$docx" "$mb" 1 --no-isolate
    run newni "$new" docx "$dir" "$docx" "$mb" 2 --no-isolate
    same_jobs new docx
    same_jobs newni docx
    rm -rf "$dir"
fi
if [ "$pdfs" -gt 0 ]; then
    venv=${BENCH_VENV:-$base_target/venv-pdf}
    if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import reportlab, pdfplumber' 2>/dev/null; then
        echo "installing reportlab and pdfplumber in $venv"
        python3 -m venv "$venv"
        "$venv/bin/pip" install -q reportlab pdfplumber
    fi
    dir="$work/pdf"
    "$venv/bin/python" scripts/gen_pdf_archive.py "$pdfs" "$dir"
    mb=$(du -sb "$dir" | awk '{printf "%.1f", $1/1e6}')
    plumber_version=$("$venv/bin/python" -c 'import pdfplumber; print(pdfplumber.__version__)')
    echo "== $pdfs pdf documents, $mb MB (pdfplumber $plumber_version)"
    run new "$new" pdf "$dir" "$pdfs" "$mb" 1
    run new "$new" pdf "$dir" "$pdfs" "$mb" 2
    new2=$secs
    run newni "$new" pdf "$dir" "$pdfs" "$mb" 2 --no-isolate
    same_jobs new pdf
    errors=$(wc -l < "$work/errors.jsonl")
    echo "new -j 2: $(wc -l < "$work/out-new-pdf-j2.jsonl") records, $errors error lines"
    /usr/bin/time -f "%e %M" "$venv/bin/python" - "$dir" "$plumber" >"$work/plumber.out" 2>"$work/time" <<'PY'
import pathlib, sys
import pdfplumber
files = sorted(pathlib.Path(sys.argv[1]).glob("*.pdf"))[: int(sys.argv[2])]
pages = tables = 0
for f in files:
    with pdfplumber.open(f) as pdf:
        for page in pdf.pages:
            pages += 1
            tables += len(page.extract_tables())
print(len(files), pages, tables)
PY
    read -r p_docs p_pages p_tables < "$work/plumber.out"
    read -r p_secs p_rss < <(tail -1 "$work/time")
    p_all=$(awk -v s="$p_secs" -v d="$p_docs" -v n="$pdfs" 'BEGIN {print s * n / d}')
    awk -v s="$p_secs" -v d="$p_docs" -v p="$p_pages" -v t="$p_tables" -v k="$p_rss" -v a="$p_all" 'BEGIN {
        printf "pdfplumber extract_tables, 1 process: %d documents (%d pages, %d tables) in %.2f s: %.1f documents/s, peak RSS %.1f MB; %.1f s for all\n",
            d, p, t, s, d / s, k / 1024, a }'
    ratio "jixiao -j 2 / pdfplumber speed (pdfplumber, new)" "$p_all" "$new2"
    rm -rf "$dir"
fi
exit "$failed"
