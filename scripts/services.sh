#!/usr/bin/env bash
# Redis and Apache Kafka (KRaft, from Maven Central jars) on 127.0.0.1 for tests and for trying txpulse by hand.
#
#   eval "$(scripts/services.sh start [--cluster])"   # exports TXPULSE_TEST_KAFKA and TXPULSE_TEST_REDIS
#   scripts/services.sh status                        # exit 0 when everything runs, 3 otherwise
#   scripts/services.sh stop                          # SIGTERM, SIGKILL after 30 s, removes the data
#   scripts/services.sh kill-kafka [NODE] | restart-kafka [NODE] | kill-redis | restart-redis   (fault tests)
#
# stdout carries only the export lines of `start` (and the report of `status`); messages go to stderr.
# State (pid files, logs, data, env.sh): ${TXPULSE_SERVICES_DIR:-REPO/build/services}.
# Kafka jars: ${TXPULSE_CACHE_DIR:-$HOME/.cache/txpulse}/kafka-VERSION/libs, fetched with Maven on first use.
# Processes are only ever signalled by the pid recorded at launch (checked against its start time).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
POM=$REPO/scripts/kafka/pom.xml
KAFKA_VERSION=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM")
CACHE=${TXPULSE_CACHE_DIR:-$HOME/.cache/txpulse}
LIBS=$CACHE/kafka-$KAFKA_VERSION/libs
MIN_JARS=40
READY_TIMEOUT=${TXPULSE_KAFKA_READY_TIMEOUT:-90}
STOP_TIMEOUT=30

log() { printf 'services: %s\n' "$*" >&2; }
die() { printf 'services: error: %s\n' "$*" >&2; exit 1; }
now() { date +%s%N; }
since() { local d=$(( ($(now) - $1) / 1000000 )); printf '%d.%01d s' $((d / 1000)) $((d % 1000 / 100)); }

usage() {
    cat >&2 <<EOF
usage: ${0##*/} start [--cluster] | stop | status
       ${0##*/} kill-kafka [NODE] | restart-kafka [NODE] | kill-redis | restart-redis

start          Start Redis and a one-node Kafka (KRaft); print 'export TXPULSE_TEST_KAFKA=...' and
               'export TXPULSE_TEST_REDIS=...' on stdout, so: eval "\$(${0##*/} start)"
  --cluster    Three Kafka nodes (broker+controller each), replication factor 3, min.insync.replicas 2.
stop           Stop everything (SIGTERM, SIGKILL after ${STOP_TIMEOUT} s) and delete the data.
status         Show what runs; exit 0 when Redis and every Kafka node run, 3 otherwise.
kill-kafka     SIGKILL the broker (or node NODE of a cluster; default all nodes).
restart-kafka  Start the killed broker(s) again on the same ports with the same data.
kill-redis     SIGKILL Redis.
restart-redis  Start Redis again on the same port, empty.

State: \${TXPULSE_SERVICES_DIR:-REPO/build/services}   Jar cache: \${TXPULSE_CACHE_DIR:-\$HOME/.cache/txpulse}
EOF
}

# ---------------------------------------------------------------------------------------------------------
# processes

# Start time (clock ticks since boot) of a process, or failure if it is gone or a zombie.
proc_starttime() {
    local stat rest
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    rest=${stat##*) }
    local -a f
    read -ra f <<<"$rest"
    [[ ${f[0]} != Z && ${f[0]} != X ]] || return 1
    printf '%s\n' "${f[19]}"
}

# Prints the pid recorded in pid file $1 if that very process still runs.
pid_alive() {
    local pid st cur
    [[ -f $1 ]] || return 1
    read -r pid st <"$1" || return 1
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    cur=$(proc_starttime "$pid") || return 1
    [[ $cur == "$st" ]] || return 1
    printf '%s\n' "$pid"
}

# spawn PIDFILE LOGFILE CMD...: run CMD detached (own session, no stdin/stdout), appending to LOGFILE.
spawn() {
    local pidfile=$1 logfile=$2 pid st
    shift 2
    # The subshell is not a process-group leader, so setsid execs in place and $! is the real pid.
    # fd 9 (our lock) must not leak into the daemon.
    ( exec 9>&-; exec setsid "$@" ) >>"$logfile" 2>&1 </dev/null &
    pid=$!
    st=$(proc_starttime "$pid") || { printf '%s 0\n' "$pid" >"$pidfile"; return 0; }
    printf '%s %s\n' "$pid" "$st" >"$pidfile"
}

# signal_and_wait SIGNAL TIMEOUT PIDFILE...: signal the recorded processes, wait until they are gone.
# Returns 1 if some still run after TIMEOUT seconds.
signal_and_wait() {
    local sig=$1 timeout=$2 f pid deadline left
    shift 2
    for f in "$@"; do
        if pid=$(pid_alive "$f"); then kill "-$sig" "$pid" 2>/dev/null || true; fi
    done
    deadline=$(( $(date +%s) + timeout ))
    while :; do
        left=0
        for f in "$@"; do pid_alive "$f" >/dev/null && left=1; done
        (( left )) || return 0
        (( $(date +%s) < deadline )) || return 1
        sleep 0.2
    done
}

# stop_pids PIDFILE...: SIGTERM, then SIGKILL after STOP_TIMEOUT seconds.
stop_pids() {
    if ! signal_and_wait TERM "$STOP_TIMEOUT" "$@"; then
        log "still running after ${STOP_TIMEOUT} s; sending SIGKILL"
        signal_and_wait KILL 10 "$@" || die "could not kill: $(cat "$@" 2>/dev/null | tr '\n' ' ')"
    fi
}

log_tail() {
    local f=$1 n=${2:-40}
    [[ -f $f ]] || return 0
    printf 'services: ---- last %d lines of %s ----\n' "$n" "$f" >&2
    tail -n "$n" "$f" | sed 's/^/  | /' >&2
    printf 'services: ----\n' >&2
}

# ---------------------------------------------------------------------------------------------------------
# ports

CLAIMED=" "
port_busy() {
    local p=$1
    if command -v ss >/dev/null 2>&1; then
        [[ -n $(ss -Htan state all exclude time-wait "( sport = :$p )" 2>/dev/null) ]]
    elif command -v python3 >/dev/null 2>&1; then
        if python3 - "$p" 2>/dev/null <<'PY'
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1])))
PY
        then return 1; else return 0; fi
    else
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null
    fi
}

