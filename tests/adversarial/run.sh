#!/usr/bin/env bash
# tests/adversarial/run.sh — issue 7's defect classes, one small program each (this directory): every
# program prints what it observes about itself (descriptor numbers, flags, counts, exit statuses); it is
# run untraced and traced (RLIMIT_NOFILE 1024, only 0–2 open) and the outputs must be identical. Where a
# defect is about the record, the trace must agree with what the program saw (live table = descriptors
# really open at exit, events only from the traced process, the right paths for what crossed an exec).
# Usage: tests/adversarial/run.sh   (last line "N passed, N failed"; non-zero exit on failure)
set -uo pipefail
source "$(dirname "$0")/../lib/suite.sh"
suite_init adversarial needs-fdhound
HERE="$ROOT/tests/adversarial"
PYTHON="${PYTHON:-/usr/bin/python3}"
BIN="$WORK/bin"
mkdir -p "$BIN"
for source in "$HERE"/*.c; do
    gcc -D_GNU_SOURCE -std=gnu11 -O1 -g -pthread -Wall -Wextra -Werror -Wno-unused-parameter \
        -o "$BIN/$(basename "$source" .c)" "$source" || { echo "cannot build $source" >&2; exit 2; }
done
ulimit -n 1024

# both NAME [SECONDS] -- CMD... — runs CMD untraced into $WORK/NAME.u and traced into $WORK/NAME.t.
both() {
    local name="$1"; shift
    run_case "$WORK/$name.u" untraced "$@"
    run_case "$WORK/$name.t" traced "$@"
}

# open_at_exit DIR [LABEL] — the "LABEL: 0 1 2 …" list a program printed, without the label.
open_at_exit() { sed -n "s/^${2:-open at exit}: *//p" "$1/stdout" | head -1; }

# live_matches NAME DIR EXE [LABEL] — the trace of EXE holds open exactly what the program listed.
live_matches() {
    local d
    d="$(trace_of "$2" "$3")" || { fail "$1" "no trace of $3"; return 1; }
    expect_eq "$1" "descriptors open at exit in the trace's live table (program's own list: '$(open_at_exit "$2" "${4:-}")')" \
        "$(live_set "$d" 512)" "$(open_at_exit "$2" "${4:-}")"
}

t=signal_handler_close_not_swallowed
both $t -- "$BIN/signal_close" 5000
compare_runs $t "$WORK/$t.u" "$WORK/$t.t" && require_traced $t "$WORK/$t.t" "$BIN/signal_close" &&
live_matches $t "$WORK/$t.t" "$BIN/signal_close" && pass $t

# Two timer handlers on a sigaltstack (SA_ONSTACK), each able to interrupt the other, open and close: a nested
# delivery while a hook worked on the shim's side stack once overwrote the frames at the sigaltstack's top.
# The same with the sigaltstack set through syscall(SYS_sigaltstack), as a program or runtime may.
for how in libc raw; do
    t=sigaltstack_handler_interrupting_itself_keeps_its_frames_$how
    both $t -- "$BIN/altstack_nested" 3000 $how
    compare_runs $t "$WORK/$t.u" "$WORK/$t.t" && require_traced $t "$WORK/$t.t" "$BIN/altstack_nested" &&
    live_matches $t "$WORK/$t.t" "$BIN/altstack_nested" && pass $t
done

