#!/usr/bin/env bash
# Rebuilds the vendored GraphiQL files from the npm registry (a developer's
# step; `cargo build` needs none of it). The versions are pinned; the
# checksums in SHA256SUMS are what the binary embeds, and a test checks them.
set -euo pipefail
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent graphiql@3.8.3 react@18.3.1 react-dom@18.3.1 >/dev/null)
for pkg in graphiql-3.8.3 react-18.3.1 react-dom-18.3.1; do
  mkdir -p "$work/$pkg" && tar xzf "$work/$pkg.tgz" -C "$work/$pkg"
done
cp "$work/graphiql-3.8.3/package/graphiql.min.js" "$work/graphiql-3.8.3/package/graphiql.min.css" .
cp "$work/graphiql-3.8.3/package/LICENSE" LICENSE.graphiql
cp "$work/react-18.3.1/package/umd/react.production.min.js" .
cp "$work/react-18.3.1/package/LICENSE" LICENSE.react
cp "$work/react-dom-18.3.1/package/umd/react-dom.production.min.js" .
cp "$work/react-dom-18.3.1/package/LICENSE" LICENSE.react-dom
sha256sum graphiql.min.js graphiql.min.css react.production.min.js react-dom.production.min.js > SHA256SUMS
