#!/usr/bin/env bash
# Runs the benchmark suite twice: pinned to one core (taskset -c 0) and unpinned, then prints the
# figures table (events/s, ratio to the ArrayBlockingQueue baseline, bytes per event).
#
#   bench/run.sh [--build] [JMH options or a benchmark regex ...]
#
#   --build   first build the uber-jar: ./mvnw -B -q -pl bench -am package -DskipTests
#   MODES     which runs, default "pinned unpinned"
#   BENCH_JAR the jar to run, default bench/target/benchmarks.jar
#   BENCH_COMMIT the commit to name in the results, default git's HEAD of this tree
#   JMH_OPTS  replaces the default JMH options "-f 1 -wi 3 -w 2s -i 5 -r 2s -prof gc"
#
# Writes bench/results/<UTC timestamp>.txt (JMH output and the table) and the JMH JSON files
# next to it. Takes about 3 minutes per mode with the default settings.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

if [[ "${1:-}" == "--build" ]]; then
  shift
  ./mvnw -B -q -pl bench -am package -DskipTests
fi

jar="${BENCH_JAR:-bench/target/benchmarks.jar}"
if [[ ! -f "$jar" ]]; then
  echo "No $jar: run with --build, or set BENCH_JAR" >&2
  exit 2
fi
modes="${MODES:-pinned unpinned}"

# Short but stable enough on a quiet machine; every benchmark reports per event.
read -r -a jmh_opts <<< "${JMH_OPTS:--f 1 -wi 3 -w 2s -i 5 -r 2s -prof gc}"

mkdir -p bench/results
stamp="$(date -u +%Y-%m-%dT%H%M%SZ)"
out="bench/results/$stamp"
{
  echo "# Twelvefold benchmarks, $stamp"
  if [[ -n "${BENCH_COMMIT:-}" ]]; then
    echo "commit:  $BENCH_COMMIT"
  else
    echo "commit:  $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- core transport-inmemory 2>/dev/null || echo ' (with uncommitted changes in core/transport-inmemory)')"
  fi
  echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "java:    $(java -version 2>&1 | head -1)"
  echo "load:    $(uptime)"
  echo "jmh:     ${jmh_opts[*]} $*"
} | tee "$out.txt"

summary_args=()
for mode in $modes; do
  case "$mode" in
    pinned)
      if ! command -v taskset >/dev/null; then
        echo "taskset (util-linux) is needed for the pinned run; or set MODES=unpinned" >&2
        exit 2
      fi
      prefix=(taskset -c 0) ;;
    unpinned) prefix=() ;;
    *) echo "Unknown mode '$mode'; use pinned or unpinned" >&2; exit 2 ;;
  esac
  echo "## $mode: ${prefix[*]} java -jar $jar ${jmh_opts[*]} $*" | tee -a "$out.txt"
  "${prefix[@]}" java -jar "$jar" "${jmh_opts[@]}" -rf json -rff "$out-$mode.json" "$@" 2>&1 | tee -a "$out.txt"
  summary_args+=("$mode=$out-$mode.json")
done

echo "## load after: $(uptime)" | tee -a "$out.txt"
echo | tee -a "$out.txt"
java -cp "$jar" io.twelvefold.bench.Summary "${summary_args[@]}" | tee -a "$out.txt"
echo "Written: $out.txt"
