#!/usr/bin/env bash
# Throwaway MariaDB and MinIO servers for the tests, on free loopback ports.
#
#   services.sh start DIR   start both under DIR, wait until they answer, create
#                           the database and user `frontline`, write DIR/env
#   services.sh stop DIR    stop what `start DIR` started (by the PIDs it saved)
#
# DIR/env holds `export` lines for the tests:
#   FRONTLINE_TEST_MYSQL_DSN, FRONTLINE_TEST_MINIO_ENDPOINT,
#   FRONTLINE_TEST_MINIO_ACCESS_KEY, FRONTLINE_TEST_MINIO_SECRET_KEY
# This script is the one place that starts servers for the tests: the Go tests
# only read these addresses (see internal/testenv), and a test that needs a
# server to go away cuts a TCP proxy of its own in front of the shared one
# (internal/testenv/proxy). Run deploy/dev/install.sh first.
set -euo pipefail

# mariadbd lives in /usr/sbin, which is not on every user's PATH.
PATH="$PATH:/usr/sbin:/sbin"

MINIO_USER=minioadmin
MINIO_PASSWORD=minioadmin123 # MinIO wants at least 8 characters
TOOLS_DIR="${FRONTLINE_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/frontline/bin}"
READY_TIMEOUT=60 # seconds to wait for each server

die() {
	echo "services.sh: $*" >&2
	exit 1
}

# Prints a free TCP port on 127.0.0.1 that is not in the arguments. A port is
# free when a connection to it is refused. Ports are taken below the kernel's
# ephemeral range (it starts at 32768 by default): an outgoing connection of
# another program may hold a port in that range, which nothing can then bind.
free_port() {
	local port taken low=20000 high=32000
	if [ -r /proc/sys/net/ipv4/ip_local_port_range ]; then
		read -r eph _ </proc/sys/net/ipv4/ip_local_port_range
		if [ "$eph" -gt 21000 ]; then high=$((eph - 1)); fi
	fi
	while :; do
		port=$((low + RANDOM % (high - low)))
		taken=0
		for used in "$@"; do
			if [ "$used" = "$port" ]; then taken=1; fi
		done
		if [ "$taken" = 0 ] && ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			return
		fi
	done
}

# wait_ready NAME PID LOGFILE COMMAND...: runs COMMAND every 0.2 s until it
# succeeds; fails early if the server exits, or after READY_TIMEOUT seconds.
wait_ready() {
	local name=$1 pid=$2 log=$3
	shift 3
	local tries=$((READY_TIMEOUT * 5))
	until "$@" >/dev/null 2>&1; do
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "services.sh: $name exited during start-up; last lines of $log:" >&2
			tail -n 30 "$log" >&2 || true
			exit 1
		fi
		tries=$((tries - 1))
		if [ "$tries" -le 0 ]; then
			echo "services.sh: $name not ready after ${READY_TIMEOUT}s; last lines of $log:" >&2
			tail -n 30 "$log" >&2 || true
			exit 1
		fi
		sleep 0.2
	done
}

start_mariadb() {
	local dir=$1 port=$2
	local d="$dir/mariadb"
	mkdir -p "$d"
	# Running as root, mariadbd refuses to start without --user=root.
	local user_opt=()
	if [ "$(id -u)" = 0 ]; then user_opt=(--user=root); fi

	mariadb-install-db --no-defaults "${user_opt[@]}" --datadir="$d/data" \
		--auth-root-authentication-method=normal --skip-test-db --skip-name-resolve \
		--innodb-log-file-size=8M --innodb-buffer-pool-size=64M \
		>"$d/install.log" 2>&1 ||
		{
			tail -n 30 "$d/install.log" >&2
			die "mariadb-install-db failed"
		}

	# Small buffers and relaxed flushing: a test server, not a production one.
	mariadbd --no-defaults "${user_opt[@]}" --datadir="$d/data" \
		--bind-address=127.0.0.1 --port="$port" \
		--socket="$d/mysqld.sock" --pid-file="$d/mysqld.pid" --log-error="$d/error.log" \
		--skip-name-resolve \
		--character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
		--innodb-log-file-size=8M --innodb-buffer-pool-size=64M \
		--innodb-flush-log-at-trx-commit=2 \
		</dev/null >"$d/stdout.log" 2>&1 &
	echo $! >"$dir/mariadb.pid"

	wait_ready MariaDB "$!" "$d/error.log" \
		mariadb-admin --no-defaults --socket="$d/mysqld.sock" -uroot ping

	# Tests create a database per test package, so the user needs global rights.
	mariadb --no-defaults --socket="$d/mysqld.sock" -uroot -e "
		CREATE DATABASE frontline CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
		CREATE USER 'frontline'@'%' IDENTIFIED BY 'frontline';
		GRANT ALL PRIVILEGES ON *.* TO 'frontline'@'%';"
	echo "MariaDB ready on 127.0.0.1:$port"
}

