/* hooks_vfork.S — vfork and __vfork, kept vfork: the child borrows the parent's memory and stack until it
 * execs or exits, the parent is suspended meanwhile, and a child may report an exec failure through memory
 * the parent reads.
 *
 * Why assembly: the child runs on the parent's stack. A C hook that called the real vfork would return in
 * the child first, through its own frame; the child then overwrites that frame, and the parent later
 * returns through the ruins. Like glibc's own vfork, this stub makes the system call itself with the
 * caller's return address held in a register (the kernel gives the parent its own registers back),
 * pushes it again after the call, in the child and in the parent, and returns. The recording work is done
 * by C helpers in hooks_process.c around the call, never across it:
 *   - fdh_vfork_prepare (normal frame, so its stack is the caller's): reserves the parent's FORK event and
 *     returns it with this thread's recording depth;
 *   - fdh_vfork_child: the child records nothing from here on (its depth goes negative);
 *   - fdh_vfork_parent(result, depth, event): puts the parent's depth back, publishes the FORK event with
 *     the child's pid, sets errno on failure, and returns vfork's result.
 * The event and depth survive the system call in %r8 and %rsi (only %rax, %rcx and %r11 are clobbered by
 * `syscall`); the return address in %rdi, as in glibc. No shadow-stack (CET) handling: this object is not
 * marked shadow-stack compatible, so a process loading the shim runs without one. */
    .text
    .globl vfork
    .type vfork, @function
    .globl __vfork
    .type __vfork, @function
vfork:
__vfork:
    .cfi_startproc
    subq $8, %rsp                 /* align the stack for the C call */
    .cfi_adjust_cfa_offset 8
    call fdh_vfork_prepare        /* %rax = event, %rdx = depth */
    addq $8, %rsp
    .cfi_adjust_cfa_offset -8
    movq %rax, %r8
    movq %rdx, %rsi
    popq %rdi                     /* the caller's return address, out of the child's reach */
    .cfi_adjust_cfa_offset -8
    .cfi_register %rip, %rdi
    movl $58, %eax                /* SYS_vfork */
    syscall
    pushq %rdi
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %rip, 0
    testq %rax, %rax
    jnz 1f
    .cfi_remember_state
    subq $8, %rsp                 /* child */
    .cfi_adjust_cfa_offset 8
    call fdh_vfork_child
    addq $8, %rsp
    .cfi_adjust_cfa_offset -8
    xorl %eax, %eax
    ret
    .cfi_restore_state
1:                                /* parent: %rax = pid or -errno */
    pushq %rax                    /* (keeps the stack aligned for the call) */
    .cfi_adjust_cfa_offset 8
    movq %rax, %rdi
    movq %r8, %rdx
    call fdh_vfork_parent         /* %rax = vfork's result, errno set */
    addq $8, %rsp
    .cfi_adjust_cfa_offset -8
    ret
    .cfi_endproc
    .size vfork, . - vfork
    .size __vfork, . - __vfork

    .section .note.GNU-stack, "", @progbits
