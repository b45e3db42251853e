/* dlopen_loaded_loop.c — takes handles on objects already loaded, over and over, as FFI layers do
 * (dlopen(NULL), dlopen of libc by name), opening and closing between each dlopen and its dlclose. The
 * set of loaded objects never changes, so the fast unwinder's rules (fast_unwind.c) stay good: the test
 * runs it with FDHOUND_UNWIND_VERIFY=1 and checks the stacks equal libunwind's and that CFI was read for a
 * handful of return addresses, not again after every dlopen.
 * Usage: dlopen_loaded_loop [ROUNDS] (default 2000) */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((noinline)) static void recurse(int depth) {
    if (depth > 0) {
        recurse(depth - 1);
        __asm__ volatile("" ::: "memory"); /* no tail call: every level keeps its frame */
        return;
    }
    int fd = open("/dev/null", O_RDONLY);
    if (fd >= 0) close(fd);
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 2000;
    for (int i = 0; i < rounds; i++) {
        void *handle = i % 2 ? dlopen(NULL, RTLD_NOW) : dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
        if (!handle) {
            fprintf(stderr, "dlopen: %s\n", dlerror());
            return 1;
        }
        recurse(i % 8);
        dlclose(handle);
    }
    return 0;
}
