/* Fixture: a server whose clients hang up while it never closes their connections — the CLOSE_WAIT
 * pile-up of a service that forgets to close (an asyncio server that never awaits close does the same).
 * serve_without_close leaks 3 accepted connections; serve_and_close handles 2 correctly. Everything is on
 * 127.0.0.1 with a port the kernel picks. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

static int listener;
static struct sockaddr_in address;

static void client_connects_and_hangs_up(void) {
    int client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (connect(client, (struct sockaddr *)&address, sizeof address) == 0) close(client);
}

NOINLINE void serve_without_close(void) {
    for (int i = 0; i < 3; i++) {
        client_connects_and_hangs_up();
        int connection = accept(listener, NULL, NULL); /* MARK:serve_without_close */
        (void)connection;
    }
}

NOINLINE void serve_and_close(void) {
    for (int i = 0; i < 2; i++) {
        client_connects_and_hangs_up();
        int connection = accept(listener, NULL, NULL);
        if (connection >= 0) close(connection);
    }
}

int main(void) {
    listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (bind(listener, (struct sockaddr *)&address, sizeof address) != 0 || listen(listener, 8) != 0) return 1;
    getsockname(listener, (struct sockaddr *)&address, &length);
    serve_and_close();
    serve_without_close();
    usleep(50000); /* let the FINs arrive */
    close(listener);
    return 0;
}
