#!/usr/bin/env bash
# Runs every benchmark in bench/ plus the end-to-end pipeline measurements of issue 9, prints one table and
# saves it as JSON under bench/results/<date>-<shortcommit>.json (machine, commit, settings, figures).
#
#   scripts/bench.sh [--quick] [--build-dir DIR] [--no-build] [--out FILE]
#
#   --quick        tiny sizes (a smoke run of the harness, a few seconds per part); figures are not comparable
#   --build-dir    where to build (default build-bench, configured RelWithDebInfo)
#   --no-build     use the binaries already in the build dir
#   --out FILE     JSON path (default bench/results/<UTC date>-<short commit>.json; --quick: a temp file)
#   Sizes: WARMUP_TX (100000; 0 skips the warm-up), E2E_TX (200000), REBUILD_TX (300000), STANDALONE_TX
#          (300000), PARSE_REPS (3), KAFKA_RUNS (3), WRK_SECONDS (5), WRK_CONNS (16) from the environment.
#
# Services: uses the Redis and Kafka of scripts/services.sh; starts them when they are not running and then
# (only then) stops them at the end. Every run uses its own topics, consumer groups and Redis key prefixes and
# deletes what it created.
#
# Parts:
#   parse       bench_parse: TransactionParser msg/s and MB/s, ratio to QJsonDocument (median of PARSE_REPS)
#   warm-up     WARMUP_TX tx end to end, not measured: the broker's JIT warms up as it does before raw produce
#   e2e         txpulse-replay --synthetic E2E_TX --rate max -> txpulse --headless (pipeline, real broker and
#               Redis); time from the first feed message until every transaction is applied (checked: the
#               per-minute counts in Redis add up to E2E_TX, else the run failed); peak RSS (VmHWM) and CPU seconds (utime+stime) of txpulse per 1,000 tx. Twice: e2e.* with
#               --pregenerate (the replay server generates the messages before it listens, as raw produce does;
#               generating them while sending takes ~20 % of the 2 cores away from the pipeline under test) and
#               e2e_live.* generating while sending (the figures before 2026-11-28 16:30)
#   raw         bench_kafka --raw-produce E2E_TX: the same synthetic messages (same seed) produced with
#               librdkafka alone, same producer settings; e2e / raw is the headline
#   rebuild     a topic holding REBUILD_TX transactions (filled by txpulse --role ingest), then txpulse
#               --role aggregate with a fresh group and a fresh Redis prefix: time from launch until complete
#   api         wrk against that aggregate instance (its snapshot holds the full window from Redis)
#   standalone  txpulse --headless without Kafka/Redis fed STANDALONE_TX synthetic tx (x.time = send time, so
#               all inside the 3-hour window): tx/s and RSS with the window held in memory
#   feed/kafka/store  bench_feed (coalesced), bench_kafka (KafkaProducer/KafkaConsumer), bench_store (apply)
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$REPO/build-bench
QUICK=0
DO_BUILD=1
OUT=
while (($#)); do
    case $1 in
        --quick) QUICK=1 ;;
        --build-dir) BUILD=$(realpath -m "$2"); shift ;;
        --no-build) DO_BUILD=0 ;;
        --out) OUT=$2; shift ;;
        -h|--help) sed -n '2,31p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "bench.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

if ((QUICK)); then
    : "${WARMUP_TX:=0}" "${E2E_TX:=2000}" "${REBUILD_TX:=3000}" "${STANDALONE_TX:=3000}" "${PARSE_REPS:=1}" "${KAFKA_RUNS:=1}"
    : "${WRK_SECONDS:=1}" "${WRK_CONNS:=4}"
else
    : "${WARMUP_TX:=100000}" "${E2E_TX:=200000}" "${REBUILD_TX:=300000}" "${STANDALONE_TX:=300000}" "${PARSE_REPS:=3}" "${KAFKA_RUNS:=3}"
    : "${WRK_SECONDS:=5}" "${WRK_CONNS:=16}"
