/* handler_first_capture.c — a thread's first stack walk that needs libunwind happens in a signal handler.
 * The fast unwinder serves a thread's ordinary calls without libunwind, so libunwind's thread-local cache
 * (a dynamic TLS block: it is dlopen'ed) is first touched when the walk meets a signal frame; glibc
 * allocates that block with malloc, which in a handler that interrupted malloc deadlocks the program
 * (tests/stress hung that way). This program counts malloc calls made while its handler runs: it replaces
 * malloc with a bump allocator (the main executable's malloc interposes libc's and the loader's), and each
 * of THREADS threads opens and closes in a loop, then signals itself; the handler opens and closes too.
 * Untraced the handler never allocates; traced it must not either. Prints the counts and what is open.
 * Usage: handler_first_capture [THREADS] (default 8). */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "observe.h"

static _Alignas(64) unsigned char heap[64u << 20];
static _Atomic size_t heap_used;
static volatile sig_atomic_t in_handler;
static _Atomic long mallocs_in_handler, handler_runs;

void *malloc(size_t size) {
    if (in_handler) atomic_fetch_add(&mallocs_in_handler, 1);
    size_t need = (size + 16 + 63) & ~(size_t)63;
    size_t at = atomic_fetch_add(&heap_used, need);
    if (at + need > sizeof heap) return NULL;
    memcpy(heap + at, &size, sizeof size); /* the size, for realloc */
    return heap + at + 16;
}
void free(void *p) { (void)p; }
void *calloc(size_t n, size_t size) {
    if (size && n > SIZE_MAX / size) return NULL;
    return malloc(n * size); /* the heap is zero and never reused */
}
void *realloc(void *p, size_t size) {
    void *q = malloc(size);
    if (p && q) {
        size_t old;
        memcpy(&old, (unsigned char *)p - 16, sizeof old);
        memcpy(q, p, old < size ? old : size);
    }
    return q;
}
void *memalign(size_t align, size_t size) {
    unsigned char *p = malloc(size + align + 16);
    if (!p) return NULL;
    uintptr_t aligned = ((uintptr_t)p + 16 + align - 1) & ~(uintptr_t)(align - 1);
    memcpy((unsigned char *)aligned - 16, &size, sizeof size); /* the size, for realloc */
    return (void *)aligned;
}
void *aligned_alloc(size_t align, size_t size) { return memalign(align, size); }
int posix_memalign(void **out, size_t align, size_t size) {
    void *p = memalign(align < 16 ? 16 : align, size);
    if (!p) return 12;
    *out = p;
    return 0;
}

static void on_signal(int sig) {
    int saved = errno;
    in_handler = 1;
    close(open("/dev/null", O_RDONLY));
    in_handler = 0;
    atomic_fetch_add(&handler_runs, 1);
    errno = saved;
}

static void *work(void *arg) {
    for (int i = 0; i < 100; i++) close(open("/dev/null", O_RDONLY));
    pthread_kill(pthread_self(), SIGUSR1); /* handled before pthread_kill returns */
    return arg;
}

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 8;
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGUSR1, &sa, NULL);
    for (int t = 0; t < threads; t++) {
        pthread_t thread;
        if (pthread_create(&thread, NULL, work, NULL) != 0) return 2;
        pthread_join(thread, NULL);
    }
    printf("handler runs: %ld\n", atomic_load(&handler_runs));
    printf("mallocs while the handler ran: %ld\n", atomic_load(&mallocs_in_handler));
    print_open_fds(stdout, "open at exit");
    return 0;
}
