# The two commands of the README are `make demo` and `make test`; the rest
# are the steps they are made of. Everything runs on the pinned Node.js 24.
.PHONY: setup binaries demo down test lint typecheck build bench bench-flux

setup:
	@scripts/setup

# etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok,
# built from the Go module proxy once and cached by version.
binaries: setup
	@bin/kaika dev build >/dev/null

# The whole product locally: 3 clusters, examples/fleet-repo behind a git
# daemon, Prometheus and a traffic exporter, kaika installed with its chart
# and run with the chart's RBAC, and the dashboard. The script builds the
# binaries itself, so its start-up timings include a cold build.
demo: setup web/dist/index.html
	@scripts/demo

down: setup
	@scripts/demo stop
	@bin/kaika dev down

test: binaries
	scripts/test-deps
	scripts/with-node npm test

lint: setup
	scripts/with-node npm run lint

typecheck: setup
	scripts/with-node npm run typecheck

build: setup web/dist/index.html
	scripts/with-node npm run build

# The dashboard's browser app (web/, its own npm project), rebuilt only when its sources changed.
web/dist/index.html: web/package-lock.json web/index.html web/vite.config.ts web/tsconfig.json src/server/dashboard/types.ts $(shell find web/src web/public -type f 2>/dev/null) | setup
	scripts/with-node npm --prefix web run build

bench: binaries
	scripts/with-node npm run bench

# kaika and Flux side by side on one local apiserver (bench/flux.ts): 1,000 and 10,000 objects, about
# half an hour; QUICK=1 runs 1,000 only. The first run builds Flux's controllers from the Go module
# proxy (minutes on 2 cores) and caches them next to the fleet binaries.
bench-flux: binaries
	scripts/with-node node bench/flux.ts $(if $(QUICK),--quick)
