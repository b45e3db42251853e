/* many_call_sites.c — 1024 functions, each opening and closing /dev/null, called in turn ROUNDS
 * times: more return addresses than the fast unwinder's per-thread rule cache holds (fast_unwind.c), so
 * nearly every capture misses it and reads DWARF CFI. Run with FDHOUND_UNWIND_VERIFY=1, the test checks
 * that the stacks still equal libunwind's and that the fast unwinder stands aside (libunwind alone is
 * cheaper for such a program), which the verdict line's share of captures walked both ways shows.
 * Usage: many_call_sites [ROUNDS] (default 4) */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

/* Sites numbered in base 4, five digits: 1024 functions, each with its own return addresses from open and
 * close (2048 in all, each seen once a round). */
#define SITE(n)                                                                                           \
    __attribute__((noinline)) static void site_##n(void) {                                                \
        int fd = open("/dev/null", O_RDONLY);                                                             \
        if (fd >= 0) close(fd);                                                                           \
        __asm__ volatile("" ::: "memory");                                                                \
    }
#define D1(p) SITE(p##0) SITE(p##1) SITE(p##2) SITE(p##3)
#define D2(p) D1(p##0) D1(p##1) D1(p##2) D1(p##3)
#define D3(p) D2(p##0) D2(p##1) D2(p##2) D2(p##3)
#define D4(p) D3(p##0) D3(p##1) D3(p##2) D3(p##3)
#define D5 D4(0) D4(1) D4(2) D4(3)
D5

#define ADDRESS(n) site_##n,
#define A1(p) ADDRESS(p##0) ADDRESS(p##1) ADDRESS(p##2) ADDRESS(p##3)
#define A2(p) A1(p##0) A1(p##1) A1(p##2) A1(p##3)
#define A3(p) A2(p##0) A2(p##1) A2(p##2) A2(p##3)
#define A4(p) A3(p##0) A3(p##1) A3(p##2) A3(p##3)
static void (*const sites[])(void) = {A4(0) A4(1) A4(2) A4(3)};

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 4;
    for (int round = 0; round < rounds; round++) {
        for (unsigned i = 0; i < sizeof sites / sizeof sites[0]; i++) sites[i]();
    }
    return 0;
}
