#!/usr/bin/env bash
# run_tests.sh BUILD_DIR [asan|tsan] — the shim's own tests: preload build/libfdhound.so into the scenario
# programs (scenarios.c) and check what they report from inside and what their traces hold (trace_dump).
# With a sanitizer (make test-asan / test-tsan) BUILD_DIR holds an instrumented shim and test programs: the
# runtime is preloaded before the shim, every report goes to a log file, and a test whose run left a report
# fails with it, even if everything it checks held.
# Prints one line per test and "N passed, M failed"; exits non-zero if any failed.
set -uo pipefail
build="$(cd "${1:-build}" && pwd)"
sanitizer="${2:-}"
shim="$build/libfdhound.so"
scenarios="$build/tests/scenarios"
dump="$build/tests/trace_dump"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
skipped=0

# What LD_PRELOAD gets: the shim, behind the sanitizer runtime, which must come first in the library list.
preload="$shim"
reports="$work/sanitizer-reports"
mkdir -p "$reports/seen"
case "$sanitizer" in
    "") ;;
    asan)
        preload="$(${CC:-cc} -print-file-name=libasan.so):$(${CC:-cc} -print-file-name=libubsan.so):$shim"
        # detect_leaks=0: the scenarios leak on purpose (descriptors, and the FILE*/DIR* that hold them).
        export ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:detect_leaks=0:log_path=$reports/asan"
        export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$reports/ubsan" ;;
    tsan)
        preload="$(${CC:-cc} -print-file-name=libtsan.so):$build/tests/hide_libunwind.so:$shim"
        # symbolize=0: GCC's runtime symbolizes with libbacktrace, whose open() goes through the shim's hook
        # while TSan holds its thread-registry lock; a race in that hook then deadlocks the report. Reports are
        # symbolized here instead (symbolized_report). halt_on_error=0 and exitcode=0: every race of a run is
        # logged and the runner decides — known findings (below) pass, any other report fails the test.
        export TSAN_OPTIONS="halt_on_error=0:exitcode=0:symbolize=0:log_path=$reports/tsan" ;;
    *) echo "run_tests.sh: unknown sanitizer '$sanitizer' (asan or tsan)" >&2; exit 64 ;;
esac

# Tests that cannot run under a sanitizer, with why; each is skipped by name, only in that run.
declare -A incompatible=(
    ["tsan:hooks_never_call_the_programs_malloc"]="a program that replaces malloc segfaults under the TSan runtime even without the shim"
    ["tsan:program_closing_libunwinds_pipe_is_safe"]="the TSan run hides libunwind (tests/preload/hide_libunwind.c)"
    ["tsan:program_taking_libunwinds_numbers_switches_unwinder"]="the TSan run hides libunwind (tests/preload/hide_libunwind.c)"
    ["tsan:header_names_the_parked_pipe_at_the_top_of_the_limit"]="the TSan run hides libunwind (tests/preload/hide_libunwind.c): no pipe is parked"
    ["tsan:fast_unwinder_stacks_equal_libunwinds"]="the TSan run hides libunwind (tests/preload/hide_libunwind.c): nothing to compare with"
    ["tsan:fast_unwinder_stands_aside_when_its_cache_thrashes"]="the TSan run hides libunwind (tests/preload/hide_libunwind.c): nothing to compare with"
    ["tsan:fast_unwinder_keeps_its_rules_across_dlopen_of_loaded_objects"]="the TSan run hides libunwind (tests/preload/hide_libunwind.c): nothing to compare with"
    ["tsan:walk_memo_reuses_a_walk_only_when_every_word_it_read_holds"]="the TSan run hides libunwind (tests/preload/hide_libunwind.c): nothing to compare with"
    ["tsan:fast_unwinder_walks_through_a_return_address_at_a_page_end"]="the TSan run hides libunwind (tests/preload/hide_libunwind.c): nothing to compare with"
    ["tsan:fast_unwinder_walks_through_signal_frames"]="the TSan run hides libunwind (tests/preload/hide_libunwind.c): nothing to compare with"
    ["tsan:fast_unwinder_walks_through_the_loaders_lazy_binding_in_a_handler"]="the TSan run hides libunwind (tests/preload/hide_libunwind.c): nothing to compare with"
    ["tsan:vfork_child_shares_memory_and_records_nothing_into_the_parent"]="the TSan runtime, preloaded first, intercepts vfork and performs fork"
)

# skip_under_sanitizer NAME — true (and says so) if NAME cannot run under this run's sanitizer.
skip_under_sanitizer() {
    local reason="${incompatible[$sanitizer:$1]:-}"
    [ -n "$sanitizer" ] && [ -n "$reason" ] || return 1
    echo "skip  $1 (under $sanitizer: $reason)"
    skipped=$((skipped + 1))
}

# Findings in shim/src that are known and left for a fix there (docs/ARCHITECTURE.md, Tests). A TSan data
# race passes when what it raced on matches a pattern: the global's name, or else the function of the
# report's first frame (races on the trace mapping have no global). Each one is listed once at the end.
declare -A known_races=(
)
known_seen="$work/known-findings"
: >"$known_seen"

# object_path NAME — the file a report's "(NAME+0x...)" frame refers to.
object_path() {
    local d
    for d in "$build" "$build/tests" "$(dirname "$(${CC:-cc} -print-file-name=libtsan.so)")" \
             /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu /usr/bin /bin; do
        [ -f "$d/$1" ] && { echo "$d/$1"; return; }
    done
}

