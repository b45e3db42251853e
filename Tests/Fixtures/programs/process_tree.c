/* Fixture for issue 3's process and misuse cases, each in a uniquely named helper (lines found through the
 * MARK comments):
 *   - start_worker_leaky: a pipe without O_CLOEXEC crosses fork+exec into /bin/true (both ends);
 *     start_worker_correct does the same with O_CLOEXEC (nothing crosses);
 *   - spawn_leaky: a socket without SOCK_CLOEXEC crosses posix_spawn into /bin/true;
 *   - forked_worker: a forked child (no exec) leaks 3 files from child_leak_files, and inherits the
 *     parent's config descriptor (opened in open_shared_config) — inherited, not a leak;
 *   - receive_descriptors: 2 descriptors received from a child over SCM_RIGHTS are leaked;
 *   - double_close_bug and owner_violation_bug: misuse;
 *   - on_sigusr1: a signal handler opens a descriptor that is never closed;
 *   - thread_leak_sockets: 4 threads leak 5 sockets each. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))
extern char **environ;

static void run_true_and_wait(pid_t child) {
    int status;
    waitpid(child, &status, 0);
}

NOINLINE void start_worker_leaky(void) {
    int p[2];
    if (pipe(p) != 0) return; /* MARK:start_worker_leaky */
    pid_t child = fork();
    if (child == 0) {
        execl("/bin/true", "true", (char *)NULL);
        _exit(127);
    }
    close(p[0]);
    close(p[1]);
    run_true_and_wait(child);
}

NOINLINE void start_worker_correct(void) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) return;
    pid_t child = fork();
    if (child == 0) {
        execl("/bin/true", "true", (char *)NULL);
        _exit(127);
    }
    close(p[0]);
    close(p[1]);
    run_true_and_wait(child);
}

NOINLINE void spawn_leaky(void) {
    int s = socket(AF_INET, SOCK_STREAM, 0); /* MARK:spawn_leaky */
    pid_t child;
    char *argv[] = {"true", NULL};
    if (posix_spawn(&child, "/bin/true", NULL, NULL, argv, environ) == 0) run_true_and_wait(child);
    close(s);
}

NOINLINE int open_shared_config(void) {
    return open("/etc/hostname", O_RDONLY | O_CLOEXEC); /* MARK:open_shared_config */
}

NOINLINE void child_leak_files(void) {
    for (int i = 0; i < 3; i++) {
        int fd = open("/etc/hostname", O_RDONLY); /* MARK:child_leak_files */
        (void)fd;
    }
}

NOINLINE void forked_worker(void) {
    int config = open_shared_config();
    pid_t child = fork();
    if (child == 0) {
        child_leak_files();
        exit(0); /* the config descriptor is still open here: inherited, not this child's leak */
    }
    run_true_and_wait(child);
    close(config);
}

NOINLINE void send_descriptors(int channel) {
    int fds[2] = {open("/etc/hostname", O_RDONLY), open("/etc/hostname", O_RDONLY)};
    char byte = 'x';
    struct iovec iov = {&byte, 1};
    char control[CMSG_SPACE(sizeof fds)];
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof fds);
    memcpy(CMSG_DATA(c), fds, sizeof fds);
    if (sendmsg(channel, &msg, 0) != 1) _exit(1);
    close(fds[0]);
    close(fds[1]);
}

NOINLINE void receive_descriptors(void) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return;
    pid_t child = fork();
    if (child == 0) {
        send_descriptors(sv[1]);
        _exit(0);
    }
    char byte;
    struct iovec iov = {&byte, 1};
    char control[CMSG_SPACE(2 * sizeof(int))];
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
    if (recvmsg(sv[0], &msg, 0) != 1) return; /* MARK:receive_descriptors */
    run_true_and_wait(child);
    close(sv[0]);
    close(sv[1]);
}

NOINLINE void double_close_bug(void) {
    int fd = open("/dev/null", O_RDONLY);
    close(fd);
    close(fd); /* MARK:double_close_bug */
}

NOINLINE void owner_violation_bug(void) {
    FILE *f = fopen("/etc/hostname", "r");
    if (!f) return;
    close(fileno(f)); /* MARK:owner_violation_bug */
    fclose(f); /* MARK:owner_violation_fclose */
}

static void on_sigusr1(int signal) {
    int fd = open("/dev/zero", O_RDONLY); /* MARK:on_sigusr1 */
    (void)fd;
    (void)signal;
}

NOINLINE void thread_leak_sockets(void) {
    for (int i = 0; i < 5; i++) {
        int s = socket(AF_INET6, SOCK_DGRAM, 0); /* MARK:thread_leak_sockets */
        (void)s;
    }
}

static void *thread_body(void *arg) {
    thread_leak_sockets();
    return arg;
}

int main(void) {
    start_worker_leaky();
    start_worker_correct();
    spawn_leaky();
    forked_worker();
    receive_descriptors();
    double_close_bug();
    owner_violation_bug();
    signal(SIGUSR1, on_sigusr1);
    raise(SIGUSR1);
    pthread_t threads[4];
    for (int i = 0; i < 4; i++) pthread_create(&threads[i], NULL, thread_body, NULL);
    for (int i = 0; i < 4; i++) pthread_join(threads[i], NULL);
    return 0;
}
