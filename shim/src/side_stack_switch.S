/* side_stack_switch.S — uint64_t fdh_call_on_stack(uint64_t (*fn)(void *), void *arg, void *stack_top):
 * calls fn(arg) on the stack that ends at stack_top (16-byte aligned) and returns its result on the
 * caller's stack again. The frame is a standard frame-pointer frame described by CFI (CFA = rbp + 16), so
 * libunwind and libgcc unwind from fn, across the switch, into the caller's stack: stacks captured on the
 * side stack are the program's stacks. The word at stack_top - 8 holds the caller's stack pointer (where
 * the program's stack was left, rbp here) while fn runs: a jump out of a signal handler that interrupted
 * fn is made from there (hooks_longjmp.c); stack_top - 16 is padding, fn is called with rsp = top - 16. */
    .text
    .globl fdh_call_on_stack
    .hidden fdh_call_on_stack
    .type fdh_call_on_stack, @function
fdh_call_on_stack:
    .cfi_startproc
    pushq %rbp
    .cfi_def_cfa_offset 16
    .cfi_offset %rbp, -16
    movq %rsp, %rbp
    .cfi_def_cfa_register %rbp
    movq %rbp, -8(%rdx) /* before the switch: this store may fault in a fresh page, and a signal pending
                         * then is delivered on return from the fault — with rsp already switched, on the
                         * side stack, the handler would find no entry word yet */
    leaq -16(%rdx), %rsp
    movq %rdi, %rax
    movq %rsi, %rdi
    callq *%rax
fdh_call_on_stack_return: /* the return address a capture finds in this frame (fast_unwind.c) */
    .globl fdh_call_on_stack_return
    .hidden fdh_call_on_stack_return
    movq %rbp, %rsp
    popq %rbp
    .cfi_def_cfa %rsp, 8
    ret
    .cfi_endproc
    .size fdh_call_on_stack, . - fdh_call_on_stack

    .section .note.GNU-stack, "", @progbits
