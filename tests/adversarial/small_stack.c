/* small_stack.c — issue 7 defect 4: the tracer's hooks must fit in a program's small stacks.
 *   thread:   a thread with a 20 KiB stack, 10 KiB of it in use, calls open().
 *   altstack: a SIGSEGV handler on a 6 KiB sigaltstack (MINSIGSTKSZ+4096) opens a crash report file,
 *             writes it and exits with status 3.
 * Untraced both work; traced they must too (no SIGSEGV from the hooks' own stack use).
 * Usage: small_stack thread | small_stack altstack REPORTFILE */
#include <pthread.h>
#include <signal.h>

#include "observe.h"

#define SMALL_STACK (20 * 1024)
#define IN_USE (10 * 1024)
#define ALTSTACK (2048 + 4096) /* MINSIGSTKSZ (the classic constant, 2048) + 4096 */

static const char *report_path;

static int __attribute__((noinline)) open_with_stack_in_use(void) {
    volatile char used[IN_USE];
    memset((char *)used, 1, sizeof used);
    int fd = open("/etc/hostname", O_RDONLY);
    return fd + used[IN_USE / 2] - 1;
}

static void *small_thread(void *arg) {
    int fd = open_with_stack_in_use();
    *(int *)arg = fd;
    if (fd >= 0) close(fd);
    return NULL;
}

static void on_segv(int sig) {
    int fd = open(report_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        static const char text[] = "crash report: SIGSEGV\n";
        ssize_t ignored = write(fd, text, sizeof text - 1);
        (void)ignored;
        close(fd);
    }
    _exit(3);
}

int main(int argc, char **argv) {
    if (argc >= 2 && strcmp(argv[1], "thread") == 0) {
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        int err = pthread_attr_setstacksize(&attr, SMALL_STACK);
        if (err) { printf("setstacksize: %s\n", strerror(err)); return 1; }
        int fd = -1;
        pthread_t thread;
        err = pthread_create(&thread, &attr, small_thread, &fd);
        if (err) { printf("pthread_create: %s\n", strerror(err)); return 1; }
        pthread_join(thread, NULL);
        printf("thread with a 20 KiB stack opened descriptor %d\n", fd);
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "altstack") == 0) {
        report_path = argv[2];
        static char alt[ALTSTACK];
        stack_t ss = {.ss_sp = alt, .ss_size = sizeof alt};
        if (sigaltstack(&ss, NULL) != 0) die("sigaltstack");
        struct sigaction sa = {.sa_handler = on_segv, .sa_flags = SA_ONSTACK};
        sigemptyset(&sa.sa_mask);
        sigaction(SIGSEGV, &sa, NULL);
        printf("about to crash\n");
        fflush(stdout);
        volatile int *nowhere = NULL;
        *nowhere = 1;
        return 0;
    }
    fprintf(stderr, "usage: small_stack thread | small_stack altstack REPORTFILE\n");
    return 2;
}
