/* scenarios.c — small programs the shim's tests run under LD_PRELOAD, one per argv[1]. Each checks what
 * it can see from inside (errno, its own descriptor numbers) and exits non-zero with a message on
 * failure; run_tests.sh then checks the trace it left with trace_dump. */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/close_range.h>
#include <sys/resource.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_support.h"

static int failures;
#define CHECK(cond, ...)                                                                                  \
    do {                                                                                                  \
        if (!(cond)) {                                                                                    \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);                       \
            fprintf(stderr, __VA_ARGS__);                                                                 \
            fprintf(stderr, "\n");                                                                        \
            failures++;                                                                                   \
        }                                                                                                 \
    } while (0)

/* errno after every hooked call is what libc left: failures keep theirs, successes leave it alone. */
static int errno_preserved(void) {
    errno = 0;
    CHECK(open("/nonexistent/fdhound", O_RDONLY) == -1 && errno == ENOENT, "open errno %d", errno);
    errno = 0;
    CHECK(openat(AT_FDCWD, "/nonexistent/fdhound", O_RDONLY) == -1 && errno == ENOENT, "openat errno %d", errno);
    errno = 0;
    CHECK(fopen("/nonexistent/fdhound", "r") == NULL && errno == ENOENT, "fopen errno %d", errno);
    errno = 0;
    CHECK(opendir("/nonexistent/fdhound") == NULL && errno == ENOENT, "opendir errno %d", errno);
    errno = 0;
    CHECK(close(-1) == -1 && errno == EBADF, "close errno %d", errno);
    errno = 0;
    CHECK(dup(-1) == -1 && errno == EBADF, "dup errno %d", errno);
    errno = 0;
    CHECK(socket(-1, SOCK_STREAM, 0) == -1 && errno == EAFNOSUPPORT, "socket errno %d", errno);
    int p[2];
    errno = 0;
    CHECK(pipe2(p, -1) == -1 && errno == EINVAL, "pipe2 errno %d", errno);
    errno = 0;
    CHECK(fcntl(-1, F_DUPFD, 0) == -1 && errno == EBADF, "fcntl errno %d", errno);

    errno = EDOM; /* a successful call must not clobber errno */
    int fd = open("/dev/null", O_RDONLY);
    CHECK(fd >= 0 && errno == EDOM, "open success changed errno to %d", errno);
    errno = EDOM;
    CHECK(close(fd) == 0 && errno == EDOM, "close success changed errno to %d", errno);
    errno = EDOM;
    FILE *f = fopen("/dev/null", "r");
    CHECK(f && errno == EDOM, "fopen success changed errno to %d", errno);
    errno = EDOM;
    CHECK(fclose(f) == 0 && errno == EDOM, "fclose success changed errno to %d", errno);
    errno = EDOM;
    CHECK(pipe(p) == 0 && errno == EDOM, "pipe success changed errno to %d", errno);
    close(p[0]);
    close(p[1]);
    return failures;
}

