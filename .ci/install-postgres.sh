#!/usr/bin/env bash
# Make PostgreSQL server binaries (initdb, pg_ctl, postgres) available for tests/store.
#
# Installs the Debian/Ubuntu package only when no initdb is found on PATH or in
# /usr/lib/postgresql/*/bin. Starts no server (the tests start their own in a temporary
# directory) and asks the package not to create or start its "main" cluster.
# Never fails: without apt, or if the install fails, the PostgreSQL tests are skipped.
set -u

find_initdb() {
    local candidate
    if candidate="$(command -v initdb 2>/dev/null)"; then
        readlink -f "$candidate"
        return 0
    fi
    for candidate in $(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V -r); do
        if [ -x "$candidate" ]; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

skip() {
    echo "$1: PostgreSQL tests will be skipped."
    exit 0
}

if initdb_path="$(find_initdb)"; then
    echo "PostgreSQL server binaries found in $(dirname "$initdb_path")"
    exit 0
fi

command -v apt-get >/dev/null 2>&1 || skip "apt-get is not available"

as_root=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || skip "Not root and no sudo, cannot install postgresql"
    as_root=(sudo)
fi
apt_install=("${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)

echo "Installing PostgreSQL server binaries with apt-get ..."
"${as_root[@]}" apt-get update -qq || skip "apt-get update failed"
# postgresql-common first, so that the server package creates (and starts) no cluster of its own.
if "${apt_install[@]}" postgresql-common && [ -f /etc/postgresql-common/createcluster.conf ]; then
    "${as_root[@]}" sed -ri 's/^#?\s*create_main_cluster\s*=.*$/create_main_cluster = false/' \
        /etc/postgresql-common/createcluster.conf
fi
"${apt_install[@]}" postgresql || skip "apt-get install postgresql failed"

if initdb_path="$(find_initdb)"; then
    echo "PostgreSQL server binaries installed in $(dirname "$initdb_path")"
else
    skip "postgresql was installed but no initdb was found"
fi
