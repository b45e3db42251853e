/* hooks_socket.c — socket, socketpair, accept, accept4 create descriptors; connect and bind only label
 * them with their endpoints, so the report can say "127.0.0.1:41234 -> 127.0.0.1:5020". */
#define _GNU_SOURCE
#include <sys/socket.h>

#include "real_calls.h"

static void socket_opened(uint8_t api, int fd, int fd2, int domain, int type) {
    struct fdh_opened o = {
        .api = api,
        .kind = fdh_socket_kind(domain),
        .owner = FDH_OWNER_RAW,
        .cloexec = (type & SOCK_CLOEXEC) != 0,
        .fd = fd,
        .fd2 = fd2,
        .arg = ((uint64_t)(uint32_t)domain << 32) | (uint32_t)type,
    };
    fdh_record_open(&o);
}

FDH_EXPORT int socket(int domain, int type, int protocol) {
    FDH_REAL(socket);
    int fd;
    FDH_RETRY_ON_EMFILE(fd, fd < 0, real_socket(domain, type, protocol));
    FDH_RECORDING {
        if (fd >= 0) socket_opened(FDH_API_SOCKET, fd, -1, domain, type);
        else fdh_record_failure(FDH_API_SOCKET, FDH_SAVED_ERRNO, ((uint64_t)(uint32_t)domain << 32) | (uint32_t)type, 0);
    }
    return fd;
}

FDH_EXPORT int socketpair(int domain, int type, int protocol, int sv[2]) {
    FDH_REAL(socketpair);
    int result;
    FDH_RETRY_ON_EMFILE(result, result != 0, real_socketpair(domain, type, protocol, sv));
    FDH_RECORDING {
        if (result == 0) socket_opened(FDH_API_SOCKETPAIR, sv[0], sv[1], domain, type);
        else fdh_record_failure(FDH_API_SOCKETPAIR, FDH_SAVED_ERRNO, ((uint64_t)(uint32_t)domain << 32) | (uint32_t)type, 0);
    }
    return result;
}

/* Where accept writes the peer's address. When the program passed no buffer, the hook passes one of its
 * own: the kernel copies the address out in the same call, so no getpeername is needed (the program sees
 * nothing of it). When the program passed one, the address in it is the peer's only if it was big enough,
 * and its size is only known by reading *length before the call; that is done only where *length surely
 * is mapped — on the pages between this hook's locals and its return address, where a caller's locals
 * usually are — so that a bad pointer still fails the call with EFAULT as untraced (else: getpeername).
 * Those pages are one stretch of stack only when they are at most two (a sanitizer may keep the locals on
 * a stack of its own, far from the return address: then nothing is read). */
struct peer_out {
    struct sockaddr_storage own;
    socklen_t own_length;
    socklen_t given; /* the program's buffer size; 0 = unknown */
    struct sockaddr *addr;
    socklen_t *length;
};

#define FDH_PEER_OUT(out, program_addr, program_length)                                                    \
    do {                                                                                                  \
        (out).given = 0;                                                                                  \
        if (!(program_addr)) {                                                                            \
            (out).addr = (struct sockaddr *)&(out).own;                                                   \
            (out).length = &(out).own_length;                                                             \
        } else {                                                                                          \
            (out).addr = (program_addr);                                                                  \
            (out).length = (program_length);                                                              \
            uintptr_t lowest = (uintptr_t)&(out) >> 12;                                                   \
            uintptr_t highest = ((uintptr_t)__builtin_frame_address(0) + 15) >> 12;                      \
            uintptr_t first = (uintptr_t)(program_length) >> 12;                                          \
            uintptr_t last = ((uintptr_t)(program_length) + sizeof(socklen_t) - 1) >> 12;                \
            if ((program_length) && highest - lowest <= 1 && first >= lowest && last <= highest) {         \
                (out).given = *(program_length);                                                          \
            }                                                                                             \
        }                                                                                                 \
        (out).own_length = sizeof (out).own;                                                              \
    } while (0)