# pick_port PREFERRED: sets PORT to PREFERRED if free, else to a free port in 20000-32767 (below the
# ephemeral range). Not in a subshell: CLAIMED remembers ports handed out by this run.
PORT=
pick_port() {
    local p=$1 tries=0
    while [[ $CLAIMED == *" $p "* ]] || port_busy "$p"; do
        (( ++tries < 500 )) || die "no free TCP port found on 127.0.0.1"
        p=$(( 20000 + RANDOM % 12768 ))
    done
    CLAIMED+="$p "
    PORT=$p
}

# ---------------------------------------------------------------------------------------------------------
# state

STATE=${TXPULSE_SERVICES_DIR:-$REPO/build/services}
mkdir -p "$STATE" || die "cannot create state dir $STATE"
STATE=$(cd "$STATE" && pwd)
REDIS_DIR=$STATE/redis
KAFKA_DIR=$STATE/kafka
L4J=$KAFKA_DIR/log4j2.properties

lock_state() {
    exec 9>"$STATE/.lock"
    flock -w 600 9 || die "another services.sh holds $STATE/.lock"
}

kafka_nodes() { local n; n=$(cat "$KAFKA_DIR/nodes" 2>/dev/null) || n=0; seq 1 "$n"; }
node_dir() { printf '%s/node%s\n' "$KAFKA_DIR" "$1"; }
node_port() { local p; read -r p _ <"$(node_dir "$1")/ports"; printf '%s\n' "$p"; }
node_cport() { local c; read -r _ c <"$(node_dir "$1")/ports"; printf '%s\n' "$c"; }
kafka_bootstrap() {
    local i out=""
    for i in $(kafka_nodes); do out+="${out:+,}127.0.0.1:$(node_port "$i")"; done
    printf '%s\n' "$out"
}
kafka_mode() { cat "$KAFKA_DIR/mode" 2>/dev/null || echo none; }

