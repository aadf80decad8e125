#!/usr/bin/env bash
# Rebuilds the console's vendored chart library from the npm registry (a
# developer's step; `cargo build` needs none of it). The version is pinned;
# the checksum in SHA256SUMS is what the binary embeds, and a test checks it.
set -euo pipefail
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent chart.js@4.5.1 >/dev/null)
mkdir -p "$work/chart" && tar xzf "$work/chart.js-4.5.1.tgz" -C "$work/chart"
cp "$work/chart/package/dist/chart.umd.min.js" .
cp "$work/chart/package/LICENSE.md" LICENSE.chartjs
sha256sum chart.umd.min.js > SHA256SUMS
