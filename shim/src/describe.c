/* describe.c — what a descriptor is, in words the report can show: absolute paths and socket endpoints
 * ("127.0.0.1:5020", "[::1]:80", "/run/x.sock", "@abstract"). Everything is formatted by hand into stack
 * buffers (no snprintf: it may allocate and is not async-signal-safe) and interned into the trace. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "shim.h"

#define PATH_BUFFER 4352

/* Relative paths are made absolute at open time (the working directory may change later): against the
 * current directory (base FDH_PATH_BASE_CWD), or against the directory an openat names (base = the string
 * id of its path, as the hook found it in the live table); base 0: unknown, the path is kept as given. */
struct path_request {
    const char *path;
    uint32_t base;
};

static uint64_t describe_path_here(void *request_) {
    const struct path_request *request = request_;
    const char *path = request->path;
    if (path[0] == '/' || request->base == 0) return fdh_intern_cstr(path);
    char buffer[PATH_BUFFER];
    char *end = buffer + sizeof buffer;
    char *p = buffer;
    if (request->base == FDH_PATH_BASE_CWD) {
        long n = syscall(SYS_getcwd, buffer, 4096);
        if (n <= 0) return fdh_intern_cstr(path);
        p = buffer + fdh_strlen(buffer);
    } else {
        const struct fdh_string *record = (const struct fdh_string *)(fdh_state.trace.strings + request->base);
        p = fdh_append(buffer, end, (const char *)(record + 1));
    }
    const char *rest = path;
    while (rest[0] == '.' && rest[1] == '/') rest += 2; /* "./x" reads better as "x" */
    if (p > buffer && p[-1] != '/') p = fdh_append(p, end, "/");
    p = fdh_append(p, end, rest);
    return fdh_intern(buffer, (size_t)(p - buffer));
}

/* This thread's last absolute path and its string id: a loop opening the same file skips the hash and the
 * index probe (the bytes are compared in full; ids are only meaningful inside one trace). Only an ordinary
 * hook (recording depth 1) reads or writes it: a signal handler's hook (depth 2) that interrupted this
 * thread between the bytes and the id of an update would otherwise take, or leave behind, the id of
 * another path of the same length (tests/adversarial signal_path_race). */
struct last_path {
    uint64_t trace_generation;
    uint32_t id;
    uint32_t length;
    char bytes[FDH_SCRATCH_PATH_SIZE - 16];
};
_Static_assert(sizeof(struct last_path) <= FDH_SCRATCH_PATH_SIZE, "last path outgrew its scratch slot");

static struct last_path *last_path(void) {
    char *scratch = fdh_side_stack_scratch(FDH_SCRATCH_SIZE);
    return scratch ? (struct last_path *)(void *)(scratch + FDH_SCRATCH_PATH_OFFSET) : NULL;
}

/* Every description runs on the side stack (side_stack.c): its buffers are kilobytes. */
uint32_t fdh_describe_path(const char *path, uint32_t base) {
    if (!path) return 0;
    struct last_path *last = NULL;
    size_t length = 0;
    if (path[0] == '/' && fdh_depth == 1 && (last = last_path()) != NULL) {
        length = strnlen(path, sizeof last->bytes);
        if (length < sizeof last->bytes && last->trace_generation == fdh_trace_generation && last->id != 0 &&
            last->length == length && memcmp(last->bytes, path, length) == 0) {
            return last->id;
        }
    }
    struct path_request request = {path, base};
    uint32_t id = (uint32_t)fdh_on_side_stack(describe_path_here, &request, 0);
    if (last && length < sizeof last->bytes && id != 0) {
        memcpy(last->bytes, path, length);
        last->length = (uint32_t)length;
        last->id = id;
        last->trace_generation = fdh_trace_generation;
    }
    return id;
}