# A handler's opens of a path as long as the one the loop opens: each open recorded with its own path.
t=signal_handler_opens_keep_their_own_paths
RUN_ENV=(FDHOUND_EVENT_CAPACITY=4194304) # every event kept: the counts are compared in full
both $t -- "$BIN/signal_path_race" counts.txt 30000
RUN_ENV=()
if compare_runs $t "$WORK/$t.u" "$WORK/$t.t" && require_traced $t "$WORK/$t.t" "$BIN/signal_path_race"; then
    d="$(trace_of "$WORK/$t.t" "$BIN/signal_path_race")"
    expect_eq $t "events the ring dropped or overwrote" "$(echo "${d%%$'\n'*}" | sed -n 's/.* dropped=\([0-9]*\) .*/\1/p')" 0 &&
    expect_eq $t "opens per path in the trace (the program counted: $(tr '\n' ' ' <"$WORK/$t.t/cwd/counts.txt"))" \
        "$(echo "$d" | sed -n 's/^event .* type=1 .* str1=\(\/dev\/[a-z]*\) .*/\1/p' | sort | uniq -c | awk '{print $2, $1}')" \
        "$(cat "$WORK/$t.t/cwd/counts.txt")" && pass $t
fi

# A thread's first libunwind walk must not be made in a signal handler (libunwind's TLS is malloc'ed).
t=handler_first_stack_walk_allocates_nothing
both $t -- "$BIN/handler_first_capture" 8
compare_runs $t "$WORK/$t.u" "$WORK/$t.t" && require_traced $t "$WORK/$t.t" "$BIN/handler_first_capture" &&
expect_eq $t "the program's report of mallocs made while its handler ran" \
    "$(sed -n 's/^mallocs while the handler ran: //p' "$WORK/$t.t/stdout")" 0 &&
live_matches $t "$WORK/$t.t" "$BIN/handler_first_capture" && pass $t

# A handler that siglongjmps out of the recorder abandons the recording: the thread must not stay "inside"
# it (every later event nested: no stack, no path), nor its counts drift (a bogus limit-evidence moment).
t=siglongjmp_out_of_recorder_keeps_later_stacks
both $t -- "$BIN/siglongjmp_out" 3000
if compare_runs $t "$WORK/$t.u" "$WORK/$t.t" && require_traced $t "$WORK/$t.t" "$BIN/siglongjmp_out"; then
    d="$(trace_of "$WORK/$t.t" "$BIN/siglongjmp_out")"
    "$FDHOUND" report --format json "$WORK/$t.t/traces" >"$WORK/$t.t/report.json" 2>/dev/null
    expect_eq $t "events recorded as nested in a handler (the handler calls nothing traced)" \
        "$(echo "${d%%$'\n'*}" | sed -n 's/.* nested=\([0-9]*\) .*/\1/p')" 0 &&
    expect_eq $t "the open after the storm recorded with its path and the program's stack" \
        "$(echo "$d" | grep '^event .* type=1 .*str1=/etc/hostname ' | grep -c ' stack=0x[0-9a-f]*,0x')" 1 &&
    expect_eq $t "limit-evidence moments in the report (the program never held 80 % of its 1024)" \
        "$("$PYTHON" "$ROOT/tests/lib/report_query.py" evidence-moments "$WORK/$t.t/report.json" 2>&1)" "" &&
    live_matches $t "$WORK/$t.t" "$BIN/siglongjmp_out" && pass $t
fi

# jump_storm.c: a handler siglongjmps out of the tracer, in a program built with _FORTIFY_SOURCE=2. Each
# case failed before its fix (an abort every run, a hang in 14 of 16 children, a hang every run); a hang is
# bounded by the program's watchdog (status 3) and run_case's timeout.
# (1) A handler on the tracer's side stack jumping down to a thread stack in .bss: __longjmp_chk aborted.
t=fortified_siglongjmp_out_of_side_stack_does_not_abort
both $t -- "$BIN/jump_storm" side-stack 3000 200
if compare_runs $t "$WORK/$t.u" "$WORK/$t.t" && require_traced $t "$WORK/$t.t" "$BIN/jump_storm"; then
    d="$(trace_of "$WORK/$t.t" "$BIN/jump_storm")"
    expect_eq $t "events recorded as nested in a handler (the handler calls nothing traced)" \
        "$(echo "${d%%$'\n'*}" | sed -n 's/.* nested=\([0-9]*\) .*/\1/p')" 0 &&
    expect_eq $t "opens of /dev/null recorded with the program's stack (some must be)" \
        "$(echo "$d" | grep -c '^event .* type=1 .*str1=/dev/null .* stack=0x[0-9a-f]*,0x' | sed 's/^[1-9][0-9]*$/some/')" some &&
    live_matches $t "$WORK/$t.t" "$BIN/jump_storm" && pass $t
