/* Fixture: leaks files and bound unix sockets whose names hold terminal escapes (CSI, OSC), CR, backspace,
 * a bidi override, a newline that would start a markdown heading, table pipes and bytes that are not
 * UTF-8 — everything a name may hold on Linux. The last argument is the directory to create them in, or
 * "hold" after it, which keeps them open (printing "holding") until killed, at most 60 s. Arguments before
 * it are only there to be shown (hostile argv). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

NOINLINE static void leak_hostile_file(const char *dir, const char *name) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_CREAT | O_WRONLY, 0600); /* MARK:leak_hostile_file */
    (void)fd;
}

NOINLINE static void leak_hostile_socket(const char *dir, const char *name) {
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    snprintf(address.sun_path, sizeof address.sun_path, "%s/%s", dir, name);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0); /* MARK:leak_hostile_socket */
    if (fd >= 0) bind(fd, (struct sockaddr *)&address, sizeof address);
}

int main(int argc, char **argv) {
    int hold = argc > 2 && strcmp(argv[argc - 1], "hold") == 0;
    if (argc < 2) return 2;
    const char *dir = argv[argc - 1 - hold];
    leak_hostile_file(dir, "esc\x1b[31mred");
    leak_hostile_file(dir, "osc\x1b]0;pwned\x07");
    leak_hostile_file(dir, "cr\rforged line");
    leak_hostile_file(dir, "bidi\xe2\x80\xaetxt.exe");
    leak_hostile_file(dir, "nl\n# heading | cell `tick`");
    leak_hostile_file(dir, "bad\xff\xfeutf8");
    leak_hostile_file(dir, "bs\b\bx");
    leak_hostile_socket(dir, "s\x1b[2J");
    leak_hostile_socket(dir, "s\n# sock\xff");
    if (hold) {
        printf("holding\n");
        fflush(stdout);
        for (int i = 0; i < 600; i++) usleep(100000);
    }
    return 0;
}
