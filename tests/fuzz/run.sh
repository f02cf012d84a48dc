#!/usr/bin/env bash
# run.sh: runs every libFuzzer harness (tests/fuzz/fuzz_*.c) for a bounded time with its
# seeds and dictionary, fails on any crash, leak, timeout, out-of-memory or sanitizer
# report, and writes the figures to BUILD_FUZZ/fuzz-summary.txt (also printed).
#
#   tests/fuzz/run.sh BUILD_FUZZ BUILD [SECONDS] [PARALLEL]
#
# BUILD_FUZZ: the -DSONOSPINE_FUZZ=ON build (fuzz_* executables); BUILD: a normal build
# whose `sonospine` records the session logs used as seeds; SECONDS per fuzzer (60);
# PARALLEL fuzzers at once (2). Seeds come from the shipped files (scenarios/,
# scenarios/exams/, tests/data/scenarios_bad/, tests/data/scripts/), from logs recorded
# now by `sonospine run --headless`, from tests/data/fuzz_seeds/NAME/ (hand-written
# seeds where the shipped files are few) and from tests/data/fuzz_regressions/NAME-*
# (inputs that once broke a harness; test_fuzz_regressions.c keeps them as tests). The corpus each fuzzer grows
# is kept in BUILD_FUZZ/fuzz/corpus/NAME and reused by the next run; FUZZ_FRESH=1
# starts from the seeds only (what CI does on a fresh machine).
# A failing input is saved as BUILD_FUZZ/fuzz/artifacts/NAME-crash-<sha1> (or leak-,
# timeout-, oom-); reproduce with `BUILD_FUZZ/fuzz_NAME FILE`.
set -euo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
bf=$(cd "${1:?usage: run.sh BUILD_FUZZ BUILD [SECONDS] [PARALLEL]}" && pwd)
build=$(cd "${2:?usage: run.sh BUILD_FUZZ BUILD [SECONDS] [PARALLEL]}" && pwd)
secs=${3:-60}
par=${4:-2}
fuzzers=(scenario exam session_log session_script)

