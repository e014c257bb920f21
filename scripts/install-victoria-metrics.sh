#!/bin/sh
# Installs Debian's victoria-metrics package: the server that speaks the InfluxDB v2 write API which the
# influx sink's tests (test/services/influx.ts) and bench/influx-write.ts run against. Idempotent.
# The package's own system service (port 8428) is not used: tests start their own instance on a free port.
set -eu
if command -v victoria-metrics >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y --no-install-recommends victoria-metrics; then
  # A fresh machine has no package lists yet.
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends victoria-metrics
fi
command -v victoria-metrics >/dev/null 2>&1 || {
  echo "install-victoria-metrics: victoria-metrics is still not on PATH after installing the package" >&2
  exit 1
}
