#!/usr/bin/env bash
# Installs and starts what the integration tests need on a fresh Debian bookworm machine:
# a Docker engine (vfs, host network only), the buildx plugin (from trixie, bookworm has none),
# a local registry on 127.0.0.1:5000 (open) and 127.0.0.1:5001 (htpasswd), wrk and nginx for the
# load-generator benchmark. Idempotent: a second run finds everything up and changes nothing.
set -euo pipefail

STATE_DIR="${ORCHESTRA_INFRA_DIR:-/var/tmp/orchestra-perf-infra}"
mkdir -p "$STATE_DIR"
log() { printf '[infra] %s\n' "$*"; }

need_pkgs=()
command -v dockerd >/dev/null 2>&1 || need_pkgs+=(docker.io)
command -v docker-registry >/dev/null 2>&1 || need_pkgs+=(docker-registry)
command -v htpasswd >/dev/null 2>&1 || need_pkgs+=(apache2-utils)
command -v wrk >/dev/null 2>&1 || need_pkgs+=(wrk)
command -v nginx >/dev/null 2>&1 || need_pkgs+=(nginx-light)
command -v busybox >/dev/null 2>&1 || need_pkgs+=(busybox-static)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  log "installing ${need_pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
  # The packaged services must not grab ports or start with their default configs.
  systemctl disable --now docker-registry nginx >/dev/null 2>&1 || true
  pkill -x nginx >/dev/null 2>&1 || true
fi

# buildx plugin for the CLI(s) on PATH.
plugin_dir="$HOME/.docker/cli-plugins"
if [ ! -x "$plugin_dir/docker-buildx" ]; then
  log "fetching docker-buildx from Debian trixie"
  lists="$STATE_DIR/apt-lists"; mkdir -p "$lists/partial"
  cat >"$STATE_DIR/trixie.sources" <<SRC
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  apt_opts=(-o Dir::Etc::sourcelist="$STATE_DIR/trixie.sources" -o Dir::Etc::sourceparts=- -o Dir::State::Lists="$lists")
  apt-get "${apt_opts[@]}" update -qq
  (cd "$STATE_DIR" && apt-get "${apt_opts[@]}" download docker-buildx >/dev/null)
  rm -rf "$STATE_DIR/buildx-x" && dpkg -x "$STATE_DIR"/docker-buildx_*.deb "$STATE_DIR/buildx-x"
  mkdir -p "$plugin_dir"
  cp "$STATE_DIR/buildx-x/usr/libexec/docker/cli-plugins/docker-buildx" "$plugin_dir/docker-buildx"
  chmod +x "$plugin_dir/docker-buildx"
fi

# Docker engine.
if ! docker info >/dev/null 2>&1; then
  log "starting dockerd"
  nohup dockerd --storage-driver=vfs --iptables=false --bridge=none \
    >"$STATE_DIR/dockerd.log" 2>&1 &
  echo $! >"$STATE_DIR/dockerd.pid"
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { log "dockerd did not start; see $STATE_DIR/dockerd.log"; tail -20 "$STATE_DIR/dockerd.log"; exit 1; }
fi
docker buildx version >/dev/null

# Registries: open on :5000, htpasswd on :5001 (user oauth2accesstoken, like Artifact Registry).
start_registry() { # name port extra-yaml
  local name=$1 port=$2 extra=$3 cfg="$STATE_DIR/registry-$1.yml"
  if curl -fsS "http://127.0.0.1:$port/v2/" -o /dev/null 2>/dev/null || curl -sS "http://127.0.0.1:$port/v2/" -o /dev/null -w '%{http_code}' 2>/dev/null | grep -q 401; then
    return 0
  fi
  mkdir -p "$STATE_DIR/registry-$name-data"
  cat >"$cfg" <<YML
version: 0.1
log: { level: warn }
storage:
  filesystem: { rootdirectory: $STATE_DIR/registry-$name-data }
  delete: { enabled: true }
http:
  addr: 127.0.0.1:$port
$extra
YML
  log "starting registry $name on 127.0.0.1:$port"
  nohup docker-registry serve "$cfg" >"$STATE_DIR/registry-$name.log" 2>&1 &
  echo $! >"$STATE_DIR/registry-$name.pid"
  for _ in $(seq 1 30); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v2/" || true)
    [ "$code" = 200 ] || [ "$code" = 401 ] && return 0
    sleep 0.5
  done
  log "registry $name did not start"; cat "$STATE_DIR/registry-$name.log"; exit 1
}
start_registry open 5000 ""
htpasswd_file="$STATE_DIR/htpasswd"
# The password is a fixed test value; the tests log in with it through stdin.
[ -f "$htpasswd_file" ] || htpasswd -Bbn oauth2accesstoken test-access-token >"$htpasswd_file"
start_registry auth 5001 "auth:
  htpasswd: { realm: orchestra-perf-test, path: $htpasswd_file }"

# A local base image for the example service (no Docker Hub here): node binary + its libraries.
# A base whose node cannot start (an older script forgot the loader) is rebuilt.
if docker image inspect orchestra-perf/node-base:24 >/dev/null 2>&1 &&
  ! docker run --rm --network host orchestra-perf/node-base:24 node -e 0 >/dev/null 2>&1; then
  docker image rm -f orchestra-perf/node-base:24 >/dev/null
fi
if ! docker image inspect orchestra-perf/node-base:24 >/dev/null 2>&1; then
  node_bin="${ORCHESTRA_NODE_BIN:-}"
  if [ -z "$node_bin" ]; then
    for c in ./node_modules/node/bin/node ./node_modules/.bin/node "$(command -v node)"; do
      if [ -x "$c" ] && "$c" -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 24 ? 0 : 1)' 2>/dev/null; then node_bin=$(readlink -f "$c"); break; fi
    done
  fi
  if [ -n "$node_bin" ]; then
    log "building local base image orchestra-perf/node-base:24 from $node_bin"
    root="$STATE_DIR/node-base-root"; rm -rf "$root"; mkdir -p "$root/usr/local/bin" "$root/tmp"
    cp "$node_bin" "$root/usr/local/bin/node"
    # Every absolute path ldd prints: the libraries and the dynamic loader itself.
    for lib in $(ldd "$node_bin" | grep -o '/[^ )]*'); do
      [ -f "$lib" ] || continue
      mkdir -p "$root$(dirname "$lib")"; cp -L "$lib" "$root$lib"
    done
    cp -a /bin/busybox "$root/usr/local/bin/sh" 2>/dev/null || true
    chmod 1777 "$root/tmp"
    tar -C "$root" -c . | docker import -c 'ENV PATH=/usr/local/bin' -c 'CMD ["node"]' - orchestra-perf/node-base:24 >/dev/null
  else
    log "no Node >= 24 binary found yet; base image will be built after npm ci"
  fi
fi
log "ready: docker $(docker version --format '{{.Server.Version}}'), buildx $(docker buildx version | awk '{print $2}'), registries :5000 :5001"
