/* leak_dbus_bus_sockets.c — a D-Bus client without libdbus (as sd-bus or a hand-written client is): it
 * connects to the session bus socket named by DBUS_SESSION_BUS_ADDRESS with socket() + connect(). One
 * helper leaks every connection it makes, its twin closes them. fdhound must report the leaked sockets as
 * kind "dbus" under open_bus_socket_leaking with the exact count.
 * usage: leak_dbus_bus_sockets LEAKED CLOSED */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* The socket path of the first unix:path= entry of DBUS_SESSION_BUS_ADDRESS (no escapes in test paths). */
static int bus_address(struct sockaddr_un *address) {
    const char *text = getenv("DBUS_SESSION_BUS_ADDRESS");
    const char *path = text ? strstr(text, "unix:path=") : NULL;
    if (!path) return -1;
    path += strlen("unix:path=");
    size_t length = strcspn(path, ",;");
    if (length == 0 || length >= sizeof address->sun_path) return -1;
    memset(address, 0, sizeof *address);
    address->sun_family = AF_UNIX;
    memcpy(address->sun_path, path, length);
    return 0;
}

__attribute__((noinline)) static int open_bus_socket_leaking(const struct sockaddr_un *address) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0); /* MARK:open_bus_socket_leaking */
    if (fd < 0 || connect(fd, (const struct sockaddr *)address, sizeof *address) != 0) return -1;
    return fd; /* the "session" is abandoned: nobody closes fd */
}

__attribute__((noinline)) static int open_bus_socket_closing(const struct sockaddr_un *address) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int result = connect(fd, (const struct sockaddr *)address, sizeof *address);
    close(fd);
    return result;
}

int main(int argc, char **argv) {
    int leaked = argc > 1 ? atoi(argv[1]) : 7;
    int closed = argc > 2 ? atoi(argv[2]) : 4;
    struct sockaddr_un address;
    if (bus_address(&address) != 0) {
        fprintf(stderr, "DBUS_SESSION_BUS_ADDRESS has no unix:path= entry\n");
        return 2;
    }
    for (int i = 0; i < closed; i++) {
        if (open_bus_socket_closing(&address) != 0) { perror("connect"); return 1; }
    }
    for (int i = 0; i < leaked; i++) {
        if (open_bus_socket_leaking(&address) < 0) { perror("connect"); return 1; }
    }
    printf("left %d bus connections open\n", leaked);
    return 0;
}
