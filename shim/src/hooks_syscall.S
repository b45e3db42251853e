/* hooks_syscall.S — syscall(), as glibc's: the number in %rdi, six arguments shifted into the kernel's
 * registers (the sixth from the stack), the call, errno on failure. A call that installs a seccomp filter
 * (SYS_seccomp, or SYS_prctl with PR_SET_SECCOMP) first goes to fdh_seccomp_before (hooks_seccomp.c); a
 * sigaltstack call goes to fdh_syscall_sigaltstack, which keeps the thread's sigaltstack known (shim.h);
 * every other number costs three comparisons. The shim's own syscall() calls come here too.
 *
 * Why assembly: syscall(SYS_vfork) or syscall(SYS_clone, …) returns twice, and a child sharing the
 * parent's stack must not return through a C frame the parent will return through again; like glibc's,
 * this stub keeps nothing on the stack across the call. */
    .text
    .globl syscall
    .type syscall, @function
syscall:
    .cfi_startproc
    cmpq $317, %rdi               /* SYS_seccomp */
    je .Lcheck
    cmpq $157, %rdi               /* SYS_prctl */
    je .Lcheck
    cmpq $131, %rdi               /* SYS_sigaltstack: made, then noted (hooks_sigaltstack.c) */
    je fdh_syscall_sigaltstack
.Lcall:
    movq %rdi, %rax
    movq %rsi, %rdi
    movq %rdx, %rsi
    movq %rcx, %rdx
    movq %r8, %r10
    movq %r9, %r8
    movq 8(%rsp), %r9
    syscall
    cmpq $-4095, %rax
    jae .Lerror
    ret
.Lerror:
    movq %rax, %rdi
    jmp fdh_syscall_error         /* errno = -result; returns -1 to our caller */
.Lcheck:
    pushq %rdi
    .cfi_adjust_cfa_offset 8
    pushq %rsi
    .cfi_adjust_cfa_offset 8
    pushq %rdx
    .cfi_adjust_cfa_offset 8
    pushq %rcx
    .cfi_adjust_cfa_offset 8
    pushq %r8
    .cfi_adjust_cfa_offset 8
    pushq %r9
    .cfi_adjust_cfa_offset 8
    subq $8, %rsp                 /* 16-byte alignment for the C call */
    .cfi_adjust_cfa_offset 8
    call fdh_seccomp_before       /* (number, first argument): already in %rdi, %rsi */
    addq $8, %rsp
    .cfi_adjust_cfa_offset -8
    popq %r9
    .cfi_adjust_cfa_offset -8
    popq %r8
    .cfi_adjust_cfa_offset -8
    popq %rcx
    .cfi_adjust_cfa_offset -8
    popq %rdx
    .cfi_adjust_cfa_offset -8
    popq %rsi
    .cfi_adjust_cfa_offset -8
    popq %rdi
    .cfi_adjust_cfa_offset -8
    jmp .Lcall
    .cfi_endproc
    .size syscall, . - syscall

    .section .note.GNU-stack, "", @progbits
