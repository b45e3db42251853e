/* page_end_caller.c — descriptor calls made through a call whose return address lies in the last 8 bytes of a
 * code page. The fast unwinder compares a return address's code with glibc's signal trampoline; it once took
 * every such address for a signal frame (the comparison would have read the next page), so each capture
 * through it went to libunwind — half the fast path lost in builds where a hot call happened to end there.
 * run_tests.sh checks, in FDHOUND_UNWIND_VERIFY mode, that every capture is walked by the fast unwinder too.
 * Usage: page_end_caller N (N open+close pairs). Prints the return address's offset in its page. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

void open_and_close(void);
void page_end_call(void); /* calls open_and_close; its return address is 4 bytes before a page ends */
extern const char page_end_return[];

__attribute__((noinline, used)) void open_and_close(void) {
    int fd = open("/dev/null", O_RDONLY);
    if (fd >= 0) close(fd);
}

/* 4 bytes of subq, 4083 of nops and a 5-byte call: the call returns to offset 4092 of the page. */
__asm__(".text\n"
        ".balign 4096\n"
        ".globl page_end_call\n"
        ".type page_end_call, @function\n"
        "page_end_call:\n"
        ".cfi_startproc\n"
        "    subq $8, %rsp\n"
        ".cfi_adjust_cfa_offset 8\n"
        "    .fill 4083, 1, 0x90\n"
        "    call open_and_close\n"
        "page_end_return:\n"
        "    addq $8, %rsp\n"
        ".cfi_adjust_cfa_offset -8\n"
        "    ret\n"
        ".cfi_endproc\n"
        ".size page_end_call, .-page_end_call\n");

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1000;
    printf("return address at page offset %lu\n", (unsigned long)((unsigned long)page_end_return & 4095));
    fflush(stdout);
    for (long i = 0; i < n; i++) page_end_call();
    return 0;
}
