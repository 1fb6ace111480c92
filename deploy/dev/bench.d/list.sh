#!/usr/bin/env bash
# The request path under load: GET /api/v1/opinions?limit=20 (the first page of 20 of
# LIST_OPINIONS opinions, default 5,000, as their collector and as an admin read them) at fixed rates,
# open loop, with vegeta sharing the cores with the server (and MariaDB). For each rate:
# what was achieved and the p50/p99 latencies. The highest rate served with p99 under a
# second and every answer a 200 is the saturation figure.
#
#   1. one server on the embedded defaults (SQLite);
#   2. when FRONTLINE_TEST_MYSQL_DSN is set: one server on a fresh MariaDB database.
#
# LIST_RATES (default "1000 1500 2000") and LIST_DURATION (default 10s) set the runs; the
# opinions are made through the API before the first rate. vegeta is installed, pinned, into
# the user's cache (never the repository) unless VEGETA names one. Traffic goes to
# 127.0.0.1 only; every run has a time limit.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../../.."

RATES=${LIST_RATES:-"1000 1500 2000"}
DURATION=${LIST_DURATION:-10s}
OPINIONS=${LIST_OPINIONS:-5000}
ADMIN_PHONE=13800009998
ADMIN_PASSWORD=bench-admin-pass
MEMBER_PHONE=13900009998
MEMBER_PASSWORD=bench-member-pass-1
SECRET=listload-bench-secret-0123456789abcdef
VEGETA_VERSION=v12.13.0

work="$(mktemp -d "${TMPDIR:-/tmp}/frontline-list.XXXXXX")"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

VEGETA=${VEGETA:-}
if [ -z "$VEGETA" ]; then
	bindir="${XDG_CACHE_HOME:-$HOME/.cache}/frontline/bin"
	VEGETA="$bindir/vegeta"
	if [ ! -x "$VEGETA" ]; then
		mkdir -p "$bindir"
		(cd "$work" && GOBIN="$bindir" GOFLAGS=-mod=mod go install "github.com/tsenart/vegeta/v12@$VEGETA_VERSION")
	fi
fi

BIN=${FRONTLINE_BIN:-}
if [ -z "$BIN" ]; then
	make build >/dev/null
	BIN="$(pwd)/bin/frontline"
fi

# shellcheck source=../bench-servers.bash
source deploy/dev/bench-servers.bash

# api METHOD URL TOKEN [JSON]: one call; prints the body, fails on a status of 300 or more.
api() {
	local args=(-fsS --max-time 10 -X "$1" "$2" -H 'Content-Type: application/json')
	[ -z "$3" ] || args+=(-H "Authorization: Bearer $3")
	[ -z "${4:-}" ] || args+=(--data "$4")
	curl "${args[@]}"
}

field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"; }