# counts nodes: prints "ALIVE TOTAL"
kafka_alive_count() {
    local i a=0 t=0
    for i in $(kafka_nodes); do
        t=$((t + 1))
        pid_alive "$(node_dir "$i")/pid" >/dev/null && a=$((a + 1))
    done
    printf '%s %s\n' "$a" "$t"
}
redis_up() { pid_alive "$REDIS_DIR/pid" >/dev/null; }
redis_port() { cat "$REDIS_DIR/port"; }

emit_env() {
    local env
    env="export TXPULSE_TEST_KAFKA=$(kafka_bootstrap)
export TXPULSE_TEST_REDIS=redis://127.0.0.1:$(redis_port)"
    printf '%s\n' "$env" >"$STATE/env.sh"
    printf '%s\n' "$env"
}

# ---------------------------------------------------------------------------------------------------------
# redis

redis_wait_ready() {
    local port=$1 pid deadline=$(( $(date +%s) + 15 ))
    while :; do
        if ! pid=$(pid_alive "$REDIS_DIR/pid"); then
            if grep -q 'Address already in use' "$REDIS_DIR/redis.log" 2>/dev/null; then return 2; fi
            log_tail "$REDIS_DIR/redis.log" 20
            die "redis-server exited during startup (log: $REDIS_DIR/redis.log)"
        fi
        # Must be our process answering, not another redis that holds the port.
        [[ $(redis-cli -h 127.0.0.1 -p "$port" info server 2>/dev/null | tr -d '\r' | sed -n 's/^process_id://p') == "$pid" ]] &&
            return 0
        if (( $(date +%s) >= deadline )); then
            log_tail "$REDIS_DIR/redis.log" 20
            die "redis-server did not answer PING on 127.0.0.1:$port within 15 s"
        fi
        sleep 0.1
    done
}

# redis_launch PORT: start an empty redis-server on PORT; returns 2 if the port was taken meanwhile.
redis_launch() {
    local port=$1 rc=0
    rm -rf "$REDIS_DIR/data"
    mkdir -p "$REDIS_DIR/data"
    printf '%s\n' "$port" >"$REDIS_DIR/port"
    : >"$REDIS_DIR/redis.log"
    spawn "$REDIS_DIR/pid" "$REDIS_DIR/redis.log" redis-server --bind 127.0.0.1 --port "$port" \
        --save "" --appendonly no --daemonize no --protected-mode yes --dir "$REDIS_DIR/data" --logfile ""
    redis_wait_ready "$port" || rc=$?
    return "$rc"
}

redis_start() {
    if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
        die "redis-server/redis-cli not found; run scripts/setup.sh"
    fi
    mkdir -p "$REDIS_DIR"
    local t0 port attempt rc
    t0=$(now)
    for attempt in 1 2 3; do
        pick_port 6379
        port=$PORT
        rc=0
        redis_launch "$port" || rc=$?
        if (( rc == 0 )); then
            log "redis ready on 127.0.0.1:$port (pid $(pid_alive "$REDIS_DIR/pid"), $(since "$t0"))"
            return 0
        fi
        log "port $port was taken meanwhile; retrying with another (attempt $attempt)"
    done
    die "could not start redis-server"
}

# ---------------------------------------------------------------------------------------------------------
# kafka

ensure_java() {
    command -v java >/dev/null || die "java not found; run scripts/setup.sh (Kafka $KAFKA_VERSION needs Java 17+)"
    local v major
    v=$(java -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n1)
    major=${v%%.*}
    [[ $major == 1 ]] && major=$(cut -d. -f2 <<<"$v")
    if ! [[ $major =~ ^[0-9]+$ ]] || (( major < 17 )); then
        die "Kafka $KAFKA_VERSION needs Java 17+, found '${v:-unknown}'"
    fi
}

libs_ok() {
    local want have
    [[ -f $LIBS/.complete && -f $LIBS/kafka_2.13-$KAFKA_VERSION.jar ]] || return 1
    want=$(cat "$LIBS/.complete")
    have=$(find "$LIBS" -maxdepth 1 -name '*.jar' | wc -l)
    [[ $have == "$want" ]] && (( have >= MIN_JARS ))
}

