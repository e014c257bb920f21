#!/bin/sh
# Builds FerretDB (a server of the MongoDB wire protocol, Apache 2.0) from its Go module and caches the
# binary under ${RTAP_CACHE_DIR:-~/.cache/rtap}/ferretdb-<version>/ferretdb: the MongoDB hot store's
# tests (test/services/mongo.ts) run against it, on its SQLite backend. MongoDB itself is not in Debian.
# Idempotent: a cached binary is reused; only the first run builds (docs/stores.md quotes how long).
# Prints the binary's path on stdout.
set -eu
VERSION="${RTAP_FERRETDB_VERSION:-v1.24.2}"
CACHE="${RTAP_CACHE_DIR:-$HOME/.cache/rtap}"
DIR="$CACHE/ferretdb-$VERSION"
BIN="$DIR/ferretdb"
if [ -x "$BIN" ]; then
  echo "$BIN"
  exit 0
fi
command -v go >/dev/null 2>&1 || {
  echo "install-ferretdb: needs Go (golang) to build FerretDB $VERSION" >&2
  exit 1
}
mkdir -p "$DIR"
start=$(date +%s)
echo "install-ferretdb: building github.com/FerretDB/FerretDB $VERSION (first run only)..." >&2
# GOBIN into a temporary directory, then rename: an interrupted build never leaves a half binary.
TMP=$(mktemp -d "$DIR/.build-XXXXXX")
trap 'rm -rf "$TMP"' EXIT
GOBIN="$TMP" GOFLAGS=-buildvcs=false CGO_ENABLED=0 go install "github.com/FerretDB/FerretDB/cmd/ferretdb@$VERSION" >&2
mv "$TMP/ferretdb" "$BIN"
echo "install-ferretdb: built in $(( $(date +%s) - start ))s: $BIN" >&2
echo "$BIN"
