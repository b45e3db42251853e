/* socket_states.c — at exit, the TCP state of every TCP socket still open, from /proc/self/net/tcp{,6}
 * matched by socket inode. CLOSE_WAIT is the telling one: the peer hung up and this process never closed
 * (an asyncio service that never awaits close piles these up). Runs once, from the destructor or _exit,
 * with raw syscalls and static buffers only. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim.h"

#define SOCKETS_MAX 16384u /* power of two: hash slots for (inode → fd) */

struct inode_slot {
    uint64_t inode; /* 0 = empty */
    int fd;
};
static struct inode_slot by_inode[SOCKETS_MAX];
static char buffer[65536 + 512];

static void remember(uint64_t inode, int fd) {
    for (uint64_t i = inode & (SOCKETS_MAX - 1), n = 0; n < SOCKETS_MAX; n++, i = (i + 1) & (SOCKETS_MAX - 1)) {
        if (by_inode[i].inode == 0) {
            by_inode[i] = (struct inode_slot){inode, fd};
            return;
        }
    }
}

static int lookup(uint64_t inode) {
    for (uint64_t i = inode & (SOCKETS_MAX - 1), n = 0; n < SOCKETS_MAX; n++, i = (i + 1) & (SOCKETS_MAX - 1)) {
        if (by_inode[i].inode == inode) return by_inode[i].fd;
        if (by_inode[i].inode == 0) return -1;
    }
    return -1;
}

static unsigned hex_value(char c) {
    return c >= '0' && c <= '9' ? (unsigned)(c - '0') : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
         : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10) : 0;
}

/* One line of /proc/net/tcp: "sl local rem st tx:rx tr:tm retrnsmt uid timeout inode ..." */
static void parse_line(const char *line, const char *end) {
    const char *field[10];
    int count = 0;
    for (const char *p = line; p < end && count < 10;) {
        while (p < end && *p == ' ') p++;
        if (p >= end) break;
        field[count++] = p;
        while (p < end && *p != ' ') p++;
    }
    if (count < 10 || field[3][0] == 's') return; /* the heading line says "st" */
    unsigned state = hex_value(field[3][0]) * 16 + hex_value(field[3][1]);
    uint64_t inode = 0;
    for (const char *p = field[9]; p < end && *p >= '0' && *p <= '9'; p++) inode = inode * 10 + (uint64_t)(*p - '0');
    int fd = inode ? lookup(inode) : -1;
    if (fd < 0) return;
    struct fdh_live_fd *slot = fdh_live_at(&fdh_state.trace, (uint64_t)fd);
    __atomic_fetch_add(&slot->version, 1, __ATOMIC_ACQ_REL);
    LIVE_SET(slot, tcp_state, (uint8_t)state);
    __atomic_fetch_add(&slot->version, 1, __ATOMIC_RELEASE);
}

static void scan(const char *path) {
    long fd = syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    size_t kept = 0;
    for (;;) {
        long n = syscall(SYS_read, fd, buffer + kept, sizeof buffer - 512 - kept);
        if (n <= 0) break;
        size_t used = kept + (size_t)n, start = 0;
        for (size_t i = 0; i < used; i++) {
            if (buffer[i] != '\n') continue;
            parse_line(buffer + start, buffer + i);
            start = i + 1;
        }
        kept = used - start; /* carry the partial last line over */
        for (size_t i = 0; i < kept; i++) buffer[i] = buffer[start + i];
        if (kept >= sizeof buffer - 512) kept = 0; /* a line this long is not a tcp line */
    }
    syscall(SYS_close, fd);
}

void fdh_snapshot_socket_states(void) {
    struct fdh_trace *t = &fdh_state.trace;
    uint64_t top = atomic_load(&fdh_state.highest_fd);
    int any = 0;
    for (uint64_t fd = 0; fd <= top && fd < t->live_capacity; fd++) {
        const struct fdh_live_fd *slot = fdh_live_at(t, fd);
        if (!fdh_committed(slot, sizeof *slot)) continue; /* never written */
        if (LIVE_GET(slot, state) == FDH_LIVE_CLOSED) continue;
        if (LIVE_GET(slot, kind) != FDH_KIND_SOCKET_INET && LIVE_GET(slot, kind) != FDH_KIND_SOCKET_INET6 &&
            LIVE_GET(slot, kind) != FDH_KIND_SOCKET_OTHER) continue;
        struct stat st;
        if (syscall(SYS_fstat, (int)fd, &st) != 0 || !S_ISSOCK(st.st_mode)) continue;
        remember((uint64_t)st.st_ino, (int)fd);
        any = 1;
    }
    if (!any) return;
    scan("/proc/self/net/tcp");
    scan("/proc/self/net/tcp6");
}
