#!/usr/bin/env bash
# Set up, build and run the whole test suite against real Redis and Kafka (scripts/services.sh).
#
#   scripts/test.sh              # everything
#   scripts/test.sh -L unit      # extra arguments go to ctest
#
# Environment:
#   TXPULSE_BUILD_DIR       build tree (default: build, relative to the repository)
#   TXPULSE_CMAKE_ARGS      extra cmake configure arguments (word-split), e.g. "-DTXPULSE_SANITIZE=address"
#   TXPULSE_CTEST_JOBS      ctest parallelism (default 2)
#   TXPULSE_TEST_CLUSTER=1  start a three-node Kafka cluster instead of one node
#   TXPULSE_TEST_SERVICES=0 do not start Redis/Kafka (tests that need them fail, naming scripts/services.sh)
#   TXPULSE_SERVICES_DIR    services state (default: BUILD/services); exported for fault tests
#   TXPULSE_TEST_SANITIZERS 1: after the main run, build BUILD-asan (ASan+UBSan) and BUILD-tsan (TSan), each
#                           with only txpulse_core and the unit + integration tests, and run those tests
#                           against the same services. Default 1 (as in CI) when no
#                           CTest arguments are given, 0 when they are (a targeted run stays quick)
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
BUILD=${TXPULSE_BUILD_DIR:-build}
[[ $BUILD == /* ]] || BUILD=$REPO/$BUILD
export TXPULSE_SERVICES_DIR=${TXPULSE_SERVICES_DIR:-$BUILD/services}
export TXPULSE_SERVICES_SCRIPT=$REPO/scripts/services.sh
export QT_QPA_PLATFORM=offscreen

log() { printf 'test: %s\n' "$*" >&2; }
now() { date +%s%N; }
fmt() { local d=$(( $1 / 1000000 )); printf '%d.%01d s' $((d / 1000)) $((d % 1000 / 100)); }

PHASES=()
phase_start=0
phase_begin() { phase_name=$1; phase_start=$(now); log "== $1"; }
phase_end() { # [note]
    PHASES+=("$(printf '%-18s %s%s' "$phase_name" "$(fmt $(( $(now) - phase_start )))" "${1:+ ($1)}")")
    phase_name=
}
phase_name=
T0=$(now)
services_ours=0

# shellcheck disable=SC2317  # invoked by the EXIT trap
finish() {
    local rc=$?
    trap - EXIT INT TERM
    if [[ -n $phase_name ]]; then
        PHASES+=("$(printf '%-18s %s (failed)' "$phase_name" "$(fmt $(( $(now) - phase_start )))")")
    fi
    if (( services_ours )); then
        local s
        s=$(now)
        "$REPO/scripts/services.sh" stop || log "warning: stopping the services failed"
        PHASES+=("$(printf '%-18s %s' "services stop" "$(fmt $(( $(now) - s )))")")
    fi
    {
        printf 'test: ---- timings ----\n'
        local p
        for p in "${PHASES[@]}"; do printf 'test: %s\n' "$p"; done
        printf 'test: %-18s %s\n' total "$(fmt $(( $(now) - T0 )))"
        printf 'test: exit status %d\n' "$rc"
    } >&2
    exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

phase_begin setup
"$REPO/scripts/setup.sh"
phase_end

phase_begin configure+build
cmake_args=(-S "$REPO" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTXPULSE_BUILD_TESTS=ON)
if command -v ccache >/dev/null 2>&1; then
    cmake_args+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
if [[ -f $BUILD/CMakeCache.txt ]]; then
    gen=$(sed -n 's/^CMAKE_GENERATOR:INTERNAL=//p' "$BUILD/CMakeCache.txt")
    [[ -z $gen || $gen == Ninja ]] ||
        { log "error: $BUILD was configured with '$gen', not Ninja; remove it or set TXPULSE_BUILD_DIR"; exit 1; }
fi
read -ra extra_cmake <<<"${TXPULSE_CMAKE_ARGS:-}"
cmake "${cmake_args[@]}" "${extra_cmake[@]}"
cmake --build "$BUILD" --parallel "$(nproc)"
phase_end

if [[ ${TXPULSE_TEST_SERVICES:-1} != 0 ]]; then
    phase_begin services
    if "$REPO/scripts/services.sh" status >/dev/null 2>&1; then
        log "reusing the services already running in $TXPULSE_SERVICES_DIR (left running afterwards)"
        env_out=$(cat "$TXPULSE_SERVICES_DIR/env.sh")
    else
        services_ours=1
        if [[ ${TXPULSE_TEST_CLUSTER:-0} != 0 ]]; then
            env_out=$("$REPO/scripts/services.sh" start --cluster)
        else
            env_out=$("$REPO/scripts/services.sh" start)
        fi
    fi
    eval "$env_out"
    log "TXPULSE_TEST_KAFKA=$TXPULSE_TEST_KAFKA TXPULSE_TEST_REDIS=$TXPULSE_TEST_REDIS"
    phase_end
else
    log "TXPULSE_TEST_SERVICES=0: not starting Redis/Kafka"
fi

phase_begin tests
rc=0
ctest --test-dir "$BUILD" --output-on-failure --no-tests=error -j "${TXPULSE_CTEST_JOBS:-2}" --timeout 600 "$@" || rc=$?
phase_end

# Sanitizers (issue 10), while the services still run. Reports in our code must be fixed, not suppressed:
# the suppression file names third-party code only (see its comments).
sanitizers_default=1
(( $# == 0 )) || sanitizers_default=0
if [[ ${TXPULSE_TEST_SANITIZERS:-$sanitizers_default} != 0 ]]; then
    export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:detect_stack_use_after_return=1:strict_init_order=1
    export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
    # ignore_noninstrumented_modules: memory accesses that Qt, glib, librdkafka or hiredis make inside
    # intercepted calls (free, write, memcpy...) are not ours and their own synchronization is invisible.
    TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:ignore_noninstrumented_modules=1"
    export TSAN_OPTIONS="$TSAN_OPTIONS:suppressions=$REPO/tests/sanitizers/tsan.supp"
    san_labels=()
    [[ ${TXPULSE_TEST_SERVICES:-1} != 0 ]] || san_labels=(-LE integration)
    for san in asan tsan; do
        san_build=$BUILD-$san
        san_args=(-S "$REPO" -B "$san_build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTXPULSE_BUILD_TESTS=ON
            "${extra_cmake[@]}" -DTXPULSE_CORE_ONLY=ON -DTXPULSE_BUILD_BENCH=OFF)
        if [[ $san == asan ]]; then san_args+=(-DTXPULSE_SANITIZE=address); else san_args+=(-DTXPULSE_SANITIZE=thread); fi
        command -v ccache >/dev/null 2>&1 &&
            san_args+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
        phase_begin "$san build"
        if ! { cmake "${san_args[@]}" && cmake --build "$san_build" --parallel "$(nproc)"; }; then
            phase_end failed
            rc=1
            continue
        fi
        phase_end
        phase_begin "$san tests"
        if ctest --test-dir "$san_build" --output-on-failure --no-tests=error -j "${TXPULSE_CTEST_JOBS:-2}" \
                --timeout 900 "${san_labels[@]}"; then
            phase_end
        else
            phase_end failed
            rc=1
        fi
    done
else
    log "skipping the ASan/UBSan and TSan phases (TXPULSE_TEST_SANITIZERS=1 runs them)"
fi
exit "$rc"
