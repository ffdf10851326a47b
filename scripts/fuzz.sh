#!/usr/bin/env bash
# Builds the libFuzzer target for TransactionParser with clang-14 in its own build dir, replays every past
# crash in tests/fuzz/regressions/, then fuzzes for a bounded time on a seed corpus made from tests/data.
# Exits non-zero when the fuzzer finds a crash, a leak, a sanitizer error or a broken invariant (the
# reproducer is left in BUILD_DIR/artifacts/; copy it to tests/fuzz/regressions/ and add a parser test).
#
#   scripts/fuzz.sh [--seconds N] [--runs N --seed N] [--fresh] [--build-dir DIR] [-- extra libFuzzer flags]
#
#   --seconds N   stop after N seconds (default 60)
#   --runs N      stop after N inputs (CTest runs 1.5 million with --seed and --fresh; --seconds still caps
#                 it). libFuzzer's scheduling still varies from run to run, so a failure prints the crashing
#                 input in base64: `base64 -d >tests/fuzz/regressions/crash-NAME` turns it into a regression
#   --seed N      libFuzzer's random seed (default: chosen by libFuzzer, printed in the log)
#   --fresh       start from the seeds only, not from the corpus earlier runs left in the build dir
#
# Needs clang-14 and libclang-rt-14-dev (scripts/setup.sh installs them).
set -euo pipefail

src="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds=60
runs=
seed=
fresh=0
build="$src/build-fuzz"
extra=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --seconds) seconds="$2"; shift 2 ;;
        --runs) runs="$2"; shift 2 ;;
        --seed) seed="$2"; shift 2 ;;
        --fresh) fresh=1; shift ;;
        --build-dir) build="$2"; shift 2 ;;
        --) shift; extra=("$@"); break ;;
        -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
        *) echo "fuzz.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
done

cxx="${TXPULSE_FUZZ_CXX:-clang++-14}"
if ! command -v "$cxx" >/dev/null; then
    echo "fuzz.sh: $cxx not found; install clang-14 and libclang-rt-14-dev (scripts/setup.sh)" >&2
    exit 1
fi

generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
if [[ ! -f "$build/CMakeCache.txt" ]]; then
    mkdir -p "$build"
    cmake -S "$src" -B "$build" "${generator[@]}" "${launcher[@]}" -DCMAKE_CXX_COMPILER="$cxx" \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTXPULSE_BUILD_FUZZ=ON -DTXPULSE_BUILD_TESTS=ON \
        -DTXPULSE_BUILD_BENCH=OFF >"$build/configure.log" 2>&1 || {
        cat "$build/configure.log" >&2
        echo "fuzz.sh: configuring the clang build failed" >&2
        exit 1
    }
fi
cmake --build "$build" --target fuzz_transaction_parser -- ${CMAKE_BUILD_PARALLEL_LEVEL:+-j"$CMAKE_BUILD_PARALLEL_LEVEL"}
fuzzer="$(find "$build" -name fuzz_transaction_parser -type f -perm -u+x | head -n1)"
[[ -x "$fuzzer" ]] || { echo "fuzz.sh: fuzz_transaction_parser was not built" >&2; exit 1; }

# Seeds: one file per fixture line, plus a few shapes the fixtures lack. The working corpus persists in
# the build dir, so later runs start where earlier ones stopped.
seeds="$build/fuzz-seeds"
corpus="$build/fuzz-corpus"
artifacts="$build/artifacts"
rm -rf "$seeds"
[[ $fresh == 1 ]] && rm -rf "$corpus"
mkdir -p "$seeds" "$corpus" "$artifacts"
i=0
for f in "$src"/tests/data/*.ndjson; do
    while IFS= read -r line || [[ -n "$line" ]]; do
        [[ -z "${line// }" ]] && continue
        printf '%s' "$line" >"$seeds/fixture-$i.json"
        i=$((i + 1))
    done <"$f"
done
printf '%s' '{"op":"pong"}' >"$seeds/pong.json"
printf '%s' '{"x":{"hash":"7731b35a8724b66314102b6f2f71601c2acfe62f0cb6319cfc525292480a0650","time":1,"out":[{"value":1}]},"op":"utx"}' >"$seeds/x-first.json"
printf '%s' '{"op":"utx","x":{"hash":"7731b35a8724b66314102b6f2f71601c2acfe62f0cb6319cfc525292480a0650","time":1,"inputs":[{"prev_out":null},{"prev_out":{"addr":null,"value":null}}],"out":[{"addr":null,"value":0,"w":[[{"a":"\u00e9\"x"}]]}]}}' >"$seeds/edge.json"

# Every crash found so far, as a plain run over the files (each input once, no mutation). They are seeds too.
regressions=("$src"/tests/fuzz/regressions/*)
if [[ -e ${regressions[0]} ]]; then
    if ! "$fuzzer" -rss_limit_mb=2048 "${regressions[@]}" >"$build/regressions.log" 2>&1; then
        tail -n 60 "$build/regressions.log" >&2
        echo "fuzz.sh: a past crash in tests/fuzz/regressions/ fails again" >&2
        exit 1
    fi
    cp "${regressions[@]}" "$seeds/"
    echo "fuzz.sh: ${#regressions[@]} past crash(es) in tests/fuzz/regressions/ pass"
fi

limits=(-max_total_time="$seconds")
[[ -n $runs ]] && limits+=(-runs="$runs")
[[ -n $seed ]] && limits+=(-seed="$seed")
echo "fuzz.sh: fuzzing for ${runs:+$runs inputs or }${seconds}s ($i fixture seeds${seed:+, seed $seed}) with $fuzzer"
set +e
"$fuzzer" "${limits[@]}" -timeout=10 -rss_limit_mb=2048 -max_len=32768 -print_final_stats=1 \
    -dict="$src/tests/fuzz/transaction.dict" -artifact_prefix="$artifacts/" "${extra[@]}" "$corpus" "$seeds" \
    >"$build/fuzz.log" 2>&1
rc=$?
set -e
grep -E "DONE|stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb" "$build/fuzz.log" || true
if [[ $rc -ne 0 ]]; then
    tail -n 60 "$build/fuzz.log" >&2
    # The build dir of a CI run is gone afterwards: the log must carry the input itself.
    for f in $(sed -n "s/.*Test unit written to \(.*\)$/\1/p" "$build/fuzz.log"); do
        [[ -f $f ]] || continue
        echo "fuzz.sh: $(basename "$f") ($(stat -c %s "$f") bytes), base64:" >&2
        head -c 65536 "$f" | base64 -w 0 >&2
        echo >&2
    done
    echo "fuzz.sh: the fuzzer failed (exit $rc); reproducers in $artifacts/" >&2
    exit "$rc"
fi
echo "fuzz.sh: no crash ($(grep -o "stat::number_of_executed_units: *[0-9]*" "$build/fuzz.log" | grep -o "[0-9]*$") inputs)"
