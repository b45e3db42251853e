/* lazy_ifunc.c — a library whose call to its own IFUNC is bound lazily (built with -z lazy, loaded with
 * RTLD_LAZY): the first call of picked() goes through glibc's _dl_runtime_resolve, whose CFA is rbx-based,
 * into _dl_fixup, which runs the resolver below — and the resolver sends the process SIGUSR1 with raw
 * system calls (no PLT call of its own to resolve). The program's handler then captures through the signal
 * frame and the loader's trampoline (tests/resolver_signal.c). */
#include <sys/syscall.h>

static long raw_syscall2(long number, long a, long b) {
    long result;
    __asm__ volatile("syscall" : "=a"(result) : "a"(number), "D"(a), "S"(b) : "rcx", "r11", "memory");
    return result;
}

static int picked_impl(void) {
    return 42;
}

static int (*resolve_picked(void))(void) {
    raw_syscall2(SYS_kill, raw_syscall2(SYS_getpid, 0, 0), 10 /* SIGUSR1 */);
    return picked_impl;
}

int picked(void) __attribute__((ifunc("resolve_picked")));

__attribute__((noinline)) int call_picked(void) {
    int result = picked(); /* through this library's PLT: picked is exported, so interposable */
    __asm__ volatile("" ::: "memory"); /* not a tail call: this frame stays on the stack */
    return result;
}