/* Lists open descriptors with raw syscalls (opendir would open one through our own hook). */
static int list_fds(int *out, int max) {
    long dir = syscall(SYS_openat, AT_FDCWD, "/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int n = 0;
    char buffer[4096];
    long got;
    while ((got = syscall(SYS_getdents64, dir, buffer, sizeof buffer)) > 0) {
        for (long off = 0; off < got;) {
            struct dirent64 *e = (struct dirent64 *)(buffer + off);
            off += e->d_reclen;
            if (e->d_name[0] >= '0' && e->d_name[0] <= '9' && atoi(e->d_name) != dir && n < max) out[n++] = atoi(e->d_name);
        }
    }
    syscall(SYS_close, dir);
    return n;
}

/* A capture only libunwind can walk: open() called from a function whose CFA rule is a DWARF expression
 * (rsp + 16, said as an expression: the fast unwinder steps only register + offset rules at a return
 * address, fast_unwind.c). libunwind validates memory by writing into its pipe, so the pipe the shim
 * closed after its warm-up is made again now, and parked at the top of the limit. */
__attribute__((noinline, used)) void open_close_once(void) { close(open("/dev/null", O_RDONLY)); }
void call_through_expression_frame(void);
__asm__(".text\n"
        ".globl call_through_expression_frame\n"
        ".type call_through_expression_frame, @function\n"
        "call_through_expression_frame:\n"
        ".cfi_startproc\n"
        "    subq $8, %rsp\n"
        /* DW_CFA_def_cfa_expression: DW_OP_breg7 (rsp) 16 */
        ".cfi_escape 0x0f, 0x02, 0x77, 0x10\n"
        "    call open_close_once\n"
        "    addq $8, %rsp\n"
        ".cfi_def_cfa rsp, 8\n"
        "    ret\n"
        ".cfi_endproc\n"
        ".size call_through_expression_frame, .-call_through_expression_frame\n");

/* The tracer holds no descriptor among the program's: every open descriptor is one the program inherited
 * (the trace says which). libunwind's validation pipe exists only once libunwind walked a capture the fast
 * unwinder could not (none here: the shim closed it after its warm-up). */
static int no_tracer_fds(void) {
    char trace_path[600];
    snprintf(trace_path, sizeof trace_path, "%s/fdhound.%d.trace", getenv("FDHOUND_OUTPUT_DIR"), (int)getpid());
    /* make the unwinder do real work first: captures from several depths */
    for (int i = 0; i < 10; i++) close(open("/dev/null", O_RDONLY));
    int fds[1024];
    int n = list_fds(fds, 1024);
    struct mapped_trace t = {0};
    CHECK(trace_map(trace_path, &t) == 0, "cannot map %s", trace_path);
    if (failures) return failures;
    const struct fdh_section *live = trace_section(&t, FDH_SECTION_LIVE_FDS);
    CHECK(live != NULL, "no live section");
    if (!live) return failures;
    struct rlimit limit;
    getrlimit(RLIMIT_NOFILE, &limit);
    int lowest_free = -1;
    for (int candidate = 0; lowest_free < 0; candidate++) {
        int used = 0;
        for (int i = 0; i < n; i++) used |= fds[i] == candidate;
        if (!used) lowest_free = candidate;
    }
    for (int i = 0; i < n; i++) {
        const struct fdh_live_fd *slot = (const void *)(t.base + live->offset + (uint64_t)fds[i] * live->entry_size);
        CHECK(slot->state == FDH_LIVE_INHERITED, "descriptor %d is not one the program inherited%s", fds[i],
              (rlim_t)fds[i] >= limit.rlim_cur - 8 ? " (libunwind's pipe, parked: none was needed)" : "");
    }
    int fd = open("/dev/null", O_RDONLY);
    CHECK(fd == lowest_free, "the program's next descriptor is %d, expected the lowest free %d", fd, lowest_free);
    return failures;
}

/* fopen calls open internally and opendir openat: each must be one event, under the public call. */
static int nested_once(void) {
    FILE *f = fopen("/etc/hostname", "r");
    fclose(f);
    DIR *d = opendir("/tmp");
    closedir(d);
    FILE *tmp = fopen("/dev/null", "w");
    int copy = dup(fileno(tmp));
    close(copy);
    fclose(tmp);
    return 0;
}

static void *thread_body(void *arg) {
    for (int i = 0; i < 2000; i++) close(open("/dev/null", O_RDONLY));
    for (int i = 0; i < 5; i++) {
        int fd = open("/dev/zero", O_RDONLY); /* leaked on purpose: 5 per thread */
        (void)fd;
    }
    return arg;
}

static int threads(void) {
    pthread_t t[8];
    for (int i = 0; i < 8; i++) pthread_create(&t[i], NULL, thread_body, NULL);
    for (int i = 0; i < 8; i++) pthread_join(t[i], NULL);
    return 0;
}

/* Sixteen threads — twice the shim's counter shards, so shards are shared — each open and close /dev/null
 * 3000 times, leak 7 of /dev/zero, and open 50 of /dev/urandom that the NEXT thread closes (a close counted
 * in the opener's shard, from another thread). "sharded-killed" then dies by SIGKILL, no destructor run. */
#define SHARDED_THREADS 16
static int handed[SHARDED_THREADS][50];
static pthread_barrier_t handed_over;

static void *sharded_body(void *arg) {
    int me = (int)(intptr_t)arg;
    for (int i = 0; i < 3000; i++) close(open("/dev/null", O_RDONLY));
    for (int i = 0; i < 7; i++) {
        int fd = open("/dev/zero", O_RDONLY); /* leaked on purpose */
        (void)fd;
    }
    for (int i = 0; i < 50; i++) handed[me][i] = open("/dev/urandom", O_RDONLY);
    pthread_barrier_wait(&handed_over);
    for (int i = 0; i < 50; i++) close(handed[(me + 1) % SHARDED_THREADS][i]);
    return NULL;
}

static int sharded(int kill_self) {
    pthread_t t[SHARDED_THREADS];
    pthread_barrier_init(&handed_over, NULL, SHARDED_THREADS);
    for (int i = 0; i < SHARDED_THREADS; i++) pthread_create(&t[i], NULL, sharded_body, (void *)(intptr_t)i);
    for (int i = 0; i < SHARDED_THREADS; i++) pthread_join(t[i], NULL);
    if (kill_self) raise(SIGKILL);
    return 0;
}

static int leak_many(int count) {
    for (int i = 0; i < count; i++) {
        int fd = open("/dev/null", O_RDONLY);
        (void)fd;
    }
    return 0;
}

static int killed(void) {
    leak_many(3);
    raise(SIGKILL);
    return 1;
}

static int forked(void) {
    int before = open("/etc/hostname", O_RDONLY); /* inherited by the child with this stack */
    (void)before;
    pid_t child = fork();
    if (child == 0) {
        leak_many(7); /* the child's descriptors are not the parent's leaks */
        _exit(0);
    }
    int status;
    waitpid(child, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);
    leak_many(2);
    return failures;
}

static int dup2_over_open(void) {
    int a = open("/dev/null", O_RDONLY);
    int b = open("/dev/zero", O_RDONLY);
    dup2(a, b); /* closes /dev/zero implicitly; b is now a copy of a, opened by dup2 */
    close(a);
    return 0;
}

static int closes_libunwind_pipe(void) {
    /* Like a daemon closing everything above stderr: the parked pipe goes too. Tracing must go on, and
     * libunwind must not touch what the program opens afterwards. */
    call_through_expression_frame(); /* libunwind walks: its pipe is parked */
    struct rlimit limit;
    getrlimit(RLIMIT_NOFILE, &limit);
    for (rlim_t fd = 3; fd < limit.rlim_cur; fd++) close((int)fd);
    int p[2];
    CHECK(pipe(p) == 0, "pipe");
    for (int i = 0; i < 100; i++) close(open("/dev/null", O_RDONLY));
    CHECK(write(p[1], "x", 1) == 1, "write");
    char c = 0;
    CHECK(read(p[0], &c, 1) == 1 && c == 'x', "the program's pipe lost or gained data: %c", c);
    leak_many(4);
    return failures;
}

/* A pipe without close-on-exec crosses the exec; a file opened O_CLOEXEC does not. */
static int execs(void) {
    int p[2];
    CHECK(pipe(p) == 0, "pipe");
    int kept = open("/etc/hostname", O_RDONLY | O_CLOEXEC);
    (void)kept;
    execl("/bin/true", "true", (char *)NULL);
    return 99;
}

static int double_close(void) {
    int fd = open("/dev/null", O_RDONLY);
    close(fd);
    errno = 0;
    CHECK(close(fd) == -1 && errno == EBADF, "second close: errno %d", errno);
    FILE *f = fopen("/etc/hostname", "r");
    close(fileno(f)); /* owner violation: the FILE* still thinks it owns the number */
    fclose(f);
    return failures;
}

static int close_ranges(void) {
    for (int i = 0; i < 5; i++) open("/dev/null", O_RDONLY);
    close_range(3, ~0u, 0); /* closes them all */
    int a = open("/dev/zero", O_RDONLY);
    close_range((unsigned)a, (unsigned)a, CLOSE_RANGE_CLOEXEC);
    return a < 0;
}

/* A child sends an open descriptor over a socketpair; the parent receives it (a new descriptor here). */
static int scm_rights(void) {
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
    pid_t child = fork();
    if (child == 0) {
        int fd = open("/etc/hostname", O_RDONLY);
        char byte = 'x';
        struct iovec iov = {&byte, 1};
        char control[CMSG_SPACE(sizeof(int))];
        struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof fd);
        _exit(sendmsg(sv[1], &msg, 0) == 1 ? 0 : 1);
    }
    char byte;
    struct iovec iov = {&byte, 1};
    char control[CMSG_SPACE(sizeof(int))];
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
    CHECK(recvmsg(sv[0], &msg, 0) == 1, "recvmsg");
    int status;
    waitpid(child, &status, 0);
    close(sv[0]);
    close(sv[1]);
    return failures; /* the received descriptor is left open: one leak, opened by recvmsg */
}

