#!/usr/bin/env bash
# tests/transparency/run.sh — real programs run untraced and traced (LD_PRELOAD, and for some the CLI,
# `fdhound run -o DIR --`) must be indistinguishable: same stdout, stderr, exit status and files written
# (content hashes; only what is inherently nondeterministic is normalized: times, ports, pids). Each case
# also requires traces with events for the programs it names — a shim that disabled itself fails.
# Cases: git, sqlite3, make -j2, tar|gzip, bash process substitution + coprocess, http.server + curl,
# multiprocessing (fork, spawn, forkserver), C++ exceptions on 4 threads, a daemon, and a real project's
# own test suite (more-itertools from PyPI; tools/setup downloads its sdist into .venv/sdists).
# Usage: tests/transparency/run.sh   (last line "N passed, N failed"; non-zero exit on failure)
set -uo pipefail
source "$(dirname "$0")/../lib/suite.sh"
suite_init transparency needs-fdhound
HERE="$ROOT/tests/transparency"
PYTHON="${PYTHON:-/usr/bin/python3}"
PY_EXE="$(readlink -f "$PYTHON")"
SDIST="$ROOT/.venv/sdists/more-itertools-10.5.0.tar.gz"
BIN="$WORK/bin"
mkdir -p "$BIN" "$WORK/home"
CLI_FILTER='/^fdhound: .*; fdhound report /d' # `fdhound run`'s own summary line on stderr

# transparent NAME MODE "EXE..." FILTER [SECONDS] -- CMD... — runs CMD untraced and in MODE (traced|cli),
# compares outputs and files (after FILTER), requires a trace with events for every EXE, and a report
# that reads every trace of the run.
transparent() {
    local t="$1" mode="$2" exes="$3" filter="$4"
    shift 4
    run_case "$WORK/$t.untraced" untraced "$@"
    run_case "$WORK/$t.$mode" "$mode" "$@"
    [ "$mode" = cli ] && filter="$filter;$CLI_FILTER"
    # shellcheck disable=SC2086 # exes is a list
    compare_runs $t "$WORK/$t.untraced" "$WORK/$t.$mode" "$filter" &&
    compare_files $t "$WORK/$t.untraced" "$WORK/$t.$mode" "$filter" &&
    require_traced $t "$WORK/$t.$mode" $exes && report_reads_all $t "$WORK/$t.$mode" && pass $t
}

# ---- git: deterministic commits (fixed identity and dates, no user or system configuration) -----------
RUN_ENV=(HOME="$WORK/home" GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=Test GIT_AUTHOR_EMAIL=test@example.com
         GIT_COMMITTER_NAME=Test GIT_COMMITTER_EMAIL=test@example.com
         GIT_AUTHOR_DATE="2020-01-01T00:00:00Z" GIT_COMMITTER_DATE="2020-01-01T00:00:00Z" TZ=UTC LC_ALL=C)
COMPARE_SKIP='/\.git/index$' # the index caches inode numbers and file times
for mode in traced cli; do
    transparent git_init_add_commit_log_$mode $mode /usr/bin/git '' -- /bin/bash -c '
        git init -q -b main repo && cd repo &&
        printf "hello\n" >a.txt && mkdir d && seq 1 1000 >d/b.txt &&
        git add . && git commit -q -m first &&
        echo change >>a.txt && git commit -q -am second &&
        git log --stat && git cat-file -p "HEAD^{tree}" && git status --short'
done
COMPARE_SKIP=''
RUN_ENV=()