/* Whether every byte of the string at `s`, up to its NUL, may be read — asked of the kernel a page at a time
 * without touching a page it cannot read: rt_sigprocmask copies its 8-byte set in before it checks `how`, so
 * an operation that does not exist answers EFAULT for an unreadable set and EINVAL (changing nothing) for a
 * readable one (as fast_unwind.c checks stack pages). Only for a path the kernel has not read: a call that
 * failed (EFAULT for a bad pointer, or EINVAL before the kernel looked: O_TMPFILE without O_DIRECTORY, a
 * bad fopen mode) or that is still to be made (exec, posix_spawn). Untraced, such a call returns an error;
 * a hook that read the string itself would kill the program with SIGSEGV. */
static int string_readable_here(const char *s) {
    uintptr_t at = (uintptr_t)s;
    if (at < 4096) return 0;
    for (;;) {
        uintptr_t page = at & ~(uintptr_t)4095;
        if (syscall(SYS_rt_sigprocmask, 0x7fffffffL, (long)page, 0L, 8L) != -1 || errno != EINVAL) return 0;
        for (; at < page + 4096; at++)
            if (*(const char *)at == '\0') return 1;
    }
}

int fdh_string_readable(const char *s) {
    int saved = errno;
    int readable = string_readable_here(s);
    errno = saved;
    return readable;
}

uint32_t fdh_describe_unread_path(const char *path, uint32_t base) {
    return path && fdh_string_readable(path) ? fdh_describe_path(path, base) : 0;
}

uint8_t fdh_socket_kind(int domain) {
    switch (domain) {
    case AF_UNIX: return FDH_KIND_SOCKET_UNIX;
    case AF_INET: return FDH_KIND_SOCKET_INET;
    case AF_INET6: return FDH_KIND_SOCKET_INET6;
    default: return FDH_KIND_SOCKET_OTHER;
    }
}

static char *append_ipv4(char *p, char *end, const struct in_addr *address) {
    const uint8_t *b = (const uint8_t *)&address->s_addr;
    for (int i = 0; i < 4; i++) {
        if (i) p = fdh_append(p, end, ".");
        p = fdh_append_u64(p, end, b[i]);
    }
    return p;
}

uint32_t fdh_describe_sockaddr(const void *addr, uint32_t length) {
    if (!addr || length < sizeof(sa_family_t)) return 0;
    char buffer[160];
    char *end = buffer + sizeof buffer;
    char *p = buffer;
    const struct sockaddr *sa = addr;
    switch (sa->sa_family) {
    case AF_INET: {
        if (length < sizeof(struct sockaddr_in)) return 0;
        const struct sockaddr_in *in = addr;
        p = append_ipv4(p, end, &in->sin_addr);
        p = fdh_append(p, end, ":");
        p = fdh_append_u64(p, end, ntohs(in->sin_port));
        break;
    }
    case AF_INET6: {
        if (length < sizeof(struct sockaddr_in6)) return 0;
        const struct sockaddr_in6 *in6 = addr;
        char text[INET6_ADDRSTRLEN];
        if (!inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text)) return 0;
        p = fdh_append(p, end, "[");
        p = fdh_append(p, end, text);
        p = fdh_append(p, end, "]:");
        p = fdh_append_u64(p, end, ntohs(in6->sin6_port));
        break;
    }
    case AF_UNIX: {
        const struct sockaddr_un *un = addr;
        size_t path_length = length - offsetof(struct sockaddr_un, sun_path);
        if (length <= offsetof(struct sockaddr_un, sun_path) || path_length == 0) return 0; /* unnamed */
        if (path_length > sizeof un->sun_path) path_length = sizeof un->sun_path;
        if (un->sun_path[0] == '\0') { /* abstract namespace: shown as @name */
            *p++ = '@';
            for (size_t i = 1; i < path_length && p < end - 1; i++) *p++ = un->sun_path[i] ? un->sun_path[i] : '@';
            *p = '\0';
        } else {
            for (size_t i = 0; i < path_length && un->sun_path[i] && p < end - 1; i++) *p++ = un->sun_path[i];
            *p = '\0';
        }
        break;
    }
    default:
        return 0;
    }
    return fdh_intern(buffer, (size_t)(p - buffer));
}

