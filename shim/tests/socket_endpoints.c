/* socket_endpoints.c — sockets whose endpoints the shim learns in different ways (from the listener, from
 * accept's own out-parameter, from connect's address, or from the kernel when those are not exact), all
 * left open. For each it prints "expect fd=N str1=LOCAL str2=PEER" with the endpoints as the kernel names
 * them (getsockname/getpeername, formatted here independently of the shim); run_tests.sh checks that the
 * trace's live table says exactly that. Usage: socket_endpoints DIRECTORY (for the unix socket paths), or
 * socket_endpoints connections N (see connections()). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int failures;
#define CHECK(condition, ...)                                                                             \
    do {                                                                                                  \
        if (!(condition)) {                                                                               \
            fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                                               \
            fprintf(stderr, __VA_ARGS__);                                                                 \
            fprintf(stderr, " (errno %d)\n", errno);                                                      \
            failures++;                                                                                   \
        }                                                                                                 \
    } while (0)

/* The shim's notation: 127.0.0.1:80, [::1]:80, /path, @abstract; "" for an unnamed socket. */
static void format(const struct sockaddr_storage *a, socklen_t length, char *out, size_t size) {
    out[0] = '\0';
    if (a->ss_family == AF_INET) {
        const struct sockaddr_in *in = (const void *)a;
        char text[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
        snprintf(out, size, "%s:%u", text, ntohs(in->sin_port));
    } else if (a->ss_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const void *)a;
        char text[INET6_ADDRSTRLEN];
        inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
        snprintf(out, size, "[%s]:%u", text, ntohs(in6->sin6_port));
    } else if (a->ss_family == AF_UNIX && length > offsetof(struct sockaddr_un, sun_path)) {
        const struct sockaddr_un *un = (const void *)a;
        snprintf(out, size, "%s", un->sun_path);
    }
}

static void expect(int fd) {
    struct sockaddr_storage a;
    socklen_t length = sizeof a;
    char local[200] = "", peer[200] = "";
    if (getsockname(fd, (struct sockaddr *)&a, &length) == 0) format(&a, length, local, sizeof local);
    length = sizeof a;
    if (getpeername(fd, (struct sockaddr *)&a, &length) == 0) format(&a, length, peer, sizeof peer);
    printf("expect fd=%d str1=%s str2=%s\n", fd, local, peer);
}

/* A TCP listener on `address` (port 0: the kernel picks one); its port is written back into *port. */
static int tcp_listener(const char *address, unsigned *port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in in = {.sin_family = AF_INET};
    inet_pton(AF_INET, address, &in.sin_addr);
    socklen_t length = sizeof in;
    CHECK(fd >= 0 && bind(fd, (struct sockaddr *)&in, sizeof in) == 0 && listen(fd, 8) == 0 &&
          getsockname(fd, (struct sockaddr *)&in, &length) == 0, "listener on %s", address);
    *port = ntohs(in.sin_port);
    return fd;
}

static int tcp_client(const char *address, unsigned port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, address, &in.sin_addr);
    CHECK(connect(fd, (struct sockaddr *)&in, sizeof in) == 0, "connect to %s:%u", address, port);
    return fd;
}

/* A listener bound to one address: accepted sockets take their local endpoint from it. accept(NULL, NULL)
 * still names the peer (the shim passes its own buffer). The client connected to "any" (0.0.0.0): the
 * kernel connects it to loopback, and its peer is named as the kernel has it, 127.0.0.1. */
static void specific_listener(void) {
    unsigned port;
    int listener = tcp_listener("127.0.0.1", &port);
    int client = tcp_client("0.0.0.0", port);
    int accepted = accept(listener, NULL, NULL);
    CHECK(accepted >= 0, "accept");
    expect(client);
    expect(accepted);
}

/* A listener on every address: the local endpoint of what it accepts is the address the client reached.
 * The peer comes from the program's buffer when it was big enough, else from the kernel: a buffer too
 * small for the address, and one whose size lives on the heap (the shim does not read it before the call). */
