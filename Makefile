# The two commands of the README are `make demo` and `make test`; the rest
# are the steps they are made of. Everything runs on the pinned Node.js 24.
.PHONY: setup binaries demo down test lint typecheck build bench

setup:
	@scripts/setup

# etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok,
# built from the Go module proxy once and cached by version.
binaries: setup
	@bin/kaika dev build >/dev/null

# kaika's main job on a local default: a local fleet of 3 real clusters, the
# example fleet repository in a local Git repo, and kaika run syncing it.
demo: binaries
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

build: setup
	scripts/with-node npm run build

bench: binaries
	scripts/with-node npm run bench
