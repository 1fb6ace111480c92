# Frontline — everyday commands. `make help` lists them.

# Version stamped into the binary: the git description, or "dev" outside a checkout.
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)

# staticcheck pinned by module version (release 2026.1 series).
STATICCHECK_VERSION ?= v0.8.2

.PHONY: help build run test test-go race bench lint clean

help:
	@echo "make build    build bin/frontline"
	@echo "make run      build and run with the embedded defaults (SQLite + photos under ./data)"
	@echo "make test     install what the tests need, then run every test (Go on SQLite and on"
	@echo "              MariaDB + MinIO, browser tests in Chromium)"
	@echo "make test-go  go test ./... on the embedded defaults only (quick, no services)"
	@echo "make race     the Go tests under the race detector (embedded defaults; needs gcc)"
	@echo "make bench    benchmarks (see deploy/dev/bench.sh)"
	@echo "make lint     gofmt, go vet, staticcheck"
	@echo "make clean    remove build output"

build:
	CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=$(VERSION)" -o bin/frontline .

run: build
	./bin/frontline

test:
	bash deploy/dev/install.sh
	bash deploy/dev/test.sh

test-go:
	FRONTLINE_TEST_BACKEND=embedded go test ./...

race:
	FRONTLINE_TEST_BACKEND=embedded CGO_ENABLED=1 go test -race ./...

bench:
	@if [ -f deploy/dev/bench.sh ]; then \
		bash deploy/dev/bench.sh; \
	else \
		go test -run '^$$' -bench . -benchmem ./...; \
	fi

lint:
	@unformatted="$$(gofmt -l .)"; \
	if [ -n "$$unformatted" ]; then \
		echo "gofmt: these files need formatting:"; echo "$$unformatted"; exit 1; \
	fi
	go vet ./...
	@if command -v staticcheck >/dev/null 2>&1; then \
		echo "staticcheck ./..."; staticcheck ./...; \
	elif go list -m honnef.co/go/tools@$(STATICCHECK_VERSION) >/dev/null 2>&1; then \
		echo "go run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./..."; \
		go run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...; \
	else \
		echo "staticcheck: not installed and not downloadable here, skipped"; \
	fi

clean:
	rm -rf bin