static int signal_fd = -1;
static void closing_handler(int signal) {
    close(signal_fd); /* legal in a signal handler: the hook must cope */
    signal_fd = dup(2);
}

static int signal_close(void) {
    signal(SIGUSR1, closing_handler);
    for (int i = 0; i < 200; i++) {
        signal_fd = open("/dev/null", O_RDONLY);
        raise(SIGUSR1);
        close(signal_fd);
    }
    return 0;
}

/* The peer hangs up and we never close: the accepted socket sits in CLOSE_WAIT at exit. */
static int close_wait(void) {
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t length = sizeof address;
    CHECK(bind(listener, (struct sockaddr *)&address, sizeof address) == 0, "bind");
    CHECK(listen(listener, 4) == 0, "listen");
    getsockname(listener, (struct sockaddr *)&address, &length);
    int client = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(connect(client, (struct sockaddr *)&address, sizeof address) == 0, "connect");
    int accepted = accept(listener, NULL, NULL);
    CHECK(accepted >= 0, "accept");
    close(client); /* the peer hangs up */
    usleep(20000);
    close(listener);
    return failures; /* `accepted` is left open */
}

/* glibc's public __ aliases and closefrom are traced like the plain calls. */
int __open(const char *path, int flags, ...);
int __open64(const char *path, int flags, ...);
int __close(int fd);
void closefrom(int lowfd);