fi

# (2) The first call of 30 hooks in each of 40 fresh processes: no hook may look its real function up then
# (dlsym under the loader's lock, left held by the jump: a second thread's dlopen hung).
t=jump_out_of_a_hooks_first_call_leaves_the_loader_usable
both $t 120 -- "$BIN/jump_storm" first-calls 40 100
if compare_runs $t "$WORK/$t.u" "$WORK/$t.t" && require_traced $t "$WORK/$t.t" "$BIN/jump_storm"; then
    states="$(for f in "$WORK/$t.t"/traces/fdhound.*.trace; do "$TRACE_DUMP" "$f" | head -1 | sed 's/.* state=\([0-9]*\) .*/\1/'; done | sort | uniq -c | awk '{print $2 ":" $1}' | tr '\n' ' ')"
    expect_eq $t "trace states (the parent and 40 children, each forked and exec'd: 2 = exited, 3 = exec'd)" \
        "$states" "2:41 3:40 " && pass $t
fi

# (3) Threads whose first libunwind walks (FDHOUND_UNWIND_VERIFY=1: every capture) are jumped out of: malloc's
# and the loader's locks must not stay held (calloc, dl_iterate_phdr, a second thread's dlopen hung).
t=jump_out_of_a_libunwind_walk_leaves_malloc_and_the_loader_usable
RUN_ENV=(FDHOUND_UNWIND_VERIFY=1)
both $t -- "$BIN/jump_storm" loader 100 200
RUN_ENV=()
if compare_runs $t "$WORK/$t.u" "$WORK/$t.t" '/^fdhound: unwind /d' && require_traced $t "$WORK/$t.t" "$BIN/jump_storm"; then
    d="$(trace_of "$WORK/$t.t" "$BIN/jump_storm")"
    expect_eq $t "the verify mode's count (every capture walked by both unwinders, all equal)" \
        "$(grep -c '^fdhound: unwind verify: [1-9][0-9]* captures, [0-9]* walked by both unwinders, all equal$' "$WORK/$t.t/stderr")" 1 &&
    expect_eq $t "events recorded as nested in a handler (the handler calls nothing traced)" \
        "$(echo "${d%%$'\n'*}" | sed -n 's/.* nested=\([0-9]*\) .*/\1/p')" 0 &&
    live_matches $t "$WORK/$t.t" "$BIN/jump_storm" && pass $t
fi

t=signal_handler_pipe_gets_low_numbers_without_cloexec
both $t -- "$BIN/signal_pipe" 5000
compare_runs $t "$WORK/$t.u" "$WORK/$t.t" && require_traced $t "$WORK/$t.t" "$BIN/signal_pipe" && pass $t

# The daemon outlives its parent: wait (bounded) for its marker file, then compare its data file.
wait_for_marker() { local i; for i in $(seq 1 300); do [ -e "$1" ] && return 0; sleep 0.1; done; return 1; }
t=daemon_data_file_never_gets_tracer_output
for mode in untraced traced; do
    run_case "$WORK/$t.$mode" $mode -- "$BIN/daemon_stdio" data.log done.marker
    wait_for_marker "$WORK/$t.$mode/cwd/done.marker" || echo "daemon ($mode) never finished" >>"$WORK/$t.$mode/stderr"
