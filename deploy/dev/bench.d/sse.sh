#!/usr/bin/env bash
# Live events under load (issue 4 "Speed"): cmd/sseload opens many event streams to real
# server processes and measures the server's memory per stream, per-user and broadcast
# latency, and that goroutines and heap return to baseline once the clients leave.
#
#   1. one server on the embedded defaults (SQLite), SSE_CONNS streams (default 19,500);
#   2. when FRONTLINE_TEST_MYSQL_DSN is set: three servers on one fresh MariaDB database,
#      SSE_CONNS_MULTI streams over the three (default 50,000), announcements made on the
#      first and received on all.
#
# SSE_RUNS (default 1) repeats each and prints the medians; SSE_ONLY=single or SSE_ONLY=multi
# runs one of the two. The load tool shares the two
# cores with the servers (and MariaDB). Traffic goes to 127.0.0.0/8 only; every phase has a
# time limit. Each process may hold 20,000 files: the tool spreads its streams over worker
# processes and source addresses 127.0.0.2-9.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../../.."

CONNS=${SSE_CONNS:-19500}
CONNS_MULTI=${SSE_CONNS_MULTI:-50000}
RUNS=${SSE_RUNS:-1}
ONLY=${SSE_ONLY:-}
ADMIN_PHONE=13800009999
ADMIN_PASSWORD=bench-admin-pass
SECRET=sseload-bench-secret-0123456789abcdef

work="$(mktemp -d "${TMPDIR:-/tmp}/frontline-sse.XXXXXX")"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"

BIN=${FRONTLINE_BIN:-}
if [ -z "$BIN" ]; then
	make build >/dev/null
	BIN="$(pwd)/bin/frontline"
fi
go build -o "$work/sseload" ./cmd/sseload

# shellcheck source=../bench-servers.bash
source deploy/dev/bench-servers.bash

single=()
[ "$ONLY" = multi ] || echo "-- one instance, embedded SQLite, $CONNS streams, $RUNS run(s)"
for run in $(seq 1 "$RUNS"); do
	[ "$ONLY" != multi ] || break
	rm -rf "$work/single"
	port=$(free_port)
	start_server single "$port"
	timeout 1200 "$work/sseload" -servers "http://127.0.0.1:$port" -metrics "$metrics_url" -pids "$server_pid" \
		-admin-phone "$ADMIN_PHONE" -admin-password "$ADMIN_PASSWORD" \
		-conns "$CONNS" -label "single, run $run" -out "$work/single-$run.json"
	single+=("$work/single-$run.json")
	stop_servers
done
if [ ${#single[@]} -gt 0 ]; then "$work/sseload" summarize "${single[@]}"; fi

if [ -n "${FRONTLINE_TEST_MYSQL_DSN:-}" ] && [ "$ONLY" != single ]; then
	echo
	echo "-- three instances on one MariaDB, $CONNS_MULTI streams, $RUNS run(s)"
	multi=()
	for run in $(seq 1 "$RUNS"); do
		dsn=$("$work/sseload" mkdb -dsn "$FRONTLINE_TEST_MYSQL_DSN")
		urls=() murls=() spids=()
		for i in 1 2 3; do
			rm -rf "$work/multi$i"
			port=$(free_port)
			start_server "multi$i" "$port" "$dsn" # one after another: migrations and admin once
			urls+=("http://127.0.0.1:$port")
			murls+=("$metrics_url")
			spids+=("$server_pid")
		done
		timeout 1800 "$work/sseload" -servers "$(
			IFS=,
			echo "${urls[*]}"
		)" -metrics "$(
			IFS=,
			echo "${murls[*]}"
		)" -pids "$(
			IFS=,
			echo "${spids[*]}"
		)" \
			-admin-phone "$ADMIN_PHONE" -admin-password "$ADMIN_PASSWORD" \
			-conns "$CONNS_MULTI" -users 300 -label "three instances, run $run" -out "$work/multi-$run.json"
		multi+=("$work/multi-$run.json")
		stop_servers
	done
	"$work/sseload" summarize "${multi[@]}"
fi