static int aliases(void) {
    int fd = __open("/dev/null", O_RDONLY);
    CHECK(fd >= 0 && __close(fd) == 0, "__open/__close");
    int kept = __open64("/etc/hostname", O_RDONLY); /* left open: one leak, api open64 */
    for (int i = 0; i < 3; i++) open("/dev/zero", O_RDONLY);
    closefrom(kept + 1); /* closes the three /dev/zero descriptors */
    return failures;
}

/* The program puts a descriptor of its own at the numbers where libunwind's pipe is parked (dup2 over
 * them): from then on libunwind must not be used — its next memory probe would read from and write to the
 * program's descriptor. The shim switches to glibc's backtrace; the program's pipe must see exactly its
 * own bytes, and stacks must go on being recorded. */
static int takes_libunwind_fds(void) {
    call_through_expression_frame(); /* libunwind walks: its pipe is parked */
    struct rlimit limit;
    getrlimit(RLIMIT_NOFILE, &limit);
    int p[2];
    CHECK(pipe(p) == 0, "pipe");
    int fds[1024];
    int n = list_fds(fds, 1024);
    int taken = 0;
    for (int i = 0; i < n; i++) {
        if ((rlim_t)fds[i] >= limit.rlim_cur - 8) { /* libunwind's parked pipe */
            CHECK(dup2(p[1], fds[i]) == fds[i], "dup2 over %d", fds[i]);
            taken++;
        }
    }
    CHECK(taken == 2, "found %d parked descriptors, expected libunwind's two", taken);
    for (int i = 0; i < 50; i++) close(open("/dev/null", O_RDONLY));
    CHECK(write(p[1], "y", 1) == 1, "write");
    char buffer[8] = {0};
    CHECK(read(p[0], buffer, sizeof buffer) == 1 && buffer[0] == 'y', "the pipe held other bytes: '%s'", buffer);
    leak_many(2);
    return failures;
}