done
if compare_runs $t "$WORK/$t.untraced" "$WORK/$t.traced" &&
   compare_files $t "$WORK/$t.untraced" "$WORK/$t.traced" &&
   expect_eq $t "tracer lines in the daemon's data file" "$(grep -c 'fdhound' "$WORK/$t.traced/cwd/data.log")" 0 &&
   require_traced $t "$WORK/$t.traced" "$BIN/daemon_stdio"; then
    daemon="$(trace_of "$WORK/$t.traced" "$BIN/daemon_stdio" 3)"
    expect_eq $t "the daemon (third process) recorded opening its data file" \
        "$(echo "$daemon" | grep -c '^event .*type=1 .*str1=.*/data.log ')" 1 && pass $t
fi

t=small_thread_stack_survives_open
both $t -- "$BIN/small_stack" thread
compare_runs $t "$WORK/$t.u" "$WORK/$t.t" && require_traced $t "$WORK/$t.t" "$BIN/small_stack" && pass $t

t=sigaltstack_segv_handler_survives_open
both $t -- "$BIN/small_stack" altstack crash.report
compare_runs $t "$WORK/$t.u" "$WORK/$t.t" && compare_files $t "$WORK/$t.u" "$WORK/$t.t" &&
expect_eq $t "exit status (3: the handler wrote its report)" "$(cat "$WORK/$t.t/status")" 3 &&
require_traced $t "$WORK/$t.t" "$BIN/small_stack" && pass $t

t=open_on_a_switched_stack_with_nothing_above_it
both $t -- "$BIN/stack_switch" unmapped
compare_runs $t "$WORK/$t.u" "$WORK/$t.t" && require_traced $t "$WORK/$t.t" "$BIN/stack_switch" && pass $t

t=open_on_a_switched_stack_under_a_guard_page
both $t -- "$BIN/stack_switch" guard
compare_runs $t "$WORK/$t.u" "$WORK/$t.t" && require_traced $t "$WORK/$t.t" "$BIN/stack_switch" && pass $t

t=ulimit_64_numbering_and_count_unchanged
(ulimit -n 64; both $t -- "$BIN/low_rlimit")
compare_runs $t "$WORK/$t.u" "$WORK/$t.t" && require_traced $t "$WORK/$t.t" "$BIN/low_rlimit" && pass $t

t=ulimit_1024_all_descriptors_left_to_the_program
both $t -- "$BIN/low_rlimit"
compare_runs $t "$WORK/$t.u" "$WORK/$t.t" && require_traced $t "$WORK/$t.t" "$BIN/low_rlimit" && pass $t

t=vfork_child_shares_memory
both $t -- "$BIN/vfork_exec_failure"
compare_runs $t "$WORK/$t.u" "$WORK/$t.t" && require_traced $t "$WORK/$t.t" "$BIN/vfork_exec_failure" && pass $t

t=failed_close_range_keeps_leaks_in_record
both $t -- "$BIN/close_range_failed" einval
compare_runs $t "$WORK/$t.u" "$WORK/$t.t" && require_traced $t "$WORK/$t.t" "$BIN/close_range_failed" &&
live_matches $t "$WORK/$t.t" "$BIN/close_range_failed" && pass $t

t=closefrom_negative_lowfd_recorded_as_closing_all
both $t -- "$BIN/close_range_failed" closefrom-negative child.txt
if compare_runs $t "$WORK/$t.u" "$WORK/$t.t" && compare_files $t "$WORK/$t.u" "$WORK/$t.t" &&
   require_traced $t "$WORK/$t.t" "$BIN/close_range_failed"; then
    child="$(trace_of "$WORK/$t.t" "$BIN/close_range_failed" 2)"
    expect_eq $t "the child's live table at exit (it listed: $(sed 's/.*: //' "$WORK/$t.t/cwd/child.txt"))" \
        "$(live_set "$child" 512)" "$(sed -n 's/^child: open at exit: *//p' "$WORK/$t.t/cwd/child.txt")" &&
    live_matches $t "$WORK/$t.t" "$BIN/close_range_failed" "parent: open at exit" && pass $t
fi