# global_at OBJECT OFFSET — the name of the global variable of OBJECT that holds OFFSET.
global_at() {
    local address size type name
    while read -r address size type name; do
        [ -n "$name" ] || continue
        if (( $2 >= 16#$address && $2 < 16#$address + 16#$size )); then echo "$name"; return; fi
    done < <(nm -S --defined-only "$1" 2>/dev/null)
}

# symbolized_report FILE — the report with each "(object+0xOFFSET)" followed by function and file:line
# (addr2line), and each global named (nm).
symbolized_report() {
    local line object offset path where
    while IFS= read -r line; do
        if [[ "$line" =~ \(([^()+ ]+)\+(0x[0-9a-f]+)\) ]]; then
            object="${BASH_REMATCH[1]}"; offset="${BASH_REMATCH[2]}"
            path="$(object_path "$(basename "$object")")"
            where=""
            if [ -n "$path" ] && [[ "$line" == *"Location is global"* ]]; then
                where="$(global_at "$path" "$offset")"
            elif [ -n "$path" ]; then
                where="$(addr2line -f -i -p -C -e "$path" "$offset" 2>/dev/null | head -1 | sed 's| (discriminator [0-9]*)||')"
            fi
            line="$line ${where:-?}"
        fi
        echo "$line"
    done <"$1"
}

# known_race FILE — prints the descriptions if every report in FILE is a TSan data race listed above.
known_race() {
    local block subject pattern matched all=""
    grep -q "WARNING: ThreadSanitizer:" "$1" || return 1
    while IFS= read -r -d $'\x1e' block; do
        [[ "$block" == *"WARNING: ThreadSanitizer:"* ]] || continue
        [[ "$block" == *"WARNING: ThreadSanitizer: data race "* ]] || return 1
        subject="$(echo "$block" | sed -n "s/.*Location is global .*) \([^ ]*\)$/\1/p" | head -1)"
        [ -n "$subject" ] && [ "$subject" != "?" ] ||
            subject="$(echo "$block" | sed -n 's/^SUMMARY: .*) *\([^ ]*\) at .*/\1/p' | head -1)"
        matched=""
        for pattern in "${!known_races[@]}"; do
            # shellcheck disable=SC2053 # the pattern is a glob on purpose
            [[ "${subject%.[0-9]*}" == $pattern ]] && matched="tsan race on $pattern: ${known_races[$pattern]}"
        done
        [ -n "$matched" ] || return 1
        all+="$matched"$'\n'
    done < <(sed 's/^==================$/\x1e/' "$1"; printf '\x1e')
    printf '%s' "$all"
}

# new_reports — prints the sanitizer reports written since the last call (and sets them aside); known
# findings are recorded for the summary instead.
new_reports() {
    local f symbolized known
    for f in "$reports"/*; do
        [ -f "$f" ] || continue
        symbolized="$work/symbolized"
        symbolized_report "$f" >"$symbolized"
        mv "$f" "$reports/seen/"
        if known="$(known_race "$symbolized")"; then
            echo "$known" >>"$known_seen"
            continue
        fi
        echo "--- $(basename "$f")"; cat "$symbolized"
    done
}

# run_traced NAME ARGS... — runs the scenario traced into $work/NAME; stdout/stderr into files there.
run_traced() {
    local name="$1"; shift
    mkdir -p "$work/$name"
    (   # only stdin/stdout/stderr cross into the scenario: counts must not depend on the caller's descriptors
        for fd in $(ls /proc/$BASHPID/fd); do [ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null; done
        FDHOUND_OUTPUT_DIR="$work/$name" LD_PRELOAD="$preload" exec timeout 60 "$scenarios" "$@" \
            >"$work/$name/stdout" 2>"$work/$name/stderr"
    )
    local status=$?
    # The TSan run hides libunwind on purpose; the shim's one line saying so is not the scenario's output.
    [ "$sanitizer" = tsan ] && sed -i '/^fdhound: libunwind.so.8 not .*; using glibc backtrace/d' "$work/$name/stderr"
    return $status
}

# dump NAME [EXE] — trace_dump of the trace of EXE (default: the scenario program) in $work/NAME.
# timeout(1) is traced too; with several traces of EXE (fork), the one of the lowest pid, or with
# "child" as third argument the other one.
dump() {
    local f exe="${2:-$scenarios}" skip=0
    [ "${3:-}" = child ] && skip=1
    for f in $(ls "$work/$1"/fdhound.*.trace | sort -t. -k2,2n -k3,3n); do
        local out
        out="$("$dump" "$f")"
        case "${out%%$'\n'*}" in
            *"exe=$exe "*) if [ "$skip" = 0 ]; then echo "$out"; return; fi; skip=0 ;;
        esac
    done
    echo "no trace of $exe in $work/$1" >&2
}

pass() {
    local found
    found="$(new_reports)"
    if [ -n "$found" ]; then fail "$1" "sanitizer report"$'\n'"$found"; return; fi
    echo "ok    $1"; passed=$((passed + 1))
}
fail() {
    local found
    found="$(new_reports)"
    echo "FAIL  $1: $2${found:+$'\n'$found}"; failed=$((failed + 1))
}
expect_eq() { # NAME WHAT ACTUAL EXPECTED
    if [ "$3" = "$4" ]; then return 0; fi
    fail "$1" "$2: got '$3', expected '$4'"; return 1
}

t=exports_exactly_the_listed_hooks
listed="$("$build/tests/list_hooks" | sort)"
exported="$(nm -D --defined-only "$shim" | awk '{print $3}' | sort)"
if [ "$listed" = "$exported" ]; then pass $t
else fail $t "$(diff <(echo "$listed") <(echo "$exported") | grep '^[<>]' | tr '\n' ' ')"; fi

# Every hook's real call that may create a descriptor is marked in flight for forked children (real_calls.h:
# FDH_CREATING, or FDH_RETRY_ON_EMFILE and STREAM_CALL built on it). A real call outside them must be one of
# these, which create none, or say on its line why it needs no mark; a new hook fails here until it does.
t=creating_calls_are_marked_in_flight
not_creating='close|close_range|closefrom|closedir|fdopendir|fdopen|fclose|pclose|dlopen|dlclose|setrlimit|setrlimit64'
not_creating="$not_creating|prlimit|prlimit64|connect|bind|clone|posix_spawn|posix_spawnp|execve|execv|execvp|execvpe|fexecve|_exit"
unmarked="$(cd "$(dirname "$0")/../src" && grep -n 'real_[A-Za-z0-9_]*(\|[^A-Za-z0-9_>.]real(' hooks_*.c |
    grep -v 'FDH_CREATING\|FDH_RETRY_ON_EMFILE\|STREAM_CALL\|never recorded\|creates no descriptor' |
    grep -Ev "real_($not_creating)\(|^hooks_(close|longjmp|process)\.c:[0-9]*: .*[^_]real\(" | tr '\n' ' ')"
expect_eq $t "real calls neither marked in flight nor known to create nothing" "$unmarked" "" && pass $t

t=errno_preserved
if run_traced $t errno; then pass $t; else fail $t "$(cat "$work/$t/stderr")"; fi

t=no_tracer_descriptor_among_the_programs
if run_traced $t no-tracer-fds; then pass $t; else fail $t "$(cat "$work/$t/stderr")"; fi

# libunwind's validation pipe: closed after the shim's warm-up (a program the fast unwinder serves holds
# none of our descriptors), made again by libunwind's first walk after it and parked at the top of the limit.
t=header_names_no_tracer_pipe_until_libunwind_walks
run_traced $t hello
d="$(dump $t)"
expect_eq $t "tracer descriptors" "$(echo "$d" | head -1 | sed 's/.* tracer=//')" "-1,-1" && pass $t

t=header_names_the_parked_pipe_at_the_top_of_the_limit
if ! skip_under_sanitizer $t; then
run_traced $t libunwind-walk
d="$(dump $t)"
soft="$(ulimit -Sn)"
expect_eq $t "tracer descriptors" "$(echo "$d" | head -1 | sed 's/.* tracer=//')" "$((soft - 2)),$((soft - 1))" &&
expect_eq $t "the capture libunwind walked has its stack (call_through_expression_frame's caller too)" \
    "$(echo "$d" | grep -c '^event .* type=1 .*str1=/dev/null .*stack=0x')" 1 &&
pass $t
fi

t=nested_calls_recorded_once
run_traced $t nested
d="$(dump $t)"
opens_of() { echo "$d" | grep -c "^event .* type=1 api=$1 .*str1=$2 " ; }
expect_eq $t "fopen events for /etc/hostname" "$(opens_of 19 /etc/hostname)" 1 &&
expect_eq $t "open events for /etc/hostname" "$(opens_of 1 /etc/hostname)" 0 &&
expect_eq $t "opendir events for /tmp" "$(opens_of 23 /tmp)" 1 &&
expect_eq $t "openat events for /tmp" "$(opens_of 3 /tmp)" 0 &&
expect_eq $t "descriptors left open" "$(echo "$d" | grep -c '^live .*state=1 ')" 0 &&
pass $t

t=threads_exact_counts
run_traced $t threads
d="$(dump $t)"
expect_eq $t "leaked /dev/zero descriptors" "$(echo "$d" | grep -c '^live .*state=1 .*str1=/dev/zero ')" 40 &&
expect_eq $t "unpublished events" "$(echo "$d" | grep -c unpublished)" 0 &&
expect_eq $t "opens of /dev/null" "$(echo "$d" | grep -c '^event .*type=1 .*str1=/dev/null ')" 16000 &&
pass $t

# Eight threads wrapping a 64-event ring 500 times over: writers claim slots by CAS and never wait, so a
# slot may be skipped (counted as dropped) but the dump never shows a torn event, the kept window is the
# newest 64 sequence numbers in order, and the live table and call-site counters stay exact.
t=threads_wrapping_a_small_ring_keep_exact_counts
mkdir -p "$work/$t"
FDHOUND_EVENT_CAPACITY=64 FDHOUND_OUTPUT_DIR="$work/$t" LD_PRELOAD="$preload" "$scenarios" threads 2>"$work/$t/stderr"
d="$(dump $t)"
next="$(echo "$d" | head -1 | sed 's/.*events=\([0-9]*\).*/\1/')"
seqs="$(echo "$d" | grep '^event ' | sed 's/event seq=\([0-9]*\).*/\1/' | tr '\n' ' ')"
expect_eq $t "leaked /dev/zero descriptors" "$(echo "$d" | grep -c '^live .*state=1 .*str1=/dev/zero ')" 40 &&
expect_eq $t "every call recorded" "$([ "$next" -ge 32040 ] && echo yes)" yes &&
expect_eq $t "kept window" "$seqs" "$(seq $((next - 64)) $((next - 1)) | tr '\n' ' ')" &&
expect_eq $t "published events are whole (open/close of the two files, or the exit)" \
    "$(echo "$d" | grep '^event ' | grep -v unpublished | grep -cvE ' type=1 api=1 .*str1=/dev/(null|zero) | type=2 api=18 .*str1=/dev/(null|zero) | type=8 ')" 0 &&
expect_eq $t "site: churned opens all closed" "$(echo "$d" | grep -c '^site .*opened=16000 closed=16000 ')" 1 &&
expect_eq $t "site: leaked opens" "$(echo "$d" | grep -c '^site .*opened=40 closed=0 ')" 1 &&
pass $t

# Call-site counters and the live count are split into per-thread shards (sixteen threads here, twice the
# shards): the sums over the shards must be exact — every open and close of every thread, closes made by a
# thread other than the opener included — whether the process exits or dies by SIGKILL (the shards live in
# the shared trace mapping, nothing is flushed at exit).
for how in sharded sharded-killed; do
    t="per_thread_shards_keep_exact_totals_${how//-/_}"
    (run_traced $t $how) 2>/dev/null # bash would announce "Killed"
    d="$(dump $t)"
    open_now="$(echo "$d" | grep -c '^live .*state=[12] ')"
    expect_eq $t "state (2 exited, 1 killed)" "$(echo "$d" | head -1 | sed 's/.*state=\([0-9]*\).*/\1/')" \
        "$([ $how = sharded ] && echo 2 || echo 1)" &&
    expect_eq $t "shards" "$(echo "$d" | grep -c '^shards count=8 ')" 1 &&
    expect_eq $t "site: churned /dev/null" "$(echo "$d" | grep -c '^site .*opened=48000 closed=48000 ')" 1 &&
    expect_eq $t "site: leaked /dev/zero" "$(echo "$d" | grep -c '^site .*opened=112 closed=0 ')" 1 &&
    expect_eq $t "site: /dev/urandom closed by the next thread" "$(echo "$d" | grep -c '^site .*opened=800 closed=800 ')" 1 &&
    expect_eq $t "leaked descriptors in the live table" "$(echo "$d" | grep -c '^live .*state=1 .*str1=/dev/zero ')" 112 &&
    expect_eq $t "live count summed over the shards = open slots" \
        "$(echo "$d" | grep '^shards ' | sed 's/.*live=\([0-9]*\).*/\1/')" "$open_now" &&
    pass $t
done

# The log is a ring: once full it keeps the newest events (seq S at slot S % 16), and the live table and
# the call-site counters stay exact whatever it overwrote.
t=full_event_log_keeps_newest_events_and_exact_live_table
mkdir -p "$work/$t"
FDHOUND_EVENT_CAPACITY=16 FDHOUND_OUTPUT_DIR="$work/$t" LD_PRELOAD="$preload" "$scenarios" leak 100 2>"$work/$t/stderr"
d="$(dump $t)"
next="$(echo "$d" | head -1 | sed 's/.*events=\([0-9]*\).*/\1/')"
dropped="$(echo "$d" | head -1 | sed 's/.*dropped=\([0-9]*\).*/\1/')"
expect_eq $t "leaked descriptors" "$(echo "$d" | grep -c '^live .*state=1 ')" 100 &&
expect_eq $t "more events than slots" "$([ "$next" -gt 100 ] && echo yes)" yes &&
expect_eq $t "events dropped (single thread: no slot was busy)" "$dropped" 0 &&
expect_eq $t "published events kept" "$(echo "$d" | grep '^event ' | grep -vc unpublished)" 16 &&
expect_eq $t "oldest kept event" "$(echo "$d" | grep -m1 '^event ' | sed 's/event seq=\([0-9]*\).*/\1/')" $((next - 16)) &&
expect_eq $t "newest kept event" "$(echo "$d" | grep '^event ' | tail -1 | sed 's/event seq=\([0-9]*\).*/\1/')" $((next - 1)) &&
expect_eq $t "newest kept event is the exit" "$(echo "$d" | grep '^event ' | tail -1 | grep -c ' type=8 ')" 1 &&
expect_eq $t "the open before it is the last leaked descriptor" \
    "$(echo "$d" | grep '^event ' | tail -2 | head -1 | sed 's/.* type=1 .* fd=\([0-9]*\) .*/\1/')" \
    "$(echo "$d" | grep '^live .*state=1 ' | sed 's/live fd=\([0-9]*\) .*/\1/' | sort -n | tail -1)" &&
expect_eq $t "site opened count" "$(echo "$d" | grep '^site' | grep -c 'opened=100 closed=0 peak=100')" 1 &&
pass $t

t=sigkill_leaves_readable_trace
(run_traced $t killed) 2>/dev/null # bash would announce "Killed"
d="$(dump $t)"
expect_eq $t "state (1 = running/killed)" "$(echo "$d" | head -1 | sed 's/.*state=\([0-9]*\).*/\1/')" 1 &&
expect_eq $t "leaked descriptors" "$(echo "$d" | grep -c '^live .*state=1 .*str1=/dev/null ')" 3 &&
pass $t

t=forked_child_gets_its_own_trace_with_inherited_stacks
run_traced $t fork
d="$(dump $t)"
c="$(dump $t "$scenarios" child)"
expect_eq $t "stderr" "$(cat "$work/$t/stderr")" "" &&
expect_eq $t "parent's leaked descriptors" "$(echo "$d" | grep -c '^live .*state=1 ')" 3 &&
expect_eq $t "parent's fork event" "$(echo "$d" | grep -c '^event .*type=9 api=52 ')" 1 &&
expect_eq $t "child flagged as forked" "$(echo "$c" | head -1 | grep -c 'flags=3 ')" 1 &&
expect_eq $t "child's own leaks" "$(echo "$c" | grep -c '^live .*state=1 .*str1=/dev/null ')" 7 &&
expect_eq $t "child inherited /etc/hostname with the parent's open stack" \
    "$(echo "$c" | grep '^live .*state=2 .*api=1 str1=/etc/hostname ' | grep -c 'stack=0x')" 1 &&
pass $t

t=exec_recorded_and_new_image_inherits_what_crossed
run_traced $t exec
d="$(dump $t)"
n="$(dump $t /usr/bin/true)"
expect_eq $t "state (3 = execed)" "$(echo "$d" | head -1 | sed 's/.*state=\([0-9]*\).*/\1/')" 3 &&
expect_eq $t "exec event" "$(echo "$d" | grep -c '^event .*type=10 api=55 .*str1=/bin/true ')" 1 &&
expect_eq $t "new image inherited the pipe ends" "$(echo "$n" | grep -c '^live .*state=2 kind=3 ')" 2 &&
expect_eq $t "new image did not get the O_CLOEXEC file" "$(echo "$n" | grep -c '^live .*hostname')" 0 &&
pass $t

t=double_close_and_owner_violation_are_misuse
run_traced $t double-close
d="$(dump $t)"
expect_eq $t "scenario" "$(cat "$work/$t/stderr")" "" &&
expect_eq $t "close of a closed descriptor" "$(echo "$d" | grep -c '^event .*type=14 .*str1=/dev/null ')" 1 &&
expect_eq $t "raw close of a FILE* descriptor" "$(echo "$d" | grep -c '^event .*type=14 api=18 kind=0 owner=1 .*str1=/etc/hostname ')" 1 &&
pass $t

t=close_range_closes_and_marks_cloexec
run_traced $t close-range
d="$(dump $t)"
expect_eq $t "open descriptors" "$(echo "$d" | grep -c '^live .*state=1 ')" 1 &&
expect_eq $t "closes by close_range" "$(echo "$d" | grep -c '^event .*type=2 api=50 .*str1=/dev/null ')" 5 &&
expect_eq $t "cloexec event" "$(echo "$d" | grep -c '^event .*type=15 api=50 .*str1=/dev/zero ')" 1 &&
pass $t

t=scm_rights_received_descriptor_is_an_open
run_traced $t scm-rights
d="$(dump $t)"
expect_eq $t "scenario" "$(cat "$work/$t/stderr")" "" &&
expect_eq $t "received descriptor" "$(echo "$d" | grep -c '^live .*state=1 kind=1 owner=0 api=48 str1=/etc/hostname ')" 1 &&
pass $t

t=signal_handler_closing_and_duplicating
run_traced $t signal-close
d="$(dump $t)"
expect_eq $t "descriptors left open (the handler's dup of stderr, 200 times, minus the closes)" \
    "$(echo "$d" | grep -c '^live .*state=1 ')" 0 &&
expect_eq $t "dups in the handler" "$(echo "$d" | grep -c '^event .*type=3 api=14 ')" 200 &&
pass $t

t=dup2_over_open_descriptor_closes_it
run_traced $t dup2
d="$(dump $t)"
expect_eq $t "open descriptors" "$(echo "$d" | grep -c '^live .*state=1 ')" 1 &&
expect_eq $t "the survivor is the dup2 copy of /dev/null" "$(echo "$d" | grep -c '^live .*state=1 .*api=15 str1=/dev/null ')" 1 &&
pass $t

t=program_closing_libunwinds_pipe_is_safe
if ! skip_under_sanitizer $t; then
if run_traced $t close-all; then
    d="$(dump $t)"
    expect_eq $t "leaked descriptors" "$(echo "$d" | grep -c '^live .*state=1 .*str1=/dev/null ')" 4 && pass $t
else fail $t "$(cat "$work/$t/stderr")"; fi
fi

t=tcp_state_at_exit_shows_close_wait
run_traced $t close-wait
d="$(dump $t)"
expect_eq $t "scenario" "$(cat "$work/$t/stderr")" "" &&
expect_eq $t "accepted socket in CLOSE_WAIT (8) with both endpoints" \
    "$(echo "$d" | grep '^live .*state=1 kind=5 owner=0 api=8 str1=127.0.0.1:[0-9]* str2=127.0.0.1:[0-9]* tcp=8 ' | wc -l)" 1 &&
pass $t

t=socket_endpoints_named_as_the_kernel_names_them
# Endpoints the shim takes from the listener, from accept's out-parameter (its own buffer when the program
# passed none) or from connect's address must be the kernel's own (getsockname/getpeername), as must those
# it still asks for (a wildcard listener, a buffer too small, a unix path, an IPv6 socket sent to IPv4).
mkdir -p "$work/$t/sockets"
FDHOUND_OUTPUT_DIR="$work/$t" LD_PRELOAD="$preload" timeout 60 "$build/tests/socket_endpoints" "$work/$t/sockets" \
    >"$work/$t/stdout" 2>"$work/$t/stderr"; status=$?
[ "$sanitizer" = tsan ] && sed -i '/^fdhound: libunwind.so.8 not .*; using glibc backtrace/d' "$work/$t/stderr"
d="$(dump $t "$build/tests/socket_endpoints")"
missing=""
while read -r _ fd local peer; do
    echo "$d" | grep -qF "live $fd state=1 " || { missing+=" $fd(not open)"; continue; }
    echo "$d" | grep "^live $fd state=1 " | grep -qF " $local $peer tcp=" || missing+=" $fd:$local,$peer"
done <"$work/$t/stdout"
expect_eq $t "status" "$status" 0 &&
expect_eq $t "scenario" "$(cat "$work/$t/stderr")" "" &&
expect_eq $t "sockets checked (at least 7)" "$([ "$(wc -l <"$work/$t/stdout")" -ge 7 ] && echo yes)" yes &&
expect_eq $t "endpoints the trace does not have" "$missing" "" &&
pass $t

t=socket_endpoints_cost_one_call_per_connect_and_none_per_accept
# What the shim adds to a loopback connect/accept loop (strace counts, deterministic): getsockname for each
# connect's local port, nothing for an accept(NULL, NULL) from a listener bound to one address (the shim's
# own buffer names the peer); the program itself asks for no endpoint.
mkdir -p "$work/$t"
FDHOUND_OUTPUT_DIR="$work/$t" strace -f -qq -c -o "$work/$t/counts" -E LD_PRELOAD="$preload" \
    "$build/tests/socket_endpoints" connections 100 >"$work/$t/stdout" 2>"$work/$t/stderr"; status=$?
calls() { awk -v s="$1" '$NF == s { print $4 }' "$work/$t/counts"; }
expect_eq $t "status" "$status" 0 &&
expect_eq $t "connects" "$(calls connect)" 100 &&
expect_eq $t "traced (events in the trace)" "$("$dump" "$work/$t"/fdhound.*.trace | grep -c '^event .*type=1 api=\(8\|9\) ')" 100 &&
expect_eq $t "getsockname calls (the program's 1, bind's 1, a connect's 100)" "$(calls getsockname)" 102 &&
expect_eq $t "getpeername calls" "$(calls getpeername)" "" &&
pass $t

t=double_underscore_aliases_and_closefrom
run_traced $t aliases
d="$(dump $t)"
expect_eq $t "scenario" "$(cat "$work/$t/stderr")" "" &&
expect_eq $t "open descriptors" "$(echo "$d" | grep -c '^live .*state=1 ')" 1 &&
expect_eq $t "the __open64 leak" "$(echo "$d" | grep -c '^live .*state=1 kind=1 owner=0 api=2 str1=/etc/hostname ')" 1 &&
expect_eq $t "__close recorded as close" "$(echo "$d" | grep -c '^event .*type=2 api=18 .*str1=/dev/null ')" 1 &&
expect_eq $t "closes by closefrom" "$(echo "$d" | grep -c '^event .*type=2 api=51 .*str1=/dev/zero ')" 3 &&
pass $t

t=hooks_never_call_the_programs_malloc
if ! skip_under_sanitizer $t; then
mkdir -p "$work/$t"
if FDHOUND_OUTPUT_DIR="$work/$t" LD_PRELOAD="$preload" "$build/tests/no_malloc_in_hooks" 2>"$work/$t/stderr"; then
    pass $t
else
    fail $t "$(cat "$work/$t/stderr")"
fi
fi

t=full_disk_drops_records_and_never_kills_the_program
mkdir -p "$work/full"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=2m tmpfs "$work/full" 2>/dev/null; then
    # tmpfs allocates pages even to read a hole: the harshest case for a sparse, mapped trace.
    FDHOUND_OUTPUT_DIR="$work/full" LD_PRELOAD="$preload" "$scenarios" leak 15000 2>"$work/full-stderr"; status=$?
    flags="$("$dump" "$work/full"/fdhound.*.trace | head -1 | sed 's/.*flags=\([0-9]*\).*/\1/')"
    umount "$work/full"
    expect_eq $t "status (not 135 = SIGBUS)" "$status" 0 &&
    expect_eq $t "disk-full flag (32) in the header" "$(( ${flags:-0} & 32 ))" 32 &&
    pass $t
else
    echo "skip  $t (needs root to mount a small tmpfs)"
fi

t=program_taking_libunwinds_numbers_switches_unwinder
if ! skip_under_sanitizer $t; then
if run_traced $t takes-libunwind-fds; then
    d="$(dump $t)"
    expect_eq $t "nothing written on the program's stderr" "$(cat "$work/$t/stderr")" "" &&
    expect_eq $t "header names no tracer descriptors any more" "$(echo "$d" | head -1 | sed 's/.* tracer=//')" "-1,-1" &&
    expect_eq $t "header says the unwinder yielded (64)" "$(( $(echo "$d" | head -1 | sed 's/.*flags=\([0-9]*\).*/\1/') & 64 ))" 64 &&
    expect_eq $t "leaks still recorded with stacks" "$(echo "$d" | grep '^live .*state=1 .*str1=/dev/null ' | grep -c 'stack=0x')" 2 &&
    pass $t
else fail $t "$(cat "$work/$t/stderr")"; fi
fi

t=fork_from_multithreaded_parent_records_without_stacks
run_traced $t fork-multithreaded
c="$(dump $t "$scenarios" child)"
expect_eq $t "scenario" "$(cat "$work/$t/stderr")" "" &&
expect_eq $t "child flagged forked + no stacks (2|4)" "$(( $(echo "$c" | head -1 | sed 's/.*flags=\([0-9]*\).*/\1/') & 6 ))" 6 &&
expect_eq $t "child's leak recorded, without a stack" "$(echo "$c" | grep '^live .*state=1 .*str1=/etc/hostname ' | grep -c 'stack=$')" 1 &&
expect_eq $t "child's dup2 and close recorded" "$(echo "$c" | grep -c '^event .*type=2 .*fd=20 ')" 1 &&
pass $t

t=attach_and_detach_a_running_program_with_gdb
mkdir -p "$work/$t"
coproc target { exec "$scenarios" attach-target "$work/$t"; } # bounded: it stops by itself after 60 s
pid=$target_PID # bash unsets target_PID once the coproc has exited
read -r ready before <&"${target[0]}"
gdb_call() { timeout 60 gdb --batch --nx -p "$pid" "$@" 2>&1 | grep '^\$' ; }
attached="$(gdb_call -ex "call (void*)dlopen(\"$shim\", 2)" -ex "call (int)fdhound_attach(\"$work/$t\")" | tail -1)"
sleep 0.3
detached="$(gdb_call -ex "call (int)fdhound_detach()")"
touch "$work/$t/detached"
wait "$pid"; status=$?
f="$(ls "$work/$t"/fdhound.*.trace 2>/dev/null | head -1)"
d="$([ -n "$f" ] && "$dump" "$f")"
expect_eq $t "ready line" "$ready" ready &&
expect_eq $t "fdhound_attach returned" "$attached" '$2 = 0' &&
expect_eq $t "fdhound_detach returned" "$detached" '$1 = 0' &&
expect_eq $t "target's status" "$status" 0 &&
expect_eq $t "header says ATTACHED and DETACHED (128|256)" "$(( $(echo "$d" | head -1 | sed 's/.*flags=\([0-9]*\).*/\1/') & 384 ))" 384 &&
expect_eq $t "the descriptor open before attach is inherited" "$(echo "$d" | grep -c "^live fd=$before state=2 .*str1=/etc/hostname ")" 1 &&
expect_eq $t "leaks while attached, with stacks" "$(echo "$d" | grep '^live .*state=1 .*str1=/dev/zero ' | grep -c 'stack=0x' | sed 's/^0$/none/;s/^[0-9]*$/some/')" some &&
expect_eq $t "nothing after detach" "$(echo "$d" | grep -c 'str1=/dev/full')" 0 &&
pass $t

# Attached, detached and attached again in one process: the second trace must hold the second round's
# records, with stacks and descriptions of its own (threads' caches of the first trace are not reused).
t=attached_again_starts_a_trace_of_its_own
mkdir -p "$work/$t/1" "$work/$t/2"
runtime="${preload%"$shim"}" # the sanitizer's runtime, if any: the scenario dlopens the shim itself
( for fd in $(ls /proc/$BASHPID/fd); do [ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null; done
  LD_PRELOAD="${runtime%:}" exec timeout 60 "$scenarios" reattach "$shim" "$work/$t/1" "$work/$t/2" \
      >"$work/$t/stdout" 2>"$work/$t/stderr" )
status=$?
[ "$sanitizer" = tsan ] && sed -i '/^fdhound: libunwind.so.8 not .*; using glibc backtrace/d' "$work/$t/stderr"
ok=1
for n in 1 2; do
    d="$("$dump" "$(ls "$work/$t/$n"/fdhound.*.trace | head -1)")"
    expect_eq $t "trace $n: its own leak, with a stack" "$(echo "$d" | grep -c '^live .*state=1 .*str1=/dev/zero .*stack=0x')" 1 &&
    expect_eq $t "trace $n: the loop's call site" "$(echo "$d" | grep -c '^site .* opened=5 closed=5 ')" 1 &&
    expect_eq $t "trace $n: the leak's call site" "$(echo "$d" | grep -c '^site .* opened=1 closed=0 ')" 1 ||
        { ok=0; break; }
done
[ $ok = 1 ] &&
expect_eq $t "scenario" "$status $(cat "$work/$t/stderr")" "0 " &&
pass $t

t=vfork_child_shares_memory_and_records_nothing_into_the_parent
if ! skip_under_sanitizer $t; then
    run_traced $t vfork
    d="$(dump $t)"
    parent="$(echo "$d" | head -1 | sed 's/^pid=\([0-9]*\).*/\1/')"
    spawned="$(for f in "$work/$t"/fdhound.*.trace; do "$dump" "$f" | head -1; done | grep -c "ppid=$parent state=[0-9]* exe=/usr/bin/true ")"
    expect_eq $t "scenario (exec failure seen through shared memory, header untouched)" "$(cat "$work/$t/stderr")" "" &&
    expect_eq $t "traces of the scenario program (vfork children make none)" \
        "$(for f in "$work/$t"/fdhound.*.trace; do "$dump" "$f" | head -1; done | grep -c "exe=$scenarios ")" 1 &&
    expect_eq $t "the parent's leak the child closed its copy of" "$(echo "$d" | grep -c '^live .*state=1 .*str1=/etc/hostname ')" 1 &&
    expect_eq $t "no close recorded for it" "$(echo "$d" | grep -c '^event .*type=2 .*str1=/etc/hostname ')" 0 &&
    expect_eq $t "FORK events with api vfork (53)" "$(echo "$d" | grep -c '^event .*type=9 api=53 .*result=[1-9]')" 2 &&
    expect_eq $t "FORK event of posix_spawn (54)" "$(echo "$d" | grep -c '^event .*type=9 api=54 .*result=[1-9].*str1=/bin/true ')" 1 &&
    expect_eq $t "no exec recorded in the parent" "$(echo "$d" | grep -c '^event .*type=10 ')" 0 &&
    expect_eq $t "one exit, the parent's" "$(echo "$d" | grep -c '^event .*type=8 ')" 1 &&
    expect_eq $t "state (2 = exited)" "$(echo "$d" | head -1 | sed 's/.*state=\([0-9]*\).*/\1/')" 2 &&
    expect_eq $t "programs exec'd by the vfork child and posix_spawn have their own traces" "$spawned" 2 &&
    pass $t
fi

t=untraced_forks_never_write_into_the_parents_trace
run_traced $t other-forks
d="$(dump $t)"
c="$(dump $t "$scenarios" child)"
expect_eq $t "scenario (parent's header still running after each child)" "$(cat "$work/$t/stderr")" "" &&
expect_eq $t "the parent's leak the children closed their copies of" "$(echo "$d" | grep -c '^live .*state=1 .*str1=/dev/null ')" 1 &&
expect_eq $t "FORK event with api _Fork (68)" "$(echo "$d" | grep -c '^event .*type=9 api=68 .*result=[1-9]')" 1 &&
expect_eq $t "FORK event with api clone (69)" "$(echo "$d" | grep -c '^event .*type=9 api=69 .*result=[1-9]')" 1 &&
expect_eq $t "one exit, the parent's" "$(echo "$d" | grep -c '^event .*type=8 ')" 1 &&
expect_eq $t "the raw clone child's calls in the parent's log" "$(echo "$d" | grep -c '^event .*str1=/dev/zero ')" 0 &&
expect_eq $t "events of another process in the parent's log" \
    "$(echo "$d" | grep '^event ' | grep -vc " tid=$(echo "$d" | head -1 | sed 's/^pid=\([0-9]*\).*/\1/') ")" 0 &&
expect_eq $t "_Fork's child has its own trace (flag 2) with its close" \
    "$(( $(echo "$c" | head -1 | sed 's/.*flags=\([0-9]*\).*/\1/') & 2 ))/$(echo "$c" | grep -c '^event .*type=2 .*str1=/dev/null ')" "2/1" &&
pass $t

t=multithreaded_fork_exec_describes_what_really_crossed
if ! skip_under_sanitizer $t; then
    run_traced $t fork-exec-threads 400
    crossed="$(for f in "$work/$t"/fdhound.*.trace; do
        out="$("$dump" "$f")"
        case "${out%%$'\n'*}" in *"state=3 exe=$scenarios "*)
            echo "$out" | grep '^live .*cloexec=0' | grep -v '^live fd=[012] ' ;;
        esac
    done)"
    expect_eq $t "scenario" "$(cat "$work/$t/stderr")" "" &&
    expect_eq $t "descriptors that crossed blamed on the churners' close-on-exec file or socket (open, socket, /etc/hostname)" \
        "$(echo "$crossed" | grep -c ' kind=4 \| api=1 \| api=6 \|str1=/etc/hostname ')" 0 &&
    expect_eq $t "pipes that crossed described as another kind" "$(echo "$crossed" | grep 'str1=pipe:' | grep -vc ' kind=3 ')" 0 &&
    expect_eq $t "pipes that crossed with the pipe's opening stack (the test saw crossings)" \
        "$(echo "$crossed" | grep ' kind=3 owner=0 api=12 ' | grep -c 'stack=0x' | sed 's/^[1-9][0-9]*$/some/')" some &&
    pass $t
fi

t=unusable_output_dir_runs_untraced_with_one_line
out="$(FDHOUND_OUTPUT_DIR=/nonexistent/fdhound LD_PRELOAD="$preload" "$scenarios" hello 2>"$work/stderr")"; status=$?
expect_eq $t "status" "$status" 0 &&
expect_eq $t "stdout" "$out" hello &&
expect_eq $t "stderr" "$(cat "$work/stderr")" "fdhound: tracing disabled: output directory does not exist" &&
pass $t

t=phase_api_recorded_and_absent_shim_is_harmless
mkdir -p "$work/$t"
out="$(FDHOUND_OUTPUT_DIR="$work/$t" LD_PRELOAD="$preload" "$build/tests/phases" 2>"$work/$t/stderr")"
expect_eq $t "traced stdout" "$out" ok &&
expect_eq $t "untraced stdout" "$("$build/tests/phases")" "no shim" &&
d="$(dump $t "$build/tests/phases")" &&
phases="$(echo "$d" | grep -E '^event .* type=1[67] api=67 ' | sed -E 's/^event seq=[0-9]+ type=([0-9]+) .* str1=(.*) str2=.*/\1:\2/' | tr '\n' ' ')" &&
expect_eq $t "phase events (type:name) in order" "$phases" "16:closed phase 17: 16:leaky phase 16: 17: 17: " &&
leak="$(echo "$d" | grep -E '^event .* type=1 .*str1=/etc/passwd ' | sed -E 's/^event seq=([0-9]+) .*/\1/')" &&
last_begin="$(echo "$d" | grep -E '^event .* type=16 .*str1=leaky' | sed -E 's/^event seq=([0-9]+) .*/\1/')" &&
last_end="$(echo "$d" | grep -E '^event .* type=17 ' | tail -1 | sed -E 's/^event seq=([0-9]+) .*/\1/')" &&
expect_eq $t "the leak lies inside the leaky phase" "$([ "$last_begin" -lt "$leak" ] && [ "$leak" -lt "$last_end" ] && echo yes)" yes &&
python_frames() { grep -oE '0x[0-9a-f]+ffffffff\b' | wc -l; } &&
group_opens="$(echo "$d" | grep -E '^event .* type=1 .*str1=/etc/group ')" &&
expect_eq $t "helper frames on the first open after them" "$(echo "$group_opens" | sed -n 1p | python_frames)" 2 &&
expect_eq $t "none on the next open" "$(echo "$group_opens" | sed -n 2p | python_frames)" 0 &&
expect_eq $t "none on the close in between" "$(echo "$d" | grep -E '^event .* type=2 ' | python_frames | sort -u | tr '\n' ' ')" "0 " &&
pass $t

# The fast unwinder (fast_unwind.c) against libunwind: FDHOUND_UNWIND_VERIFY=1 walks every capture both
# ways and aborts on the first difference. Varied call paths (unwind_paths.c: recursion depths changing,
# frame pointers, alloca, signal handlers on both stacks, threads, a library replaced at its address) and
# CPython's evaluator; most captures must have gone through the fast path, or it silently stopped working.
t=fast_unwinder_stacks_equal_libunwinds
if ! skip_under_sanitizer $t; then
mkdir -p "$work/$t"
timeout 120 env FDHOUND_UNWIND_VERIFY=1 FDHOUND_OUTPUT_DIR="$work/$t" LD_PRELOAD="$preload" \
    "$build/tests/unwind_paths" "$build/tests" 2>"$work/$t/stderr"; status=$?
python="$(python3 -c 'import sys; print(sys.executable)')" # the interpreter itself, not a wrapper script
timeout 120 env FDHOUND_UNWIND_VERIFY=1 FDHOUND_OUTPUT_DIR="$work/$t" LD_PRELOAD="$preload" "$python" -c '
import os, socket, threading
def work(depth):
    if depth: return work(depth - 1)
    for _ in range(50):
        socket.socket().close()
        os.close(os.open("/dev/null", os.O_RDONLY))
        os.close(os.open("/dev/null", os.O_RDONLY))  # the same native stack from another line: memo keys differ
threads = [threading.Thread(target=work, args=(d,)) for d in (3, 40)]
[t.start() for t in threads]; [t.join() for t in threads]; work(7)
' 2>"$work/$t/python-stderr"; python_status=$?
verdict() { sed -n 's/^fdhound: unwind verify: \([0-9]*\) captures, \([0-9]*\) walked by both unwinders, all equal$/\1 \2/p' "$1"; }
read -r captures fast <<<"$(verdict "$work/$t/stderr")"
read -r py_captures py_fast <<<"$(verdict "$work/$t/python-stderr")"
expect_eq $t "status" "$status" 0 &&
expect_eq $t "verdict line" "$(grep -c 'unwind verify' "$work/$t/stderr")" 1 &&
expect_eq $t "captures (2 per open+close)" "$([ "${captures:-0}" -ge 5000 ] && echo yes)" yes &&
expect_eq $t "fast-path share over 90 %" "$([ $((${fast:-0} * 10)) -ge $((captures * 9)) ] && echo yes)" yes &&
expect_eq $t "stack memo hits checked against a full intern (some must be)" \
    "$(sed -n 's/^fdhound: unwind cost: .*, \([0-9]*\) stack memo hits checked, all equal$/\1/p' "$work/$t/stderr" | awk '$1 > 0 {print "yes"}')" yes &&
expect_eq $t "python status" "$python_status" 0 &&
expect_eq $t "python verdict line" "$(grep -c 'unwind verify' "$work/$t/python-stderr")" 1 &&
expect_eq $t "python captures" "$([ "${py_captures:-0}" -ge 600 ] && echo yes)" yes &&
expect_eq $t "python fast-path share over 90 %" "$([ $((${py_fast:-0} * 10)) -ge $((py_captures * 9)) ] && echo yes)" yes &&
expect_eq $t "python stack memo hits checked against a full intern (some must be)" \
    "$(sed -n 's/^fdhound: unwind cost: .*, \([0-9]*\) stack memo hits checked, all equal$/\1/p' "$work/$t/python-stderr" | awk '$1 > 0 {print "yes"}')" yes &&
pass $t
fi

# More call sites than the rule cache holds: stacks still equal libunwind's, and the fast unwinder stands
# aside for most captures (reading CFI at nearly every capture costs more than libunwind's walk).
t=fast_unwinder_stands_aside_when_its_cache_thrashes
if ! skip_under_sanitizer $t; then
mkdir -p "$work/$t"
timeout 120 env FDHOUND_UNWIND_VERIFY=1 FDHOUND_OUTPUT_DIR="$work/$t" LD_PRELOAD="$preload" \
    "$build/tests/many_call_sites" 8 2>"$work/$t/stderr"; status=$?
read -r captures fast <<<"$(verdict "$work/$t/stderr")"
expect_eq $t "status" "$status" 0 &&
expect_eq $t "verdict line" "$(grep -c 'unwind verify' "$work/$t/stderr")" 1 &&
expect_eq $t "captures (2 per site and round)" "$([ "${captures:-0}" -ge 16384 ] && echo yes)" yes &&
expect_eq $t "share walked by the fast unwinder under a quarter ($fast of $captures)" \
    "$([ $((${fast:-0} * 4)) -lt "${captures:-0}" ] && echo yes)" yes &&
pass $t
fi

# Handles taken again and again on objects already loaded: the loaded set never changes, so the rules read
# from CFI stay (a few dozen return addresses), instead of being read again after every dlopen.
t=fast_unwinder_keeps_its_rules_across_dlopen_of_loaded_objects
if ! skip_under_sanitizer $t; then
mkdir -p "$work/$t"
timeout 120 env FDHOUND_UNWIND_VERIFY=1 FDHOUND_OUTPUT_DIR="$work/$t" LD_PRELOAD="$preload" \
    "$build/tests/dlopen_loaded_loop" 2000 2>"$work/$t/stderr"; status=$?
read -r captures fast <<<"$(verdict "$work/$t/stderr")"
rules="$(sed -n 's/^fdhound: unwind cost: \([0-9]*\) rules read from CFI, .*/\1/p' "$work/$t/stderr")"
expect_eq $t "status" "$status" 0 &&
expect_eq $t "captures (2 per round)" "$([ "${captures:-0}" -ge 4000 ] && echo yes)" yes &&
expect_eq $t "all walked by the fast unwinder ($fast of $captures)" "$fast" "$captures" &&
expect_eq $t "rules read from CFI under 200 ($rules)" "$([ -n "$rules" ] && [ "$rules" -lt 200 ] && echo yes)" yes &&
pass $t
fi

# Always-on mode (sampling.c): every call is counted exactly, the first FDHOUND_SAMPLE_FIRST openings of each
# code path have a full stack, later ones a full stack at random or a partial one ([caller, SAMPLED_OUT marker]
# innermost first: the caller, then the marker's ip, printed 0) — whose caller is the innermost frame of its path's full stacks
# (and FDHOUND_UNWIND_VERIFY=1 checks each partial capture against a full walk). Paths /dev/null and
# /dev/zero run on the main thread alone; /dev/full on 2 threads at once.
t=always_on_counts_exact_first_stacks_full
mkdir -p "$work/$t"
timeout 120 env FDHOUND_ALWAYS_ON=1 FDHOUND_SAMPLE_FIRST=4 FDHOUND_SAMPLE_EVERY=16 FDHOUND_UNWIND_VERIFY=1 \
    FDHOUND_OUTPUT_DIR="$work/$t" LD_PRELOAD="$preload" "$build/tests/always_on" >/dev/null 2>"$work/$t/stderr"; status=$?
d="$(dump $t "$build/tests/always_on")"
flags="$(echo "$d" | head -1 | sed 's/.* flags=\([0-9]*\) .*/\1/')"
opens() { echo "$d" | grep -c "^event .* type=1 .*str1=$1 "; }
left() { echo "$d" | grep -c "^live .*state=1 .*str1=$1 "; }
# Per path: "FULL PARTIAL CALLERS FIRST_FULL SHALLOW_FULL": full and partial stacks, distinct innermost frames,
# how many of its first 4 events have a full stack, and full stacks shorter than the 13 frames of the program.
paths="$(echo "$d" | awk '/^event .* type=1 / {
    path = $0; sub(/.* str1=/, "", path); sub(/ .*/, "", path)
    stack = $0; sub(/.* stack=/, "", stack); n = split(stack, f, ",")
    partial = f[n] == "0"; nth[path]++
    if (partial) p[path]++; else { full[path]++; if (n < 13) shallow[path]++ }
    if (nth[path] <= 4 && !partial) first[path]++
    if (!((path, f[1]) in seen)) { seen[path, f[1]] = 1; callers[path]++ }
} END { for (k in nth) printf "%s %d %d %d %d %d\n", k, full[k], p[k], callers[k], first[k], shallow[k] }' | sort)"
row() { echo "$paths" | grep "^$1 " | cut -d" " -f2-; }
full_ok() { set -- $(row "$1"); [ "$1" -ge 4 ] && [ "$2" -ge 1 ] && [ "$3" = 1 ] && [ "$5" = 0 ] && echo yes; }
sites="$(echo "$d" | awk '/^site / { sub(/.*opened=/, ""); split($0, a, /[ =]/); o += a[1]; c += a[3] } END { print o, c }')"
expect_eq $t "status" "$status" 0 &&
expect_eq $t "header flag ALWAYS_ON" "$(( flags >> 9 & 1 ))" 1 &&
expect_eq $t "opens: /dev/null, /dev/zero, /dev/full" "$(opens /dev/null) $(opens /dev/zero) $(opens /dev/full)" "500 50 600" &&
expect_eq $t "left open" "$(left /dev/null) $(left /dev/zero) $(left /dev/full)" "100 0 200" &&
expect_eq $t "call sites: opened, closed (all stacks)" "$sites" "1150 850" &&
expect_eq $t "/dev/null: first 4 full" "$(row /dev/null | cut -d' ' -f4)" 4 &&
expect_eq $t "/dev/zero: first 4 full" "$(row /dev/zero | cut -d' ' -f4)" 4 &&
expect_eq $t "/dev/null: full >= 4, partial >= 1, one caller, full stacks whole" "$(full_ok /dev/null)" yes &&
expect_eq $t "/dev/zero: full >= 4, partial >= 1, one caller, full stacks whole" "$(full_ok /dev/zero)" yes &&
expect_eq $t "/dev/full (2 threads): full >= 4, partial >= 1, one caller, full stacks whole" "$(full_ok /dev/full)" yes &&
pass $t