/* A running program fdhound attaches to (run_tests.sh drives gdb): one descriptor open before the attach,
 * leaks while the test attaches and detaches, and one kind of open only after the detach. argv: a directory
 * where the test creates "detached" once it has detached. */
static int attach_target(const char *dir) {
    int before = open("/etc/hostname", O_RDONLY);
    printf("ready %d\n", before);
    fflush(stdout);
    char stop[512];
    snprintf(stop, sizeof stop, "%s/detached", dir);
    for (int i = 0; i < 6000 && access(stop, F_OK) != 0; i++) { /* 60 s at most */
        open("/dev/zero", O_RDONLY);
        usleep(10000);
    }
    for (int i = 0; i < 3; i++) open("/dev/full", O_RDONLY); /* after the detach: not recorded */
    return failures;
}

/* A fork from a multithreaded parent: the child may only do async-signal-safe work until it execs (another
 * thread may have held the unwinder's or the loader's lock), so it records without stacks — but records. */
static atomic_int spinning = 1; /* atomic: TSan runs this too */
static void *spinner(void *arg) {
    while (spinning) close(open("/dev/null", O_RDONLY)); /* busy in the recorder when the fork happens */
    return arg;
}

static int fork_multithreaded(void) {
    pthread_t thread;
    pthread_create(&thread, NULL, spinner, NULL);
    usleep(10000);
    pid_t child = fork();
    if (child == 0) {
        int fd = open("/etc/hostname", O_RDONLY); /* left open: the child's one leak */
        dup2(fd, 20);
        close(20);
        _exit(fd < 0);
    }
    int status;
    waitpid(child, &status, 0);
    spinning = 0;
    pthread_join(thread, NULL);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);
    return failures;
}

/* The state word of this process's own trace header (RUNNING 1, EXITED 2, EXECED 3), read from the file:
 * the newest image of this pid (fdhound.PID.trace, then .1, .2… for images exec'd in the same process). */
static unsigned own_trace_state(void) {
    char trace_path[600], candidate[600];
    const char *dir = getenv("FDHOUND_OUTPUT_DIR");
    snprintf(trace_path, sizeof trace_path, "%s/fdhound.%d.trace", dir, (int)getpid());
    for (int generation = 1; generation < 16; generation++) {
        snprintf(candidate, sizeof candidate, "%s/fdhound.%d.%d.trace", dir, (int)getpid(), generation);
        if (access(candidate, F_OK) != 0) break;
        memcpy(trace_path, candidate, sizeof trace_path);
    }
    struct mapped_trace t = {0};
    if (trace_map(trace_path, &t) != 0) return 0;
    unsigned state = __atomic_load_n(&t.header->state, __ATOMIC_ACQUIRE);
    munmap((void *)t.base, t.size);
    return state;
}

/* vfork keeps vfork semantics: the child shares the parent's memory (it reports its exec failure there, as
 * programs do) and records nothing of its own into the parent's trace — its close of an inherited copy and
 * its _exit leave the parent's live table and header alone. A vfork child that execs gets a trace of its
 * own, and the parent's FORK event (api vfork) names it. */
static volatile int vfork_child_errno;