# A child the tracer did not see being made (no fork() call) must leave the parent's record alone.
for how in _Fork clone; do
    t=${how}_child_stays_out_of_parents_trace
    both $t -- "$BIN/fork_unseen" $how
    if compare_runs $t "$WORK/$t.u" "$WORK/$t.t" && require_traced $t "$WORK/$t.t" "$BIN/fork_unseen"; then
        parent="$(trace_of "$WORK/$t.t" "$BIN/fork_unseen")"
        pid="$(echo "${parent%%$'\n'*}" | sed 's/^pid=\([0-9]*\) .*/\1/')"
        # Only the child closed the /etc/hostname copies and opened /dev/zero (fork_unseen.c); the tid
        # check alone is not enough: a tid cached before the fork names the parent in the child too.
        expect_eq $t "the child's calls (close of /etc/hostname, open or close of /dev/zero) in the parent's trace" \
            "$(echo "$parent" | grep -Ec '^event .* type=2 .*str1=/etc/hostname |^event .*str1=/dev/zero ')" 0 &&
        expect_eq $t "events in the parent's trace made by another thread or process" \
            "$(echo "$parent" | grep '^event ' | grep -vc " tid=$pid ")" 0 &&
        expect_eq $t "exit events in the parent's trace" "$(echo "$parent" | grep -c '^event .* type=8 ')" 1 &&
        live_matches $t "$WORK/$t.t" "$BIN/fork_unseen" && pass $t
    fi
done

# Fork + exec from a multithreaded parent: what each child logged it held at exec (the truth) against
# (a) its trace (fdhound.PID.trace, before the exec): each inherited slot names that path and carries the
# parent's opening stack; (b) the report: descriptors leaked across exec, per culprit function, are
# exactly the logged ones. One run serves both tests.
t=multithreaded_fork_exec_child_trace_matches_reality
both $t 120 -- "$BIN/mt_fork_exec" children.log 40
mt="$WORK/$t"
if compare_runs $t "$mt.u" "$mt.t" && require_traced $t "$mt.t" "$BIN/mt_fork_exec"; then
    truth="$(grep -E ' /dev/(null|zero)$' "$mt.t/cwd/children.log")"
    checked=0; wrong=0; example=""
    while read -r pid fd path; do
        [ -n "$pid" ] || continue
        checked=$((checked + 1))
        slot="$("$TRACE_DUMP" "$mt.t/traces/fdhound.$pid.trace" 2>/dev/null | grep "^live fd=$fd ")"
        case "$slot" in
            *" str1=$path "*" stack=0x"*) ;;
            *) wrong=$((wrong + 1)); example="child $pid fd $fd is $path, its trace: '${slot:-nothing}'" ;;
        esac
    done <<<"$truth"
    expect_eq $t "children's inherited /dev/null|/dev/zero checked (some must be)" "$([ $checked -gt 0 ] && echo yes)" yes &&
    expect_eq $t "inherited descriptors the child's trace describes wrongly or without the opening stack, of $checked (e.g. $example)" "$wrong" 0 &&
    pass $t
fi
t=multithreaded_fork_exec_report_blames_real_opening
if [ "$(cat "$mt.t/status")" = 0 ]; then
    truth="$(grep -E ' /dev/(null|zero)$' "$mt.t/cwd/children.log")"
    expected="open_null=$(grep -c ' /dev/null$' <<<"$truth") open_zero=$(grep -c ' /dev/zero$' <<<"$truth")"
    "$FDHOUND" report --format json "$mt.t/traces" >"$mt.t/report.json" 2>/dev/null
    reported="$("$PYTHON" "$ROOT/tests/lib/report_query.py" exec-by-culprit open_null,open_zero "$mt.t/report.json")" ||
        reported="unreadable report"
    expect_eq $t "descriptors leaked across exec in the report, by culprit (children logged: $expected)" "$reported" "$expected" &&
    pass $t
else
    fail $t "the traced run failed (status $(cat "$mt.t/status"))"
fi

