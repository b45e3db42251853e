#!/usr/bin/env bash
# tests/stress/run.sh — THREADS threads × ITERATIONS open/close each, with a concurrent fork+exec storm and
# a SIGALRM handler that opens, dups and closes (stress.c), run untraced and traced, each bounded by a
# timeout (a hang fails). Asserts identical program output, and exact counts in the trace: the worker call
# site's opened/closed counters, the sum over all call sites equal to every descriptor the program made,
# the live table equal to what the program really has open at exit, and one trace per forked child and
# per exec'd /bin/true.
# Size: STRESS_ITERATIONS (default 1000000, the full size), STRESS_THREADS (8), STRESS_FORKS (200);
# tools/test uses a smaller ITERATIONS so the whole test stays under ~60 s on 2 cores (see tools/test).
# Usage: tests/stress/run.sh   (last line "N passed, N failed"; non-zero exit on failure)
set -uo pipefail
source "$(dirname "$0")/../lib/suite.sh"
suite_init stress
HERE="$ROOT/tests/stress"
THREADS="${STRESS_THREADS:-8}"
ITERATIONS="${STRESS_ITERATIONS:-1000000}"
FORKS="${STRESS_FORKS:-200}"
BIN="$WORK/bin"
mkdir -p "$BIN"
gcc -D_GNU_SOURCE -std=gnu11 -O1 -g -pthread -Wall -Wextra -Werror -Wno-unused-parameter -o "$BIN/stress" "$HERE/stress.c" &&
gcc -std=gnu11 -O1 -g -Wall -Wextra -Werror -I"$ROOT/shim/tests" -I"$ROOT/Sources/CFDHoundTrace/include" \
    -o "$BIN/trace_counts" "$HERE/trace_counts.c" || { echo "cannot build the stress programs" >&2; exit 2; }
ulimit -n 1024
echo "stress: $THREADS threads x $ITERATIONS open/close, $FORKS fork+exec" >&2

run_case "$WORK/untraced" untraced 300 -- "$BIN/stress" "$THREADS" "$ITERATIONS" "$FORKS"
run_case "$WORK/traced" traced 300 -- "$BIN/stress" "$THREADS" "$ITERATIONS" "$FORKS"

t=stress_no_deadlock_same_output
COMPARE_SKIP='^\./counts\.txt$' # the handler's run count is timing-dependent: it feeds the trace checks
expect_eq $t "untraced exit status (124 = timed out)" "$(cat "$WORK/untraced/status")" 0 &&
compare_runs $t "$WORK/untraced" "$WORK/traced" && compare_files $t "$WORK/untraced" "$WORK/traced" &&
require_traced $t "$WORK/traced" "$BIN/stress" /usr/bin/true && pass $t
COMPARE_SKIP=''

# value KEY TEXT — the value of "KEY value" in trace_counts' (or counts.txt's) lines.
value() { sed -n "s/^$1 //p" <<<"$2"; }
main_trace="$(ls "$WORK/traced/traces"/fdhound.*.trace 2>/dev/null | sort -t. -k2,2n -k3,3n | head -1)"
counts="$([ -n "$main_trace" ] && "$BIN/trace_counts" "$main_trace")"
made="$(cat "$WORK/traced/cwd/counts.txt" 2>/dev/null)"
worker="$(value worker_site "$made")"

# Every descriptor the program made is counted at its call site: the workers' one site exactly, and the
# sum over all sites (handler calls included, on whatever stack they ran) equal to what the program made.
t=stress_exact_call_site_counts
if [ -z "$counts" ] || [ -z "$made" ]; then
    fail $t "no trace or no counts.txt from the traced run (status $(cat "$WORK/traced/status"))"
else
    expect_eq $t "state (2 = exited)" "$(value state "$counts")" 2 &&
    expect_eq $t "unpublished events" "$(value unpublished "$counts")" 0 &&
    expect_eq $t "call sites / stacks / live slots dropped" \
        "$(value sites_dropped "$counts") $(value stacks_dropped "$counts") $(value live_dropped "$counts")" "0 0 0" &&
    expect_eq $t "the worker call site: opened, closed" "$(value top_site "$counts")" "$worker $worker" &&
    expect_eq $t "descriptors opened, summed over call sites (the program made $(value total_opened "$made"), its handler ran $(value handler_runs "$made") times; header nested_events $(value nested_events "$counts"))" \
        "$(value sites_opened "$counts")" "$(value total_opened "$made")" &&
    expect_eq $t "descriptors closed, summed over call sites" "$(value sites_closed "$counts")" "$(value sites_opened "$counts")" &&
    pass $t
fi

t=stress_live_table_matches_program
if [ -z "$counts" ]; then
    fail $t "no trace from the traced run (status $(cat "$WORK/traced/status"))"
else
    expect_eq $t "live table at exit (the program listed: $(sed -n 's/^open at exit: //p' "$WORK/traced/stdout"))" \
        "$(value live "$counts")" "$(sed -n 's/^open at exit: //p' "$WORK/traced/stdout")" &&
    expect_eq $t "live slots whose seqlock a write left odd (every thread joined, the timer off)" \
        "$(value odd_live_slots "$counts")" 0 && pass $t
fi

t=stress_fork_exec_storm_traced
forked=0; execed=0; finished=0
for f in "$WORK/traced/traces"/fdhound.*.trace; do
    header="$("$TRACE_DUMP" "$f" | head -1)"
    case "$header" in
        *"exe=$BIN/stress "*"flags="*) [ $(( $(sed 's/.*flags=\([0-9]*\).*/\1/' <<<"$header") & 2 )) = 2 ] &&
            forked=$((forked + 1)) && case "$header" in *" state=3 "*) execed=$((execed + 1)) ;; esac ;;
        *" state=2 exe=/usr/bin/true "*) finished=$((finished + 1)) ;;
    esac
done
expect_eq $t "forked children traced, of them execed, exec'd /bin/true traces that exited" \
    "$forked $execed $finished" "$FORKS $FORKS $FORKS" && pass $t

suite_finish
