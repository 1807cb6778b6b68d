#!/bin/sh
# make fuzz-native's run and report (the Makefile builds the tools, then calls this):
#   scripts/fuzz-native.sh          fuzz build/fuzz/codec-fuzz for FUZZ_SECONDS, then report
#   scripts/fuzz-native.sh report   the report of the last run again, from its files
# The report: each crash saved as test/fixtures/fuzz-native-<sha1>.bin (make test replays
# it), the sanitizers' lines, executions (per second, per CPU second), crashes, libFuzzer's
# last line and coverage counters, and llvm-cov's coverage of the translated codec over the
# corpus when llvm-cov is installed. Exit status: the fuzzer's (non-zero after a crash), or
# 1 when the coverage replay fails. Settings, from make: FUZZ_DIR, FUZZ_CORPUS,
# FUZZ_SECONDS, FUZZ_MAX_LEN, NODE.
dir=${FUZZ_DIR:-build/fuzz}
corpus=${FUZZ_CORPUS:-build/fuzz-corpus}
seconds=${FUZZ_SECONDS:-60}
max_len=${FUZZ_MAX_LEN:-512}
node=${NODE:-node}
log=$dir/fuzz.log

run() {
  rm -rf "$dir/seeds" "$dir/artifacts" "$dir/profile" && mkdir -p "$corpus" "$dir/artifacts" || exit 1
  "$node" --import tsx fuzz/seeds.ts "$dir/seeds" || exit 1
  echo "fuzz-native: $dir/codec-fuzz for $seconds s (log: $log)"
  "$dir/codec-fuzz" "$corpus" "$dir/seeds" -max_total_time="$seconds" -max_len="$max_len" \
    -dict="$dir/protocol.dict" -print_final_stats=1 -artifact_prefix="$dir/artifacts/" > "$log" 2>&1
  rc=$?
  # The CPU time of this shell's children (the fuzzer), for executions per CPU second.
  times > "$dir/times"
  echo "$rc $seconds" > "$dir/status"
}

# The number after `stat::NAME:` in the log.
stat() {
  grep -o "stat::$1: *[0-9]*" "$log" | grep -o '[0-9]*$'
}

report() {
  # The fuzzer's exit status and how long it ran (FUZZ_SECONDS of that run).
  read -r rc seconds < "$dir/status" || exit 1
  cpu=$(tail -1 "$dir/times" | awk '{ split($1, u, /[ms]/); split($2, s, /[ms]/); printf("%.1f", u[1] * 60 + u[2] + s[1] * 60 + s[2]) }')
  crashes=0
  for f in "$dir"/artifacts/*; do
    [ -f "$f" ] || continue
    crashes=$((crashes + 1))
    fixture=test/fixtures/fuzz-native-$(sha1sum "$f" | cut -c1-12).bin
    cp "$f" "$fixture"
    echo "fuzz-native: $(basename "$f") saved as $fixture (replayed by make test)"
  done
  grep -E '^(==[0-9]+==|SUMMARY|codec-fuzz:)' "$log" | head -20
  runs=$(stat number_of_executed_units)
  echo "fuzz-native: $runs executions in $seconds s," \
    "$(stat average_exec_per_sec) per second" \
    "($cpu s of CPU: $(awk -v n="$runs" -v t="$cpu" 'BEGIN { printf("%d", t ? n / t : 0) }') per CPU second)," \
    "$crashes crashes; libFuzzer's last line: $(grep -E '^#[0-9]+' "$log" | tail -1)" \
    "(cov of the $(grep -o '[0-9]* inline 8-bit counters' "$log" | head -1 | cut -d' ' -f1) edges of codec.c)"
  if command -v llvm-profdata >/dev/null 2>&1 && command -v llvm-cov >/dev/null 2>&1; then
    rm -rf "$dir/profile"
    find "$corpus" "$dir/seeds" -type f |
      LLVM_PROFILE_FILE="$dir/profile/%p.profraw" xargs -r "$dir/codec-cov" > /dev/null || rc=1
    llvm-profdata merge -sparse "$dir"/profile/*.profraw -o "$dir/codec.profdata" &&
      llvm-cov report -show-functions "$dir/codec-cov" -instr-profile="$dir/codec.profdata" \
        "$dir/codec.c" > "$dir/coverage.txt" &&
      awk -v inputs="$(ls "$corpus" | wc -l)" -v out="$dir/coverage.txt" '
        $1 ~ /:w2c_/ { n++; l += $5; lm += $6; b += $8; bm += $9 }
        END { printf "fuzz-native: llvm-cov over the %d corpus inputs: the %d functions of codec.wasm in C cover %d of %d lines (%.1f%%), %d of %d branches (%.1f%%); by function: %s\n",
          inputs, n, l - lm, l, 100 * (l - lm) / l, b - bm, b, 100 * (b - bm) / b, out }' "$dir/coverage.txt"
  fi
  exit "$rc"
}

case ${1:-} in
  '') run; report ;;
  report) report ;;
  *) echo "usage: scripts/fuzz-native.sh [report]" >&2; exit 2 ;;
esac