ensure_kafka_libs() {
    [[ -n $KAFKA_VERSION ]] || die "cannot read <kafka.version> from $POM"
    libs_ok && return 0
    mkdir -p "$CACHE/kafka-$KAFKA_VERSION"
    exec 8>"$CACHE/kafka-$KAFKA_VERSION/.lock"
    flock -w 900 8 || die "timed out waiting for another download into $LIBS"
    if libs_ok; then exec 8>&-; return 0; fi
    command -v mvn >/dev/null || die "mvn not found; run scripts/setup.sh (Maven fetches the Kafka jars)"
    local t0 tmp n
    t0=$(now)
    tmp=$(mktemp -d "$CACHE/kafka-$KAFKA_VERSION/libs.tmp.XXXXXX")
    log "fetching the Kafka $KAFKA_VERSION runtime jars with Maven into $LIBS (first run only)"
    # Maven's -q output is only errors; drop its stray colour escapes. pipefail keeps mvn's status.
    if ! mvn -q -B -f "$POM" org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies \
            -DoutputDirectory="$tmp" -DincludeScope=runtime 2>&1 | sed -e 's/\x1b\[[0-9;]*m//g' -e '/^[[:space:]]*$/d' >&2; then
        rm -rf "$tmp"
        die "Maven could not fetch the Kafka jars (is Maven Central reachable? see output above)"
    fi
    n=$(find "$tmp" -maxdepth 1 -name '*.jar' | wc -l)
    if (( n < MIN_JARS )) || [[ ! -f $tmp/kafka_2.13-$KAFKA_VERSION.jar ]] || ! compgen -G "$tmp/log4j-slf4j2-impl-*.jar" >/dev/null; then
        rm -rf "$tmp"
        die "Maven fetched only $n jars (expected >= $MIN_JARS including kafka_2.13-$KAFKA_VERSION.jar)"
    fi
    printf '%s\n' "$n" >"$tmp/.complete"
    rm -rf "$LIBS"
    mv "$tmp" "$LIBS"
    exec 8>&-
    log "fetched $n jars in $(since "$t0")"
}

write_log4j() {
    cat >"$L4J" <<'EOF'
# Written by scripts/services.sh: console (the node's log file) at INFO, chatty loggers at WARN.
status = warn
name = txpulse-test-kafka
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
logger.request.name = kafka.request.logger
logger.request.level = WARN
EOF
}

# write_server_properties NODE VOTERS RF MIN_ISR
write_server_properties() {
    local i=$1 voters=$2 rf=$3 isr=$4 dir port cport
    dir=$(node_dir "$i")
    port=$(node_port "$i")
    cport=$(node_cport "$i")
    cat >"$dir/server.properties" <<EOF
# Written by scripts/services.sh (test broker, node $i)
process.roles=broker,controller
node.id=$i
controller.quorum.voters=$voters
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/data
offsets.topic.replication.factor=$rf
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$isr
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=$rf
share.coordinator.state.topic.min.isr=$isr
default.replication.factor=$rf
min.insync.replicas=$isr
group.initial.rebalance.delay.ms=0
# Faster failure detection than the defaults (2 s / 9 s), so a killed node is fenced and a restarted one
# re-registers within a few seconds (fault tests).
broker.heartbeat.interval.ms=500
broker.session.timeout.ms=4000
num.network.threads=2
num.io.threads=2
EOF
}

kafka_heap() {
    if [[ -n ${TXPULSE_KAFKA_HEAP:-} ]]; then printf '%s\n' "$TXPULSE_KAFKA_HEAP"
    elif [[ $(kafka_mode) == cluster ]]; then printf '%s\n' "-Xms256m -Xmx512m"
    else printf '%s\n' "-Xms512m -Xmx1g"; fi
}

# kafka_launch NODE: start node NODE on its existing config and data; records the log offset for readiness.
kafka_launch() {
    local i=$1 dir heap
    dir=$(node_dir "$i")
    read -ra heap <<<"$(kafka_heap)"
    touch "$dir/kafka.log"
    stat -c %s "$dir/kafka.log" >"$dir/log.offset"
    spawn "$dir/pid" "$dir/kafka.log" java "${heap[@]}" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
        -Dlog4j2.configurationFile="$L4J" -Djava.awt.headless=true -cp "$LIBS/*" kafka.Kafka "$dir/server.properties"
}