static int vforks(void) {
    int leaked = open("/etc/hostname", O_RDONLY); /* the parent's leak; the child closes its own copy */
    pid_t child = vfork();
    if (child == 0) {
        close(leaked);
        execl("/nonexistent/fdhound-program", "x", (char *)NULL);
        vfork_child_errno = errno; /* the parent reads this: same memory */
        _exit(127);
    }
    int status;
    CHECK(child > 0 && waitpid(child, &status, 0) == child, "waitpid");
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 127, "child status %d", status);
    CHECK(vfork_child_errno == ENOENT, "the parent did not see the child's exec failure (errno %d): not a vfork",
          vfork_child_errno);
    CHECK(fcntl(leaked, F_GETFD) >= 0, "the parent's descriptor is gone");
    CHECK(own_trace_state() == FDH_STATE_RUNNING, "the child's exec/_exit changed the parent's header: %u",
          own_trace_state());
    /* A vfork child that passes a close-on-exec pipe end on purpose and execs /bin/true. */
    int p[2];
    CHECK(pipe2(p, O_CLOEXEC) == 0, "pipe2");
    child = vfork();
    if (child == 0) {
        fcntl(p[1], F_SETFD, 0);
        execl("/bin/true", "true", (char *)NULL);
        _exit(127);
    }
    CHECK(child > 0 && waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "vfork+exec /bin/true: status %d", status);
    CHECK(fcntl(p[1], F_GETFD) == FD_CLOEXEC, "the parent's pipe end lost close-on-exec");
    close(p[0]);
    close(p[1]);
    /* posix_spawn (glibc: clone(CLONE_VM|CLONE_VFORK) inside) keeps working */
    char *argv[] = {"true", NULL};
    extern char **environ;
    CHECK(posix_spawn(&child, "/bin/true", NULL, NULL, argv, environ) == 0, "posix_spawn");
    CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0, "spawned status");
    return failures;
}

/* Children the fork hook does not make: _Fork (no atfork handlers), clone without CLONE_VM, and a raw
 * clone system call. Each closes its copy of the parent's leak and exits; the parent's leak, log and header
 * must stay as they were. */
static int close_and_return(void *fd) {
    close((int)(intptr_t)fd);
    return 0;
}

pid_t _Fork(void);

static int other_forks(void) {
    int leaked = open("/dev/null", O_RDONLY);
    int status;
    pid_t child = _Fork();
    if (child == 0) {
        close(leaked);
        _exit(0);
    }
    CHECK(child > 0 && waitpid(child, &status, 0) == child && WIFEXITED(status), "_Fork child");
    CHECK(own_trace_state() == FDH_STATE_RUNNING, "after _Fork's child: parent's header state %u", own_trace_state());

    static char stack[64 * 1024] __attribute__((aligned(16)));
    child = clone(close_and_return, stack + sizeof stack, SIGCHLD, (void *)(intptr_t)leaked);
    CHECK(child > 0 && waitpid(child, &status, 0) == child && WIFEXITED(status), "clone child");
    CHECK(own_trace_state() == FDH_STATE_RUNNING, "after clone's child: parent's header state %u", own_trace_state());

    /* A raw clone system call: no hook sees it; the child reads the wipe-on-fork switch as off. */
    child = (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
    if (child == 0) {
        close(leaked);
        close(open("/dev/zero", O_RDONLY));
        _exit(0);
    }
    CHECK(child > 0 && waitpid(child, &status, 0) == child && WIFEXITED(status), "raw clone child");
    CHECK(own_trace_state() == FDH_STATE_RUNNING, "after SYS_clone's child: parent's header state %u", own_trace_state());
    return failures;
}

/* A multithreaded parent forks and execs while other threads open and close descriptors on the same
 * numbers — close-on-exec files and sockets, and pipes without close-on-exec (those really cross into
 * the exec'd program when the fork catches them open). The child's trace must describe each descriptor it
 * inherited as what it was: a pipe as a pipe, with the pipe's opening call, never a half-copied slot that
 * mixes a pipe with the file or socket that had the number before. */
static atomic_int churning = 1;
static void *churner(void *arg) {
    while (atomic_load(&churning)) {
        int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int f = open("/etc/hostname", O_RDONLY | O_CLOEXEC);
        close(s);
        close(f);
        int p[2];
        if (pipe(p) == 0) {
            close(p[0]);
            close(p[1]);
        }
    }
    return arg;
}

static int fork_exec_threads(int rounds) {
    pthread_t threads[3];
    for (int i = 0; i < 3; i++) pthread_create(&threads[i], NULL, churner, NULL);
    usleep(5000);
    for (int i = 0; i < rounds; i++) {
        pid_t child = fork();
        if (child == 0) {
            execl("/bin/true", "true", (char *)NULL);
            _exit(127);
        }
        int status;
        CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0, "child %d", status);
    }
    atomic_store(&churning, 0);
    for (int i = 0; i < 3; i++) pthread_join(threads[i], NULL);
    return failures;
}

