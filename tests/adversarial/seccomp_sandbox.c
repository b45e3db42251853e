/* seccomp_sandbox.c — a program that sandboxes itself: after writing a file it installs a seccomp filter
 * that allows only the calls it makes next (openat, read, write, close, exit_group…) and kills the process
 * on any other, like sshd's preauth child. Traced, the recorder's own calls (madvise to commit trace
 * pages, getcwd for the relative path) would be refused and kill it; the shim must stop recording before
 * the filter. MODE: prctl (through libc's prctl) | seccomp (syscall(SYS_seccomp), as libseccomp loads a
 * filter). Prints what it read back and what is open. */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>

#include "observe.h"

#define ALLOW(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

int main(int argc, char **argv) {
    int use_syscall = argc > 1 && !strcmp(argv[1], "seccomp");
    int out = open("input.txt", O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (out < 0 || write(out, "hello\n", 6) != 6) die("write input.txt");
    close(out);
    int kept = open("input.txt", O_RDONLY); /* open across the filter: listed at exit */
    printf("sandboxing with %s\n", use_syscall ? "syscall(SYS_seccomp)" : "prctl"); /* stdio and malloc set up */
    free(malloc(64));
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        ALLOW(SYS_openat), ALLOW(SYS_read), ALLOW(SYS_write), ALLOW(SYS_close), ALLOW(SYS_exit_group),
        ALLOW(SYS_fstat), ALLOW(SYS_newfstatat), ALLOW(SYS_getdents64), ALLOW(SYS_rt_sigreturn),
        ALLOW(SYS_brk), ALLOW(SYS_lseek),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
    };
    struct sock_fprog program = {sizeof filter / sizeof filter[0], filter};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) die("no_new_privs");
    long installed = use_syscall ? syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program)
                                 : prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program);
    if (installed != 0) die("seccomp");
    int fd = open("input.txt", O_RDONLY);
    char buffer[16] = {0};
    long n = read(fd, buffer, sizeof buffer - 1);
    close(fd);
    printf("read %ld bytes: %s", n, buffer);
    print_open_fds(stdout, "open at exit");
    fflush(stdout);
    (void)kept;
    return 0;
}
