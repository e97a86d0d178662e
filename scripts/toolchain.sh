# Sourced by kaika's scripts: pins Node.js and puts it first on PATH, so npm,
# the tests and the CLI all run on Node 24 whatever the machine has.
KAIKA_NODE_VERSION=24.21.0
KAIKA_CACHE_DIR=${KAIKA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kaika}
KAIKA_NODE_DIR="$KAIKA_CACHE_DIR/node-v$KAIKA_NODE_VERSION"
PATH="$KAIKA_NODE_DIR/bin:$PATH"
# Native addons without a prebuilt binary in their package compile against
# Node 24's own headers, which the Node package ships; nothing is downloaded.
npm_config_nodedir="$KAIKA_NODE_DIR"
export KAIKA_NODE_VERSION KAIKA_CACHE_DIR KAIKA_NODE_DIR PATH npm_config_nodedir
