#!/usr/bin/env bash
# Installs what `make test` needs and is missing: MariaDB, Chromium with a CJK
# font, the MinIO server, and the Node packages of the browser tests.
# Safe to run again: whatever is already there is reused.
#
#   FRONTLINE_TOOLS_DIR  where the MinIO binary is kept
#                        (default: ${XDG_CACHE_HOME:-$HOME/.cache}/frontline/bin)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."

# The MinIO server has no tagged releases as a Go module: pin one commit so
# every machine runs the same server.
MINIO_MODULE=github.com/minio/minio
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
TOOLS_DIR="${FRONTLINE_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/frontline/bin}"

# mariadbd lives in /usr/sbin, which is not on every user's PATH.
PATH="$PATH:/usr/sbin:/sbin"

apt_missing=()

have() { echo "have $1"; }
need_apt() {
	local label=$1
	shift
	echo "installing $label (apt: $*)"
	apt_missing+=("$@")
}

# Note: `grep -q` in a pipeline can end the writer with SIGPIPE, which
# pipefail turns into a failure; the checks below use `grep >/dev/null`.

# --- Debian packages --------------------------------------------------------
if command -v mariadbd >/dev/null 2>&1; then have mariadb-server; else need_apt mariadb-server mariadb-server; fi
if [ -x /usr/bin/chromium ]; then have chromium; else need_apt chromium chromium; fi
# Without a CJK font, screenshots of the Chinese UI show empty boxes.
if { command -v fc-list >/dev/null 2>&1 && fc-list | grep -i wqy >/dev/null; } ||
	dpkg -s fonts-wqy-microhei >/dev/null 2>&1; then
	have fonts-wqy-microhei
else
	need_apt fonts-wqy-microhei fonts-wqy-microhei
fi
# services.sh probes MinIO's health endpoint with curl.
if command -v curl >/dev/null 2>&1; then have curl; else need_apt curl curl; fi
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
	have node
else
	need_apt node nodejs npm
fi

if [ ${#apt_missing[@]} -gt 0 ]; then
	pkgs=("${apt_missing[@]}")
	if [ "$(id -u)" != 0 ]; then
		echo "error: not root; install these first:" >&2
		echo "  sudo apt-get update && sudo apt-get install -y ${pkgs[*]}" >&2
		exit 1
	fi
	# DPkg::Lock::Timeout covers the install but not `apt-get update`, whose
	# lists lock may be held by another apt run for a while: retry it.
	for attempt in 1 2 3 4 5 6 7 8 9 10; do
		if apt-get update -q; then
			break
		fi
		if [ "$attempt" = 10 ]; then
			echo "error: apt-get update kept failing" >&2
			exit 1
		fi
		echo "apt-get update failed (lock held?), retrying in 10 s"
		sleep 10
	done
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=900 "${pkgs[@]}"
fi

# --- MinIO server -----------------------------------------------------------
# Reuse the cached binary only if it was built from the pinned version
# (`go version -m` reads the module version recorded in the binary).
minio_bin="$TOOLS_DIR/minio"
if [ -x "$minio_bin" ] &&
	go version -m "$minio_bin" 2>/dev/null | grep "mod[[:space:]]*$MINIO_MODULE[[:space:]]*$MINIO_VERSION" >/dev/null; then
	have "minio ($minio_bin)"
else
	echo "installing minio $MINIO_VERSION into $TOOLS_DIR (a few minutes on a cold cache)"
	mkdir -p "$TOOLS_DIR"
	GOBIN="$TOOLS_DIR" go install -ldflags="-s -w" "$MINIO_MODULE@$MINIO_VERSION"
fi

# --- Node packages of the browser tests -------------------------------------
# npm records what it installed in node_modules/.package-lock.json: a lock file
# newer than that means the dependencies changed since.
if [ -f pwa/tests/package.json ]; then
	if [ -d pwa/tests/node_modules ] &&
		! [ pwa/tests/package-lock.json -nt pwa/tests/node_modules/.package-lock.json ]; then
		have "pwa/tests/node_modules"
	elif [ -f pwa/tests/package-lock.json ]; then
		echo "installing pwa/tests/node_modules (npm ci)"
		(cd pwa/tests && npm ci --no-audit --no-fund)
	else
		echo "installing pwa/tests/node_modules (npm install)"
		(cd pwa/tests && npm install --no-audit --no-fund)
	fi
fi
