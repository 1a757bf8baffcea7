#!/usr/bin/env bash
# Regenerates the golden files (tests/fixtures/*/NAME.expected.jsonl) from
# the current code: runs the generated golden tests (`golden::FOLDER::NAME_EXT`,
# one per fixture, see build.rs) with JIXIAO_BLESS=1, which write each golden
# instead of comparing. Review the diff by eye before committing it:
#     scripts/bless.sh && git diff tests/fixtures
set -euo pipefail
cd "$(dirname "$0")/.."
JIXIAO_BLESS=1 cargo test --locked --test integration golden::
git --no-pager diff --stat -- tests/fixtures || true
