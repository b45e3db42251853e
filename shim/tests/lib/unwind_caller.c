/* unwind_caller.c — a library that opens and closes from inside its own frames, built twice
 * (libunwind_caller_a.so and _b.so, with different frame layouts: VARIANT_B keeps a frame pointer and a
 * larger frame) for unwind_paths.c, which loads one, unloads it and loads the other, usually at the same
 * address: a capture through the second must not use unwind rules made for the first. */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#ifdef VARIANT_B
#define PAD 512
#else
#define PAD 40
#endif

__attribute__((noinline)) static int inner(int depth, volatile char *scratch) {
    if (depth > 0) {
        char local[PAD];
        memset(local, depth, sizeof local);
        int r = inner(depth - 1, local);
        __asm__ volatile("" ::: "memory");
        return r | (local[depth % PAD] != (char)depth);
    }
    int fd = open("/dev/null", O_RDONLY);
    if (fd >= 0) close(fd);
    (void)scratch[0];
    return fd >= 0 ? 0 : -1;
}

int unwind_caller_run(int depth) {
    char scratch[8] = {0};
    return inner(depth, scratch);
}