fi
SEED=20261128                 # bench_kafka's SyntheticFeed seed: raw produce sends the same messages
DEADLINE=${BENCH_DEADLINE:-$((QUICK ? 60 : 600))} # seconds any one wait may take before the part is reported as failed

log() { printf 'bench: %s\n' "$*" >&2; }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }
for tool in jq curl redis-cli python3; do command -v $tool >/dev/null || die "$tool is missing (scripts/setup.sh)"; done

# ---------------------------------------------------------------------------------------------------------
# build, services

if ((DO_BUILD)); then
    if [[ ! -f $BUILD/build.ninja ]]; then
        cmake -S "$REPO" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTXPULSE_BUILD_BENCH=ON \
            $(command -v ccache >/dev/null && echo -DCMAKE_CXX_COMPILER_LAUNCHER=ccache) >&2
    fi
    ninja -C "$BUILD" -j"$(nproc)" txpulse txpulse-replay bench_parse bench_feed bench_kafka bench_store \
        bench_api_server bench_topics >&2
fi
TXPULSE=$BUILD/app/txpulse
REPLAY=$BUILD/app/txpulse-replay
for b in "$TXPULSE" "$REPLAY" "$BUILD"/bench/bench_{parse,feed,kafka,store,topics}; do
    [[ -x $b ]] || die "$b is not built (drop --no-build)"
done

STARTED_SERVICES=0
if ! "$REPO/scripts/services.sh" status >/dev/null 2>&1; then
    log "starting Redis and Kafka (scripts/services.sh start)"
    STARTED_SERVICES=1
fi
eval "$("$REPO/scripts/services.sh" start)"
KAFKA=$TXPULSE_TEST_KAFKA
REDIS=$TXPULSE_TEST_REDIS
SERVICE_PIDS=$("$REPO/scripts/services.sh" status 2>/dev/null | sed -n 's/.*running *pid \([0-9]*\).*/\1/p' | tr '\n' ' ')

RUN_ID=bench-$(date +%s)-$RANDOM
WORK=$(mktemp -d "/tmp/txpulse-$RUN_ID.XXXX")
FIGURES=$WORK/figures.tsv
: >"$FIGURES"
PIDS=()
TOPICS=()
PREFIXES=()

cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    for p in "${PREFIXES[@]}"; do redis_del_prefix "$p" || true; done
    for p in "${TOPICS[@]}"; do delete_topic "$p" || true; done
    if ((STARTED_SERVICES)); then
        log "stopping the services this run started"
        "$REPO/scripts/services.sh" stop >&2 || true
    fi
    [[ ${KEEP_WORK:-0} == 1 ]] && log "logs kept in $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# figure NAME VALUE UNIT [TARGET] [NOTE]: one row of the table and of the JSON
figure() { printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "${4:-}" "${5:-}" >>"$FIGURES"; }

# The clock and the polling loop below run while the pipeline under test shares the 2 cores: no forks for the
# clock (bash 5's EPOCHREALTIME) and two short-lived processes per poll (curl, jq). Before, each poll also ran
# date twice and python3 (a pyenv shim here): ~16 % of the machine's CPU in perf, taken from the pipeline.
now() { printf '%s\n' "$EPOCHREALTIME"; }
elapsed() { python3 -c "print(f'{$2 - $1:.3f}')"; }
calc() { python3 -c "print($1)"; }

redis() { redis-cli -u "$REDIS" --no-auth-warning "$@"; }
redis_del_prefix() { redis --scan --pattern "$1*" | xargs -r -n 500 redis-cli -u "$REDIS" --no-auth-warning UNLINK >/dev/null; }
# Sum of the per-minute transaction counts under a prefix: what the aggregates in Redis say was counted.
redis_count_sum() {
    redis --scan --pattern "${1}c:*" | xargs -r -n 500 redis-cli -u "$REDIS" --no-auth-warning MGET \
        | awk '{s += $1} END {print s + 0}'
}
delete_topic() { "$BUILD/bench/bench_topics" --brokers "$KAFKA" --delete "$1" >&2; }

