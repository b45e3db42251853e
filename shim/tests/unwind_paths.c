/* unwind_paths.c — call paths for the fast unwinder's test (fast_unwind.c), run with
 * FDHOUND_UNWIND_VERIFY=1 so that every capture is walked by it and by libunwind and the program aborts if
 * the frames differ: recursion whose depth changes between calls (shallower and deeper than the captured
 * depth), frames with and without frame pointers and with large and variable-size frames (alloca), signal
 * handlers (on the program's stack and on an alternate signal stack) that open and close, several threads,
 * and a library that is unloaded and replaced by another at (usually) the same address.
 * Usage: unwind_paths DIR_OF_LIBRARIES */
#define _GNU_SOURCE
#include <alloca.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void open_close(void) {
    int fd = open("/dev/null", O_RDONLY);
    if (fd >= 0) close(fd);
}

__attribute__((noinline)) static void recurse(int depth) {
    if (depth > 0) {
        recurse(depth - 1);
        __asm__ volatile("" ::: "memory"); /* no tail call: every level keeps its frame */
        return;
    }
    open_close();
}

__attribute__((noinline, optimize("no-omit-frame-pointer"))) static void with_frame_pointer(int depth) {
    if (depth > 0) {
        with_frame_pointer(depth - 1);
        __asm__ volatile("" ::: "memory");
        return;
    }
    open_close();
}

__attribute__((noinline)) static void with_alloca(int depth, size_t size) {
    volatile char *room = alloca(size);
    room[0] = (char)depth;
    if (depth > 0) with_alloca(depth - 1, size * 3 % 997 + 16);
    else open_close();
    __asm__ volatile("" ::: "memory");
}

static void depths(void) {
    static const int order[] = {0, 5, 1, 30, 2, 60, 3, 24, 25, 23, 45, 0, 7};
    for (unsigned i = 0; i < sizeof order / sizeof order[0]; i++) {
        recurse(order[i]);
        with_frame_pointer(order[i]);
        with_alloca(order[i] % 12, 64 + (size_t)order[i] * 40);
    }
}

static void handler(int signal) {
    (void)signal;
    recurse(3);
}

__attribute__((noinline)) static void raise_at(int depth) {
    if (depth > 0) {
        raise_at(depth - 1);
        __asm__ volatile("" ::: "memory");
        return;
    }
    raise(SIGUSR1);
    open_close(); /* the same call site again after the handler ran */
}

static void *thread_main(void *arg) {
    for (int i = 0; i < 20; i++) depths();
    return arg;
}

static int through_library(const char *dir, const char *name, int depth) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    void *library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        fprintf(stderr, "dlopen %s: %s\n", path, dlerror());
        return -1;
    }
    int (*run)(int) = (int (*)(int))dlsym(library, "unwind_caller_run");
    int result = run ? run(depth) + run(depth + 7) + run(depth) : -1;
    dlclose(library);
    return result;
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    for (int i = 0; i < 10; i++) depths();

    struct sigaction action = {.sa_handler = handler};
    sigaction(SIGUSR1, &action, NULL);
    for (int i = 0; i < 10; i++) raise_at(i * 3);
    static char alternate[64 * 1024];
    stack_t stack = {.ss_sp = alternate, .ss_size = sizeof alternate};
    sigaltstack(&stack, NULL);
    action.sa_flags = SA_ONSTACK;
    sigaction(SIGUSR1, &action, NULL);
    for (int i = 0; i < 10; i++) raise_at(i * 3);

    pthread_t threads[3];
    for (int i = 0; i < 3; i++) pthread_create(&threads[i], NULL, thread_main, NULL);
    for (int i = 0; i < 3; i++) pthread_join(threads[i], NULL);

    for (int round = 0; round < 4; round++) {
        if (through_library(argv[1], "libunwind_caller_a.so", 3 + round) != 0) return 1;
        if (through_library(argv[1], "libunwind_caller_b.so", 3 + round) != 0) return 1;
    }
    return 0;
}
