/* side_stack_switch.S — uint64_t fdh_call_on_stack(uint64_t (*fn)(void *), void *arg, void *stack_top):
 * calls fn(arg) with the stack pointer at stack_top (16-byte aligned) and returns its result on the
 * caller's stack again. The frame is a standard frame-pointer frame described by CFI (CFA = rbp + 16), so
 * libunwind and libgcc unwind from fn, across the switch, into the caller's stack: stacks captured on the
 * side stack are the program's stacks. */
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
    movq %rdx, %rsp
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
