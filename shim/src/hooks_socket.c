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

static int accepted(uint8_t api, int listener, int fd, int flags) {
    FDH_RECORDING {
        int saved = FDH_SAVED_ERRNO;
        if (fd >= 0) {
            struct fdh_opened o = {.api = api, .kind = fdh_live_kind(listener), .owner = FDH_OWNER_RAW,
                                   .cloexec = (flags & SOCK_CLOEXEC) != 0, .fd = fd, .fd2 = -1,
                                   .arg = (uint32_t)flags};
            fdh_describe_socket(fd, &o.str1, &o.str2, &o.kind);
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
    int accepted_fd;
    FDH_RETRY_ON_EMFILE(accepted_fd, accepted_fd < 0, real_accept(fd, addr, length));
    return accepted(FDH_API_ACCEPT, fd, accepted_fd, 0);
}

FDH_EXPORT int accept4(int fd, struct sockaddr *restrict addr, socklen_t *restrict length, int flags) {
    FDH_REAL(accept4);
    int accepted_fd;
    FDH_RETRY_ON_EMFILE(accepted_fd, accepted_fd < 0, real_accept4(fd, addr, length, flags));
    return accepted(FDH_API_ACCEPT4, fd, accepted_fd, flags);
}

FDH_EXPORT int connect(int fd, const struct sockaddr *addr, socklen_t length) {
    FDH_REAL(connect);
    int result = real_connect(fd, addr, length);
    FDH_RECORDING {
        if (result == 0 || FDH_SAVED_ERRNO == EINPROGRESS) { /* a non-blocking connect has its local port already */
            uint32_t local, peer;
            uint8_t kind = FDH_KIND_UNKNOWN;
            fdh_describe_socket(fd, &local, &peer, &kind);
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
            fdh_describe_socket(fd, &local, &peer, &kind); /* the kernel's view: the port picked for port 0 */
            if (!local) local = fdh_describe_sockaddr(addr, length);
            fdh_record_label(FDH_API_BIND, fd, local, 0, kind);
        }
    }
    return result;
}
