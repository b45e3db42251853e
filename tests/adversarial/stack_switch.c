/* stack_switch.c — a hand-rolled coroutine start, as green-thread libraries write it: inline assembly in a
 * C function moves rsp to a fresh mmap'd stack and calls the entry there, which opens a descriptor. The
 * C function's unwind rules describe its own frame as if rsp had not moved, so an unwinder that trusts
 * them reads just above the new stack's top: here a page with nothing mapped (unmapped), or a PROT_NONE
 * page (guard: the guard page of the next stack up, as stack pools lay them out).
 * Untraced this runs fine; traced it must too (libunwind checks the page; a walk that reads it crashes).
 * Usage: stack_switch unmapped|guard */
#include <sys/mman.h>

#include "observe.h"

#define STACK_SIZE (64 * 1024)

static int opened = -1;

static void __attribute__((noinline)) entry(void) {
    opened = open("/dev/null", O_RDONLY);
}

static void __attribute__((noinline)) run_on(char *top, void (*function)(void)) {
    __asm__ volatile("movq %%rsp, %%rbx\n\t"
                     "movq %0, %%rsp\n\t"
                     "call *%1\n\t"
                     "movq %%rbx, %%rsp\n\t"
                     :
                     : "r"(top), "r"(function)
                     : "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "xmm0", "xmm1", "xmm2",
                       "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13",
                       "xmm14", "xmm15", "cc", "memory");
}

int main(int argc, char **argv) {
    int guard = argc > 1 && strcmp(argv[1], "guard") == 0;
    char *area = mmap(NULL, STACK_SIZE + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (area == MAP_FAILED) die("mmap");
    /* right above the stack: a guard page, or nothing */
    if ((guard ? mprotect(area + STACK_SIZE, 4096, PROT_NONE) : munmap(area + STACK_SIZE, 4096)) != 0) die("above");
    run_on(area + STACK_SIZE, entry);
    printf("opened %d on a switched stack\n", opened);
    if (opened >= 0) close(opened);
    print_open_fds(stdout, "open at exit");
    return 0;
}