# ---- sqlite3 ---------------------------------------------------------------------------------------------
transparent sqlite3_create_insert_select cli /usr/bin/sqlite3 '' -- /bin/bash -c '
    sqlite3 db.sqlite "create table t(id integer primary key, name text);
                       insert into t(name) values (\"alpha\"), (\"beta\"), (\"gamma\");
                       create index by_name on t(name);" &&
    sqlite3 db.sqlite "update t set name = upper(name) where id = 2; select * from t order by name desc;
                       select count(*), sum(length(name)) from t;" &&
    sqlite3 db.sqlite .dump'

# ---- make -j2 on a generated project ----------------------------------------------------------------------
SEED="$WORK/seed-make"
mkdir -p "$SEED"
for i in $(seq 1 8); do
    printf 'int unit%d(int x) { return x * %d + %d; }\n' "$i" "$i" "$((i * i))" >"$SEED/unit$i.c"
done
{ echo '#include <stdio.h>'
  for i in $(seq 1 8); do echo "int unit$i(int);"; done
  echo 'int main(void) { int s = 0;'
  for i in $(seq 1 8); do echo "  s += unit$i($i);"; done
  echo '  printf("sum %d\n", s); return 0; }'; } >"$SEED/main.c"
printf 'OBJS := $(patsubst %%.c,%%.o,$(sort $(wildcard *.c)))\napp: $(OBJS)\n\tgcc -o $@ $^\n%%.o: %%.c\n\tgcc -O1 -c -o $@ $<\n' >"$SEED/Makefile"
transparent make_j2_generated_project traced "/usr/bin/make /usr/bin/x86_64-linux-gnu-gcc-12" '' -- /bin/bash -c \
    'make -j2 2>&1 | LC_ALL=C sort; ./app'
SEED=""

# ---- tar | gzip and back ------------------------------------------------------------------------------------
SEED="$WORK/seed-tar"
mkdir -p "$SEED/tree/sub"
seq 1 20000 >"$SEED/tree/numbers.txt"
head -c 200000 /dev/urandom >"$SEED/tree/sub/random.bin"
printf 'small\n' >"$SEED/tree/sub/small.txt"
transparent tar_gzip_roundtrip cli "/usr/bin/tar /usr/bin/gzip" '' -- /bin/bash -c '
    tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - tree | gzip -n -6 >tree.tgz &&
    mkdir out && gzip -dc tree.tgz | tar -xf - -C out && diff -r tree out/tree && echo identical &&
    sha256sum tree.tgz && gzip -l tree.tgz'
SEED=""

# ---- bash: process substitution and a coprocess -----------------------------------------------------------
transparent bash_process_substitution_and_coproc traced "/usr/bin/bash /usr/bin/diff /usr/bin/seq" '' -- /bin/bash -c '
    diff <(seq 1 100) <(seq 1 100 | sed "s/^50\$/fifty/"); echo "diff status $?"
    cat <(echo first) <(echo second) <(seq 3)
    coproc DOUBLER { while read -r n; do echo "$((n * 2))"; done; }
    for n in 1 2 3 21; do echo "$n" >&"${DOUBLER[1]}"; read -r doubled <&"${DOUBLER[0]}"; echo "$n -> $doubled"; done
    eval "exec ${DOUBLER[1]}>&-"; wait "$DOUBLER_PID"; echo "coproc status $?"'

# ---- python3 -m http.server + curl ------------------------------------------------------------------------
SEED="$WORK/seed-http"
mkdir -p "$SEED/www/sub"
seq 1 5000 >"$SEED/www/a.txt"
head -c 300000 /dev/urandom >"$SEED/www/b.bin"
echo "in a subdirectory" >"$SEED/www/sub/c.txt"
cp "$HERE/http_fetch.sh" "$SEED/"
HTTP_FILTER='s/\[[0-9]*\/[A-Za-z]*\/[0-9]* [0-9:]*\]/[DATE]/g; s/port [0-9]*/port PORT/g; s/127\.0\.0\.1:[0-9]*/127.0.0.1:PORT/g'
transparent http_server_and_curl traced "$PY_EXE /usr/bin/curl" "$HTTP_FILTER" -- /bin/bash ./http_fetch.sh "$PYTHON"
SEED=""

# ---- multiprocessing: fork, spawn, forkserver ----------------------------------------------------------------
for method in fork spawn forkserver; do
    transparent multiprocessing_$method traced "$PY_EXE" '' -- "$PYTHON" "$HERE/mp_pool.py" $method
done

# ---- C++ exceptions through several frames on 4 threads ---------------------------------------------------
g++ -O1 -g -pthread -Wall -Wextra -Werror -o "$BIN/exceptions_threads" "$HERE/exceptions_threads.cpp" ||
    { echo "cannot build exceptions_threads.cpp" >&2; exit 2; }
transparent cpp_exceptions_on_four_threads traced "$BIN/exceptions_threads" '' -- "$BIN/exceptions_threads"

# ---- a daemon: double fork, setsid, stdio reopened (fd 2 on its data file), 3..limit closed ---------------
gcc -D_GNU_SOURCE -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wno-unused-parameter -o "$BIN/daemon_stdio" \
    "$ROOT/tests/adversarial/daemon_stdio.c" || { echo "cannot build daemon_stdio.c" >&2; exit 2; }
t=daemon_double_fork_setsid
for mode in untraced traced; do
    run_case "$WORK/$t.$mode" $mode -- "$BIN/daemon_stdio" data.log done.marker
    for _ in $(seq 1 300); do [ -e "$WORK/$t.$mode/cwd/done.marker" ] && break; sleep 0.1; done
done
compare_runs $t "$WORK/$t.untraced" "$WORK/$t.traced" && compare_files $t "$WORK/$t.untraced" "$WORK/$t.traced" &&
require_traced $t "$WORK/$t.traced" "$BIN/daemon_stdio" &&
expect_eq $t "processes traced (parent, session leader, daemon)" "$(ls "$WORK/$t.traced/traces" | wc -l)" 3 &&
report_reads_all $t "$WORK/$t.traced" && pass $t

# ---- a real project's own test suite: more-itertools (pure Python, stdlib unittest) ------------------------
t=pypi_more_itertools_test_suite
if [ -f "$SDIST" ]; then
    SEED="$WORK/seed-pypi"
    mkdir -p "$SEED"
    tar -xzf "$SDIST" -C "$SEED" --strip-components=1
    transparent $t traced "$PY_EXE" 's/^Ran \([0-9]*\) tests in [0-9.]*s$/Ran \1 tests/' 120 -- \
        "$PYTHON" -m unittest discover -s tests -t .
    SEED=""
    grep -q '^OK' "$WORK/$t.untraced/stderr" || echo "note: more-itertools' own suite does not pass untraced here" >&2
else
    fail $t "missing $SDIST (tools/setup downloads it with pip)"
fi

suite_finish