# proc_cpu PID: utime+stime in seconds; proc_hwm PID: peak RSS in MiB; proc_rss PID: RSS in MiB
proc_cpu() {
    local stat rest
    stat=$(cat "/proc/$1/stat") || return 1
    rest=${stat##*) }
    read -ra f <<<"$rest"
    calc "($((f[11] + f[12]))) / $(getconf CLK_TCK)"
}
proc_hwm() { awk '/^VmHWM:/ {printf "%.1f\n", $2 / 1024}' "/proc/$1/status"; }
proc_rss() { awk '/^VmRSS:/ {printf "%.1f\n", $2 / 1024}' "/proc/$1/status"; }
services_cpu() {
    local t=0 p
    for p in $SERVICE_PIDS; do t=$(calc "$t + $(proc_cpu "$p" || echo 0)"); done
    echo "$t"
}

# start_replay N [--pregenerate]: starts txpulse-replay with N synthetic transactions; sets REPLAY_PID and REPLAY_URL
start_replay() {
    local logf=$WORK/replay-$RANDOM.log
    "$REPLAY" --synthetic "$1" --seed "$SEED" ${2:-} --rate max --exit-when-done >"$logf" 2>&1 &
    REPLAY_PID=$!
    PIDS+=("$REPLAY_PID")
    for _ in $(seq 1200); do grep -q '^listening on ' "$logf" && break; sleep 0.05; done # after pregenerating
    REPLAY_URL=$(sed -n 's/^listening on //p' "$logf")
    [[ -n $REPLAY_URL ]] || { cat "$logf" >&2; die "txpulse-replay did not start"; }
}

# start_txpulse LOGNAME ARGS...: starts txpulse --headless with an HTTP API on a free port; sets TX_PID, TX_PORT
start_txpulse() {
    local logf=$WORK/$1.log
    shift
    "$TXPULSE" --headless --http 127.0.0.1:0 "$@" >"$logf" 2>&1 &
    TX_PID=$!
    PIDS+=("$TX_PID")
    TX_PORT=
    for _ in $(seq 200); do
        TX_PORT=$(sed -n 's|.*REST API on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$logf" | head -1)
        [[ -n $TX_PORT ]] && break
        kill -0 "$TX_PID" 2>/dev/null || break
        sleep 0.05
    done
    [[ -n $TX_PORT ]] || { cat "$logf" >&2; die "txpulse did not start ($*)"; }
    TX_LOG=$logf
}

stop_pid() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }


# wait_stat JQ_EXPR N: polls /api/v1/stats every 50 ms until the expression reaches N; sets T_FIRST (the first
# poll that saw feed messages or applied transactions), T_DONE and LAST_STATS. Fails after DEADLINE seconds.
# The pipeline under test shares the 2 cores with this loop, so it costs two processes for the whole wait: one
# curl polling 20 times a second over one kept-alive connection (--rate; the URL glob is in the fragment, which
# is not sent) and one jq reading the stream. Spawning curl, jq, date and python3 (a pyenv shim here) for every
# poll took ~7 % of the machine's CPU during an end-to-end run (perf record -a).
wait_stat() {
    local expr=$1 n=$2 first=0 v=0 s='{}' st deadline fifo=$WORK/poll.fifo poll_fd curl_pid rc=1
    local one_poll=0 us
    deadline=$((${EPOCHREALTIME%.*} + DEADLINE))
    T_FIRST=
    rm -f "$fifo" && mkfifo "$fifo"
    curl -sN --rate 20/s --max-time 2 "http://127.0.0.1:$TX_PORT/api/v1/stats#[1-100000000]" >"$fifo" &
    curl_pid=$!
    exec {poll_fd}< <(jq --unbuffered -r \
        "\"\((.feed.messages // 0) + (.store.applied // 0)) \($expr // 0) \(tojson)\"" <"$fifo")
    while ((${EPOCHREALTIME%.*} <= deadline)); do
        read -r -t 1 -u "$poll_fd" first v s
        st=$?
        ((st > 128)) && continue # no poll answered within a second
        if ((st)); then
            log "the stats poller ended"
            break
        fi
        [[ $first =~ ^[0-9]+$ && $v =~ ^[0-9]+$ ]] || continue
        if [[ -z $T_FIRST ]] && ((first > 0)); then
            T_FIRST=$EPOCHREALTIME
            ((v >= n)) && one_poll=1
        fi
        if ((v >= n)); then
            rc=0
            break
        fi
    done
    T_DONE=$EPOCHREALTIME
    if ((one_poll)); then
        # Everything happened between two polls (tiny --quick runs): the duration is below what 20 polls a
        # second resolve, so it is taken as one poll period rather than as the time between two reads.
        us=$((${T_DONE/./} - 50000))
        printf -v T_FIRST '%d.%06d' $((us / 1000000)) $((us % 1000000))
    fi
    kill "$curl_pid" 2>/dev/null
    wait "$curl_pid" 2>/dev/null
    exec {poll_fd}<&-
    rm -f "$fifo"
    LAST_STATS=$s
    if ((rc)); then
        log "timed out waiting for $expr = $n (at $v); last stats in $WORK"
        echo "$s" >"$WORK/last-stats.json"
    fi
    return $rc
}

section() { log "---- $*"; }

# ---------------------------------------------------------------------------------------------------------
# 1. parse

section "parse (bench_parse --reps $PARSE_REPS)"
synth_parse=$((QUICK ? 5000 : 100000))
copies=$((QUICK ? 1 : 0))
parse_args=(--reps "$PARSE_REPS" --synthetic "$synth_parse")
((QUICK)) && parse_args+=(--fixture-copies "$copies")
"$BUILD/bench/bench_parse" "${parse_args[@]}" | tee "$WORK/parse.txt" >&2 || log "bench_parse failed"
line=$(grep '^synthetic ' "$WORK/parse.txt" || true)
if [[ -n $line ]]; then
    figure parse.synthetic.msgs_per_s "$(awk '{for (i = 1; i <= NF; i++) if ($i == "simdjson") {print $(i + 1); exit}}' <<<"$line")" msg/s
    figure parse.synthetic.mb_per_s "$(awk '{n = 0; for (i = 1; i <= NF; i++) if ($i == "MB/s") {print $(i - 1); exit}}' <<<"$line")" MB/s
    figure parse.synthetic.ratio_vs_qjson "$(sed -n 's/.*ratio \([0-9.]*\)x.*/\1/p' <<<"$line")" x
fi
line=$(grep '^fixtures (repeated)' "$WORK/parse.txt" || true)
if [[ -n $line ]]; then
    figure parse.fixtures.msgs_per_s "$(awk '{for (i = 1; i <= NF; i++) if ($i == "simdjson") {print $(i + 1); exit}}' <<<"$line")" msg/s "" "real blockchain.com messages"
    figure parse.fixtures.mb_per_s "$(awk '{for (i = 1; i <= NF; i++) if ($i == "MB/s") {print $(i - 1); exit}}' <<<"$line")" MB/s
    figure parse.fixtures.ratio_vs_qjson "$(sed -n 's/.*ratio \([0-9.]*\)x.*/\1/p' <<<"$line")" x
fi

# ---------------------------------------------------------------------------------------------------------
# 2. end to end, pipeline mode

# run_e2e NAME [--pregenerate]: one end-to-end run, figures NAME.*; sets RATE (empty when it failed)
# pipeline_names NAME: the topic, consumer group, Redis prefix and config of one pipeline run (deleted at exit);
# start_pipeline NAME: txpulse in pipeline mode on them, fed by the replay server started last.
pipeline_names() {
    topic=$RUN_ID-$1
    prefix="txpulse-$RUN_ID-$1:"
    TOPICS+=("$topic")
    PREFIXES+=("$prefix")
    printf '[redis]\nprefix=%s\n' "$prefix" >"$WORK/$1.ini"
}
start_pipeline() {
    start_txpulse "$1" --config "$WORK/$1.ini" --feed "$REPLAY_URL" --kafka "$KAFKA" --redis "$REDIS" \
        --topic "$topic" --group "$RUN_ID-$1"
}

run_e2e() {
    local name=$1 gen=${2:-}
    section "end to end ($name): txpulse-replay --synthetic $E2E_TX $gen --rate max -> txpulse --headless (Kafka + Redis)"
    pipeline_names "$name"
    start_replay "$E2E_TX" $gen
    svc0=$(services_cpu)
    t_launch=$(now)
    start_pipeline "$name"
    # The clock stops at the poll that saw every transaction applied (each apply returns once the Lua script has
    # run, so Redis holds them then); what follows only reads figures. Redis's own counts are then checked: a
    # run whose per-minute counts do not add up is a failure, not a figure.
    if wait_stat .store.applied "$E2E_TX" && counted=$(redis_count_sum "$prefix") && ((counted == E2E_TX)); then
        cpu=$(proc_cpu "$TX_PID")
        hwm=$(proc_hwm "$TX_PID")
        svc=$(calc "$(services_cpu) - $svc0")
        secs=$(elapsed "$T_FIRST" "$T_DONE")
        RATE=$(calc "round($E2E_TX / $secs)")
        figure "$name".seconds "$secs" s "" "first feed message -> all applied; Redis per-minute counts add up to $counted"
        figure "$name".seconds_from_launch "$(elapsed "$t_launch" "$T_DONE")" s "" "incl. start, topic creation, group join"
        figure "$name".tx_per_s "$RATE" tx/s ">= 20000"
        figure "$name".peak_rss_mb "$hwm" MiB "< 300" "txpulse VmHWM"
        figure "$name".cpu_s_per_1000_tx "$(calc "round($cpu / $E2E_TX * 1000, 4)")" s "" "txpulse utime+stime, whole run"
        figure "$name".services_cpu_s_per_1000_tx "$(calc "round($svc / $E2E_TX * 1000, 4)")" s "" "Kafka broker + Redis during the run"
        figure "$name".redis_count_sum "$counted" tx "= $E2E_TX"
        figure "$name".duplicates "$(jq '.store.duplicates' <<<"$LAST_STATS")" tx
    else
        [[ -f $WORK/last-stats.json ]] || echo "$LAST_STATS" >"$WORK/last-stats.json"
        figure "$name".tx_per_s failed tx/s ">= 20000" "$(jq -c '{feed: .feed.messages, produced: .kafka.produced, consumed: .kafka.consumed, applied: .store.applied}' "$WORK/last-stats.json") redis counts ${counted:-?}"
        RATE=
    fi
    stop_pid "$TX_PID"
    stop_pid "$REPLAY_PID"
}
# The broker is a JVM whose JIT compiles the produce and fetch paths during its first seconds of traffic: right
# after a services start, its C2 compiler thread took 13 % of the machine during the end-to-end run (perf
# record -a). Raw produce runs later and always met a warm broker; this unmeasured pass gives the end-to-end
# runs the same.
warm_up() {
    section "warm-up: $WARMUP_TX tx end to end, not measured"
    pipeline_names warmup
    start_replay "$WARMUP_TX" --pregenerate
    start_pipeline warmup
    wait_stat .store.applied "$WARMUP_TX" || log "the warm-up did not complete; measuring anyway"
    stop_pid "$TX_PID"
    stop_pid "$REPLAY_PID"
}
((WARMUP_TX > 0)) && warm_up
run_e2e e2e --pregenerate
e2e_rate=$RATE
run_e2e e2e_live
e2e_live_rate=$RATE

# ---------------------------------------------------------------------------------------------------------
# 3. the limit: raw librdkafka produce of the same messages

section "raw produce (bench_kafka --raw-produce $E2E_TX --runs $KAFKA_RUNS)"
"$BUILD/bench/bench_kafka" --raw-produce "$E2E_TX" --runs "$KAFKA_RUNS" --brokers "$KAFKA" | tee "$WORK/raw.txt" >&2 \
    || log "bench_kafka --raw-produce failed"
raw_rate=$(sed -n 's/^median of .*produce \([0-9]*\) msg\/s.*/\1/p' "$WORK/raw.txt")
if [[ -n $raw_rate ]]; then
    figure raw.produce_msgs_per_s "$raw_rate" msg/s "" "librdkafka alone, same messages and producer settings"
    [[ -n $e2e_rate ]] && figure e2e.ratio_to_raw_produce "$(calc "round($e2e_rate / $raw_rate, 3)")" x ">= 0.25" "headline"
    [[ -n $e2e_live_rate ]] && figure e2e_live.ratio_to_raw_produce "$(calc "round($e2e_live_rate / $raw_rate, 3)")" x ">= 0.25"
fi

# ---------------------------------------------------------------------------------------------------------
# 4. rebuild: a fresh group over a full topic

section "rebuild: fill a topic with $REBUILD_TX tx (txpulse --role ingest), then a fresh aggregate group"
pipeline_names rebuild
start_replay "$REBUILD_TX"
start_txpulse ingest --feed "$REPLAY_URL" --kafka "$KAFKA" --topic "$topic" --role ingest
if wait_stat .kafka.produced "$REBUILD_TX"; then
    figure ingest.tx_per_s "$(calc "round($REBUILD_TX / $(elapsed "$T_FIRST" "$T_DONE"))")" tx/s "" "role ingest: feed -> parse -> Kafka (delivered)"
    figure ingest.peak_rss_mb "$(proc_hwm "$TX_PID")" MiB
fi
stop_pid "$TX_PID"
stop_pid "$REPLAY_PID"

t_launch=$(now)
start_txpulse aggregate --config "$WORK/rebuild.ini" --kafka "$KAFKA" --redis "$REDIS" --topic "$topic" \
    --group "$RUN_ID-rebuild" --role aggregate
AGG_PID=$TX_PID
if wait_stat .store.applied "$REBUILD_TX" && counted=$(redis_count_sum "$prefix") && ((counted == REBUILD_TX)); then
    figure rebuild.seconds "$(elapsed "$t_launch" "$T_DONE")" s "< 10" "launch -> all applied (incl. group join); Redis counts add up to $counted"
    figure rebuild.seconds_from_first_apply "$(elapsed "$T_FIRST" "$T_DONE")" s
    figure rebuild.tx_per_s "$(calc "round($REBUILD_TX / $(elapsed "$T_FIRST" "$T_DONE"))")" tx/s
    figure rebuild.peak_rss_mb "$(proc_hwm "$AGG_PID")" MiB
    figure rebuild.cpu_s_per_1000_tx "$(calc "round($(proc_cpu "$AGG_PID") / $REBUILD_TX * 1000, 4)")" s
    rebuilt=1
else
    [[ -f $WORK/last-stats.json ]] || echo "$LAST_STATS" >"$WORK/last-stats.json"
    figure rebuild.seconds failed s "< 10" "$(jq -c '{consumed: .kafka.consumed, applied: .store.applied}' "$WORK/last-stats.json") redis counts ${counted:-?}"
    rebuilt=0
fi

# ---------------------------------------------------------------------------------------------------------
# 5. API under wrk, against the aggregate instance with the full window

if ((rebuilt)) && command -v wrk >/dev/null; then
    section "API: wrk -c$WRK_CONNS -d${WRK_SECONDS}s against the aggregate instance (window of $REBUILD_TX tx)"
    sleep 0.5 # one snapshot interval, so the snapshot holds the complete window
    for path in /high_value_addr /transactions_count_per_minute/30 /api/v1/stats; do
        out=$(wrk -t2 -c"$WRK_CONNS" -d"${WRK_SECONDS}s" --latency "http://127.0.0.1:$TX_PORT$path")
        echo "$out" >&2
        rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
        p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
        errs=$(grep -E 'Non-2xx|Socket errors' <<<"$out" | tr -s ' ' || true)
        figure "api.GET $path" "${rps%.*}" req/s "" "p99 $p99${errs:+; $errs}"
    done
elif ! command -v wrk >/dev/null; then
    figure api.req_per_s skipped req/s "" "wrk is not installed (apt-get install wrk)"
fi
stop_pid "$AGG_PID"

# ---------------------------------------------------------------------------------------------------------
# 6. standalone: the whole window in memory

section "standalone: txpulse --headless (no Kafka, no Redis) with $STANDALONE_TX tx in the window"
start_replay "$STANDALONE_TX"
start_txpulse standalone --feed "$REPLAY_URL"
if wait_stat .store.applied "$STANDALONE_TX"; then
    secs=$(elapsed "$T_FIRST" "$T_DONE")
    figure standalone.tx_per_s "$(calc "round($STANDALONE_TX / $secs)")" tx/s "" "first message -> all applied in memory"
    figure standalone.peak_rss_mb "$(proc_hwm "$TX_PID")" MiB "< 500" "VmHWM with $STANDALONE_TX tx in the window"
    figure standalone.cpu_s_per_1000_tx "$(calc "round($(proc_cpu "$TX_PID") / $STANDALONE_TX * 1000, 4)")" s
    sleep 1
    figure standalone.rss_after_mb "$(proc_rss "$TX_PID")" MiB "" "VmRSS 1 s after the last apply"
else
    figure standalone.tx_per_s failed tx/s
fi
stop_pid "$TX_PID"
stop_pid "$REPLAY_PID"

# ---------------------------------------------------------------------------------------------------------
# the component benches

section "bench_feed (coalesced hand-off)"
feed_n=$((QUICK ? 5000 : 100000))
"$BUILD/bench/bench_feed" --messages "$feed_n" --runs "$KAFKA_RUNS" --mode coalesced | tee "$WORK/feed.txt" >&2 \
    || log "bench_feed failed"
line=$(grep 'median:' "$WORK/feed.txt" | tail -1 || true)
[[ -n $line ]] && figure feed.coalesced.msgs_per_s "$(awk '{print $3}' <<<"$line")" msg/s "" \
    "GUI thread $(sed -n 's/.*GUI thread \([0-9.]*\) us\/msg.*/\1/p' <<<"$line") us/msg"

section "bench_kafka (KafkaProducer + KafkaConsumer)"
kafka_n=$((QUICK ? 2000 : 100000))
"$BUILD/bench/bench_kafka" --messages "$kafka_n" --runs "$KAFKA_RUNS" --brokers "$KAFKA" | tee "$WORK/kafka.txt" >&2 \
    || log "bench_kafka failed"
line=$(grep '^median of' "$WORK/kafka.txt" || true)
if [[ -n $line ]]; then
    figure kafka.producer_msgs_per_s "$(sed -n 's/.*KafkaProducer produce \([0-9]*\) msg\/s.*/\1/p' <<<"$line")" msg/s
    figure kafka.consumer_msgs_per_s "$(sed -n 's/.*KafkaConsumer \([0-9]*\) msg\/s.*/\1/p' <<<"$line")" msg/s "" "parse + commit, no store"
fi

section "bench_store (MemoryStore, RedisStore)"
store_n=$((QUICK ? 30000 : 300000))
TXPULSE_TEST_REDIS=$REDIS "$BUILD/bench/bench_store" --tx "$store_n" --runs "$((QUICK ? 1 : 3))" | tee "$WORK/store.txt" >&2 \
    || log "bench_store failed"
v=$(sed -n 's/^memory apply: median \([0-9]*\) tx\/s.*/\1/p' "$WORK/store.txt")
[[ -n $v ]] && figure store.memory_apply_tx_per_s "$v" tx/s
v=$(sed -n 's/^redis apply: median \([0-9]*\) tx\/s.*/\1/p' "$WORK/store.txt")
[[ -n $v ]] && figure store.redis_apply_tx_per_s "$v" tx/s
v=$(sed -n 's/^redis  memory for the full window: \([0-9.]*\) MiB.*/\1/p' "$WORK/store.txt")
[[ -n $v ]] && figure store.redis_memory_mb "$v" MiB "" "$store_n tx window"

# ---------------------------------------------------------------------------------------------------------
# table and JSON

commit=$(git -C "$REPO" rev-parse --short HEAD)
dirty=$(git -C "$REPO" status --porcelain --untracked-files=no | grep -q . && echo true || echo false)
if [[ -z $OUT ]]; then
    if ((QUICK)); then OUT=$WORK/quick.json; else OUT=$REPO/bench/results/$(date -u +%Y-%m-%d)-$commit.json; fi
fi
mkdir -p "$(dirname "$OUT")"
export FIGURES OUT commit dirty QUICK WARMUP_TX E2E_TX REBUILD_TX STANDALONE_TX PARSE_REPS KAFKA_RUNS WRK_SECONDS WRK_CONNS SEED BUILD
python3 - <<'EOF'
import json, os, platform, re, subprocess, datetime
e = os.environ
def cpu_model():
    for line in open('/proc/cpuinfo'):
        if line.startswith('model name'):
            return line.split(':', 1)[1].strip()
    return platform.processor()
mem = next(int(l.split()[1]) for l in open('/proc/meminfo') if l.startswith('MemTotal'))
build_type = ''
try:
    for l in open(os.path.join(e['BUILD'], 'CMakeCache.txt')):
        if l.startswith('CMAKE_BUILD_TYPE:'):
            build_type = l.split('=', 1)[1].strip()
except OSError:
    pass
rows = []
for l in open(e['FIGURES']):
    name, value, unit, target, note = (l.rstrip('\n').split('\t') + [''] * 5)[:5]
    try:
        v = float(value)
        value = int(v) if v.is_integer() and 'seconds' not in name else v
    except ValueError:
        pass
    rows.append({'name': name, 'value': value, 'unit': unit, 'target': target, 'note': note})

def meets(r):
    t, v = r['target'], r['value']
    if not t or not isinstance(v, (int, float)):
        return ''
    m = re.match(r'(>=|<=|<|>|=)\s*([0-9.]+)', t)
    if not m:
        return ''
    op, x = m.group(1), float(m.group(2))
    ok = {'>=': v >= x, '<=': v <= x, '<': v < x, '>': v > x, '=': v == x}[op]
    return 'ok' if ok else 'MISS'

doc = {
    'date': datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds'),
    'commit': e['commit'], 'dirty_tree': e['dirty'] == 'true',
    'machine': {'nproc': os.cpu_count(), 'cpu': cpu_model(), 'ram_gib': round(mem / 1024 / 1024, 1),
                'kernel': platform.release(), 'loadavg_at_end': open('/proc/loadavg').read().split()[:3]},
    'settings': {'quick': e['QUICK'] == '1', 'warmup_tx': int(e['WARMUP_TX']), 'e2e_tx': int(e['E2E_TX']),
                 'rebuild_tx': int(e['REBUILD_TX']),
                 'standalone_tx': int(e['STANDALONE_TX']), 'parse_reps': int(e['PARSE_REPS']),
                 'kafka_runs': int(e['KAFKA_RUNS']), 'wrk_seconds': int(e['WRK_SECONDS']),
                 'wrk_connections': int(e['WRK_CONNS']), 'synthetic_seed': int(e['SEED']),
                 'build_type': build_type, 'kafka': 'Apache Kafka (scripts/services.sh), 1 node, 3 partitions',
                 'producer': 'zstd level 1, idempotent, linger.ms=25, batch.num.messages=10000'},
    'figures': rows,
}
for r in rows:
    r['meets_target'] = meets(r)
with open(e['OUT'], 'w') as f:
    json.dump(doc, f, indent=2)
    f.write('\n')
m = doc['machine']
print(f"txpulse benchmarks  commit {doc['commit']}{' (dirty tree)' if doc['dirty_tree'] else ''}  {doc['date']}")
print(f"machine: {m['nproc']} cores, {m['cpu']}, {m['ram_gib']} GiB RAM, load {' '.join(m['loadavg_at_end'])}")
print(f"{'figure':<44} {'value':>12} {'unit':<7} {'target':<9} {'':<4} note")
for r in rows:
    v = r['value']
    vs = f'{v:,.3f}' if isinstance(v, float) else (f'{v:,}' if isinstance(v, int) else str(v))
    print(f"{r['name']:<44} {vs:>12} {r['unit']:<7} {r['target']:<9} {r['meets_target']:<4} {r['note']}")
print(f"saved {e['OUT']}")
EOF
