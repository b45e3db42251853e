/* resolver_signal.c — a signal handler that opens while the program is inside the loader's lazy binding
 * (tests/lib/lazy_ifunc.c: the first call of a lazily bound IFUNC runs its resolver under
 * _dl_runtime_resolve, and the resolver raises SIGUSR1). The capture's walk goes through the signal frame,
 * the resolver and _dl_fixup into _dl_runtime_resolve, whose CFA is rbx + 32: the fast unwinder once left
 * every such capture to libunwind, ~90 µs each through a signal frame, and a 20 µs timer handler
 * interrupting a first call then ran back to back forever (the program never returned from the call).
 * run_tests.sh runs this in FDHOUND_UNWIND_VERIFY mode: each capture walked fast and equal to libunwind's.
 * Usage: resolver_signal LIBRARY N (N loads of LIBRARY, one lazy first call each). Prints "handler runs: K". */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static volatile sig_atomic_t runs;

static void on_usr1(int sig) {
    int fd = open("/dev/null", O_RDONLY);
    if (fd >= 0) close(fd);
    runs++;
}

int main(int argc, char **argv) {
    if (argc < 3) return 64;
    long loads = atol(argv[2]);
    struct sigaction sa = {.sa_handler = on_usr1};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    int sum = 0;
    for (long i = 0; i < loads; i++) {
        void *library = dlopen(argv[1], RTLD_LAZY | RTLD_LOCAL);
        if (!library) { fprintf(stderr, "%s\n", dlerror()); return 1; }
        int (*call_picked)(void) = (int (*)(void))dlsym(library, "call_picked");
        if (!call_picked) return 1;
        sum += call_picked();
        dlclose(library);
    }
    printf("handler runs: %d, sum %d\n", (int)runs, sum);
    return 0;
}
