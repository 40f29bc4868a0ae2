# Source this file: `source scripts/use-node.sh`.
# Ledgerline needs Node >= 22. Machines that ship an older Node get Node 24 LTS from the
# npm registry's `node` package (a registry install, so it works where only npm is reachable),
# kept in .tools/node24 and put first on PATH for this shell.
_ll_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_ll_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if [ "$_ll_major" -lt 22 ]; then
  _ll_bin="$_ll_root/.tools/node24/node_modules/node/bin"
  if [ ! -x "$_ll_bin/node" ]; then
    echo "use-node: Node $(node --version 2>/dev/null || echo none) is too old; installing Node 24 from the npm registry" >&2
    mkdir -p "$_ll_root/.tools/node24"
    npm install --prefix "$_ll_root/.tools/node24" --no-save --no-package-lock --loglevel=error node@24 >&2
  fi
  export PATH="$_ll_bin:$PATH"
fi
# npm on these machines points node-gyp at the system Node's headers; those do not match Node 24.
unset npm_config_nodedir NPM_CONFIG_NODEDIR
export npm_config_nodedir=""
export TURBO_TELEMETRY_DISABLED=1
echo "use-node: $(node --version) at $(command -v node)" >&2
unset _ll_root _ll_major _ll_bin
