/* Fixture: one leaking helper per descriptor family (file, socket, pipe, dup, FILE*, DIR*), each leaking a
 * distinct count so a report group can be matched to exactly one helper, next to a correct twin that
 * opens and closes the same way. The end-to-end tests find expected lines by the MARK comments. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

NOINLINE void leak_file_via_open(void) {
    for (int i = 0; i < 3; i++) {
        int fd = open("/etc/hostname", O_RDONLY); /* MARK:leak_file_via_open */
        (void)fd;
    }
}

NOINLINE void close_file_via_open(void) {
    for (int i = 0; i < 30; i++) {
        int fd = open("/etc/hostname", O_RDONLY);
        if (fd >= 0) close(fd);
    }
}

NOINLINE void leak_socket(void) {
    for (int i = 0; i < 4; i++) {
        int s = socket(AF_INET, SOCK_STREAM, 0); /* MARK:leak_socket */
        (void)s;
    }
}

NOINLINE void close_socket(void) {
    for (int i = 0; i < 40; i++) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        if (s >= 0) close(s);
    }
}

NOINLINE void leak_pipe(void) {
    for (int i = 0; i < 5; i++) {
        int p[2];
        if (pipe(p) != 0) return; /* MARK:leak_pipe */
    }
}

NOINLINE void close_pipe(void) {
    for (int i = 0; i < 50; i++) {
        int p[2];
        if (pipe(p) != 0) return;
        close(p[0]);
        close(p[1]);
    }
}

NOINLINE void leak_dup(int source) {
    for (int i = 0; i < 6; i++) {
        int copy = dup(source); /* MARK:leak_dup */
        (void)copy;
    }
}

NOINLINE void close_dup(int source) {
    for (int i = 0; i < 60; i++) {
        int copy = dup(source);
        if (copy >= 0) close(copy);
    }
}

NOINLINE void leak_stdio_file(void) {
    for (int i = 0; i < 7; i++) {
        FILE *f = fopen("/etc/hostname", "r"); /* MARK:leak_stdio_file */
        (void)f;
    }
}

NOINLINE void close_stdio_file(void) {
    for (int i = 0; i < 70; i++) {
        FILE *f = fopen("/etc/hostname", "r");
        if (f) fclose(f);
    }
}

NOINLINE void leak_directory(void) {
    for (int i = 0; i < 8; i++) {
        DIR *d = opendir("/tmp"); /* MARK:leak_directory */
        (void)d;
    }
}

NOINLINE void close_directory(void) {
    for (int i = 0; i < 80; i++) {
        DIR *d = opendir("/tmp");
        if (d) closedir(d);
    }
}

int main(void) {
    close_file_via_open();
    leak_file_via_open();
    close_socket();
    leak_socket();
    close_pipe();
    leak_pipe();
    int source = open("/etc/hostname", O_RDONLY);
    close_dup(source);
    leak_dup(source);
    close(source);
    close_stdio_file();
    leak_stdio_file();
    close_directory();
    leak_directory();
    return 0;
}
