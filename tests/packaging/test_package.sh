#!/usr/bin/env bash
# Packaging test (CTest label `packaging`): builds the .deb with scripts/package.sh, installs it with apt,
# runs the INSTALLED txpulse headless against the installed txpulse-replay, checks /health and
# /show_transactions, stops it with SIGTERM, validates the installed desktop entry, metainfo and systemd
# unit, then removes and purges the package. It changes the machine (apt install/remove): CI machines
# are disposable; it needs root, or sudo without a password.
#
# Environment:
#   TXPULSE_PACKAGE_DEB         test this .deb instead of building one
#   TXPULSE_PACKAGE_BUILD_DIR   build tree for scripts/package.sh (default: its own, build-package)
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
T0=$(date +%s)
log() { printf 'test_package: %s\n' "$*" >&2; }
fail() { printf 'test_package: FAIL: %s\n' "$*" >&2; exit 1; }

if (( EUID == 0 )); then
    SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
else
    fail "must run as root (or with password-less sudo): it installs and removes the txpulse package with apt"
fi
apt_get() {
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -y -q -o DPkg::Lock::Timeout=600 "$@"
}

workdir=$(mktemp -d)
replay_pid=
app_pid=
installed=0
# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
    local rc=$?
    [[ -n $app_pid ]] && kill "$app_pid" 2>/dev/null && wait "$app_pid" 2>/dev/null
    [[ -n $replay_pid ]] && kill "$replay_pid" 2>/dev/null && wait "$replay_pid" 2>/dev/null
    if (( rc != 0 )); then
        for f in "$workdir"/*.log; do [[ -f $f ]] && { log "---- $(basename "$f")"; tail -n 40 "$f" >&2; }; done
    fi
    (( installed )) && apt_get purge txpulse >/dev/null 2>&1
    rm -rf "$workdir"
    log "wall time $(( $(date +%s) - T0 )) s, exit status $rc"
    exit "$rc"
}
trap cleanup EXIT

# Waits up to $1 seconds for the command "${@:2}" to succeed, polling every 0.2 s.
wait_for() {
    local deadline=$(( $(date +%s) + $1 ))
    shift
    until "$@"; do
        (( $(date +%s) < deadline )) || return 1
        sleep 0.2
    done
}

# ---- build (or reuse) the package
deb=${TXPULSE_PACKAGE_DEB:-}
if [[ -z $deb ]]; then
    log "building the .deb with scripts/package.sh"
    deb=$("$REPO/scripts/package.sh" | grep '\.deb$' | head -n 1) || fail "scripts/package.sh failed"
fi
[[ -f $deb ]] || fail "no .deb at '$deb'"
deb=$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")
log "package: $deb"
log "Depends: $(dpkg-deb -f "$deb" Depends)"

# ---- install
log "installing with apt"
apt_get install "$deb" >"$workdir/apt-install.log" 2>&1 || fail "apt-get install $deb failed"
installed=1
dpkg-query -W -f='${Status}' txpulse | grep -q 'install ok installed' || fail "dpkg does not list txpulse as installed"
for f in /usr/bin/txpulse /usr/bin/txpulse-replay /etc/txpulse/txpulse.conf \
         /usr/lib/systemd/system/txpulse.service \
         /usr/share/applications/io.github.txpulse.txpulse.desktop \
         /usr/share/metainfo/io.github.txpulse.txpulse.metainfo.xml \
         /usr/share/icons/hicolor/scalable/apps/io.github.txpulse.txpulse.svg \
         /usr/share/icons/hicolor/48x48/apps/io.github.txpulse.txpulse.png \
         /usr/share/man/man1/txpulse.1.gz /usr/share/man/man1/txpulse-replay.1.gz \
         /usr/share/doc/txpulse/copyright /usr/share/doc/txpulse/changelog.Debian.gz; do
    [[ -e $f ]] || fail "the installed package lacks $f"
done
dpkg-query -W -f='${Conffiles}\n' txpulse | grep -q '/etc/txpulse/txpulse.conf' ||
    fail "/etc/txpulse/txpulse.conf is not a conffile"

# ---- the installed binaries
version=$(/usr/bin/txpulse --version 2>&1) || fail "txpulse --version exited non-zero: $version"
log "txpulse --version: $version"
[[ $version == *"$(dpkg-query -W -f='${Version}' txpulse | sed 's/-[^-]*$//')"* ]] ||
    fail "txpulse --version ('$version') does not show the package's upstream version"

/usr/bin/txpulse-replay --synthetic 2000 --rate 500 --port 0 >"$workdir/replay.log" 2>&1 &
replay_pid=$!
replay_listening() { grep -q '^listening on ' "$workdir/replay.log"; }
wait_for 20 replay_listening || fail "txpulse-replay did not print 'listening on URL' within 20 s"
feed_url=$(sed -n 's/^listening on //p' "$workdir/replay.log" | head -n 1)
log "replay feed: $feed_url"

# A free port for the REST API: one nothing listens on, retried if txpulse loses the race for it.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
app_up() { kill -0 "$app_pid" 2>/dev/null; }
health_ok() {
    [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$http_port/health") == 200 ]]
}
for attempt in 1 2 3 4 5; do
    http_port=$(( 20000 + RANDOM % 40000 ))
    port_free "$http_port" || continue
    # No display of any kind: the service must not need one.
    env -u DISPLAY -u WAYLAND_DISPLAY -u QT_QPA_PLATFORM /usr/bin/txpulse --headless --feed "$feed_url" --http "127.0.0.1:$http_port" \
        >"$workdir/txpulse.log" 2>&1 &
    app_pid=$!
    if wait_for 30 health_ok; then break; fi
    app_up || { wait "$app_pid" || true; app_pid=; log "txpulse exited early (attempt $attempt)"; continue; }
    fail "GET /health did not answer 200 within 30 s (port $http_port)"
done
[[ -n $app_pid ]] || fail "the installed txpulse --headless did not start (see txpulse.log)"
log "GET /health: 200 on port $http_port"

transactions_ok() {
    body=$(curl -s --max-time 2 "http://127.0.0.1:$http_port/show_transactions") || return 1
    if command -v python3 >/dev/null 2>&1; then
        printf '%s' "$body" | python3 -c \
            'import json,sys; d=json.load(sys.stdin); sys.exit(0 if isinstance(d, list) and d else 1)' 2>/dev/null
    else
        [[ $body =~ ^[[:space:]]*\[[[:space:]]*\{ ]]
    fi
}
wait_for 30 transactions_ok ||
    fail "GET /show_transactions did not return a non-empty JSON array within 30 s; last body: ${body:0:300}"
log "GET /show_transactions: non-empty JSON array (${#body} bytes)"

log "stopping txpulse with SIGTERM"
kill -TERM "$app_pid"
stopped() { ! kill -0 "$app_pid" 2>/dev/null; }
wait_for 20 stopped || fail "txpulse did not exit within 20 s of SIGTERM"
app_rc=0
wait "$app_pid" || app_rc=$?
app_pid=
(( app_rc == 0 )) || fail "txpulse exited with status $app_rc after SIGTERM (expected 0)"
kill "$replay_pid" 2>/dev/null || true
wait "$replay_pid" 2>/dev/null || true
replay_pid=

# ---- the installed desktop entry, metainfo and systemd unit
desktop-file-validate /usr/share/applications/io.github.txpulse.txpulse.desktop ||
    fail "desktop-file-validate rejects the installed desktop entry"
appstreamcli validate --no-net /usr/share/metainfo/io.github.txpulse.txpulse.metainfo.xml >"$workdir/appstream.log" 2>&1 ||
    fail "appstreamcli validate rejects the installed metainfo: $(cat "$workdir/appstream.log")"
unit=/usr/lib/systemd/system/txpulse.service
if command -v systemd-analyze >/dev/null 2>&1; then
    systemd-analyze verify --man=no "$unit" >"$workdir/systemd-analyze.log" 2>&1 ||
        fail "systemd-analyze verify $unit: $(cat "$workdir/systemd-analyze.log")"
    log "systemd-analyze verify: ok"
else
    log "systemd-analyze not found: checking the unit's keys only"
fi
unit_value() { sed -n "s/^$1=//p" "$unit" | tail -n 1; }
expect_key() {
    [[ $(unit_value "$1") == "$2" ]] || fail "$unit: expected $1=$2, found '$(unit_value "$1")'"
}
expect_key ExecStart "/usr/bin/txpulse --headless --config /etc/txpulse/txpulse.conf"
expect_key DynamicUser yes
expect_key ProtectSystem strict
expect_key PrivateTmp yes
expect_key NoNewPrivileges yes
expect_key Restart on-failure
expect_key WantedBy multi-user.target
bad=$(grep -vnE '^\s*($|#|;|\[(Unit|Service|Install)\]$|[A-Za-z]+=)' "$unit" || true)
[[ -z $bad ]] || fail "$unit has lines that are neither sections, keys nor comments: $bad"

# ---- remove, then purge
log "removing"
apt_get remove txpulse >"$workdir/apt-remove.log" 2>&1 || fail "apt-get remove txpulse failed"
[[ ! -e /usr/bin/txpulse && ! -e /usr/bin/txpulse-replay ]] || fail "/usr/bin/txpulse* still present after remove"
[[ -e /etc/txpulse/txpulse.conf ]] || fail "remove (not purge) deleted the conffile /etc/txpulse/txpulse.conf"
apt_get purge txpulse >"$workdir/apt-purge.log" 2>&1 || fail "apt-get purge txpulse failed"
installed=0
[[ ! -e /etc/txpulse/txpulse.conf ]] || fail "/etc/txpulse/txpulse.conf still present after purge"
if dpkg-query -W -f='${Status}' txpulse 2>/dev/null | grep -q 'installed'; then
    fail "dpkg still lists txpulse after purge: $(dpkg-query -W -f='${Status}' txpulse)"
fi
log "PASS"