# The walk memo (fast_unwind.c) reuses a walk only while every word it read still holds its value: three
# callers of one recursion differ in one deep word only (walk_memo.c), in turns, on three threads, under a
# SIGALRM timer whose handler opens too. Checked twice: every capture against libunwind (verify), and, in an
# ordinary run (under TSan too: the fast walk and its memo run there, only libunwind is hidden), the stack of
# every event of a caller's path holds that caller's return address and no other.
t=walk_memo_reuses_a_walk_only_when_every_word_it_read_holds
if ! skip_under_sanitizer $t; then
mkdir -p "$work/$t"
timeout 120 env FDHOUND_UNWIND_VERIFY=1 FDHOUND_OUTPUT_DIR="$work/$t" LD_PRELOAD="$preload" \
    "$build/tests/walk_memo" 2000 >/dev/null 2>"$work/$t/stderr"; status=$?
captures="$(sed -n 's/^fdhound: unwind verify: [0-9]* captures, \([0-9]*\) walked by both unwinders, all equal$/\1/p' "$work/$t/stderr")"
reused="$(sed -n 's/^fdhound: unwind cost: .* rules read from CFI, \([0-9]*\) walks reused, .*/\1/p' "$work/$t/stderr")"
expect_eq $t "status" "$status" 0 &&
expect_eq $t "verdict line" "$(grep -c 'unwind verify' "$work/$t/stderr")" 1 &&
expect_eq $t "captures walked by both (${captures:-none})" "$([ "${captures:-0}" -ge 20000 ] && echo yes)" yes &&
expect_eq $t "walks reused, each checked against libunwind (${reused:-none})" \
    "$([ -n "$reused" ] && [ "$reused" -ge 5000 ] && echo yes)" yes &&
