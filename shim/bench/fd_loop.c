/* fd_loop.c — the benchmark suite's descriptor loops (tools/bench/run). Each iteration makes a few descriptor
 * calls from DEPTH frames deep (real code is rarely called from main), on THREADS threads at once; the loop is
 * timed with CLOCK_MONOTONIC, start-up excluded, so a tracer's start-up cost (valgrind's is seconds) does not
 * hide its per-call cost.
 *   open  open("/dev/null") + close                                         2 calls per iteration
 *   mix   socketpair + 2 close, pipe + 2 close, dup + close                   8 calls per iteration
 *   tcp   socket + connect to a 127.0.0.1 listener + accept + 2 close         5 calls per iteration
 * Usage: fd_loop MODE ITERATIONS [THREADS=1] [DEPTH=10]. Prints "NS_PER_ITERATION CALLS_PER_ITERATION"
 * (wall time over every thread's iterations), exits 1 if a call failed. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char *mode;
static long iterations;
static int depth = 10;
static struct sockaddr_in listener_address;
static int listener = -1;
static volatile int failed;

static __attribute__((noinline)) void open_close(void) {
    int fd = open("/dev/null", O_RDONLY);
    if (fd < 0) { failed = 1; return; }
    close(fd);
}

static __attribute__((noinline)) void mix(void) {
    int pair[2], pipes[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair) != 0 || pipe(pipes) != 0) { failed = 1; return; }
    int copy = dup(pipes[0]);
    if (copy < 0) failed = 1; else close(copy);
    close(pair[0]); close(pair[1]); close(pipes[0]); close(pipes[1]);
}

static __attribute__((noinline)) void tcp(void) {
    int client = socket(AF_INET, SOCK_STREAM, 0);
    if (client < 0) { failed = 1; return; }
    if (connect(client, (struct sockaddr *)&listener_address, sizeof listener_address) != 0) {
        failed = 1; close(client); return;
    }
    int server = accept(listener, NULL, NULL);
    if (server < 0) failed = 1; else close(server);
    /* Reset instead of FIN: no TIME_WAIT, so any number of iterations never runs out of local ports. */
    struct linger reset = {1, 0};
    setsockopt(client, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    close(client);
}

static __attribute__((noinline)) void loop(int levels) {
    if (levels > 0) {
        loop(levels - 1);
        __asm__ volatile("" ::: "memory"); /* keep the frame: no tail call */
        return;
    }
    void (*body)(void) = strcmp(mode, "mix") == 0 ? mix : strcmp(mode, "tcp") == 0 ? tcp : open_close;
    for (long i = 0; i < iterations && !failed; i++) body();
}

static void *thread_main(void *unused) {
    (void)unused;
    loop(depth);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: fd_loop open|mix|tcp ITERATIONS [THREADS] [DEPTH]\n"); return 64; }
    mode = argv[1];
    iterations = atol(argv[2]);
    int threads = argc > 3 ? atoi(argv[3]) : 1;
    if (argc > 4) depth = atoi(argv[4]);
    int calls = strcmp(mode, "mix") == 0 ? 8 : strcmp(mode, "tcp") == 0 ? 5 : 2;
    if (strcmp(mode, "tcp") == 0) {
        /* One thread only: accept() must take the connection this thread just made. */
        threads = 1;
        listener = socket(AF_INET, SOCK_STREAM, 0);
        listener_address.sin_family = AF_INET;
        listener_address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof listener_address;
        if (listener < 0 || bind(listener, (struct sockaddr *)&listener_address, sizeof listener_address) != 0 ||
            listen(listener, 64) != 0 || getsockname(listener, (struct sockaddr *)&listener_address, &length) != 0) {
            perror("fd_loop: listener");
            return 1;
        }
    }
    if (threads < 1 || threads > 64) threads = 1;
    pthread_t ids[64];
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int t = 0; t < threads; t++) pthread_create(&ids[t], NULL, thread_main, NULL);
    for (int t = 0; t < threads; t++) pthread_join(ids[t], NULL);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double ns = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
    printf("%.1f %d\n", ns / ((double)iterations * threads), calls);
    return failed;
}
