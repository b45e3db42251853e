/* Fixture: opens three files in hold_files_until_killed(), says so on stdout, then waits to be killed with
 * SIGKILL (at most 60 s). Its trace must still show the three open descriptors with their stack. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

NOINLINE void hold_files_until_killed(void) {
    for (int i = 0; i < 3; i++) {
        int fd = open("/etc/hostname", O_RDONLY); /* MARK:hold_files_until_killed */
        (void)fd;
    }
    printf("holding\n");
    fflush(stdout);
    for (int i = 0; i < 600; i++) usleep(100000);
}

int main(void) {
    hold_files_until_killed();
    return 0;
}
