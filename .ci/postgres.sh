#!/usr/bin/env bash
# Start a throw-away PostgreSQL server for the tests and print its SQLAlchemy URL on stdout.
# Installs Debian's postgresql package when no server is installed (CI machines have only Python and pip).
# Usage: eval "$(.ci/postgres.sh start DIR)"  ...  .ci/postgres.sh stop DIR
set -euo pipefail
action=${1:?start|stop}
dir=${2:?data folder}
port=${TEST_PG_PORT:-55432}

find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

if [ "$action" = stop ]; then
    bin=$(find_bin)
    [ -n "$bin" ] && [ -f "$dir/data/postmaster.pid" ] && runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null
    exit 0
fi

bin=$(find_bin)
if [ -z "$bin" ]; then
    echo "installing PostgreSQL from Debian packages ..." >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    bin=$(find_bin)
fi
mkdir -p "$dir"
chown postgres "$dir"
runuser -u postgres -- "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 >/dev/null
runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start >&2
runuser -u postgres -- "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres zqt_test
echo "export TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:$port/zqt_test"