node_log_since_launch() {
    local dir off
    dir=$(node_dir "$1")
    off=$(cat "$dir/log.offset" 2>/dev/null || echo 0)
    tail -c "+$((off + 1))" "$dir/kafka.log" 2>/dev/null
}

# kafka_wait_ready NODE...: 0 when ready, 2 when a node died on a port conflict, dies otherwise.
kafka_wait_ready() {
    local deadline i dir all bootstrap want meta
    deadline=$(( $(date +%s) + READY_TIMEOUT ))
    bootstrap=$(kafka_bootstrap)
    want=$(kafka_nodes | wc -l)
    while :; do
        all=1
        for i in "$@"; do
            dir=$(node_dir "$i")
            if ! pid_alive "$dir/pid" >/dev/null; then
                if node_log_since_launch "$i" | grep -q 'Address already in use'; then return 2; fi
                log_tail "$dir/kafka.log" 40
                die "Kafka node $i exited during startup (log: $dir/kafka.log)"
            fi
            node_log_since_launch "$i" | grep -q 'Kafka Server started' || all=0
        done
        if (( all )); then
            # Every broker must be in the metadata (a restarted cluster node must have rejoined).
            if meta=$(timeout 10 kcat -L -m 5 -b "$bootstrap" 2>/dev/null) && grep -q "^ *$want brokers:" <<<"$meta"; then
                local ok=1
                for i in "$@"; do grep -q "broker $i at 127.0.0.1:$(node_port "$i")" <<<"$meta" || ok=0; done
                (( ok )) && return 0
            fi
        fi
        if (( $(date +%s) >= deadline )); then
            for i in "$@"; do log_tail "$(node_dir "$i")/kafka.log" 40; done
            die "Kafka ($bootstrap) not ready within $READY_TIMEOUT s"
        fi
        sleep 0.3
    done
}

