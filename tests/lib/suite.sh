# tests/lib/suite.sh — sourced by the transparency, adversarial and stress suites (tests/*/run.sh): runs a
# command untraced and traced under the same conditions, compares what it observably did, checks that the
# trace really recorded it, and keeps the pass/fail count. Each suite ends with `suite_finish`, whose last
# line is exactly "N passed, N failed" and whose status is non-zero if anything failed.
#
# Known failures: tests/known-failing-issue-7.txt names tests that fail today because of shim defects from
# issue 7. Only when FDHOUND_KNOWN_FAILING=1 (tools/test sets it) does a failure of a listed test print
# "known-failing (issue 7)" instead of counting as failed; run on their own, the suites fail honestly.
# A listed test that passes says so, so the list can be emptied as fixes land.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SHIM="$ROOT/shim/build/libfdhound.so"
TRACE_DUMP="$ROOT/shim/build/tests/trace_dump"
FDHOUND="$ROOT/.build/debug/fdhound"
KNOWN_FAILING_FILE="$ROOT/tests/known-failing-issue-7.txt"
PASSED=0
FAILED=0
KNOWN=()
RAN=()
SUITE=""
WORK=""

# suite_init NAME [needs-fdhound] — builds what the suite needs (shim, trace_dump, and the CLI if asked),
# makes a scratch directory removed at exit (kept with FDHOUND_KEEP_WORK=1).
suite_init() {
    SUITE="$1"
    make -s -C "$ROOT/shim" >/dev/null || { echo "$SUITE: cannot build the shim" >&2; exit 2; }
    make -s -C "$ROOT/shim" build/tests/trace_dump >/dev/null || { echo "$SUITE: cannot build trace_dump" >&2; exit 2; }
    if [ "${2:-}" = needs-fdhound ]; then # incremental: a no-op when tools/test built it already
        (cd "$ROOT" && swift build --product fdhound >/dev/null) || { echo "$SUITE: cannot build fdhound" >&2; exit 2; }
    fi
    WORK="$(mktemp -d "${TMPDIR:-/tmp}/fdhound-$SUITE.XXXXXX")"
    if [ "${FDHOUND_KEEP_WORK:-0}" = 1 ]; then echo "$SUITE: work directory $WORK" >&2
    else trap 'rm -rf "$WORK"' EXIT; fi
}

is_known_failing() { # NAME
    [ "${FDHOUND_KNOWN_FAILING:-0}" = 1 ] && [ -f "$KNOWN_FAILING_FILE" ] &&
        grep -qx "$SUITE/$1" <(sed -e 's/#.*//' -e 's/[[:space:]]*$//' "$KNOWN_FAILING_FILE")
}

pass() {
    RAN+=("$1")
    if is_known_failing "$1"; then echo "ok    $1 (listed as known-failing: remove it from tests/known-failing-issue-7.txt)"
    else echo "ok    $1"; fi
    PASSED=$((PASSED + 1))
}

fail() { # NAME REASON
    RAN+=("$1")
    if is_known_failing "$1"; then
        echo "known-failing (issue 7)  $1: $2"
        KNOWN+=("$1")
    else
        echo "FAIL  $1: $2"
        FAILED=$((FAILED + 1))
    fi
}

suite_finish() {
    # A listed name that matches no test of this suite (a typo, a renamed test) would tolerate nothing.
    local listed
    if [ "${FDHOUND_KNOWN_FAILING:-0}" = 1 ] && [ -f "$KNOWN_FAILING_FILE" ]; then
        for listed in $(sed -e 's/#.*//' "$KNOWN_FAILING_FILE" | sed -n "s|^$SUITE/\([^[:space:]]*\).*|\1|p"); do
            printf '%s\n' "${RAN[@]}" | grep -qx "$listed" ||
                { echo "FAIL  known-failing list: $SUITE/$listed names no test of this suite"; FAILED=$((FAILED + 1)); }
        done
    fi
    [ ${#KNOWN[@]} -gt 0 ] && echo "${#KNOWN[@]} known-failing (issue 7): ${KNOWN[*]}"
    echo "$PASSED passed, $FAILED failed"
    [ "$FAILED" -eq 0 ]
}

# expect_eq NAME WHAT ACTUAL EXPECTED — fails NAME (and returns 1) when they differ.
expect_eq() {
    [ "$3" = "$4" ] && return 0
    fail "$1" "$2: got '$(printf '%s' "$3" | head -c 600)', expected '$(printf '%s' "$4" | head -c 600)'"
    return 1
}

# run_case DIR MODE [SECONDS] -- COMMAND... — runs COMMAND with only descriptors 0-2 open (stdin
# /dev/null), bounded by timeout (a hang is exit status 124 and fails any comparison). MODE: untraced |
# traced (LD_PRELOAD the shim, traces into DIR/traces) | cli (`fdhound run -o DIR/traces --`).
# Every run works in the same directory, $WORK/cwd (programs that print or store their path must not
# differ for that reason), seeded with a copy of $SEED if set, and moved to DIR/cwd afterwards (a daemon
# still running there follows the move: it holds the directory, not the path). Results: DIR/stdout,
# DIR/stderr, DIR/status, DIR/cwd. RUN_ENV (an array of NAME=VALUE) is added to the environment.
run_case() {
    local dir="$1" mode="$2" seconds=60
    shift 2
    if [ "$1" != -- ]; then seconds="$1"; shift; fi
    shift
    rm -rf "$dir" "$WORK/cwd"; mkdir -p "$dir/traces" "$WORK/cwd"
    [ -n "${SEED:-}" ] && cp -a "$SEED/." "$WORK/cwd/"
    local tracer=()
    case "$mode" in
        untraced) ;;
        traced) tracer=(LD_PRELOAD="$SHIM" FDHOUND_OUTPUT_DIR="$dir/traces") ;;
        cli) tracer=("$FDHOUND" run -o "$dir/traces" --) ;;
        *) echo "run_case: unknown mode $mode" >&2; return 2 ;;
    esac
    ( ( # the outer subshell keeps bash's "Segmentation fault" notice out of the test's output
        cd "$WORK/cwd" || exit 99
        for fd in $(ls /proc/$BASHPID/fd); do [ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null; done
        exec timeout -k 5 "$seconds" env ${RUN_ENV[@]+"${RUN_ENV[@]}"} ${tracer[@]+"${tracer[@]}"} "$@"
    ) </dev/null >"$dir/stdout" 2>"$dir/stderr"
    echo $? >"$dir/status" ) 2>/dev/null
    mv "$WORK/cwd" "$dir/cwd"
}