# Descriptors a program hands to a child on purpose are not leaks: `fdhound report` must not list them
# as leaked across exec. Run through the CLI (`fdhound run`), which also must not change the program.
passed_on_purpose() { # NAME CMD...
    local t="$1"; shift
    run_case "$WORK/$t.u" untraced -- "$@"
    run_case "$WORK/$t.t" cli -- "$@"
    compare_runs $t "$WORK/$t.u" "$WORK/$t.t" '/^fdhound: .*; fdhound report /d' || return
    "$FDHOUND" report --format json "$WORK/$t.t/traces" >"$WORK/$t.t/report.json" 2>"$WORK/$t.t/report.stderr" ||
        { fail $t "fdhound report failed: $(head -1 "$WORK/$t.t/report.stderr")"; return; }
    local processes exec_leaks
    processes="$("$PYTHON" "$ROOT/tests/lib/report_query.py" processes "$WORK/$t.t/report.json")" &&
    exec_leaks="$("$PYTHON" "$ROOT/tests/lib/report_query.py" exec-leaks "$WORK/$t.t/report.json" | tr '\n' ';')" ||
        { fail $t "unreadable report $WORK/$t.t/report.json"; return; }
    expect_eq $t "traced processes in the report (more than one)" "$([ "${processes:-0}" -gt 1 ] && echo yes)" yes &&
    expect_eq $t "descriptors reported as leaked across exec" "$exec_leaks" "" && pass $t
}
passed_on_purpose python_subprocess_pass_fds_is_not_a_leak "$PYTHON" -c '
import os, subprocess
r, w = os.pipe()
subprocess.run(["/bin/sh", "-c", f"echo passed through fd {w} >&{w}"], pass_fds=[w], check=True)
os.close(w); print(os.read(r, 100).decode(), end=""); os.close(r)'
cat >"$WORK/mp_start.py" <<'PY'
# one child per start method; the pipes and sockets multiprocessing passes to it are on purpose
import multiprocessing, sys
def work(q): q.put(sum(range(1000)))
if __name__ == "__main__":
    ctx = multiprocessing.get_context(sys.argv[1])
    q = ctx.Queue()
    p = ctx.Process(target=work, args=(q,))
    p.start(); print(sys.argv[1], q.get()); p.join(); print("exit", p.exitcode)
PY
passed_on_purpose multiprocessing_spawn_is_not_a_leak "$PYTHON" "$WORK/mp_start.py" spawn
passed_on_purpose multiprocessing_forkserver_is_not_a_leak "$PYTHON" "$WORK/mp_start.py" forkserver
passed_on_purpose bash_process_substitution_is_not_a_leak /bin/bash -c 'diff <(printf "a\nb\n") <(printf "a\nc\n"); echo "diff said $?"'

# A path the kernel refuses to read (zero page, a string running into an unmapped page) must get the
# program its EFAULT/EINVAL, not a SIGSEGV in a hook describing the path; each call is still recorded as a
# failure (in the child that made it), and the open after them keeps its path.
t=bad_path_pointers_fail_as_untraced
both $t -- "$BIN/bad_pointers"
if compare_runs $t "$WORK/$t.u" "$WORK/$t.t" && require_traced $t "$WORK/$t.t" "$BIN/bad_pointers"; then
    failures=0
    for n in $(seq 2 11); do
        child="$(trace_of "$WORK/$t.t" "$BIN/bad_pointers" $n)" &&
            echo "$child" | grep -Eq '^event .* result=-1 err=(14|22) ' && failures=$((failures + 1))
    done
    expect_eq $t "children whose trace recorded their failed call (EFAULT or EINVAL)" "$failures" 10 &&
    expect_eq $t "the parent's open of /etc/hostname recorded with its path" \
        "$(trace_of "$WORK/$t.t" "$BIN/bad_pointers" | grep -c '^event .* type=1 .*str1=/etc/hostname ')" 1 && pass $t
fi

