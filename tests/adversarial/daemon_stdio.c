/* daemon_stdio.c — issue 7 defect 3, and the transparency suite's daemon: double fork, setsid, close 0–2
 * and reopen them (0 and 1 on /dev/null, 2 on the daemon's data file), close 3…limit, then work: open and
 * close files and write records to descriptor 2. The data file must hold exactly the daemon's records —
 * the tracer may never write into a descriptor it does not own (no "fdhound: …" line in the data).
 * The daemon signals completion by creating MARKER (the runner waits for it, bounded).
 * Usage: daemon_stdio DATAFILE MARKER */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "observe.h"

static void daemon_work(const char *data, const char *marker) {
    setsid();
    if (fork() != 0) _exit(0); /* the session leader goes: the daemon can never get a terminal */
    close(0);
    close(1);
    close(2);
    if (open("/dev/null", O_RDONLY) != 0) _exit(10);
    if (open("/dev/null", O_WRONLY) != 1) _exit(11);
    if (open(data, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644) != 2) _exit(12);
    struct rlimit limit;
    getrlimit(RLIMIT_NOFILE, &limit);
    for (int fd = 3; fd < (int)limit.rlim_cur; fd++) close(fd);
    for (int i = 0; i < 200; i++) {
        int fd = open("/etc/hostname", O_RDONLY);
        int p[2];
        if (pipe(p) == 0) { close(p[0]); close(p[1]); }
        dprintf(2, "record %d: opened descriptor %d\n", i, fd);
        close(fd);
    }
    char line[64];
    int n = snprintf(line, sizeof line, "daemon done\n");
    if (write(2, line, (size_t)n) != n) _exit(13);
    close(open(marker, O_WRONLY | O_CREAT | O_TRUNC, 0644));
    _exit(0);
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: daemon_stdio DATAFILE MARKER\n"); return 2; }
    pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) daemon_work(argv[1], argv[2]);
    int status;
    waitpid(pid, &status, 0);
    printf("daemon started: intermediate child exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return 0;
}
