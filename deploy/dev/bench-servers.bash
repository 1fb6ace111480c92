# Sourced by the load scripts in bench.d: finding a free port and starting and stopping
# server instances on loopback. The caller sets work (a temp dir), pids=(), BIN, SECRET,
# ADMIN_PHONE and ADMIN_PASSWORD, and stops what it started with stop_servers (or its trap).

# free_port prints a TCP port on 127.0.0.1 that nothing listens on.
free_port() {
	local port
	while :; do
		port=$((20000 + RANDOM % 12000)) # below the ephemeral range
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			return
		fi
	done
}

# start_server NAME PORT [MYSQL_DSN]: starts an instance, waits for /readyz, and sets
# server_pid and metrics_url (the instance's metrics address, apart from its public one).
start_server() {
	local name=$1 port=$2 dsn=${3:-} mport
	mport=$(free_port)
	while [ "$mport" = "$port" ]; do mport=$(free_port); done
	metrics_url="http://127.0.0.1:$mport"
	mkdir -p "$work/$name"
	FRONTLINE_ADDR="127.0.0.1:$port" FRONTLINE_METRICS_ADDR="127.0.0.1:$mport" \
		FRONTLINE_DATA_DIR="$work/$name" FRONTLINE_MYSQL_DSN="$dsn" \
		FRONTLINE_JWT_SECRET="$SECRET" FRONTLINE_ADMIN_PHONE="$ADMIN_PHONE" FRONTLINE_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
		FRONTLINE_LOG_LEVEL=warn FRONTLINE_MINIO_ENDPOINT= \
		"$BIN" >"$work/$name.log" 2>&1 &
	server_pid=$!
	pids+=("$server_pid")
	for _ in $(seq 1 150); do
		if curl -fsS --max-time 2 "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then return 0; fi
		if ! kill -0 "$server_pid" 2>/dev/null; then
			echo "$(basename "$0"): $name exited; its log:" >&2
			tail -n 20 "$work/$name.log" >&2
			return 1
		fi
		sleep 0.2
	done
	echo "$(basename "$0"): $name not ready after 30 s" >&2
	return 1
}

stop_servers() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	pids=()
}