/* Attached twice in one process (the shim dlopen'ed, not preloaded): the second trace is a trace of its own,
 * so nothing a thread remembered of the first (stack ids, call-site slots, the last path) may be used in it.
 * Each trace: 5 opens and closes at one call site, one leak at another. */
static __attribute__((noinline)) int open_zero(void) {
    int fd = open("/dev/zero", O_RDONLY);
    __asm__ volatile("" ::: "memory"); /* no tail call: the same return address every time */
    return fd;
}

static int reattach(const char *shim, const char *first, const char *second) {
    void *handle = dlopen(shim, RTLD_NOW);
    CHECK(handle != NULL, "dlopen %s", dlerror());
    if (!handle) return failures;
    int (*attach)(const char *) = (int (*)(const char *))dlsym(handle, "fdhound_attach");
    int (*detach)(void) = (int (*)(void))dlsym(handle, "fdhound_detach");
    const char *dirs[2] = {first, second};
    for (int round = 0; round < 2; round++) {
        CHECK(attach && attach(dirs[round]) == 0, "attach %d", round);
        for (int i = 0; i < 5; i++) close(open_zero());
        CHECK(open_zero() >= 0, "leak %d", round);
        CHECK(detach && detach() == 0, "detach %d", round);
    }
    return failures;
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    const char *what = argv[1];
    if (!strcmp(what, "errno")) return errno_preserved();
    if (!strcmp(what, "no-tracer-fds")) return no_tracer_fds();
    if (!strcmp(what, "nested")) return nested_once();
    if (!strcmp(what, "threads")) return threads();
    if (!strcmp(what, "sharded")) return sharded(0);
    if (!strcmp(what, "sharded-killed")) return sharded(1);
    if (!strcmp(what, "leak")) return leak_many(atoi(argv[2]));
    if (!strcmp(what, "killed")) return killed();
    if (!strcmp(what, "fork")) return forked();
    if (!strcmp(what, "dup2")) return dup2_over_open();
    if (!strcmp(what, "close-all")) return closes_libunwind_pipe();
    if (!strcmp(what, "exec")) return execs();
    if (!strcmp(what, "double-close")) return double_close();
    if (!strcmp(what, "close-range")) return close_ranges();
    if (!strcmp(what, "scm-rights")) return scm_rights();
    if (!strcmp(what, "signal-close")) return signal_close();
    if (!strcmp(what, "close-wait")) return close_wait();
    if (!strcmp(what, "aliases")) return aliases();
    if (!strcmp(what, "takes-libunwind-fds")) return takes_libunwind_fds();
    if (!strcmp(what, "fork-multithreaded")) return fork_multithreaded();
    if (!strcmp(what, "vfork")) return vforks();
    if (!strcmp(what, "other-forks")) return other_forks();
    if (!strcmp(what, "fork-exec-threads")) return fork_exec_threads(atoi(argv[2]));
    if (!strcmp(what, "hello")) { puts("hello"); return 0; }
    if (!strcmp(what, "libunwind-walk")) { call_through_expression_frame(); puts("hello"); return 0; }
    if (!strcmp(what, "attach-target") && argc > 2) return attach_target(argv[2]);
    if (!strcmp(what, "reattach") && argc > 4) return reattach(argv[2], argv[3], argv[4]);
    fprintf(stderr, "unknown scenario %s\n", what);
    return 2;
}
