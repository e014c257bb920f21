#!/bin/sh
# Installs pyarrow (Apache Arrow's Python reader, from PyPI) into a venv under
# ${RTAP_CACHE_DIR:-~/.cache/rtap}/pyarrow-venv: the Parquet cold store's tests read rtap's files back with
# it, a reader independent of the JavaScript writer. Idempotent; prints the venv's python on stdout.
set -eu
CACHE="${RTAP_CACHE_DIR:-$HOME/.cache/rtap}"
VENV="$CACHE/pyarrow-venv"
PY="$VENV/bin/python"
if [ -x "$PY" ] && "$PY" -c 'import pyarrow.parquet' >/dev/null 2>&1; then
  echo "$PY"
  exit 0
fi
command -v python3 >/dev/null 2>&1 || {
  echo "install-pyarrow: needs python3 (with venv) to install pyarrow" >&2
  exit 1
}
mkdir -p "$CACHE"
start=$(date +%s)
rm -rf "$VENV"
if ! python3 -m venv "$VENV" >&2; then
  # Debian splits venv out of python3.
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends python3-venv >&2 ||
    { $SUDO apt-get update >&2 && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends python3-venv >&2; }
  python3 -m venv "$VENV" >&2
fi
"$VENV/bin/pip" install --quiet --disable-pip-version-check 'pyarrow>=15' >&2
echo "install-pyarrow: pyarrow installed in $(( $(date +%s) - start ))s: $VENV" >&2
echo "$PY"