# A raw close_range system call (no hook sees it) closes the shim's parked pipe; the numbers are the
# program's from then on (see raw_close_range.c).
t=raw_close_range_then_parked_numbers_are_the_programs
(ulimit -n 64; both $t -- "$BIN/raw_close_range")
compare_runs $t "$WORK/$t.u" "$WORK/$t.t" && require_traced $t "$WORK/$t.t" "$BIN/raw_close_range" &&
live_matches $t "$WORK/$t.t" "$BIN/raw_close_range" && pass $t

t=parked_numbers_not_open_for_intercepted_calls
both $t -- "$BIN/probe_parked"
compare_runs $t "$WORK/$t.u" "$WORK/$t.t" && require_traced $t "$WORK/$t.t" "$BIN/probe_parked" &&
expect_eq $t "the pipe parked by libunwind's walk (the trace header's tracer numbers)" \
    "$(trace_of "$WORK/$t.t" "$BIN/probe_parked" | head -1 | sed 's/.* tracer=//')" "1022,1023" &&
live_matches $t "$WORK/$t.t" "$BIN/probe_parked" && pass $t

# A child forked while every number under the soft limit is taken still gets its own trace (the shim
# borrows room under the hard limit for its set-up and gives it back) and prints nothing.
t=fork_with_every_descriptor_taken_traces_the_child_silently
(ulimit -S -n 64; both $t -- "$BIN/fork_at_limit")
if compare_runs $t "$WORK/$t.u" "$WORK/$t.t" && require_traced $t "$WORK/$t.t" "$BIN/fork_at_limit"; then
    child="$(trace_of "$WORK/$t.t" "$BIN/fork_at_limit" 2)" || child=""
    expect_eq $t "the child's trace: live table at exit (it listed: $(open_at_exit "$WORK/$t.t" "child: open at exit"))" \
        "$(live_set "$child" 512)" "$(open_at_exit "$WORK/$t.t" "child: open at exit")" &&
    live_matches $t "$WORK/$t.t" "$BIN/fork_at_limit" && pass $t
fi

# The shim's one failure line must not raise SIGPIPE on a stderr nobody reads (see broken_stderr.c).
t=tracer_line_on_a_broken_stderr_raises_no_sigpipe
(ulimit -n 64; both $t -- "$BIN/broken_stderr")
compare_runs $t "$WORK/$t.u" "$WORK/$t.t" && require_traced $t "$WORK/$t.t" "$BIN/broken_stderr" && pass $t

# A program that installs a seccomp filter killing every call it does not make itself (seccomp_sandbox.c):
# the recorder's own calls would kill it; the shim stops recording before the filter (through libc's prctl,
# or syscall(SYS_seccomp) as libseccomp does), and the trace says so and holds what was open then.
for mode in prctl seccomp; do
    t=seccomp_filter_stops_recording_first_$mode
    both $t -- "$BIN/seccomp_sandbox" $mode
    if compare_runs $t "$WORK/$t.u" "$WORK/$t.t" && require_traced $t "$WORK/$t.t" "$BIN/seccomp_sandbox"; then
        d="$(trace_of "$WORK/$t.t" "$BIN/seccomp_sandbox")"
        flags="$(echo "${d%%$'\n'*}" | sed -n 's/.* flags=\([0-9]*\) .*/\1/p')"
        expect_eq $t "header flags DETACHED (256) and SECCOMP (1024)" "$(( ${flags:-0} & 1280 ))" 1280 &&
        expect_eq $t "input.txt, open across the filter, in the live table with its stack" \
            "$(echo "$d" | grep -c '^live fd=3 state=1 .*str1=.*/input.txt .*stack=0x')" 1 && pass $t
    fi
done

t=program_data_on_parked_numbers_intact
both $t -- "$BIN/parked_numbers"
compare_runs $t "$WORK/$t.u" "$WORK/$t.t" && compare_files $t "$WORK/$t.u" "$WORK/$t.t" &&
require_traced $t "$WORK/$t.t" "$BIN/parked_numbers" && pass $t

suite_finish
