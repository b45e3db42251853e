/* demo/leaky_server.c — the program `fdhound demo` traces: a toy request loop with two real-world leaks
 * (a log file left open on an error path, a backend socket dropped when its handshake "fails") next to
 * code that opens and closes correctly. It talks only to a listener it creates on 127.0.0.1. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define REQUESTS 300

static char workdir[256];

/* Correct: reads the configuration and always closes it. */
static int read_config(void) {
    char path[300];
    snprintf(path, sizeof path, "%s/server.conf", workdir);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char line[64];
    int ok = fgets(line, sizeof line, f) != NULL;
    fclose(f);
    return ok ? 0 : -1;
}

/* Leaky: returns early on the error path without closing the log. */
static __attribute__((noinline)) int open_request_log(int request) {
    char path[300];
    snprintf(path, sizeof path, "%s/request-%d.log", workdir, request);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) return -1;
    if (request % 10 == 7) return -1; /* "validation failed": the descriptor is forgotten */
    if (write(fd, "ok\n", 3) != 3) { /* ignore */ }
    close(fd);
    return 0;
}

/* Leaky: a failed handshake drops the socket instead of closing it. */
static __attribute__((noinline)) int connect_to_backend(const struct sockaddr_in *backend, int request) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) return -1;
    if (connect(s, (const struct sockaddr *)backend, sizeof *backend) != 0) {
        close(s);
        return -1;
    }
    if (request % 25 == 3) return -1; /* "handshake failed": retry with a new socket, old one leaks */
    close(s);
    return 0;
}

/* Correct: a pipe to a worker, both ends closed. */
static int notify_worker(void) {
    int p[2];
    if (pipe(p) != 0) return -1;
    if (write(p[1], "x", 1) != 1) { /* ignore */ }
    char c;
    if (read(p[0], &c, 1) != 1) { /* ignore */ }
    close(p[0]);
    close(p[1]);
    return 0;
}

int main(void) {
    snprintf(workdir, sizeof workdir, "/tmp/fdhound-demo-XXXXXX");
    if (!mkdtemp(workdir)) { perror("mkdtemp"); return 1; }
    char conf[300];
    snprintf(conf, sizeof conf, "%s/server.conf", workdir);
    FILE *cf = fopen(conf, "w");
    if (!cf) { perror("fopen"); return 1; }
    fputs("port=0\n", cf);
    fclose(cf);

    /* A backend on 127.0.0.1 with an ephemeral port; the kernel completes connects from its backlog. */
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in backend = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof backend;
    if (listener < 0 || bind(listener, (struct sockaddr *)&backend, sizeof backend) != 0 ||
        listen(listener, 512) != 0 || getsockname(listener, (struct sockaddr *)&backend, &len) != 0) {
        perror("backend");
        return 1;
    }

    int failures = 0;
    for (int request = 0; request < REQUESTS; request++) {
        if (read_config() != 0) failures++;
        if (open_request_log(request) != 0) failures++;
        if (connect_to_backend(&backend, request) != 0) failures++;
        if (notify_worker() != 0) failures++;
        /* Accept whatever is pending so the backlog never fills; the server side closes properly. */
        int c = accept4(listener, NULL, NULL, SOCK_NONBLOCK);
        if (c >= 0) close(c);
    }
    close(listener);
    printf("leaky_server: handled %d requests, %d failed\n", REQUESTS, failures);
    return 0;
}
