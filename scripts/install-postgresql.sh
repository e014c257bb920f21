#!/bin/sh
# Installs Debian's PostgreSQL server (initdb, pg_ctl, postgres): the PostgreSQL sink's tests
# (test/services/postgres.ts) start a private cluster of their own with it. Idempotent. Debian's own
# "main" cluster on port 5432 is not created (createcluster.d), nothing runs as a system service.
set -eu
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
$SUDO mkdir -p /etc/postgresql-common/createcluster.d
echo "create_main_cluster = false" | $SUDO tee /etc/postgresql-common/createcluster.d/rtap-no-main.conf >/dev/null
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y --no-install-recommends postgresql; then
  # A fresh machine has no package lists yet.
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends postgresql
fi
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || {
  echo "install-postgresql: initdb is still missing after installing the package" >&2
  exit 1
}
