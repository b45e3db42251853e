/* Fixture: one leaking helper per Linux descriptor family beyond open/socket/pipe (eventfd, timerfd,
 * signalfd, epoll, inotify, memfd, mkstemp, tmpfile, popen, socketpair, posix_openpt, pidfd_open), each leaking a
 * distinct count, next to a correct twin. Expected lines are found through the MARK comments. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/pidfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

NOINLINE void leak_eventfd(void) {
    for (int i = 0; i < 2; i++) { int fd = eventfd(0, EFD_CLOEXEC); /* MARK:leak_eventfd */ (void)fd; }
}
NOINLINE void close_eventfd(void) {
    for (int i = 0; i < 20; i++) { int fd = eventfd(0, 0); if (fd >= 0) close(fd); }
}

NOINLINE void leak_timerfd(void) {
    for (int i = 0; i < 3; i++) { int fd = timerfd_create(CLOCK_MONOTONIC, 0); /* MARK:leak_timerfd */ (void)fd; }
}
NOINLINE void close_timerfd(void) {
    for (int i = 0; i < 30; i++) { int fd = timerfd_create(CLOCK_MONOTONIC, 0); if (fd >= 0) close(fd); }
}

NOINLINE void leak_signalfd(void) {
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR1);
    for (int i = 0; i < 4; i++) { int fd = signalfd(-1, &mask, 0); /* MARK:leak_signalfd */ (void)fd; }
}
NOINLINE void close_signalfd(void) {
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR2);
    for (int i = 0; i < 40; i++) { int fd = signalfd(-1, &mask, 0); if (fd >= 0) close(fd); }
}

NOINLINE void leak_epoll(void) {
    for (int i = 0; i < 5; i++) { int fd = epoll_create1(0); /* MARK:leak_epoll */ (void)fd; }
}
NOINLINE void close_epoll(void) {
    for (int i = 0; i < 50; i++) { int fd = epoll_create(1); if (fd >= 0) close(fd); }
}

NOINLINE void leak_inotify(void) {
    for (int i = 0; i < 6; i++) { int fd = inotify_init1(IN_CLOEXEC); /* MARK:leak_inotify */ (void)fd; }
}
NOINLINE void close_inotify(void) {
    for (int i = 0; i < 60; i++) { int fd = inotify_init(); if (fd >= 0) close(fd); }
}

NOINLINE void leak_memfd(void) {
    for (int i = 0; i < 7; i++) { int fd = memfd_create("fixture-cache", 0); /* MARK:leak_memfd */ (void)fd; }
}
NOINLINE void close_memfd(void) {
    for (int i = 0; i < 70; i++) { int fd = memfd_create("fixture-tmp", MFD_CLOEXEC); if (fd >= 0) close(fd); }
}

NOINLINE void leak_mkstemp(void) {
    for (int i = 0; i < 8; i++) {
        char name[] = "/tmp/fdhound-fixture-XXXXXX";
        int fd = mkstemp(name); /* MARK:leak_mkstemp */
        if (fd >= 0) unlink(name);
    }
}
NOINLINE void close_mkstemp(void) {
    for (int i = 0; i < 80; i++) {
        char name[] = "/tmp/fdhound-fixture-XXXXXX";
        int fd = mkostemp(name, O_CLOEXEC);
        if (fd >= 0) { unlink(name); close(fd); }
    }
}

NOINLINE void leak_tmpfile(void) {
    for (int i = 0; i < 9; i++) { FILE *f = tmpfile(); /* MARK:leak_tmpfile */ (void)f; }
}
NOINLINE void close_tmpfile(void) {
    for (int i = 0; i < 90; i++) { FILE *f = tmpfile(); if (f) fclose(f); }
}

NOINLINE void leak_popen(void) {
    for (int i = 0; i < 2; i++) { FILE *f = popen("true", "r"); /* MARK:leak_popen */ (void)f; }
}
NOINLINE void close_popen(void) {
    for (int i = 0; i < 3; i++) { FILE *f = popen("true", "r"); if (f) pclose(f); }
}

NOINLINE void leak_socketpair(void) {
    for (int i = 0; i < 11; i++) { int sv[2]; if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return; /* MARK:leak_socketpair */ }
}
NOINLINE void close_socketpair(void) {
    for (int i = 0; i < 12; i++) { int sv[2]; if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return; close(sv[0]); close(sv[1]); }
}

NOINLINE void leak_pty(void) {
    for (int i = 0; i < 13; i++) { int fd = posix_openpt(O_RDWR | O_NOCTTY); /* MARK:leak_pty */ (void)fd; }
}
NOINLINE void close_pty(void) {
    for (int i = 0; i < 14; i++) { int fd = posix_openpt(O_RDWR | O_NOCTTY); if (fd >= 0) close(fd); }
}

NOINLINE void leak_pidfd(void) {
    for (int i = 0; i < 14; i++) { int fd = pidfd_open(getpid(), 0); /* MARK:leak_pidfd */ (void)fd; }
}
NOINLINE void close_pidfd(void) {
    for (int i = 0; i < 15; i++) { int fd = pidfd_open(getpid(), 0); if (fd >= 0) close(fd); }
}

int main(void) {
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR1);
    sigaddset(&mask, SIGUSR2);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    close_eventfd(); leak_eventfd();
    close_timerfd(); leak_timerfd();
    close_signalfd(); leak_signalfd();
    close_epoll(); leak_epoll();
    close_inotify(); leak_inotify();
    close_memfd(); leak_memfd();
    close_mkstemp(); leak_mkstemp();
    close_tmpfile(); leak_tmpfile();
    close_popen(); leak_popen();
    close_socketpair(); leak_socketpair();
    close_pty(); leak_pty();
    close_pidfd(); leak_pidfd();
    return 0;
}
