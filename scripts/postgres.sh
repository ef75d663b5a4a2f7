#!/usr/bin/env bash
# A throwaway PostgreSQL for the tests: installs Debian's package if no
# server is found, initdb's a data directory under /tmp, starts it on
# loopback and prints the URL the tests read from
# DYNAMICAUTH_TEST_POSTGRES_URL.
#
#   eval "$(scripts/postgres.sh start)"   # exports DYNAMICAUTH_TEST_POSTGRES_URL
#   scripts/postgres.sh url               # prints the URL again
#   scripts/postgres.sh stop              # stops it and deletes the data directory
#
# DYNAMICAUTH_PG_DIR (default /tmp/dynamicauth-pg) and DYNAMICAUTH_PG_PORT
# (default 55432) choose where. Authentication is `trust` on 127.0.0.1
# only: never use this for anything but tests. As root, the server runs as
# the `postgres` user (initdb and postgres refuse to run as root).
set -euo pipefail

DIR=${DYNAMICAUTH_PG_DIR:-/tmp/dynamicauth-pg}
PORT=${DYNAMICAUTH_PG_PORT:-55432}
DB=dynamicauth
DATA=$DIR/data
URL="postgres://postgres@127.0.0.1:$PORT/$DB?sslmode=disable"

log() { echo "postgres.sh: $*" >&2; }

pgbin() {
	local d
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
		if [ -x "$d/initdb" ]; then
			echo "$d"
			return 0
		fi
	done
	if command -v initdb >/dev/null 2>&1; then
		dirname "$(command -v initdb)"
		return 0
	fi
	return 1
}

install_pg() {
	if pgbin >/dev/null; then
		return 0
	fi
	if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
		log "no PostgreSQL server found; install it (apt-get install postgresql) or run as root"
		exit 1
	fi
	log "installing PostgreSQL from Debian's packages"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq </dev/null >&2
	apt-get install -y -qq postgresql </dev/null >&2
	# The package starts a cluster of its own on 5432; this one does not need it.
	if command -v pg_ctlcluster >/dev/null 2>&1; then
		for c in $(ls /etc/postgresql 2>/dev/null); do
			pg_ctlcluster "$c" main stop >/dev/null 2>&1 || true
		done
	fi
}

# as_owner runs a command as the data directory's owner: postgres when root.
as_owner() {
	if [ "$(id -u)" = 0 ]; then
		(cd /tmp && runuser -u postgres -- "$@")
	else
		"$@"
	fi
}

start() {
	install_pg
	local bin
	bin=$(pgbin)
	if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
		useradd --system --home-dir /var/lib/postgresql --shell /bin/sh postgres
	fi
	if [ -f "$DATA/postmaster.pid" ] && as_owner "$bin/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
		log "already running in $DATA"
	else
		rm -rf "$DIR"
		mkdir -p "$DIR"
		if [ "$(id -u)" = 0 ]; then
			chown postgres: "$DIR"
		fi
		as_owner "$bin/initdb" -D "$DATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 -N >"$DIR/initdb.log" 2>&1 ||
			as_owner "$bin/initdb" -D "$DATA" -U postgres -A trust -E UTF8 --no-locale -N >"$DIR/initdb.log" 2>&1 ||
			{ cat "$DIR/initdb.log" >&2; exit 1; }
		# fsync stays on: the crash test kills the server's clients, not the
		# machine, but the settings are the ordinary ones.
		if ! as_owner "$bin/pg_ctl" -D "$DATA" -l "$DIR/server.log" -w -t 60 start \
			-o "-c listen_addresses=127.0.0.1 -p $PORT -c unix_socket_directories=$DIR -c max_connections=300" >&2; then
			cat "$DIR/server.log" >&2
			exit 1
		fi
		as_owner "$bin/psql" -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 \
			-c "CREATE DATABASE $DB" >&2
	fi
	log "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT, data in $DATA"
	echo "export DYNAMICAUTH_TEST_POSTGRES_URL='$URL'"
}

stop() {
	local bin
	if bin=$(pgbin) && [ -f "$DATA/postmaster.pid" ]; then
		as_owner "$bin/pg_ctl" -D "$DATA" -m fast -w stop >&2 || true
	fi
	rm -rf "$DIR"
	log "stopped"
}

case "${1:-start}" in
start) start ;;
stop) stop ;;
url) echo "$URL" ;;
*)
	echo "usage: $0 [start|stop|url]" >&2
	exit 2
	;;
esac