pass $t
fi

t=walk_memo_stacks_name_their_callers
mkdir -p "$work/$t"
timeout 120 env FDHOUND_OUTPUT_DIR="$work/$t" LD_PRELOAD="$preload" \
    "$build/tests/walk_memo" 2000 >"$work/$t/stdout" 2>"$work/$t/stderr"; status=$?
# "checked N wrong M": events of the callers' paths, and those whose stack lacks their caller or holds another's.
checked="$(dump "$t" "$build/tests/walk_memo" | awk -v callers="$(cat "$work/$t/stdout")" '
    BEGIN { split("/dev/null /dev/zero /dev/full", path, " "); n = split(callers, f, /[ \n]/)
            for (i = 1; i + 2 <= n; i += 3) address[f[i + 1] + 1] = f[i + 2] }
    /^event / && / type=[12] / {
        for (c = 1; c <= 3; c++) if (index($0, " str1=" path[c] " ")) break
        if (c > 3) next
        checked++; stack = $0; sub(/.* stack=/, "", stack); stack = "," stack ","
        for (o = 1; o <= 3; o++) if ((index(stack, "," address[o] ",") > 0) != (o == c)) { wrong++; break }
    }
    END { printf "checked %d wrong %d\n", checked, wrong }')"
expect_eq $t "status" "$status" 0 &&
expect_eq $t "callers named" "$(grep -c '^caller [0-2] 0x' "$work/$t/stdout")" 3 &&
expect_eq $t "every event's stack holds its caller and no other" "$checked" "checked $(((3 * 2000 * 3 + 3) * 2)) wrong 0" &&
pass $t

