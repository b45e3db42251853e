/* jump_storm.c — a SIGALRM handler (every PERIOD µs, default 50) siglongjmps out of whatever the program was
 * doing, in a program built with _FORTIFY_SOURCE=2 (siglongjmp is then glibc's checking __longjmp_chk).
 * Untraced it never aborts nor hangs; traced it must not either. Usage: jump_storm MODE [COUNT [PERIOD]]:
 *   side-stack JUMPS — the loop (open/close, socket, dup, pipe) runs in a thread whose stack is in .bss,
 *     below every mapping: a handler that interrupted a hook on the tracer's side stack (mapped above it)
 *     jumps down to the loop, which __longjmp_chk refuses unless the jump is made from the program's stack.
 *   first-calls CHILDREN — CHILDREN fresh processes (fork + exec of this program) each make the first call
 *     of 30 hooked functions in the storm: a hook that looked its real function up on first use (dlsym,
 *     under the loader's lock) and was jumped out of left that lock held; a second thread's dlopen then hung.
 *     Stops at the first child that failed.
 *   loader THREADS — THREADS threads one after another open at 256 call sites in the storm (run with
 *     FDHOUND_UNWIND_VERIFY=1: every capture is also walked by libunwind, whose first walk on a thread
 *     allocates its thread-local block under malloc's and the loader's locks); then calloc,
 *     dl_iterate_phdr and a second thread's dlopen must all still work.
 * A watchdog thread ends a hung process with "hung: …" and status 3 after 20 s (a bound, not a timed
 * assertion: untraced, no process here takes more than a fraction of a second). Every call the storm
 * interrupts is async-signal-safe untraced. Prints what it observed and what is open at exit. */
#undef _FORTIFY_SOURCE
#define _FORTIFY_SOURCE 2
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <setjmp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include "observe.h"

static sigjmp_buf back;
static volatile sig_atomic_t jumps;
static volatile const char *doing = "start";
static volatile int step; /* first-calls: survives a jump, so the call a jump interrupted is made again */

static void on_alarm(int sig) {
    jumps++;
    siglongjmp(back, 1);
}

static void *watchdog(void *argument) {
    sleep(20);
    char line[160];
    int n = snprintf(line, sizeof line, "hung: %s (after %d jumps, step %d)\n", doing, (int)jumps, step);
    if (write(1, line, (size_t)n) < 0) _exit(4);
    _exit(3);
}

/* Started before anything else, with SIGALRM blocked: only the storm's thread takes the signal. */
static void start_watchdog(void) {
    sigset_t alarm;
    sigemptyset(&alarm);
    sigaddset(&alarm, SIGALRM);
    pthread_sigmask(SIG_BLOCK, &alarm, NULL);
    pthread_t thread;
    if (pthread_create(&thread, NULL, watchdog, NULL) != 0) die("pthread_create");
    pthread_detach(thread);
}

static long period = 50; /* µs */
static void storm(int on) {
    struct itimerval every = {.it_interval = {0, on ? period : 0}, .it_value = {0, on ? period : 0}};
    setitimer(ITIMER_REAL, &every, NULL);
}

static void allow_alarm(void) {
    struct sigaction sa = {.sa_handler = on_alarm};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    sigset_t alarm;
    sigemptyset(&alarm);
    sigaddset(&alarm, SIGALRM);
    pthread_sigmask(SIG_UNBLOCK, &alarm, NULL);
}

/* Closes what the jumps made the loop lose (SIGALRM blocked meanwhile). */
static void close_lost(void) {
    sigset_t alarm, before;
    sigemptyset(&alarm);
    sigaddset(&alarm, SIGALRM);
    pthread_sigmask(SIG_BLOCK, &alarm, &before);
    close_range(3, 511, 0);
    pthread_sigmask(SIG_SETMASK, &before, NULL);
}

/* ---- side-stack --------------------------------------------------------------------------------------- */

static char low_stack[1 << 20] __attribute__((aligned(4096))); /* .bss: below the heap and every mapping */
static long wanted;

static void *loop(void *argument) {
    allow_alarm();
    sigsetjmp(back, 1);
    if (jumps == 0) storm(1);
    while (jumps < wanted) {
        int fd = open("/dev/null", O_RDONLY);
        if (fd >= 0) close(fd);
        int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int copy = s >= 0 ? dup(s) : -1;
        if (s >= 0) close(s);
        if (copy >= 0) close(copy);
        int p[2];
        if (pipe(p) == 0) {
            close(p[0]);
            close(p[1]);
        }
        if (fd >= 256 || s >= 256 || copy >= 256) close_lost();
    }
    storm(0);
    return NULL;
}

static int side_stack(void) {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstack(&attr, low_stack, sizeof low_stack);
    pthread_t thread;
    doing = "the loop";
    if (pthread_create(&thread, &attr, loop, NULL) != 0) die("pthread_create");
    pthread_join(thread, NULL);
    close_lost();
    printf("jumps out of the handler: at least %ld\n", wanted);
    return 0;
}

