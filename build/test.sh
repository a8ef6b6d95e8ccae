#!/usr/bin/env bash
# The README's test command: builds everything in Release, runs every test project, runs the benchmarks in
# their reduced (dry) form so they keep compiling and running, and ends with one line "N passed, N failed"
# summed over all test projects.
#   FHEGEN_SKIP_BENCHMARKS=1  skip the dry benchmark run
set -uo pipefail
cd "$(dirname "$0")/.."

log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "== build"
if ! dotnet build FheGen.sln -c Release -nologo -v q; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

echo "== test"
dotnet test FheGen.sln -c Release --no-build -nologo 2>&1 | tee "$log"
test_status=${PIPESTATUS[0]}

bench_status=0
if [ "${FHEGEN_SKIP_BENCHMARKS:-0}" != "1" ] && [ -d tests/FheGen.Benchmarks ]; then
  echo "== benchmarks (dry job: checks they run, measures nothing)"
  dotnet run -c Release --no-build --project tests/FheGen.Benchmarks -- --filter '*' --job dry > "$log.bench" 2>&1
  bench_status=$?
  tail -n 25 "$log.bench"
  rm -f "$log.bench"
fi

# VSTest prints one summary per test assembly: "Passed!  - Failed: 0, Passed: 79, Skipped: 0, Total: 79, ..."
passed=$(grep -Eo 'Passed: +[0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
failed=$(grep -Eo 'Failed: +[0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
skipped=$(grep -Eo 'Skipped: +[0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
if [ "$test_status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
if [ "$bench_status" -ne 0 ]; then
  echo "benchmark dry run failed (exit $bench_status)"
  failed=$((failed + 1))
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
