#!/usr/bin/env bash
# Every test of the project, in three passes:
#   1. Go tests on the embedded defaults (SQLite + photos on disk)
#   2. Go tests on MariaDB + MinIO, started here on loopback ports
#   3. browser tests of the PWA in headless Chromium (when pwa/tests exists)
# All passes run even when one fails; the exit status is non-zero if any did.
# Run deploy/dev/install.sh first (`make test` does both).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
root="$(pwd)"

GO_TEST_FLAGS=(-count=1 -timeout 15m)

work="$(mktemp -d "${TMPDIR:-/tmp}/frontline-test.XXXXXX")"
cleanup() {
	bash deploy/dev/services.sh stop "$work/services" || true
	rm -rf "$work"
}
trap cleanup EXIT
# Ctrl-C or a TERM from CI: exit through the EXIT trap so the servers stop.
trap 'exit 130' INT
trap 'exit 143' TERM

bash deploy/dev/services.sh start "$work/services"
# shellcheck source=/dev/null
source "$work/services/env"

results=()
failed=0

# run_pass NAME COMMAND...: runs one pass, records "NAME: ok|FAILED (Ns)".
run_pass() {
	local name=$1 start status=0
	shift
	start=$SECONDS
	"$@" || status=$?
	if [ "$status" = 0 ]; then
		results+=("$name: ok ($((SECONDS - start))s)")
	else
		results+=("$name: FAILED, exit $status ($((SECONDS - start))s)")
		failed=1
	fi
}

echo
echo "== Go tests: embedded SQLite + disk =="
# The FRONTLINE_TEST_MINIO_* variables stay exported: a few storage tests use
# the MinIO server whatever the backend of the pass.
run_pass "Go, embedded SQLite + disk" \
	env FRONTLINE_TEST_BACKEND=embedded go test "${GO_TEST_FLAGS[@]}" ./...

echo
echo "== Go tests: MariaDB + MinIO =="
# Packages may run in parallel (go test's default -p is the core count): each
# test package creates its own database on the shared server.
run_pass "Go, MariaDB + MinIO" \
	env FRONTLINE_TEST_BACKEND=services go test "${GO_TEST_FLAGS[@]}" ./...

# Called as `run_pass … browser_tests`, where set -e does not apply: each step
# checks its own status. The tests start their own server processes.
browser_tests() {
	make build || return 1
	# Run from the test folder: node --test then finds its files by name
	# (*.test.js, …) and skips node_modules, with any Node version.
	(cd pwa/tests &&
		FRONTLINE_BIN="$root/bin/frontline" CHROMIUM_PATH=/usr/bin/chromium node --test)
}

echo
echo "== Browser tests: Chromium =="
if [ -f pwa/tests/package.json ]; then
	run_pass "Browser, Chromium" browser_tests
else
	echo "no pwa/tests/package.json: skipped"
	results+=("Browser, Chromium: skipped (no pwa/tests/package.json)")
fi

echo
echo "== Summary =="
printf '%s\n' "${results[@]}"
passed=0 failures=0
for r in "${results[@]}"; do
	case "$r" in
	*": ok"*) passed=$((passed + 1)) ;;
	*FAILED*) failures=$((failures + 1)) ;;
	esac
done
echo "passes: $passed passed, $failures failed"
exit "$failed"
