#!/usr/bin/env bash
# Throughput benchmark on a generated annual archive (a tool, not a test).
#
#     scripts/bench.sh [N...]        # default: 20000 40000 documents
#
# For each N: generates N text documents (thirds UTF-8, GBK+CRLF,
# UTF-16LE+BOM), then prints MB/s, documents/s, records/s and peak RSS of
# `jixiao extract` with -j 1 and -j 2, and the same archive read by `cat`
# and by the decode stage alone, so the distance to the floor is visible.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(20000 40000)
cargo build --release --locked -q --bin jixiao --example decode_bench
bin=target/release/jixiao
work=$(mktemp -d "${TMPDIR:-/tmp}/jixiao-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
time_cmd() { /usr/bin/time -f "%e %M" "$@" 2>"$work/time" >/dev/null; tail -1 "$work/time"; }
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -m)"
for n in "${sizes[@]}"; do
    dir="$work/archive-$n"
    python3 scripts/gen_archive.py "$n" "$dir" >/dev/null
    mb=$(du -sb "$dir" | awk '{printf "%.1f", $1/1e6}')
    sync
    cat_t=$(/usr/bin/time -f "%e" sh -c 'find "$1" -type f -print0 | xargs -0 cat >/dev/null' sh "$dir" 2>&1 | tail -1)
    echo "== $n documents, $mb MB"
    echo "cat:          $(awk -v m="$mb" -v t="$cat_t" 'BEGIN {printf "%.2f s, %.0f MB/s", t, (t > 0 ? m / t : 0)}')"
    target/release/examples/decode_bench "$dir"
    for j in 1 2; do
        read -r secs rss < <(time_cmd "$bin" extract "$dir" -o "$work/records.jsonl" --errors "$work/errors.jsonl" -j "$j" -q)
        records=$(wc -l < "$work/records.jsonl")
        awk -v j="$j" -v s="$secs" -v m="$mb" -v n="$n" -v r="$records" -v k="$rss" 'BEGIN {
            printf "jixiao -j %d:  %.2f s, %.1f MB/s, %.0f documents/s, %.0f records/s, peak RSS %.1f MB\n",
                j, s, m / s, n / s, r / s, k / 1024 }'
    done
    rm -rf "$dir"
done
