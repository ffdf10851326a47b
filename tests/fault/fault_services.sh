#!/usr/bin/env bash
# CTest fixture of the fault tests: their own Redis + Kafka (scripts/services.sh in TXPULSE_FAULT_SERVICES_DIR),
# separate from the services the integration tests share, because the fault tests kill and restart them.
#
#   fault_services.sh start   start (or reuse) them; remembers whether this fixture started them
#   fault_services.sh stop    stop them again, but only if `start` launched them
set -euo pipefail
: "${TXPULSE_FAULT_SERVICES_DIR:?TXPULSE_FAULT_SERVICES_DIR must name the state dir of the fault test services}"
SCRIPT=${TXPULSE_SERVICES_SCRIPT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/scripts/services.sh}
export TXPULSE_SERVICES_DIR=$TXPULSE_FAULT_SERVICES_DIR
export TXPULSE_KAFKA_HEAP=${TXPULSE_KAFKA_HEAP:--Xms256m -Xmx512m}
MARK=$TXPULSE_FAULT_SERVICES_DIR/.started-by-fault-fixture
mkdir -p "$TXPULSE_FAULT_SERVICES_DIR"

case ${1:-} in
start)
    if "$SCRIPT" status >/dev/null 2>&1; then
        echo "fault services already running in $TXPULSE_FAULT_SERVICES_DIR; reusing them"
        "$SCRIPT" start
    else
        "$SCRIPT" start
        touch "$MARK"
    fi
    ;;
stop)
    if [[ -f $MARK ]]; then
        rm -f "$MARK"
        "$SCRIPT" stop
    else
        echo "fault services were not started by the fixture; leaving them running"
    fi
    ;;
*)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