work=$bf/fuzz
rm -rf "$work/seeds" "$work/logs" "$work/artifacts"
[ "${FUZZ_FRESH:-0}" = 1 ] && rm -rf "$work/corpus"
mkdir -p "$work/seeds" "$work/logs" "$work/artifacts"
for f in "${fuzzers[@]}"; do
  [ -x "$bf/fuzz_$f" ] || { echo "run.sh: $bf/fuzz_$f not built (cmake --build $bf --target fuzzers)" >&2; exit 2; }
  mkdir -p "$work/seeds/$f" "$work/corpus/$f"
  for r in "$src"/tests/data/fuzz_regressions/"$f"-* "$src"/tests/data/fuzz_seeds/"$f"/*; do
    if [ -f "$r" ]; then cp "$r" "$work/seeds/$f/"; fi
  done
done

# ------------------------------------------------------------------ seeds
cp "$src"/scenarios/*.json "$src"/tests/data/scenarios_bad/*.json "$work/seeds/scenario/"
cp "$src"/scenarios/exams/*.json "$work/seeds/exam/"
cp "$src"/tests/data/scripts/* "$work/seeds/session_script/"
# Session logs recorded now, in the current format: the expert demonstration on the
# default scenario (sealed), a scripted attempt on a fused scoliotic spine, one with
# every script command, and the second cut inside its last record (incomplete).
exe=$build/sonospine
[ -x "$exe" ] || { echo "run.sh: $exe not built (needed to record seed logs)" >&2; exit 2; }
logtmp=$(mktemp -d)
trap 'rm -rf "$logtmp"' EXIT
# Recording must leave no trace outside: the results database and anything else a run
# keeps under the home directory go to the temporary directory.
export SONOSPINE_RESULTS_DB=$logtmp/results.sqlite3 HOME=$logtmp XDG_DATA_HOME=$logtmp XDG_CONFIG_HOME=$logtmp
(cd "$src" && "$exe" run scenarios/default.json --headless --log "$logtmp/demo-default.log" >/dev/null)
(cd "$src" && "$exe" run scenarios/wei2023-case6.json --headless --script tests/data/scripts/design-example.txt \
  --exit-after-script --log "$logtmp/scripted-case6.log" >/dev/null)
(cd "$src" && "$exe" run scenarios/normal-adult.json --headless \
  --script tests/data/fuzz_seeds/session_script/every-command.txt --log "$logtmp/every-command.log" >/dev/null)
head -c -40 "$logtmp/scripted-case6.log" > "$logtmp/cut-case6.log"
cp "$logtmp"/*.log "$work/seeds/session_log/"

dict_for() { case $1 in session_script) echo "$src/tests/fuzz/script.dict" ;; *) echo "$src/tests/fuzz/json.dict" ;; esac; }

run_one() {
  local f=$1
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  LSAN_OPTIONS=suppressions=$src/tests/lsan.supp \
    "$bf/fuzz_$f" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -dict="$(dict_for "$f")" -print_final_stats=1 -artifact_prefix="$work/artifacts/$f-" \
      "$work/corpus/$f" "$work/seeds/$f" > "$work/logs/$f.log" 2>&1
}

# ------------------------------------------------------------------ run, PARALLEL at a time
declare -A rc
echo "run.sh: fuzzing ${fuzzers[*]} for ${secs} s each, $par at a time"
i=0
pids=()
names=()
for f in "${fuzzers[@]}"; do
  run_one "$f" & pids+=($!); names+=("$f")
  i=$((i + 1))
  if [ $((i % par)) -eq 0 ] || [ "$i" -eq ${#fuzzers[@]} ]; then
    for k in "${!pids[@]}"; do
      if wait "${pids[$k]}"; then rc[${names[$k]}]=0; else rc[${names[$k]}]=$?; fi
    done
    pids=(); names=()
  fi
done

# ------------------------------------------------------------------ figures and verdict
fuzz_stat() { sed -n "s/^stat::$2: *//p" "$work/logs/$1.log" | tail -1; }
summary=$bf/fuzz-summary.txt
failed=0
{
  echo "# libFuzzer + ASan + UBSan, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, ${secs} s each, $par at a time"
  printf '%-15s %6s %11s %8s %12s %7s %15s %7s %8s  %s\n' fuzzer seeds executions execs/s edges/linked features \
    "corpus" "new" "rss_mb" result
  for f in "${fuzzers[@]}"; do
    log=$work/logs/$f.log
    nseeds=$(find "$work/seeds/$f" -type f | wc -l)
    # last status line: "#N  DONE  cov: E ft: F corp: C/SIZE ..."
    last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1 || true)
    cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<<"$last")
    ft=$(sed -n 's/.*ft: \([0-9]*\).*/\1/p' <<<"$last")
    corp=$(sed -n 's/.*corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p' <<<"$last")
    # edges instrumented in the executable (the engine code it links, not only the module fuzzed)
    total=$(sed -n 's/^INFO: Loaded 1 modules *(\([0-9]*\) inline 8-bit counters).*/\1/p' "$log" | head -1)
    res=ok
    if [ "${rc[$f]}" -ne 0 ] || grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|fuzz check failed' "$log"; then
      res="FAILED (exit ${rc[$f]})"
      failed=1
    fi
    printf '%-15s %6s %11s %8s %12s %7s %15s %7s %8s  %s\n' "$f" "$nseeds" "$(fuzz_stat "$f" number_of_executed_units)" \
      "$(fuzz_stat "$f" average_exec_per_sec)" "${cov:-?}/${total:-?}" "${ft:-?}" "${corp:-?}" "$(fuzz_stat "$f" new_units_added)" \
      "$(fuzz_stat "$f" peak_rss_mb)" "$res"
  done
} > "$summary"
cat "$summary"
echo "run.sh: summary in $summary, fuzzer output in $work/logs/"
if [ "$failed" -ne 0 ]; then
  for f in "${fuzzers[@]}"; do
    if [ "${rc[$f]}" -ne 0 ] || grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|fuzz check failed' "$work/logs/$f.log"; then
      echo "==== fuzz_$f: last lines of $work/logs/$f.log" >&2
      grep -vE '^#[0-9]+' "$work/logs/$f.log" | tail -40 >&2
    fi
  done
  echo "run.sh: FAILED; inputs saved in $work/artifacts/ (reproduce: $bf/fuzz_NAME FILE)" >&2
  ls -l "$work/artifacts" >&2
  exit 1
fi