# run_verified NAME COMMAND... — COMMAND under the shim in FDHOUND_UNWIND_VERIFY mode (every capture walked by
# both unwinders, aborting on a difference): stdout and stderr in $work/NAME, the exit status in $status.
run_verified() {
    local name="$1"; shift
    mkdir -p "$work/$name"
    timeout 120 env FDHOUND_UNWIND_VERIFY=1 FDHOUND_OUTPUT_DIR="$work/$name" LD_PRELOAD="$preload" "$@" \
        >"$work/$name/stdout" 2>"$work/$name/stderr"
    status=$?
}

# expect_walks NAME STDOUT "CAPTURES FAST" — run_verified NAME exited 0, printed STDOUT, and its verdict line
# counted CAPTURES captures, FAST of them walked by the fast unwinder too (all equal to libunwind's).
expect_walks() {
    expect_eq "$1" "status" "$status" 0 &&
    expect_eq "$1" "stdout" "$(cat "$work/$1/stdout")" "$2" &&
    expect_eq "$1" "captures, and those the fast unwinder walked too" "$(verdict "$work/$1/stderr")" "$3" &&
    pass "$1"
}

t=fast_unwinder_walks_through_a_return_address_at_a_page_end
# A return address in the last 8 bytes of a code page is an ordinary frame, not glibc's signal trampoline:
# every capture through it must still be walked by the fast unwinder (page_end_caller.c).
if ! skip_under_sanitizer $t; then
run_verified $t "$build/tests/page_end_caller" 500
expect_walks $t "return address at page offset 4092" "1000 1000"
fi

