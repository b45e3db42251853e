/* fast_backtrace.S — int fdh_fast_backtrace(void **frames, int max, struct fdh_walk *walk): the entry of the fast
 * unwinder (fast_unwind.c). C cannot name its caller's stack pointer and rbp exactly; here, at entry, they
 * are [rsp] (the return address), rsp + 8 (the caller's rsp after the return) and rbp (callee-saved, not
 * yet touched). Tail-calls fdh_unwind_from(frames, max, walk, ip, sp, rbp), which returns to our caller. */
    .text
    .globl fdh_fast_backtrace
    .hidden fdh_fast_backtrace
    .type fdh_fast_backtrace, @function
fdh_fast_backtrace:
    .cfi_startproc
    movq (%rsp), %rcx
    leaq 8(%rsp), %r8
    movq %rbp, %r9
    jmp fdh_unwind_from
    .cfi_endproc
    .size fdh_fast_backtrace, . - fdh_fast_backtrace

    .section .note.GNU-stack, "", @progbits
