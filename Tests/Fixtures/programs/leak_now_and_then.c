/* Fixture for always-on mode (`fdhound run --always-on`): a service loop of 4000 requests, each calling
 * handle_request() 8 frames deep, which opens a file in read_config() and leaks it on every 50th request
 * (80 leaks); serve_static() opens and closes one each time. Bounded: exits 0 after the loop. */
#include <fcntl.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

NOINLINE int read_config(void) {
    return open("/dev/null", O_RDONLY); /* MARK:read_config */
}

NOINLINE void serve_static(void) {
    int fd = open("/dev/zero", O_RDONLY);
    if (fd >= 0) close(fd);
}

NOINLINE void handle_request(int request) {
    int fd = read_config();
    if (request % 50 != 0 && fd >= 0) close(fd);
    serve_static();
}

NOINLINE void dispatch(int depth, int request) {
    if (depth > 0) dispatch(depth - 1, request);
    else handle_request(request);
    __asm__ volatile("" ::: "memory"); /* not a tail call: every level stays on the stack */
}

int main(void) {
    for (int request = 0; request < 4000; request++) dispatch(8, request);
    return 0;
}