t=fast_unwinder_walks_through_signal_frames
# Captures in signal handlers: through the trampoline into the interrupted frame (at a .plt-style CFA
# expression of rip, in a recursion, on an alternate signal stack, a handler interrupting a handler). Every
# one walked by the fast unwinder and equal to libunwind's (handler_walks.c); libunwind took them all before.
# But not at an expression that shifts by 64 or more, which libunwind evaluates its own way.
if ! skip_under_sanitizer $t; then
run_verified $t "$build/tests/handler_walks" 100
expect_walks $t "handler runs: 1000" "2000 1600" # 2 passes x 100 x (SIGILL x 3 + SIGUSR1 + SIGUSR2); not wide_shift's 400
fi

t=fast_unwinder_walks_through_the_loaders_lazy_binding_in_a_handler
# A handler capture below which lies glibc's _dl_runtime_resolve (CFA rbx + 32): a lazily bound IFUNC's
# resolver raises SIGUSR1 (resolver_signal.c, lib/lazy_ifunc.c). Every capture walked by the fast unwinder
# too (rbx from the ucontext and the frames that saved it) and equal to libunwind's; libunwind took them all
# before, ~90 µs each, and a 20 µs timer handler interrupting a first call never let it finish.
if ! skip_under_sanitizer $t; then
run_verified $t env -u LD_BIND_NOW "$build/tests/resolver_signal" "$build/tests/liblazy_ifunc.so" 50
expect_walks $t "handler runs: 50, sum 2100" "100 100" # one handler run per load's first call
fi

