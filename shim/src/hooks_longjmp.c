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
 * is inside a scope) does more than one compare. Async-signal-safe: raw syscalls and plain stores. */
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

static void jumping(struct __jmp_buf_tag *env) {
    /* A call in flight (a handler interrupted it between the real call and its record) may never be
     * recorded now: a forked child must not wait for it. A jump that stays inside the handler ends it too
     * early, which costs at most a stack the child could have copied. */
    fdh_flight_end();
    if (FDH_LIKELY(fdh_depth <= 0)) return; /* not inside the recorder (or a vfork child: negative) */
    int saved = errno;
    if (leaves_scope(target_stack_pointer(env), fdh_scope_sp)) fdh_recorder_abandoned();
    errno = saved;
}

typedef void jump_fn(struct __jmp_buf_tag env[1], int value); /* never returns */
enum { LONGJMP, UNDERSCORE_LONGJMP, SIGLONGJMP, LONGJMP_CHK, JUMPS };
static const char *const jump_names[JUMPS] = {"longjmp", "_longjmp", "siglongjmp", "__longjmp_chk"};
static jump_fn *_Atomic real_jumps[JUMPS];

/* Resolved at start-up (fdh_longjmp_hooks_resolve): the first jump is usually made in a signal handler,
 * where dlsym must not run. Only a jump made before the constructor resolves it here. */
static jump_fn *real_jump(int which) {
    jump_fn *real = atomic_load_explicit(&real_jumps[which], memory_order_acquire);
    if (FDH_UNLIKELY(!real)) {
        real = (jump_fn *)dlsym(RTLD_NEXT, jump_names[which]);
        atomic_store_explicit(&real_jumps[which], real, memory_order_release);
    }
    return real;
}

void fdh_longjmp_hooks_resolve(void) {
    for (int which = 0; which < JUMPS; which++) real_jump(which);
}

FDH_EXPORT void longjmp(struct __jmp_buf_tag env[1], int value) {
    jumping(env);
    real_jump(LONGJMP)(env, value);
    __builtin_unreachable();
}

FDH_EXPORT void _longjmp(struct __jmp_buf_tag env[1], int value) {
    jumping(env);
    real_jump(UNDERSCORE_LONGJMP)(env, value);
    __builtin_unreachable();
}

FDH_EXPORT void siglongjmp(struct __jmp_buf_tag env[1], int value) {
    jumping(env);
    real_jump(SIGLONGJMP)(env, value);
    __builtin_unreachable();
}

FDH_EXPORT void __longjmp_chk(struct __jmp_buf_tag env[1], int value) {
    jumping(env);
    real_jump(LONGJMP_CHK)(env, value);
    __builtin_unreachable();
}
