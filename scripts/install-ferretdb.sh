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
# The module from the Go module proxy, built from a copy: FerretDB's CLI refuses to start without the
# build/version/version.txt its release builds generate (`git describe`), which the module lacks.
export GOFLAGS=-mod=mod
SRC=$(go mod download -json "github.com/FerretDB/FerretDB@$VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -d "$SRC" ] || {
  echo "install-ferretdb: go mod download of github.com/FerretDB/FerretDB@$VERSION gave no source directory" >&2
  exit 1
}
cp -R "$SRC" "$TMP/src"
chmod -R u+w "$TMP/src"
echo "$VERSION" > "$TMP/src/build/version/version.txt"
(cd "$TMP/src" && CGO_ENABLED=0 go build -buildvcs=false -o "$TMP/ferretdb" ./cmd/ferretdb) >&2
mv "$TMP/ferretdb" "$BIN"
echo "install-ferretdb: built in $(( $(date +%s) - start ))s: $BIN" >&2
echo "$BIN"