/* ---- first-calls -------------------------------------------------------------------------------------- */

static char temp_name[64];
static int listener = -1;

static void first_calls(void) {
    int pair[2];
    sigset_t none;
    sigemptyset(&none);
    struct rlimit limit;
    /* Each call creates (or tries to) a descriptor through a hook not called before in this process; all
     * are async-signal-safe (untraced, a jump out of any of them is harmless). */
    for (; step < 30; step++) {
        int fd = -1;
        switch (step) {
        case 0: fd = eventfd(0, 0); break;
        case 1: fd = timerfd_create(CLOCK_MONOTONIC, 0); break;
        case 2: fd = signalfd(-1, &none, 0); break;
        case 3: fd = epoll_create1(0); break;
        case 4: fd = inotify_init1(0); break;
        case 5: fd = memfd_create("jump_storm", 0); break;
        case 6: fd = dup3(1, 100, 0); break;
        case 7: if (pipe2(pair, 0) == 0) { close(pair[1]); fd = pair[0]; } break;
        case 8: if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0) { close(pair[1]); fd = pair[0]; } break;
        case 9: fd = accept4(listener, NULL, NULL, 0); break;
        case 10: strcpy(temp_name, "jump_storm.XXXXXX"); fd = mkostemp(temp_name, 0); unlink(temp_name); break;
        case 11: fd = openat(AT_FDCWD, "/dev/null", O_RDONLY); break;
        case 12: fd = creat("/dev/null", 0600); break;
        case 13: fd = fcntl(1, F_DUPFD, 10); break;
        case 14: fd = dup(1); break;
        case 15: fd = socket(AF_INET, SOCK_DGRAM, 0); break;
        case 16: prlimit(0, RLIMIT_NOFILE, NULL, &limit); break;
        case 17: if (pipe(pair) == 0) { close(pair[1]); fd = pair[0]; } break;
        case 18: fd = open64("/dev/null", O_RDONLY); break;
        case 19: fd = openat64(AT_FDCWD, "/dev/null", O_RDONLY); break;
        case 20: fd = creat64("/dev/null", 0600); break;
        case 21: fd = epoll_create(1); break;
        case 22: fd = inotify_init(); break;
        case 23: strcpy(temp_name, "jump_storm.XXXXXX"); fd = mkstemp(temp_name); unlink(temp_name); break;
        case 24: strcpy(temp_name, "jump_storm.XXXXXX.t"); fd = mkstemps(temp_name, 2); unlink(temp_name); break;
        case 25: strcpy(temp_name, "jump_storm.XXXXXX.t"); fd = mkostemps(temp_name, 2, 0); unlink(temp_name); break;
        case 26: fd = accept(listener, NULL, NULL); break;
        case 27: fd = dup2(1, 101); break;
        case 28: getrlimit(RLIMIT_NOFILE, &limit); setrlimit(RLIMIT_NOFILE, &limit); break;
        case 29: {
            struct sockaddr_in local = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
            fd = socket(AF_INET, SOCK_DGRAM, 0);
            if (fd >= 0 && bind(fd, (struct sockaddr *)&local, sizeof local) != 0) break;
            socklen_t length = sizeof local;
            if (fd >= 0 && getsockname(fd, (struct sockaddr *)&local, &length) == 0)
                connect(fd, (struct sockaddr *)&local, sizeof local);
        } break;
        }
        if (fd >= 0) close(fd);
    }
}

static void *load_library(void *argument) {
    void *handle = dlopen("libm.so.6", RTLD_NOW);
    if (handle) dlclose(handle);
    return (void *)(uintptr_t)(handle != NULL);
}

/* The loader's and malloc's locks are free: calloc here, dl_iterate_phdr, and a second thread's dlopen. */
static int count_object(struct dl_phdr_info *info, size_t size, void *data) { return ++*(int *)data > 1000; }
static int locks_free(void) {
    doing = "calloc";
    free(calloc(1, 100));
    doing = "dl_iterate_phdr";
    int objects = 0;
    dl_iterate_phdr(count_object, &objects);
    doing = "a second thread's dlopen";
    pthread_t thread;
    void *loaded = NULL;
    if (pthread_create(&thread, NULL, load_library, NULL) != 0) die("pthread_create");
    pthread_join(thread, &loaded);
    doing = "done";
    return objects > 0 && loaded != NULL;
}

static int first_calls_child(void) {
    listener = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    allow_alarm();
    doing = "the first calls";
    sigsetjmp(back, 1);
    if (jumps == 0) storm(1);
    first_calls();
    storm(0);
    close_lost();
    return locks_free() ? 0 : 1;
}

