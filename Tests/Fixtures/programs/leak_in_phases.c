/* leak_in_phases.c — fixture for PhaseTests: names phases through the shim's public API (weak references,
 * as shim/include/fdhound.h tells callers) and leaks from one helper in several of them, so the report must
 * split that one code path by phase. A helper thread opens inside "request 2" without a phase of its own. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include "../../../shim/include/fdhound.h"

#pragma weak fdhound_phase_begin
#pragma weak fdhound_phase_end

static void begin(const char *name) { if (fdhound_phase_begin) fdhound_phase_begin(name); }
static void end(void) { if (fdhound_phase_end) fdhound_phase_end(); }

__attribute__((noinline)) static int open_cache_entry(void) {
    return open("/etc/hostname", O_RDONLY); /* MARK:open_cache_entry */
}

__attribute__((noinline)) static void *helper_thread(void *unused) {
    open("/etc/passwd", O_RDONLY); /* MARK:helper_thread */
    return NULL;
}

int main(void) {
    open_cache_entry();                   /* before any phase: no phase */
    begin("request 1");
    for (int i = 0; i < 2; i++) open_cache_entry();
    close(open_cache_entry());            /* closed inside its phase: not a leak */
    end();
    begin("request 2");
    for (int i = 0; i < 3; i++) open_cache_entry();
    pthread_t thread;
    pthread_create(&thread, NULL, helper_thread, NULL);
    pthread_join(thread, NULL);
    begin("request 2 | nested `sub`");    /* nested on this thread: its opens are its own */
    open_cache_entry();
    end();
    end();
    begin("clean request");
    close(open_cache_entry());
    end();
    puts("done");
    return 0;
}
