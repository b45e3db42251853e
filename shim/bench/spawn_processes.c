/* spawn_processes.c — the process-creation benchmark workload: N × (fork + exec /bin/true + wait) and
 * N × (posix_spawn /bin/true + wait). Prints milliseconds per process for each. Usage: spawn_processes N */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 100;
    char *args[] = {"true", NULL};
    double start = now_ms();
    for (int i = 0; i < n; i++) {
        pid_t child = fork();
        if (child == 0) {
            execv("/bin/true", args);
            _exit(127);
        }
        waitpid(child, NULL, 0);
    }
    double forked = now_ms();
    for (int i = 0; i < n; i++) {
        pid_t child;
        if (posix_spawn(&child, "/bin/true", NULL, NULL, args, environ) == 0) waitpid(child, NULL, 0);
    }
    double spawned = now_ms();
    printf("%.3f %.3f\n", (forked - start) / n, (spawned - forked) / n);
    return 0;
}