start_minio() {
	local dir=$1 port=$2 console_port=$3 bin=$4
	local d="$dir/minio"
	mkdir -p "$d/data"
	MINIO_ROOT_USER=$MINIO_USER MINIO_ROOT_PASSWORD=$MINIO_PASSWORD \
		"$bin" server "$d/data" --address "127.0.0.1:$port" \
		--console-address "127.0.0.1:$console_port" --quiet \
		</dev/null >"$d/minio.log" 2>&1 &
	echo $! >"$dir/minio.pid"

	wait_ready MinIO "$!" "$d/minio.log" \
		curl -fsS --max-time 2 "http://127.0.0.1:$port/minio/health/live"
	echo "MinIO ready on 127.0.0.1:$port"
}

start() {
	local dir=$1
	mkdir -p "$dir"
	dir="$(cd "$dir" && pwd)"
	for f in "$dir"/*.pid; do
		if [ -e "$f" ]; then
			die "$f exists: services already started in $dir? run: $0 stop $dir"
		fi
	done

	command -v mariadbd >/dev/null 2>&1 || die "mariadbd not found: run deploy/dev/install.sh"
	local minio_bin="$TOOLS_DIR/minio"
	if [ ! -x "$minio_bin" ]; then
		minio_bin="$(command -v minio || true)"
		[ -n "$minio_bin" ] || die "minio not found in $TOOLS_DIR: run deploy/dev/install.sh"
	fi

	# If anything below fails, stop whatever did start (globals: the trap runs
	# after this function has returned).
	START_DIR=$dir
	START_OK=0
	trap 'if [ "$START_OK" != 1 ]; then stop "$START_DIR"; fi' EXIT

	local db_port s3_port console_port
	db_port=$(free_port)
	s3_port=$(free_port "$db_port")
	console_port=$(free_port "$db_port" "$s3_port")

	start_mariadb "$dir" "$db_port"
	start_minio "$dir" "$s3_port" "$console_port" "$minio_bin"

	cat >"$dir/env" <<ENV
export FRONTLINE_TEST_MYSQL_DSN='frontline:frontline@tcp(127.0.0.1:$db_port)/frontline?charset=utf8mb4&parseTime=true&loc=UTC'
export FRONTLINE_TEST_MINIO_ENDPOINT='127.0.0.1:$s3_port'
export FRONTLINE_TEST_MINIO_ACCESS_KEY='$MINIO_USER'
export FRONTLINE_TEST_MINIO_SECRET_KEY='$MINIO_PASSWORD'
ENV
	START_OK=1
	echo "services started; environment in $dir/env"
}

# stop_pid FILE NAME: stops the process whose PID is in FILE, if it is still
# the NAME we started (guards against a PID reused by another process).
stop_pid() {
	local file=$1 name=$2 pid comm
	pid="$(cat "$file")"
	rm -f "$file"
	[ -n "$pid" ] || return 0
	kill -0 "$pid" 2>/dev/null || return 0
	comm="$(cat "/proc/$pid/comm" 2>/dev/null || true)"
	if [ -n "$comm" ] && [ "$comm" != "$name" ]; then
		echo "services.sh: PID $pid is now '$comm', not $name: left alone" >&2
		return 0
	fi
	kill -TERM "$pid" 2>/dev/null || return 0
	# Up to 20 s for a clean shutdown, then KILL.
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || {
			echo "stopped $name ($pid)"
			return 0
		}
		sleep 0.2
	done
	echo "services.sh: $name ($pid) ignored TERM; killing" >&2
	kill -KILL "$pid" 2>/dev/null || true
}

stop() {
	local dir=$1
	[ -d "$dir" ] || return 0
	if [ -f "$dir/minio.pid" ]; then stop_pid "$dir/minio.pid" minio; fi
	if [ -f "$dir/mariadb.pid" ]; then stop_pid "$dir/mariadb.pid" mariadbd; fi
}

case "${1:-}" in
start) [ $# = 2 ] || die "usage: $0 start DIR"; start "$2" ;;
stop) [ $# = 2 ] || die "usage: $0 stop DIR"; stop "$2" ;;
*) die "usage: $0 start|stop DIR" ;;
esac