# seed URL: a room, a member in it, and OPINIONS opinions of theirs made through the API
# (without a resident's contact, so an admin's read writes no audit row); sets member_token
# and admin_token.
seed() {
	local url=$1 admin room member token
	admin=$(api POST "$url/api/v1/auth/login" "" "{\"phone\":\"$ADMIN_PHONE\",\"password\":\"$ADMIN_PASSWORD\"}" | field access_token)
	room=$(api POST "$url/api/v1/rooms" "$admin" '{"name":"压测议事室","level":"village","address":"东街1号","has_door_plate":true,"rules":"每月议事一次"}' | field id)
	member=$(api POST "$url/api/v1/users" "$admin" "{\"phone\":\"$MEMBER_PHONE\",\"name\":\"压测委员\",\"password\":\"$MEMBER_PASSWORD\",\"role\":\"member\"}" | field id)
	api PUT "$url/api/v1/rooms/$room/members/$member" "$admin" '{"role":"member"}' >/dev/null
	token=$(api POST "$url/api/v1/auth/login" "" "{\"phone\":\"$MEMBER_PHONE\",\"password\":\"$MEMBER_PASSWORD\"}" | field access_token)
	api POST "$url/api/v1/me/password" "$token" "{\"old_password\":\"$MEMBER_PASSWORD\",\"new_password\":\"$MEMBER_PASSWORD-new\"}" >/dev/null
	printf '{"room_id":"%s","channel":"door_to_door","category":"其他","content":"路灯不亮，晚上出行不便","address":"东街12号"}' "$room" >"$work/opinion.json"
	printf 'POST %s/api/v1/opinions\nAuthorization: Bearer %s\nContent-Type: application/json\n@%s\n' "$url" "$token" "$work/opinion.json" >"$work/create.txt"
	# vegeta may stop a few requests short of rate × duration: the rest are sent one by one.
	timeout 120 "$VEGETA" attack -targets "$work/create.txt" -rate "$((OPINIONS / 10))/s" -duration 10s -timeout 10s |
		"$VEGETA" report >"$work/seed.txt"
	local made
	made=$(sed -n 's/.*201:\([0-9]*\).*/\1/p' "$work/seed.txt")
	if [ -z "$made" ] || [ "$made" -gt "$OPINIONS" ] || [ "$made" -lt $((OPINIONS * 9 / 10)) ] ||
		! grep -Eq '^Status Codes.*\] +201:[0-9]+ *$' "$work/seed.txt"; then
		echo "list.sh: seeding failed:" >&2
		cat "$work/seed.txt" >&2
		return 1
	fi
	for _ in $(seq "$((made + 1))" "$OPINIONS"); do
		api POST "$url/api/v1/opinions" "$token" "@$work/opinion.json" >/dev/null
	done
	member_token=$token admin_token=$admin
}

# drive URL LABEL TOKEN: the list at each rate, one line each.
drive() {
	local url=$1 label=$2 token=$3
	printf 'GET %s/api/v1/opinions?limit=20\nAuthorization: Bearer %s\n' "$url" "$token" >"$work/list.txt"
	# Warm up (connections, caches) for a second at the lowest rate.
	timeout 30 "$VEGETA" attack -targets "$work/list.txt" -rate "${RATES%% *}/s" -duration 1s -timeout 5s >/dev/null
	for rate in $RATES; do
		timeout 120 "$VEGETA" attack -targets "$work/list.txt" -rate "$rate/s" -duration "$DURATION" -timeout 5s \
			-max-workers 2000 >"$work/run.bin"
		"$VEGETA" report <"$work/run.bin" | awk -v label="$label" -v rate="$rate" '
			/^Requests/ { split($0, a, "]"); split(a[2], v, ","); thr = v[3] + 0 }
			/^Latencies/ { split($0, a, "]"); split(a[2], v, ","); p50 = v[3]; p99 = v[6] }
			/^Success/ { split($0, a, "]"); ok = a[2]; gsub(/ /, "", ok) }
			END { gsub(/^ +| +$/, "", p50); gsub(/^ +| +$/, "", p99)
				printf "%-16s %5d req/s asked: %7.1f req/s served, p50 %s, p99 %s, success %s\n", label, rate, thr, p50, p99, ok }'
	done
}

echo "-- GET /api/v1/opinions?limit=20 of $OPINIONS opinions, $DURATION per rate"
port=$(free_port)
start_server sqlite "$port"
seed "http://127.0.0.1:$port"
drive "http://127.0.0.1:$port" "sqlite, member" "$member_token"
drive "http://127.0.0.1:$port" "sqlite, admin" "$admin_token"
stop_servers

if [ -n "${FRONTLINE_TEST_MYSQL_DSN:-}" ]; then
	go build -o "$work/sseload" ./cmd/sseload
	dsn=$("$work/sseload" mkdb -dsn "$FRONTLINE_TEST_MYSQL_DSN")
	port=$(free_port)
	start_server mariadb "$port" "$dsn"
	seed "http://127.0.0.1:$port"
	drive "http://127.0.0.1:$port" "mariadb, member" "$member_token"
	drive "http://127.0.0.1:$port" "mariadb, admin" "$admin_token"
	stop_servers
fi