/* Local and peer endpoint of a connected or bound socket, straight from the kernel; `ask_local` and
 * `ask_peer` say which of the two calls to make (the other endpoint is left as it is). */
static void ask_kernel(int fd, uint32_t *local, uint32_t *peer, uint8_t *kind, int ask_local, int ask_peer) {
    struct sockaddr_storage address;
    socklen_t length = sizeof address;
    if (ask_local && syscall(SYS_getsockname, fd, &address, &length) == 0) {
        *local = fdh_describe_sockaddr(&address, length);
        if (kind) *kind = fdh_socket_kind(address.ss_family);
    }
    length = sizeof address;
    if (ask_peer && syscall(SYS_getpeername, fd, &address, &length) == 0) *peer = fdh_describe_sockaddr(&address, length);
}

static void describe_socket_here(int fd, uint32_t *local, uint32_t *peer, uint8_t *kind) {
    *local = *peer = 0;
    ask_kernel(fd, local, peer, kind, 1, 1);
}

/* Kind of a descriptor we did not see being opened, from its /proc/self/fd link text. */
static uint8_t kind_from_link(int fd, const char *link) {
    if (link[0] == '/') {
        struct stat st;
        if (syscall(SYS_fstat, fd, &st) == 0) {
            if (S_ISDIR(st.st_mode)) return FDH_KIND_DIRECTORY;
            if (S_ISFIFO(st.st_mode)) return FDH_KIND_FIFO;
        }
        if (strncmp(link, "/memfd:", 7) == 0) return FDH_KIND_MEMFD;
        return strncmp(link, "/dev/pts/", 9) == 0 || strcmp(link, "/dev/ptmx") == 0 ? FDH_KIND_PTY : FDH_KIND_FILE;
    }
    if (strncmp(link, "pipe:", 5) == 0) return FDH_KIND_PIPE;
    if (strncmp(link, "socket:", 7) == 0) return FDH_KIND_SOCKET_OTHER; /* refined by getsockname */
    if (strcmp(link, "anon_inode:[eventfd]") == 0) return FDH_KIND_EVENTFD;
    if (strcmp(link, "anon_inode:[timerfd]") == 0) return FDH_KIND_TIMERFD;
    if (strcmp(link, "anon_inode:[signalfd]") == 0) return FDH_KIND_SIGNALFD;
    if (strcmp(link, "anon_inode:[eventpoll]") == 0) return FDH_KIND_EPOLL;
    if (strcmp(link, "anon_inode:inotify") == 0) return FDH_KIND_INOTIFY;
    if (strcmp(link, "anon_inode:[fanotify]") == 0) return FDH_KIND_FANOTIFY;
    if (strcmp(link, "anon_inode:[pidfd]") == 0) return FDH_KIND_PIDFD;
    return FDH_KIND_UNKNOWN;
}

/* What an open descriptor is, asked from the kernel (/proc/self/fd and the socket calls): for
 * descriptors we did not see being made (inherited, received with SCM_RIGHTS, tmpfile). */
static uint32_t describe_fd_here(int fd, uint8_t *kind) {
    char link_path[64], link[512];
    char *p = fdh_append(link_path, link_path + sizeof link_path, "/proc/self/fd/");
    fdh_append_u64(p, link_path + sizeof link_path, (uint64_t)fd);
    long length = syscall(SYS_readlinkat, AT_FDCWD, link_path, link, sizeof link - 1);
    link[length > 0 ? length : 0] = '\0';
    *kind = kind_from_link(fd, link);
    uint32_t description = fdh_intern_cstr(link);
    if (*kind == FDH_KIND_SOCKET_OTHER) {
        uint32_t local, peer;
        describe_socket_here(fd, &local, &peer, kind);
        if (local || peer) description = local ? local : peer;
    }
    return description;
}

