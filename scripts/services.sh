#!/usr/bin/env bash
# Starts, if they are not running, the real services the tests use:
#   PostgreSQL on 127.0.0.1:5432 (a throwaway cluster under $CARAVAN_SERVICES_DIR/pg, user postgres, trust auth)
#   Podman's Docker-compatible API on unix://$CARAVAN_SERVICES_DIR/podman.sock
# Idempotent. Prints nothing but warnings; a service whose programs are absent is left out
# (install them with `.ci/run` or `apt-get install postgresql podman runc`).
set -u
dir=${CARAVAN_SERVICES_DIR:-/tmp/caravan-services}
mkdir -p "$dir"

start_postgres() {
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then return 0; fi
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then echo "services: PostgreSQL is not installed" >&2; return 0; fi
  local run=()
  if [ "$(id -u)" = 0 ]; then run=(runuser -u postgres --); chown postgres "$dir" 2>/dev/null || true; fi
  mkdir -p "$dir/pg-sock"; [ "$(id -u)" = 0 ] && chown postgres "$dir/pg-sock"
  if [ ! -f "$dir/pg/PG_VERSION" ]; then
    mkdir -p "$dir/pg"; [ "$(id -u)" = 0 ] && chown postgres "$dir/pg"
    "${run[@]}" "$bin/initdb" -D "$dir/pg" -A trust -U postgres >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; return 1; }
  fi
  "${run[@]}" "$bin/pg_ctl" -D "$dir/pg" -l "$dir/pg.log" -o "-p 5432 -k $dir/pg-sock -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off" -w start >/dev/null || { cat "$dir/pg.log" >&2; return 1; }
}

start_podman() {
  command -v podman >/dev/null || { echo "services: podman is not installed" >&2; return 0; }
  local sock="$dir/podman.sock"
  if [ -S "$sock" ] && curl -s --unix-socket "$sock" http://d/_ping >/dev/null 2>&1; then return 0; fi
  cat >"$dir/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]
[engine]
runtime = "runc"
CONF
  rm -f "$sock"
  # Started from $dir: the service's children (conmon) need its working directory to outlive the
  # checkout that started it.
  # the subshell lets go of our stdout too, or a caller reading it through a pipe waits for podman to exit
  (cd "$dir" && CONTAINERS_CONF="$dir/containers.conf" nohup podman system service --time=0 "unix://$sock" >"$dir/podman.log" 2>&1 &) </dev/null >/dev/null 2>&1
  for _ in $(seq 1 100); do
    curl -s --unix-socket "$sock" http://d/_ping >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "services: podman did not start; see $dir/podman.log" >&2
  return 1
}

start_postgres
start_podman
exit 0
