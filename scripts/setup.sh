#!/usr/bin/env bash
# Installs what building, running and testing txpulse need (Debian 12 packages, via apt-get).
# Idempotent and quick: when every package is installed it only asks dpkg and exits.
# Runs as root, or through sudo otherwise.
set -euo pipefail

log() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

packages=(
    # build
    build-essential cmake ninja-build pkg-config ccache
    qt6-base-dev qt6-base-dev-tools qt6-websockets-dev qt6-charts-dev qt6-httpserver-dev qt6-svg-dev
    libgl-dev libqt6opengl6-dev libvulkan-dev libxkbcommon-dev librdkafka-dev libhiredis-dev libsimdjson-dev
    # run and test (offscreen/Xvfb GUI tests, services.sh)
    qt6-qpa-plugins xvfb xauth fonts-dejavu-core redis-server redis-tools kcat
    # fuzzing, load tests and benchmarks (scripts/bench.sh polls the stats API with curl and reads it with jq)
    clang-14 libclang-rt-14-dev wrk curl jq
    # packaging checks
    desktop-file-utils appstream lintian file dpkg-dev
)
# The Kafka test broker (scripts/services.sh) needs Java 17+ and Maven; keep whatever the machine has.
command -v java >/dev/null 2>&1 || packages+=(default-jdk-headless)
command -v mvn >/dev/null 2>&1 || packages+=(maven)

command -v dpkg-query >/dev/null 2>&1 || die "dpkg-query not found: this script supports Debian 12 (bookworm) and derivatives"

installed=" $(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' 2>/dev/null | awk '$1 == "ii" {printf "%s ", $2}') "
missing=()
for p in "${packages[@]}"; do
    [[ $installed == *" $p "* ]] || missing+=("$p")
done

if (( ${#missing[@]} == 0 )); then
    log "all ${#packages[@]} packages present"
    exit 0
fi

if (( EUID == 0 )); then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
else
    die "not root and sudo not found; install as root: apt-get install ${missing[*]}"
fi

redis_was_installed=1
[[ $installed == *" redis-server "* ]] || redis_was_installed=0

log "installing ${#missing[@]} package(s): ${missing[*]}"
apt_opts=(-y -q -o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=600 update >&2 ||
    die "apt-get update failed"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install "${apt_opts[@]}" --no-install-recommends "${missing[@]}" >&2 ||
    die "apt-get install failed for: ${missing[*]}"

# Tests start their own redis-server (scripts/services.sh, free port, no persistence). If installing the
# package just started Debian's default service, stop and disable it so nothing relies on it by accident.
if (( ! redis_was_installed )); then
    if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null 2>&1; then
        log "disabling the redis-server system service (tests run their own redis)"
        "${SUDO[@]}" systemctl disable --now redis-server.service >&2 || log "warning: could not disable redis-server.service"
    elif [[ -x /etc/init.d/redis-server ]]; then
        if [[ -f /run/redis/redis-server.pid ]] && kill -0 "$(cat /run/redis/redis-server.pid)" 2>/dev/null; then
            log "stopping the redis-server init service (tests run their own redis)"
            "${SUDO[@]}" /etc/init.d/redis-server stop >&2 || log "warning: could not stop the redis-server init service"
        fi
        if command -v update-rc.d >/dev/null 2>&1; then
            "${SUDO[@]}" update-rc.d redis-server disable >/dev/null 2>&1 || true
        fi
    fi
fi

# Report what is still missing (e.g. a package name unknown to this release).
installed=" $(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' 2>/dev/null | awk '$1 == "ii" {printf "%s ", $2}') "
still=()
for p in "${missing[@]}"; do
    [[ $installed == *" $p "* ]] || still+=("$p")
done
(( ${#still[@]} == 0 )) || die "still not installed: ${still[*]}"
log "installed: ${missing[*]}"