struct fd_request {
    int fd;
    uint32_t local, peer, description;
    uint8_t kind;
};

static uint64_t describe_socket_request(void *request_) {
    struct fd_request *r = request_;
    describe_socket_here(r->fd, &r->local, &r->peer, &r->kind);
    return 1;
}

void fdh_describe_socket(int fd, uint32_t *local, uint32_t *peer, uint8_t *kind) {
    struct fd_request request = {.fd = fd, .kind = kind ? *kind : FDH_KIND_UNKNOWN};
    fdh_on_side_stack(describe_socket_request, &request, 0);
    *local = request.local;
    *peer = request.peer;
    if (kind) *kind = request.kind;
}

struct known_request {
    int fd;
    const struct fdh_socket_known *known;
    uint32_t local, peer;
    uint8_t kind;
};

static uint64_t describe_known_request(void *request_) {
    struct known_request *r = request_;
    const struct fdh_socket_known *known = r->known;
    r->local = known->local;
    r->peer = known->peer_known ? fdh_describe_sockaddr(known->peer_address, known->peer_length) : 0;
    ask_kernel(r->fd, &r->local, &r->peer, &r->kind, known->local == 0, !known->peer_known);
    return 1;
}

void fdh_describe_socket_known(int fd, const struct fdh_socket_known *known, uint32_t *local, uint32_t *peer,
                               uint8_t *kind) {
    struct known_request request = {.fd = fd, .known = known, .kind = *kind};
    fdh_on_side_stack(describe_known_request, &request, 0);
    *local = request.local;
    *peer = request.peer;
    *kind = request.kind;
}

/* The string an id names (ids come from this trace's own arena). */
static const char *string_bytes(uint32_t id) {
    return (const char *)((const struct fdh_string *)(fdh_state.trace.strings + id) + 1);
}

uint32_t fdh_listener_endpoint(int listener, uint8_t *kind) {
    uint8_t listener_kind = fdh_live_kind(listener);
    if (listener_kind != FDH_KIND_SOCKET_INET && listener_kind != FDH_KIND_SOCKET_INET6 &&
        listener_kind != FDH_KIND_SOCKET_UNIX) return 0;
    uint32_t local = fdh_live_description(listener);
    if (local == 0) return 0;
    const char *text = string_bytes(local);
    if (strncmp(text, "0.0.0.0:", 8) == 0 || strncmp(text, "[::]:", 5) == 0) return 0; /* any address */
    *kind = listener_kind;
    return local;
}

int fdh_peer_address_is_exact(const void *addr, uint32_t length, uint8_t socket_kind) {
    if (!addr || length < sizeof(sa_family_t)) return 0;
    const struct sockaddr *sa = addr;
    if (sa->sa_family == AF_INET && socket_kind == FDH_KIND_SOCKET_INET && length >= sizeof(struct sockaddr_in)) {
        return ((const struct sockaddr_in *)addr)->sin_addr.s_addr != htonl(INADDR_ANY);
    }
    if (sa->sa_family == AF_INET6 && socket_kind == FDH_KIND_SOCKET_INET6 && length >= sizeof(struct sockaddr_in6)) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)addr)->sin6_addr;
        static const uint8_t mapped_any[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0};
        return !IN6_IS_ADDR_UNSPECIFIED(a) && memcmp(a, mapped_any, sizeof mapped_any) != 0;
    }
    return 0;
}

static uint64_t describe_fd_request(void *request_) {
    struct fd_request *r = request_;
    r->description = describe_fd_here(r->fd, &r->kind);
    return 1;
}

uint32_t fdh_describe_fd(int fd, uint8_t *kind) {
    struct fd_request request = {.fd = fd, .kind = FDH_KIND_UNKNOWN};
    fdh_on_side_stack(describe_fd_request, &request, 0);
    *kind = request.kind;
    return request.description;
}