static int first_calls_parent(const char *self, long children) {
    long ok = 0;
    for (long i = 0; i < children; i++) {
        pid_t child = fork();
        if (child == 0) {
            char every[24];
            snprintf(every, sizeof every, "%ld", period);
            execl("/proc/self/exe", self, "first-calls-child", "0", every, (char *)NULL);
            _exit(98);
        }
        int status = 0;
        if (child < 0 || waitpid(child, &status, 0) != child) die("fork/waitpid");
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            printf("child %ld: status %d (%s)\n", i, status, WIFEXITED(status) ? "exited" : "killed");
            break;
        }
        ok++;
    }
    printf("children whose loader stayed usable: %ld of %ld\n", ok, children);
    return 0;
}

/* ---- loader ------------------------------------------------------------------------------------------ */

/* 256 call sites, each its own function: more return addresses than libunwind's cache holds (128), so its
 * walks keep looking frames up (dl_iterate_phdr, under the loader's lock) instead of finding them cached. */
#define SITE(n) \
    static __attribute__((noinline)) int site_##n(void) { int fd = open("/dev/null", O_RDONLY); __asm__ volatile("" ::: "memory"); return fd; }
#define SITES16(h) SITE(h##0) SITE(h##1) SITE(h##2) SITE(h##3) SITE(h##4) SITE(h##5) SITE(h##6) SITE(h##7) \
    SITE(h##8) SITE(h##9) SITE(h##a) SITE(h##b) SITE(h##c) SITE(h##d) SITE(h##e) SITE(h##f)
SITES16(0) SITES16(1) SITES16(2) SITES16(3) SITES16(4) SITES16(5) SITES16(6) SITES16(7)
SITES16(8) SITES16(9) SITES16(a) SITES16(b) SITES16(c) SITES16(d) SITES16(e) SITES16(f)
#define NAME(n) site_##n,
#define NAMES16(h) NAME(h##0) NAME(h##1) NAME(h##2) NAME(h##3) NAME(h##4) NAME(h##5) NAME(h##6) NAME(h##7) \
    NAME(h##8) NAME(h##9) NAME(h##a) NAME(h##b) NAME(h##c) NAME(h##d) NAME(h##e) NAME(h##f)
static int (*const sites[256])(void) = {NAMES16(0) NAMES16(1) NAMES16(2) NAMES16(3) NAMES16(4) NAMES16(5)
    NAMES16(6) NAMES16(7) NAMES16(8) NAMES16(9) NAMES16(a) NAMES16(b) NAMES16(c) NAMES16(d) NAMES16(e) NAMES16(f)};

/* One thread of `loader`: opens at the 256 sites until the handler has jumped 20 times in it. Its first
 * captures are its first libunwind walks: glibc allocates libunwind's thread-local block then (malloc, and
 * the loader's TLS lock). */
static __thread int thread_jumps;
static __thread sigjmp_buf thread_back;
static void on_thread_alarm(int sig) {
    jumps++;
    thread_jumps++;
    siglongjmp(thread_back, 1);
}

static void *loader_thread(void *argument) {
    static volatile unsigned next;
    sigset_t alarm;
    sigemptyset(&alarm);
    sigaddset(&alarm, SIGALRM);
    sigsetjmp(thread_back, 1);
    pthread_sigmask(SIG_UNBLOCK, &alarm, NULL);
    while (thread_jumps < 20) {
        int fd = sites[next++ % 256]();
        if (fd >= 0) close(fd);
        if (fd >= 256) close_lost();
    }
    pthread_sigmask(SIG_BLOCK, &alarm, NULL);
    return NULL;
}

/* `wanted` threads one after another, each in the storm (the main thread keeps SIGALRM blocked). */
static int loader(void) {
    struct sigaction sa = {.sa_handler = on_thread_alarm};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    storm(1);
    for (long i = 0; i < wanted; i++) {
        pthread_t thread;
        doing = "a thread's storm";
        if (pthread_create(&thread, NULL, loader_thread, NULL) != 0) die("pthread_create");
        pthread_join(thread, NULL);
    }
    storm(0);
    close_lost();
    printf("threads jumped out of 20 times each: %ld\n", wanted);
    printf("malloc and the loader usable after the storm: %s\n", locks_free() ? "yes" : "no");
    return 0;
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "";
    wanted = argc > 2 ? atol(argv[2]) : 2000;
    if (argc > 3) period = atol(argv[3]);
    if (strcmp(mode, "first-calls") != 0) start_watchdog(); /* the children have their own */
    int status;
    if (strcmp(mode, "side-stack") == 0) status = side_stack();
    else if (strcmp(mode, "first-calls") == 0) status = first_calls_parent(argv[0], wanted);
    else if (strcmp(mode, "first-calls-child") == 0) return first_calls_child();
    else if (strcmp(mode, "loader") == 0) status = loader();
    else {
        fprintf(stderr, "usage: jump_storm side-stack|first-calls|loader [COUNT]\n");
        return 64;
    }
    print_open_fds(stdout, "open at exit");
    return status;
}
