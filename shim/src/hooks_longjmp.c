/* hooks_longjmp.c — longjmp, _longjmp, siglongjmp and the fortified __longjmp_chk: nothing is recorded. A
 * signal handler that interrupted this thread inside the recorder and leaves with a jump to a frame above
 * the recording scope abandons that scope: its depth would stay raised forever (every later event on the
 * thread recorded as nested, without stack or path), its side-stack bits set, and a half-written live slot
 * or stack cache entry left behind. The jump is the one moment that is known for sure, so the hook puts the
 * thread's recorder state back as if the scopes had ended (fdh_recorder_abandoned) before jumping.
 *
 * Where the jump goes: glibc keeps the target's stack pointer in the jmp_buf mangled with the thread's
 * pointer guard (x86-64: rotated left by 17 after an xor with %fs:0x30). A jump is said to leave the
 * recording only when that target lies above the outermost scope on the same stack (fdh_scope_sp), or
 * leaves the sigaltstack the scope was on; a jump that stays inside the handler (a target on the side stack
 * the handler runs on, or on its sigaltstack) changes nothing. Only the rare case (a jump while this thread
 * is inside a scope) does more than one compare. Async-signal-safe: raw syscalls and plain stores.
 *
 * Where the jump is made from: a handler that interrupted a hook while it ran on the shim's side stack
 * runs there too, where the program never is. __longjmp_chk (what siglongjmp and longjmp are in a program
 * built with _FORTIFY_SOURCE) refuses a jump to a target below the current stack pointer unless the thread
 * is on its sigaltstack — "longjmp causes uninitialized stack frame" — and a side stack mapped above the
 * target's stack (a thread stack in the heap or in .bss, a thread whose stack was mapped after its side
 * stack) made it abort a program that untraced never aborts. So a jump that leaves the side stack is made
 * from the program's own stack, just under where the hook left it (fdh_call_on_stack keeps that address):
 * there the real function runs exactly as it would have untraced — its check (a genuinely bad jump still
 * aborts, a jump from a sigaltstack is still allowed, as the kernel then sees the thread on it), the
 * pthread cleanup it runs for the frames it unwinds, the signal mask it restores. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "real_calls.h"

extern void __longjmp_chk(struct __jmp_buf_tag env[1], int value) __attribute__((noreturn));

#if defined(__x86_64__)
#define JMPBUF_RSP 6 /* glibc's JB_RSP */
static uintptr_t target_stack_pointer(struct __jmp_buf_tag *env) {
    uintptr_t guard, mangled = (uintptr_t)env->__jmpbuf[JMPBUF_RSP];
    __asm__("mov %%fs:0x30, %0" : "=r"(guard));
    return ((mangled >> 17) | (mangled << (64 - 17))) ^ guard;
}
#else
static uintptr_t target_stack_pointer(struct __jmp_buf_tag *env) { return 0; } /* unknown: never abandons */
#endif

static int within(uintptr_t address, uintptr_t low, size_t size) {
    return address >= low && address - low < size;
}

/* Whether jumping to `target` leaves the outermost recording scope, entered with the stack at `scope`. */
static int leaves_scope(uintptr_t target, uintptr_t scope) {
    if (target == 0 || scope == 0) return 0;
    if (fdh_side_stack_holds(target)) return 0; /* a handler running on our side stack jumps inside itself */
    stack_t alt;
    if (syscall(SYS_sigaltstack, NULL, &alt) == 0 && !(alt.ss_flags & SS_DISABLE)) {
        int target_alt = within(target, (uintptr_t)alt.ss_sp, alt.ss_size);
        int scope_alt = within(scope, (uintptr_t)alt.ss_sp, alt.ss_size);
        if (target_alt != scope_alt) return scope_alt; /* out of the handler the scope was in, or into one */
    }
    return target > scope; /* one stack, growing down: the scope's frame is gone once the target is above it */
}

static void jumping(uintptr_t target) {
    /* A call in flight (a handler interrupted it between the real call and its record) may never be
     * recorded now: a forked child must not wait for it. A jump that stays inside the handler ends it too
     * early, which costs at most a stack the child could have copied. */
    fdh_flight_end();
    if (FDH_UNLIKELY(fdh_closing != NULL)) { /* a close between its two halves: is its frame left? */
        int saved = errno;
        if (leaves_scope(target, (uintptr_t)fdh_closing)) fdh_close_abandoned();
        errno = saved;
    }
    if (FDH_LIKELY(fdh_depth <= 0)) return; /* not inside the recorder (or a vfork child: negative) */
    int saved = errno;
    if (leaves_scope(target, fdh_scope_sp)) fdh_recorder_abandoned();
    errno = saved;
}

/* The stack pointer the program would jump from untraced: `sp` itself, unless it is on a side stack the
 * target is not on — then where the program's stack was left when that side stack was entered (a handler
 * on the nested side stack may have interrupted one that ran on the first: two steps at most). */
static uintptr_t program_stack_pointer(uintptr_t sp, uintptr_t target) {
    for (int step = 0; step < 2; step++) {
        int depth = fdh_side_stack_depth_of(sp);
        if (depth == 0 || fdh_side_stack_depth_of(target) == depth) break;
        uintptr_t entry = fdh_side_stack_entry(depth);
        if (entry == 0) break;
        sp = entry;
    }
    return sp;
}

typedef void jump_fn(struct __jmp_buf_tag env[1], int value); /* never returns */

struct jump {
    jump_fn *real;
    struct __jmp_buf_tag *env;
    int value;
};

static uint64_t jump_from_here(void *argument) {
    struct jump *j = argument;
    j->real(j->env, j->value);
    __builtin_unreachable();
}

/* Every hook: the recorder's state, then the real jump, from the program's own stack. */
static __attribute__((noreturn)) void jump(unsigned slot, struct __jmp_buf_tag *env, int value) {
    jump_fn *real = (jump_fn *)fdh_real(slot); /* resolved at start-up (real_calls.c): no dlsym in a handler */
    uintptr_t target = target_stack_pointer(env);
    jumping(target);
    uintptr_t here = fdh_stack_pointer();
    uintptr_t from = target ? program_stack_pointer(here, target) : here;
    if (FDH_UNLIKELY(from != here)) {
        struct jump j = {real, env, value};
        /* Under the frame the hook left there, its red zone and a margin; 16-byte aligned. */
        fdh_call_on_stack(jump_from_here, &j, (void *)((from - 512) & ~(uintptr_t)15));
    }
    real(env, value);
    __builtin_unreachable();
}

FDH_EXPORT void longjmp(struct __jmp_buf_tag env[1], int value) { jump(FDH_REAL_SLOT_longjmp, env, value); }

FDH_EXPORT void _longjmp(struct __jmp_buf_tag env[1], int value) { jump(FDH_REAL_SLOT__longjmp, env, value); }

FDH_EXPORT void siglongjmp(struct __jmp_buf_tag env[1], int value) { jump(FDH_REAL_SLOT_siglongjmp, env, value); }

FDH_EXPORT void __longjmp_chk(struct __jmp_buf_tag env[1], int value) {
    jump(FDH_REAL_SLOT___longjmp_chk, env, value);
}