kafka_kill_all_quietly() {
    local i files=()
    for i in $(kafka_nodes); do files+=("$(node_dir "$i")/pid"); done
    if (( ${#files[@]} )); then signal_and_wait KILL 10 "${files[@]}" || true; fi
}

# kafka_start_fresh single|cluster
kafka_start_fresh() {
    local mode=$1 n rf isr t0 attempt i voters cid rc pids fail dir bport
    command -v kcat >/dev/null || die "kcat not found; run scripts/setup.sh"
    ensure_java
    ensure_kafka_libs
    if [[ $mode == cluster ]]; then n=3 rf=3 isr=2; else n=1 rf=1 isr=1; fi
    t0=$(now)
    for attempt in 1 2 3; do
        rm -rf "$KAFKA_DIR"
        mkdir -p "$KAFKA_DIR"
        printf '%s\n' "$mode" >"$KAFKA_DIR/mode"
        printf '%s\n' "$n" >"$KAFKA_DIR/nodes"
        write_log4j
        voters=""
        for i in $(seq 1 "$n"); do
            dir=$(node_dir "$i")
            mkdir -p "$dir/data"
            pick_port $((9092 + 2 * (i - 1)))
            bport=$PORT
            pick_port $((9093 + 2 * (i - 1)))
            printf '%s %s\n' "$bport" "$PORT" >"$dir/ports"
            voters+="${voters:+,}$i@127.0.0.1:$(node_cport "$i")"
        done
        # A cluster id starting with '-' would be read as an option by kafka-storage (Kafka's own ids never
        # start with one either): draw again (1 start in 64 failed with "expected one argument").
        cid=-
        while [[ $cid == -* ]]; do
            cid=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
        done
        printf '%s\n' "$cid" >"$KAFKA_DIR/cluster.id"
        pids=()
        for i in $(seq 1 "$n"); do
            dir=$(node_dir "$i")
            write_server_properties "$i" "$voters" "$rf" "$isr"
            java -Xmx256m -Dlog4j2.configurationFile="$L4J" -cp "$LIBS/*" kafka.tools.StorageTool \
                format -t "$cid" -c "$dir/server.properties" >"$dir/format.log" 2>&1 9>&- &
            pids+=($!)
        done
        fail=0
        for i in $(seq 1 "$n"); do
            if ! wait "${pids[$((i - 1))]}"; then
                log_tail "$(node_dir "$i")/format.log" 30
                fail=1
            fi
        done
        (( fail )) && die "formatting the Kafka storage failed"
        for i in $(seq 1 "$n"); do START_CLEANUP+=("$(node_dir "$i")/pid"); kafka_launch "$i"; done
        log "Kafka $KAFKA_VERSION ($mode, $n node(s)) starting on $(kafka_bootstrap); waiting up to $READY_TIMEOUT s"
        rc=0
        # shellcheck disable=SC2046
        kafka_wait_ready $(seq 1 "$n") || rc=$?
        if (( rc == 0 )); then
            log "Kafka ready on $(kafka_bootstrap) in $(since "$t0")"
            return 0
        fi
        log "a Kafka port was taken meanwhile; retrying with other ports (attempt $attempt)"
        kafka_kill_all_quietly
    done
    die "could not start Kafka"
}

# ---------------------------------------------------------------------------------------------------------
# commands

# Processes a failing `start` launched; stopped again on its way out so nothing half-started lingers.
START_CLEANUP=()
start_exit() {
    local rc=$?
    if (( rc != 0 && ${#START_CLEANUP[@]} )); then
        log "start failed; stopping what it launched"
        signal_and_wait TERM 15 "${START_CLEANUP[@]}" || signal_and_wait KILL 5 "${START_CLEANUP[@]}" || true
    fi
}

cmd_start() {
    local mode=single t0 alive total dead i
    while (($#)); do
        case $1 in
            --cluster) mode=cluster ;;
            -h|--help) usage; exit 0 ;;
            *) usage; die "unknown option for start: $1" ;;
        esac
        shift
    done
    lock_state
    trap start_exit EXIT
    t0=$(now)
    read -r alive total < <(kafka_alive_count)
    if (( total > 0 && alive > 0 )) && [[ $(kafka_mode) != "$mode" ]]; then
        die "Kafka already runs in $(kafka_mode) mode; run '${0##*/} stop' first"
    fi
    if redis_up; then
        log "redis already running on 127.0.0.1:$(redis_port)"
    else
        START_CLEANUP+=("$REDIS_DIR/pid")
        redis_start
    fi
    if (( total > 0 && alive == total )); then
        log "Kafka already running on $(kafka_bootstrap)"
    elif (( total > 0 && alive > 0 )); then
        dead=()
        for i in $(kafka_nodes); do pid_alive "$(node_dir "$i")/pid" >/dev/null || dead+=("$i"); done
        log "restarting stopped Kafka node(s) ${dead[*]}"
        for i in "${dead[@]}"; do START_CLEANUP+=("$(node_dir "$i")/pid"); kafka_launch "$i"; done
        kafka_wait_ready "${dead[@]}" || die "Kafka node(s) ${dead[*]} could not bind their ports again"
    else
        kafka_start_fresh "$mode"
    fi
    emit_env
    log "services up in $(since "$t0"); state in $STATE (env also in $STATE/env.sh)"
}

cmd_stop() {
    local files=() i t0
    lock_state
    t0=$(now)
    [[ -f $REDIS_DIR/pid ]] && files+=("$REDIS_DIR/pid")
    for i in $(kafka_nodes); do files+=("$(node_dir "$i")/pid"); done
    if (( ${#files[@]} )); then
        local running=0 f
        for f in "${files[@]}"; do pid_alive "$f" >/dev/null && running=1; done
        if (( running )); then
            log "stopping (SIGTERM, SIGKILL after ${STOP_TIMEOUT} s)"
            stop_pids "${files[@]}"
        fi
    fi
    rm -rf "$REDIS_DIR/data" "$REDIS_DIR/pid" "$STATE/env.sh" "$KAFKA_DIR/mode" "$KAFKA_DIR/nodes"
    for i in "$KAFKA_DIR"/node*; do
        [[ -d $i ]] && rm -rf "$i/data" "$i/pid"
    done
    log "stopped in $(since "$t0"); data removed (logs kept under $STATE)"
}

cmd_status() {
    local ok=1 pid i dir alive total
    if pid=$(pid_alive "$REDIS_DIR/pid"); then
        printf 'redis   running  pid %-8s 127.0.0.1:%s\n' "$pid" "$(redis_port)"
    else
        printf 'redis   stopped\n'
        ok=0
    fi
    read -r alive total < <(kafka_alive_count)
    if (( total == 0 )); then
        printf 'kafka   stopped\n'
        ok=0
    else
        for i in $(kafka_nodes); do
            dir=$(node_dir "$i")
            if pid=$(pid_alive "$dir/pid"); then
                printf 'kafka   running  pid %-8s 127.0.0.1:%s (controller %s, node %s, %s)\n' \
                    "$pid" "$(node_port "$i")" "$(node_cport "$i")" "$i" "$(kafka_mode)"
            else
                printf 'kafka   stopped  node %s (was 127.0.0.1:%s, %s)\n' "$i" "$(node_port "$i")" "$(kafka_mode)"
                ok=0
            fi
        done
    fi
    printf 'state   %s\n' "$STATE"
    (( ok )) && return 0
    return 3
}

# select_nodes [NODE]: the given node (validated) or all nodes
select_nodes() {
    (( $(kafka_nodes | wc -l) > 0 )) || die "Kafka was not started (run '${0##*/} start')"
    if [[ -n ${1:-} ]]; then
        [[ $1 =~ ^[0-9]+$ && -d $(node_dir "$1") && $1 -le $(kafka_nodes | wc -l) && $1 -ge 1 ]] ||
            die "no Kafka node '$1' (nodes: $(kafka_nodes | tr '\n' ' '))"
        printf '%s\n' "$1"
    else
        kafka_nodes
    fi
}

cmd_kill_kafka() {
    local nodes i files=()
    lock_state
    nodes=$(select_nodes "${1:-}")
    for i in $nodes; do files+=("$(node_dir "$i")/pid"); done
    signal_and_wait KILL 10 "${files[@]}" || die "Kafka did not die"
    log "killed Kafka node(s) $(tr '\n' ' ' <<<"$nodes")(SIGKILL)"
}

cmd_restart_kafka() {
    local nodes i todo=() t0 rc=0
    lock_state
    ensure_java
    libs_ok || die "Kafka jars missing in $LIBS (run '${0##*/} start')"
    nodes=$(select_nodes "${1:-}")
    t0=$(now)
    for i in $nodes; do
        if pid_alive "$(node_dir "$i")/pid" >/dev/null; then
            log "Kafka node $i already running"
        else
            todo+=("$i")
        fi
    done
    if (( ${#todo[@]} )); then
        for i in "${todo[@]}"; do kafka_launch "$i"; done
        kafka_wait_ready "${todo[@]}" || rc=$?
        (( rc == 0 )) || die "Kafka node(s) ${todo[*]} could not bind their ports again"
        log "Kafka node(s) ${todo[*]} back on $(kafka_bootstrap) in $(since "$t0")"
    fi
}

cmd_kill_redis() {
    lock_state
    [[ -f $REDIS_DIR/pid ]] || die "Redis was not started (run '${0##*/} start')"
    signal_and_wait KILL 10 "$REDIS_DIR/pid" || die "redis-server did not die"
    log "killed redis-server (SIGKILL)"
}

cmd_restart_redis() {
    local port t0 rc=0
    lock_state
    [[ -f $REDIS_DIR/port ]] || die "Redis was not started (run '${0##*/} start')"
    port=$(redis_port)
    if redis_up; then
        log "redis already running on 127.0.0.1:$port"
        return 0
    fi
    t0=$(now)
    redis_launch "$port" || rc=$?
    (( rc == 0 )) || die "port $port is taken by another process; cannot restart redis on it"
    log "redis back on 127.0.0.1:$port (empty) in $(since "$t0")"
}

cmd=${1:-}
(($#)) && shift
case $cmd in
    start) cmd_start "$@" ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    kill-kafka) cmd_kill_kafka "$@" ;;
    restart-kafka) cmd_restart_kafka "$@" ;;
    kill-redis) cmd_kill_redis ;;
    restart-redis) cmd_restart_redis ;;
    -h|--help|help) usage ;;
    *) usage; exit 2 ;;
esac
