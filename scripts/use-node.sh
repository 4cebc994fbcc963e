# Source this file (`. scripts/use-node.sh`) to put Node.js 22 on PATH when the system's node is older.
# PhoneKey needs Node 22: the Lambda runtime the stack deploys to, and aws-local-stepfunctions'
# declared engine. Distributions that still ship Node 20 get the official binary from the npm
# registry's node-linux-<arch> package, kept in ~/.cache/phonekey/ and reused afterwards.
PHONEKEY_NODE_MAJOR=22
if [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)" -lt "$PHONEKEY_NODE_MAJOR" ]; then
  phonekey_node_dir="${XDG_CACHE_HOME:-$HOME/.cache}/phonekey/node-$PHONEKEY_NODE_MAJOR"
  if [ ! -x "$phonekey_node_dir/bin/node" ]; then
    phonekey_node_tmp="$(mktemp -d)"
    phonekey_node_arch="$(uname -m | sed -e 's/x86_64/x64/' -e 's/aarch64/arm64/')"
    (cd "$phonekey_node_tmp" && npm pack --silent "node-linux-$phonekey_node_arch@$PHONEKEY_NODE_MAJOR" >/dev/null) &&
      tar -xzf "$phonekey_node_tmp"/node-linux-*.tgz -C "$phonekey_node_tmp" &&
      mkdir -p "$(dirname "$phonekey_node_dir")" &&
      rm -rf "$phonekey_node_dir" && mv "$phonekey_node_tmp/package" "$phonekey_node_dir"
    rm -rf "$phonekey_node_tmp"
  fi
  export PATH="$phonekey_node_dir/bin:$PATH"
  # Debian's node trusts the system's certificate store; the official binary only its own list,
  # so a registry reached through a proxy with a local CA would fail TLS under it.
  if [ -z "${NODE_EXTRA_CA_CERTS:-}" ] && [ -r /etc/ssl/certs/ca-certificates.crt ]; then
    export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
  fi
fi
