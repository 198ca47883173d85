#!/usr/bin/env bash
# Fetch the MathJax 3 release that the pages load from the CDN, from the npm registry, into
# _build/vendor/package, so the browser tests can typeset math without a network.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
version=3.2.2
dest=_build/vendor
if [ -f "$dest/package/es5/tex-mml-chtml.js" ] && grep -q "\"version\": \"$version\"" "$dest/package/package.json"; then
  exit 0
fi
mkdir -p "$dest"
tarball=$(cd "$dest" && npm pack --silent "mathjax@$version")
tar -xzf "$dest/$tarball" -C "$dest"
rm -f "$dest/$tarball"
echo "MathJax $version in $dest/package"
