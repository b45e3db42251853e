/* hooks_sigaltstack.c — sigaltstack: nothing is recorded. The shim keeps the calling thread's alternate
 * signal stack in its side-stack area's flags, so that a hook called by a handler running there can hold
 * the program's signals while it works on the side stack (shim.h, fdh_on_side_stack): off the sigaltstack,
 * a nested SA_ONSTACK signal would be delivered over that handler's frames. Read again here and when a
 * thread takes its area (side_stack.c), and after syscall(SYS_sigaltstack) (hooks_syscall.S); one set with a
 * system call instruction of the program's own is not seen until its thread next takes an area. Built without sanitizers (Makefile): their runtimes set up
 * their own sigaltstack before they can run instrumented code. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "real_calls.h"

/* This thread's sigaltstack into its flags. Emptied first: a handler's hook that reads them half-way
 * sees none. */
void fdh_side_stack_altstack_changed(void) {
    char *area = fdh_thread_area;
    if (!area) return;
    struct fdh_thread_flags *flags = (struct fdh_thread_flags *)(void *)(area + FDH_SCRATCH_THREAD_OFFSET);
    stack_t current;
    int saved = errno;
    long result = syscall(SYS_sigaltstack, NULL, &current);
    errno = saved;
    flags->altstack_size = 0;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    if (result != 0 || (current.ss_flags & SS_DISABLE) || current.ss_size == 0) return;
    flags->altstack_low = (uint64_t)(uintptr_t)current.ss_sp;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    flags->altstack_size = current.ss_size;
}

/* syscall(SYS_sigaltstack, ss, old), from the syscall hook (hooks_syscall.S): the call made here, then the
 * thread's sigaltstack noted as the sigaltstack hook notes it. */
long fdh_syscall_sigaltstack(long number, const stack_t *ss, stack_t *old) {
    long result = fdh_raw_syscall5(number, (long)ss, (long)old, 0, 0, 0);
    if (result == 0 && ss) fdh_side_stack_altstack_changed(); /* errno kept */
    return result;
}

FDH_EXPORT int sigaltstack(const stack_t *ss, stack_t *old) {
    FDH_REAL(sigaltstack);
    int result = real_sigaltstack(ss, old); /* creates no descriptor */
    if (result == 0 && ss) fdh_side_stack_altstack_changed(); /* errno kept */
    return result;
}
