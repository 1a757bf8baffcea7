#!/usr/bin/env bash
# Throughput benchmark on generated annual archives (a tool, not a test).
#
#     scripts/bench.sh [N...]        # default: 20000 40000 text documents
#
# For each N: generates N text documents (thirds UTF-8, GBK+CRLF,
# UTF-16LE+BOM; scripts/gen_archive.py), then prints MB/s, documents/s,
# records/s and peak RSS of `jixiao extract` with -j 1 and -j 2, the -j 2
# speed-up, whether both outputs are byte-identical (sha256), and the same
# archive read by `cat` and by the decode stage alone, so the distance to
# the floor is visible. Then workbooks and web pages
# (BENCH_SHEETS=3000 documents of each; 0 to skip).
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(20000 40000)
sheets=${BENCH_SHEETS:-3000}
cargo build --release --locked -q --bin jixiao --example decode_bench
bin=target/release/jixiao
work=$(mktemp -d "${TMPDIR:-/tmp}/jixiao-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

# run LABEL DIR DOCS MB JOBS: one extraction, one line of figures; leaves
# the seconds in $secs and the output checksum in $sum.
run() {
    local label=$1 dir=$2 docs=$3 mb=$4 jobs=$5 rss records
    /usr/bin/time -f "%e %M" "$bin" extract "$dir" -o "$work/records.jsonl" \
        --errors "$work/errors.jsonl" -j "$jobs" -q 2>"$work/time" >/dev/null || true
    read -r secs rss < <(tail -1 "$work/time")
    records=$(wc -l < "$work/records.jsonl")
    sum=$(sha256sum "$work/records.jsonl" | cut -c1-16)
    awk -v l="$label" -v j="$jobs" -v s="$secs" -v m="$mb" -v n="$docs" -v r="$records" -v k="$rss" 'BEGIN {
        printf "%-8s -j %d: %6.2f s  %6.1f MB/s  %6.0f documents/s  %6.0f records/s  peak RSS %5.1f MB\n",
            l, j, s, m / s, n / s, r / s, k / 1024 }'
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
for n in "${sizes[@]}"; do
    dir="$work/archive-$n"
    python3 scripts/gen_archive.py "$n" "$dir" >/dev/null
    mb=$(du -sb "$dir" | awk '{printf "%.1f", $1/1e6}')
    sync
    cat_t=$(/usr/bin/time -f "%e" sh -c 'find "$1" -type f -print0 | xargs -0 cat >/dev/null' sh "$dir" 2>&1 | tail -1)
    echo "== $n text documents, $mb MB"
    echo "cat:           $(awk -v m="$mb" -v t="$cat_t" 'BEGIN {printf "%.2f s, %.0f MB/s", t, (t > 0 ? m / t : 0)}')"
    target/release/examples/decode_bench "$dir"
    run text "$dir" "$n" "$mb" 1
    t1=$secs sum1=$sum
    run text "$dir" "$n" "$mb" 2
    awk -v a="$t1" -v b="$secs" 'BEGIN {printf "speed-up -j 2 / -j 1: %.2fx\n", a / b}'
    if [ "$sum1" = "$sum" ]; then
        echo "output -j 1 = -j 2: identical (sha256 $sum)"
    else
        echo "output -j 1 = -j 2: DIFFERENT ($sum1 vs $sum)" >&2
        exit 1
    fi
    rm -rf "$dir"
done
if [ "$sheets" -gt 0 ]; then
    for format in xlsx html; do
        dir="$work/$format"
        python3 scripts/gen_archive.py "$sheets" "$dir" --format "$format" >/dev/null
        mb=$(du -sb "$dir" | awk '{printf "%.1f", $1/1e6}')
        echo "== $sheets $format documents, $mb MB"
        run "$format" "$dir" "$sheets" "$mb" 1
        run "$format" "$dir" "$sheets" "$mb" 2
        rm -rf "$dir"
    done
fi
