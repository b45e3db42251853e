/* handler_walks.c — descriptor calls made in signal handlers, for the fast unwinder's walk through signal
 * frames (fast_unwind.c). Each handler capture once went to libunwind, whose walk through a signal frame
 * costs ~30 µs (its locked caches block and unblock signals per frame): a program whose timer handler opens
 * a pipe every 50 µs then spent all its time in the handler and never returned to its loop (tests/adversarial
 * signal_pipe). run_tests.sh runs this in FDHOUND_UNWIND_VERIFY mode: every capture must be walked by the
 * fast unwinder too and equal libunwind's.
 *   - SIGILL at two ud2 instructions in plt_like, a function whose CFA is a DWARF expression of rip (the
 *     linker's .plt rule: rsp + 8, or + 16 once the stub has pushed): the handler opens and closes, then
 *     steps over the ud2. The interrupted frame's rule is read at its exact pc.
 *   - SIGILL at a ud2 in wide_shift, whose CFA expression shifts by 64 (rsp + 8 + (1 << 64)): C leaves that
 *     undefined and libunwind shifts by 64 mod 64, so the fast walk must leave the capture to libunwind
 *     (it once read a CFA one byte off libunwind's and recorded another stack).
 *   - SIGUSR1 sent with kill() from a recursion, the handler on the program's stack and then on an
 *     alternate signal stack, and a handler that raises SIGUSR2 (a handler interrupting a handler).
 * Usage: handler_walks N (N rounds). Prints "handler runs: K". */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

void plt_like(void);

/* Laid out as a lazy .plt entry's unwind rule expects (its FDE is binutils' for .plt): at offsets 0–10 of
 * a 16-byte block nothing is pushed, at 11–15 one word is. ud2 at offset 0 and at offset 11. */
__asm__(".text\n"
        ".balign 16\n"
        ".globl plt_like\n"
        ".type plt_like, @function\n"
        "plt_like:\n"
        ".cfi_startproc\n"
        /* DW_CFA_def_cfa_expression: breg7(rsp) 8; breg16(rip) 0; lit15; and; lit11; ge; lit3; shl; plus */
        ".cfi_escape 0x0f, 0x0b, 0x77, 0x08, 0x80, 0x00, 0x3f, 0x1a, 0x3b, 0x2a, 0x33, 0x24, 0x22\n"
        "    ud2\n"               /* offset 0: CFA = rsp + 8 */
        "    .fill 8, 1, 0x90\n"  /* offsets 2–9 */
        "    push %rax\n"         /* offset 10 */
        "    ud2\n"               /* offset 11: CFA = rsp + 16 */
        "    nop\n"
        "    nop\n"
        "    pop %rax\n"          /* offset 15 */
        "    ret\n"               /* offset 16: a new block, CFA = rsp + 8 again */
        ".cfi_endproc\n"
        ".size plt_like, .-plt_like\n");

void wide_shift(void);

/* DW_CFA_def_cfa_expression: breg7(rsp) 8; lit1; const1u 64; shl; plus — rsp + 8 if 1 << 64 is 0. */
__asm__(".text\n"
        ".globl wide_shift\n"
        ".type wide_shift, @function\n"
        "wide_shift:\n"
        ".cfi_startproc\n"
        ".cfi_escape 0x0f, 0x07, 0x77, 0x08, 0x31, 0x08, 0x40, 0x24, 0x22\n"
        "    ud2\n"
        "    ret\n"
        ".cfi_endproc\n"
        ".size wide_shift, .-wide_shift\n");

static volatile sig_atomic_t runs;

__attribute__((noinline)) static void open_close(void) {
    int fd = open("/dev/null", O_RDONLY);
    if (fd >= 0) close(fd);
}

static void on_ill(int sig, siginfo_t *info, void *context) {
    ucontext_t *uc = context;
    open_close();
    runs++;
    uc->uc_mcontext.gregs[REG_RIP] += 2; /* over the ud2 */
}

static void on_usr2(int sig) {
    open_close();
    runs++;
}

static void on_usr1(int sig) {
    open_close();
    raise(SIGUSR2); /* delivered at once, into this handler */
    runs++;
}

__attribute__((noinline)) static void recurse(int depth) {
    if (depth > 0) {
        recurse(depth - 1);
        __asm__ volatile("" ::: "memory");
        return;
    }
    kill(getpid(), SIGUSR1);
}

int main(int argc, char **argv) {
    long rounds = argc > 1 ? atol(argv[1]) : 100;
    struct sigaction ill = {.sa_sigaction = on_ill, .sa_flags = SA_SIGINFO};
    struct sigaction usr1 = {.sa_handler = on_usr1}, usr2 = {.sa_handler = on_usr2};
    sigemptyset(&ill.sa_mask);
    sigemptyset(&usr1.sa_mask);
    sigemptyset(&usr2.sa_mask);
    sigaction(SIGILL, &ill, NULL);
    sigaction(SIGUSR2, &usr2, NULL);
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) { /* the same on an alternate signal stack */
            static char altstack[64 * 1024];
            stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack};
            sigaltstack(&ss, NULL);
            usr1.sa_flags = SA_ONSTACK;
            ill.sa_flags = SA_SIGINFO | SA_ONSTACK;
            sigaction(SIGILL, &ill, NULL);
        }
        sigaction(SIGUSR1, &usr1, NULL);
        for (long i = 0; i < rounds; i++) {
            plt_like();
            wide_shift();
            recurse((int)(i % 7));
        }
    }
    printf("handler runs: %d\n", (int)runs);
    return 0;
}