static void wildcard_listener(void) {
    unsigned port;
    int listener = tcp_listener("0.0.0.0", &port);

    int client = tcp_client("127.0.0.1", port);
    struct sockaddr_storage peer;
    socklen_t length = sizeof peer;
    int accepted = accept4(listener, (struct sockaddr *)&peer, &length, SOCK_CLOEXEC);
    CHECK(accepted >= 0 && length == sizeof(struct sockaddr_in), "accept4 with a buffer");
    expect(client);
    expect(accepted);

    client = tcp_client("127.0.0.1", port);
    char small[4];
    socklen_t small_length = sizeof small;
    memset(small, 0xff, sizeof small);
    accepted = accept(listener, (struct sockaddr *)small, &small_length);
    CHECK(accepted >= 0 && small_length == sizeof(struct sockaddr_in), "accept with a small buffer");
    expect(accepted);

    client = tcp_client("127.0.0.1", port);
    socklen_t *heap_length = malloc(sizeof *heap_length);
    *heap_length = sizeof peer;
    accepted = accept(listener, (struct sockaddr *)&peer, heap_length);
    CHECK(accepted >= 0, "accept with the size on the heap");
    free(heap_length);
    expect(accepted);
}

/* Unix sockets: the client connects by a relative path; its peer is the listener's name as bound (the
 * absolute path), and the accepted socket's peer the path the client bound. */
static void unix_sockets(const char *directory) {
    struct sockaddr_un server = {.sun_family = AF_UNIX}, client_name = {.sun_family = AF_UNIX};
    snprintf(server.sun_path, sizeof server.sun_path, "%s/server.sock", directory);
    snprintf(client_name.sun_path, sizeof client_name.sun_path, "%s/client.sock", directory);
    int listener = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(bind(listener, (struct sockaddr *)&server, sizeof server) == 0 && listen(listener, 8) == 0, "unix listener");
    int client = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(bind(client, (struct sockaddr *)&client_name, sizeof client_name) == 0, "unix client bind");
    CHECK(chdir(directory) == 0, "chdir");
    struct sockaddr_un relative = {.sun_family = AF_UNIX};
    strcpy(relative.sun_path, "server.sock");
    CHECK(connect(client, (struct sockaddr *)&relative, sizeof relative) == 0, "unix connect");
    int accepted = accept(listener, NULL, NULL);
    CHECK(accepted >= 0, "unix accept");
    expect(listener);
    expect(client);
    expect(accepted);
}

/* An IPv6 datagram socket connected to an IPv4 address: the kernel names its peer as a mapped IPv6
 * address, not as the address given. Skipped (nothing printed) where IPv6 is off. */
static void ipv6_socket_to_ipv4(void) {
    int receiver = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in in = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t length = sizeof in;
    CHECK(bind(receiver, (struct sockaddr *)&in, sizeof in) == 0 && getsockname(receiver, (struct sockaddr *)&in, &length) == 0,
          "udp receiver");
    int sender = socket(AF_INET6, SOCK_DGRAM, 0);
    if (sender < 0) return;
    if (connect(sender, (struct sockaddr *)&in, sizeof in) != 0) { close(sender); return; }
    expect(sender);
}

/* `rounds` connections to a listener bound to 127.0.0.1, accepted with accept(NULL, NULL), everything
 * closed; no endpoint asked for here, so that a system call count of the run is the shim's own
 * (run_tests.sh: 1 getsockname per connect, nothing per accept). Not with a buffer of the program's: whether
 * the shim may read its size before the call depends on where the stack's page boundaries fall. */
static void connections(int rounds) {
    unsigned port;
    int listener = tcp_listener("127.0.0.1", &port);
    for (int i = 0; i < rounds; i++) {
        int client = tcp_client("127.0.0.1", port);
        int accepted = accept(listener, NULL, NULL);
        CHECK(accepted >= 0, "accept");
        close(accepted);
        close(client);
    }
    close(listener);
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (strcmp(argv[1], "connections") == 0) {
        connections(argc > 2 ? atoi(argv[2]) : 100);
        return failures != 0;
    }
    specific_listener();
    wildcard_listener();
    unix_sockets(argv[1]);
    ipv6_socket_to_ipv4();
    return failures != 0;
}