t=bad_setting_runs_untraced_with_one_line
out="$(FDHOUND_STACK_DEPTH=lots FDHOUND_OUTPUT_DIR="$work" LD_PRELOAD="$preload" "$scenarios" hello 2>"$work/stderr")"; status=$?
expect_eq $t "status" "$status" 0 &&
expect_eq $t "stdout" "$out" hello &&
expect_eq $t "stderr" "$(cat "$work/stderr")" "fdhound: tracing disabled: invalid setting: FDHOUND_STACK_DEPTH" &&
expect_eq $t "no trace written" "$(ls "$work" | grep -c '\.trace$')" 0 &&
pass $t

t=no_output_dir_setting_uses_current_directory
mkdir -p "$work/cwd"
(cd "$work/cwd" && env -u FDHOUND_OUTPUT_DIR LD_PRELOAD="$preload" "$scenarios" leak 1 2>"$work/stderr")
expect_eq $t "traces in the current directory" "$(ls "$work/cwd" | grep -c '^fdhound\.[0-9]*\.trace$')" 1 &&
pass $t

left="$(new_reports)" # reports of a test that was skipped half-way or printed no verdict
if [ -n "$left" ]; then fail "sanitizer_reports_outside_any_test" "$left"; fi
sort -u "$known_seen" | sed 's/^/known /'
echo "$passed passed, $failed failed${sanitizer:+, $skipped skipped under $sanitizer}"
[ "$failed" -eq 0 ]
