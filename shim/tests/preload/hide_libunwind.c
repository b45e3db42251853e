/* hide_libunwind.c — preloaded only in the TSan run of the shim tests: makes dlopen("libunwind.so.8") fail,
 * so the shim captures stacks with glibc's backtrace() (its documented fallback). libunwind's per-thread
 * trace cache has a pthread-key destructor that re-arms itself until the last destructor round, after
 * TSan has torn down the exiting thread's state; its pthread_mutex_lock then crashes inside the TSan runtime
 * (seen in threads_exact_counts). That is a libunwind/TSan clash, not the shim's, and hiding libunwind keeps
 * every multithreaded test under TSan. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <string.h>

__attribute__((visibility("default"))) void *dlopen(const char *file, int mode) {
    static void *(*real_dlopen)(const char *, int);
    if (file && strstr(file, "libunwind.so")) return NULL;
    if (!__atomic_load_n(&real_dlopen, __ATOMIC_ACQUIRE))
        __atomic_store_n(&real_dlopen, (void *(*)(const char *, int))dlsym(RTLD_NEXT, "dlopen"), __ATOMIC_RELEASE);
    return real_dlopen(file, mode);
}