static int accepted(uint8_t api, int listener, int fd, int flags, const struct peer_out *out) {
    FDH_RECORDING {
        int saved = FDH_SAVED_ERRNO;
        if (fd >= 0) {
            struct fdh_opened o = {.api = api, .kind = fdh_live_kind(listener), .owner = FDH_OWNER_RAW,
                                   .cloexec = (flags & SOCK_CLOEXEC) != 0, .fd = fd, .fd2 = -1,
                                   .arg = (uint32_t)flags};
            /* Known without asking the kernel: the local endpoint, when the listener is bound to one address
             * (every connection it accepts has it), and the peer, from accept's own address out-parameter. */
            struct fdh_socket_known known = {.local = fdh_listener_endpoint(listener, &o.kind)};
            int ours = out->addr == (const struct sockaddr *)&out->own;
            socklen_t room = ours ? (socklen_t)sizeof out->own : out->given;
            if (*out->length <= room) {
                known.peer_known = 1;
                known.peer_address = out->addr;
                known.peer_length = *out->length;
            }
            fdh_describe_socket_known(fd, &known, &o.str1, &o.str2, &o.kind);
            fdh_record_open(&o);
        } else if (saved != EAGAIN && saved != EWOULDBLOCK && saved != EINTR) {
            /* EMFILE here is the classic symptom: the failure is recorded with its stack. */
            fdh_record_failure(api, saved, (uint32_t)flags, 0);
        }
    }
    return fd;
}

FDH_EXPORT int accept(int fd, struct sockaddr *restrict addr, socklen_t *restrict length) {
    FDH_REAL(accept);
    struct peer_out out;
    FDH_PEER_OUT(out, addr, length);
    int accepted_fd;
    FDH_RETRY_ON_EMFILE(accepted_fd, accepted_fd < 0, real_accept(fd, out.addr, out.length));
    return accepted(FDH_API_ACCEPT, fd, accepted_fd, 0, &out);
}

FDH_EXPORT int accept4(int fd, struct sockaddr *restrict addr, socklen_t *restrict length, int flags) {
    FDH_REAL(accept4);
    struct peer_out out;
    FDH_PEER_OUT(out, addr, length);
    int accepted_fd;
    FDH_RETRY_ON_EMFILE(accepted_fd, accepted_fd < 0, real_accept4(fd, out.addr, out.length, flags));
    return accepted(FDH_API_ACCEPT4, fd, accepted_fd, flags, &out);
}

FDH_EXPORT int connect(int fd, const struct sockaddr *addr, socklen_t length) {
    FDH_REAL(connect);
    int result = real_connect(fd, addr, length);
    FDH_RECORDING {
        if (result == 0 || FDH_SAVED_ERRNO == EINPROGRESS) { /* a non-blocking connect has its local port already */
            uint32_t local, peer;
            uint8_t kind = FDH_KIND_UNKNOWN;
            /* An IP peer is the address connected to (the kernel only rewrites "any" to loopback); a unix
             * peer is asked for: the listener's bound name may be spelled otherwise than the path given. */
            struct fdh_socket_known known = {0};
            if (fdh_peer_address_is_exact(addr, length, fdh_live_kind(fd))) {
                known.peer_known = 1;
                known.peer_address = addr;
                known.peer_length = length;
            }
            fdh_describe_socket_known(fd, &known, &local, &peer, &kind);
            if (!peer) peer = fdh_describe_sockaddr(addr, length);
            /* A client speaking D-Bus without libdbus: its socket is a bus connection (dbus_endpoints.c). */
            if (addr && addr->sa_family == AF_UNIX && fdh_dbus_is_bus_endpoint(peer)) kind = FDH_KIND_DBUS;
            fdh_record_label(FDH_API_CONNECT, fd, local, peer, kind);
        }
    }
    return result;
}

FDH_EXPORT int bind(int fd, const struct sockaddr *addr, socklen_t length) {
    FDH_REAL(bind);
    int result = real_bind(fd, addr, length);
    FDH_RECORDING {
        if (result == 0) {
            uint32_t local, peer;
            uint8_t kind = FDH_KIND_UNKNOWN;
            /* The kernel's view (the port picked for port 0); a socket being bound has no peer to ask for. */
            struct fdh_socket_known known = {.peer_known = 1};
            fdh_describe_socket_known(fd, &known, &local, &peer, &kind);
            if (!local) local = fdh_describe_sockaddr(addr, length);
            fdh_record_label(FDH_API_BIND, fd, local, 0, kind);
        }
    }
    return result;
}
