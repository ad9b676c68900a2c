# seatwarden: build, test, bench, lint, demo.
GO       ?= go
PKG      := ./...
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT   ?= $(shell git rev-parse --short HEAD 2>/dev/null)
LDFLAGS  := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT)

.PHONY: all build test fmt-check vet race k8s-check bench bench-sync bench-slack ha ha-ci stepup-browser lint demo docker teams-package clean

all: test build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/seatwarden ./cmd/seatwarden

# The test command README.md and .ci/run name: format check, vet,
# staticcheck (pinned, fetched by go run, so CI installs nothing), race tests.
test: fmt-check vet lint race k8s-check

# The Kubernetes layout, rendered as kubectl apply -k would and decoded
# strictly into the Kubernetes types (a module of its own).
k8s-check:
	cd deploy/kubernetes/check && $(GO) run .

fmt-check:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed on:"; echo "$$unformatted"; exit 1; fi

vet:
	$(GO) vet $(PKG)

race:
	$(GO) test -race -count=1 $(PKG)

bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKG)

# Full sync of a 100,000-user emulated org: requests, wall time, peak RSS.
bench-sync: build
	./bench/sync.sh

# Signed /warden seats through the full HTTP stack against a 50,000-seat
# snapshot in Redis (REDIS_URL, default 127.0.0.1:6379), beside a bare
# handler that only checks the signature: throughput, p50/p90/p99.
#   make bench-slack SLACKLOAD_FLAGS='-concurrency 32 -out bench/results.md'
SLACKLOAD_FLAGS ?=
bench-slack:
	$(GO) run ./bench/slackload $(SLACKLOAD_FLAGS)

# The high-availability proof (docs/reliability.md): three serve replicas on
# Redis with a replica and a Sentinel, signed Slack and Teams traffic,
# SIGKILLs, a Redis restart, a failover and API storms; the verdict comes
# from the emulators and the store. Needs Debian's redis-server.
#   make ha HA_FLAGS='-duration 5m -keep'
HA_FLAGS ?=
ha:
	$(GO) run ./bench/ha $(HA_FLAGS)

# The same, for 45 seconds on a smaller account.
ha-ci:
	$(GO) run ./bench/ha -duration 45s -staff 5000 $(HA_FLAGS)

# Step-up's pages in a real browser: headless Chromium opens a one-time
# link, follows it to the emulated sign-in and back, and the link is
# refused the second time; screenshots go to /tmp. Needs Debian's
# chromium (apt-get install chromium).
stepup-browser:
	$(GO) run ./bench/stepupbrowser -out /tmp

lint:
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 $(PKG)

demo:
	$(GO) run ./cmd/seatwarden demo

docker:
	docker build --build-arg VERSION=$(VERSION) --build-arg COMMIT=$(COMMIT) -t seatwarden:$(VERSION) .

# The Microsoft Teams app package to upload (README.md: "Connect to Microsoft
# Teams"): deploy/teams/manifest.json filled in, checked and zipped with its
# icons. Raise TEAMS_APP_VERSION for every upload that changes the manifest.
#   make teams-package TEAMS_APP_ID=<bot app id> SEATWARDEN_PUBLIC_HOST=bot.example.com
TEAMS_APP_VERSION ?= 1.0.0
teams-package:
	$(GO) run ./deploy/teams/pack -app-id "$(TEAMS_APP_ID)" -domain "$(SEATWARDEN_PUBLIC_HOST)" -version "$(TEAMS_APP_VERSION)" -out dist/seatwarden-teams.zip

clean:
	rm -rf bin data
