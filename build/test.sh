#!/usr/bin/env bash
# The README's test command: builds everything in Release, runs every test project, packs the package and
# consumes it in a fresh project (one more test), runs the benchmarks in their reduced (dry) form so they keep
# compiling and running, and ends with one line "N passed, N failed" summed over all of it.
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

echo "== package (pack, then consume from a local feed in a fresh project)"
package_passed=0
package_failed=0
if bash build/package-test.sh > "$log.package" 2>&1; then package_passed=1; else package_failed=1; fi
tail -n 5 "$log.package"
rm -f "$log.package"

bench_status=0
if [ "${FHEGEN_SKIP_BENCHMARKS:-0}" != "1" ] && [ -d tests/FheGen.Benchmarks ]; then
  echo "== benchmarks (dry job: checks they run, measures nothing; PBS at 2 and 4 bits only, as wider keys take minutes)"
  FHEGEN_PBS_BITS=2,4 dotnet run -c Release --no-build --project tests/FheGen.Benchmarks -- --filter '*' --job dry > "$log.bench" 2>&1
  bench_status=$?
  tail -n 25 "$log.bench"
  # BenchmarkDotNet reports a failed setup as NA far above the tail; show the cause.
  if [ "$bench_status" -ne 0 ]; then grep -E -A3 '(Exception|error [A-Z]+[0-9]+):' "$log.bench" | head -n 40; fi
  rm -f "$log.bench"
fi

# VSTest prints one summary per test assembly: "Passed!  - Failed: 0, Passed: 79, Skipped: 0, Total: 79, ..."
passed=$(grep -Eo 'Passed: +[0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
failed=$(grep -Eo 'Failed: +[0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
skipped=$(grep -Eo 'Skipped: +[0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
if [ "$test_status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
passed=$((passed + package_passed))
failed=$((failed + package_failed))
if [ "$bench_status" -ne 0 ]; then
  echo "benchmark dry run failed (exit $bench_status)"
  failed=$((failed + 1))
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
