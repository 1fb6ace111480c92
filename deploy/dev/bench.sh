#!/usr/bin/env bash
# Benchmarks: the Go benchmarks on the embedded defaults and on MariaDB +
# MinIO, then every executable deploy/dev/bench.d/*.sh (load scripts), which
# get the services' environment and FRONTLINE_BIN (a fresh bin/frontline).
# Run deploy/dev/install.sh first. Load scripts must target loopback only.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
root="$(pwd)"

work="$(mktemp -d "${TMPDIR:-/tmp}/frontline-bench.XXXXXX")"
cleanup() {
	bash deploy/dev/services.sh stop "$work/services" || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

bash deploy/dev/services.sh start "$work/services"
# shellcheck source=/dev/null
source "$work/services/env"

echo
echo "== Go benchmarks: embedded SQLite + disk =="
FRONTLINE_TEST_BACKEND=embedded go test -run '^$' -bench . -benchmem ./...

echo
echo "== Go benchmarks: MariaDB + MinIO =="
FRONTLINE_TEST_BACKEND=services go test -run '^$' -bench . -benchmem ./...

scripts=()
for f in deploy/dev/bench.d/*.sh; do
	if [ -f "$f" ] && [ -x "$f" ]; then scripts+=("$f"); fi
done
if [ ${#scripts[@]} -gt 0 ]; then
	make build
	export FRONTLINE_BIN="$root/bin/frontline"
	for f in "${scripts[@]}"; do
		echo
		echo "== $f =="
		"$f"
	done
fi