# compare_runs NAME A B [FILTER] — stdout, stderr and exit status of runs A and B must be identical (after
# FILTER, a sed script for what is inherently nondeterministic). Returns 1 after failing NAME otherwise.
compare_runs() {
    local name="$1" a="$2" b="$3" filter="${4:-}" what
    for what in status stdout stderr; do
        if ! diff -q <(sed -e "$filter" "$a/$what") <(sed -e "$filter" "$b/$what") >/dev/null; then
            fail "$name" "$what differs untraced vs traced: $(diff <(sed -e "$filter" "$a/$what") \
                <(sed -e "$filter" "$b/$what") | head -8 | tr '\n' '|' | head -c 700)"
            return 1
        fi
    done
}

# compare_files NAME A B [FILTER] — every file under A/cwd and B/cwd: same names, same content (sha256
# after FILTER, a sed script for what is inherently nondeterministic). Paths matching the extended regex
# in COMPARE_SKIP (e.g. git's index, which holds inode numbers and times) are left out, on purpose.
compare_files() {
    local name="$1" a="$2/cwd" b="$3/cwd" filter="${4:-}"
    local la lb skip="${COMPARE_SKIP:-^$}"
    la="$(cd "$a" && find . -type f | grep -Ev "$skip" | LC_ALL=C sort)"
    lb="$(cd "$b" && find . -type f | grep -Ev "$skip" | LC_ALL=C sort)"
    expect_eq "$name" "files written" "$lb" "$la" || return 1
    local f
    while IFS= read -r f; do
        [ -n "$f" ] || continue
        local ha hb
        ha="$(sed -e "$filter" "$a/$f" | sha256sum)"; hb="$(sed -e "$filter" "$b/$f" | sha256sum)"
        if [ "$ha" != "$hb" ]; then
            fail "$name" "file $f differs untraced vs traced: $(diff <(sed -e "$filter" "$a/$f") \
                <(sed -e "$filter" "$b/$f") 2>/dev/null | head -6 | tr '\n' '|' | head -c 500)"
            return 1
        fi
    done <<<"$la"
}

# dump_all DIR — trace_dump of every trace in DIR/traces, one after another (a header line starts each).
dump_all() {
    local f
    for f in "$1"/traces/fdhound.*.trace; do [ -e "$f" ] && "$TRACE_DUMP" "$f"; done
}

# trace_of DIR EXE [N] — the dump of the N-th (default 1st, by pid) trace whose executable is EXE.
trace_of() {
    local f n="${3:-1}" out
    for f in $(ls "$1"/traces/fdhound.*.trace 2>/dev/null | sort -t. -k2,2n -k3,3n); do
        out="$("$TRACE_DUMP" "$f")" || continue
        case "${out%%$'\n'*}" in
            *"exe=$2 "*) n=$((n - 1)); [ "$n" = 0 ] && { echo "$out"; return 0; } ;;
        esac
    done
    return 1
}

# require_traced NAME DIR EXE... — each EXE has a trace in DIR/traces that recorded events, and the run
# printed no "tracing disabled": a shim that switched itself off must fail the case.
require_traced() {
    local name="$1" dir="$2" exe
    shift 2
    if grep -q 'fdhound: tracing disabled' "$dir/stderr"; then
        fail "$name" "the shim disabled itself: $(grep 'fdhound:' "$dir/stderr" | head -1)"; return 1
    fi
    for exe in "$@"; do
        local d events
        d="$(trace_of "$dir" "$exe")" || { fail "$name" "no trace of $exe in $dir/traces"; return 1; }
        events="$(echo "${d%%$'\n'*}" | sed 's/.* events=\([0-9]*\) .*/\1/')"
        [ "${events:-0}" -gt 0 ] || { fail "$name" "the trace of $exe recorded no events"; return 1; }
    done
}

# live_set DUMP [BELOW] — descriptor numbers the trace holds open (opened or inherited), below BELOW.
live_set() {
    echo "$1" | sed -n 's/^live fd=\([0-9]*\) .*/\1/p' | awk -v below="${2:-1000000000}" '$1 < below' | tr '\n' ' ' | sed 's/ $//'
}

# report_reads_all NAME DIR — `fdhound report --format json DIR/traces` reads every trace the run left
# (exit status 0, one process per trace file): what the shim wrote for a real program is usable.
report_reads_all() {
    local name="$1" dir="$2" traces processes status
    traces="$(ls "$dir/traces" | grep -c '\.trace$')"
    "$FDHOUND" report --format json "$dir/traces" >"$dir/report.json" 2>"$dir/report.stderr"
    status=$?
    expect_eq "$name" "fdhound report exit status ($(head -c 300 "$dir/report.stderr"))" "$status" 0 || return 1
    processes="$("${PYTHON:-python3}" "$ROOT/tests/lib/report_query.py" processes "$dir/report.json")" || processes="unreadable"
    expect_eq "$name" "processes in the report, for $traces trace files" "$processes" "$traces"
}
