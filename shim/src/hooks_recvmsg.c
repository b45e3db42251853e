/* hooks_recvmsg.c — descriptors received over a unix socket (SCM_RIGHTS control messages) are new
 * descriptors of this process: D-Bus, Wayland and systemd pass them this way. Each one becomes an OPEN
 * event with api recvmsg/recvmmsg, described by asking the kernel what it is. */
#define _GNU_SOURCE
#include <string.h>
#include <sys/socket.h>

#include "real_calls.h"

static void received(uint8_t api, const struct msghdr *msg, int flags) {
    if (!msg || !msg->msg_control) return;
    for (struct cmsghdr *c = CMSG_FIRSTHDR((struct msghdr *)msg); c; c = CMSG_NXTHDR((struct msghdr *)msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        const unsigned char *data = CMSG_DATA(c);
        for (size_t i = 0; i < count; i++) {
            int fd;
            memcpy(&fd, data + i * sizeof fd, sizeof fd);
            struct fdh_opened o = {.api = api, .owner = FDH_OWNER_RAW, .cloexec = (flags & MSG_CMSG_CLOEXEC) != 0,
                                   .fd = fd, .fd2 = -1, .arg = (uint32_t)flags};
            o.str1 = fdh_describe_fd(fd, &o.kind);
            fdh_record_open(&o);
        }
    }
}

FDH_EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags) {
    FDH_REAL(recvmsg);
    ssize_t result;
    FDH_CREATING(result, real_recvmsg(fd, msg, flags)); /* SCM_RIGHTS: the descriptors it receives */
    if (result < 0 || !msg || msg->msg_controllen == 0) return result;
    FDH_RECORDING received(FDH_API_RECVMSG, msg, flags);
    return result;
}

FDH_EXPORT int recvmmsg(int fd, struct mmsghdr *vector, unsigned int length, int flags, struct timespec *timeout) {
    FDH_REAL(recvmmsg);
    int result;
    FDH_CREATING(result, real_recvmmsg(fd, vector, length, flags, timeout));
    if (result <= 0) return result;
    FDH_RECORDING {
        for (int i = 0; i < result; i++) {
            if (vector[i].msg_hdr.msg_controllen) received(FDH_API_RECVMMSG, &vector[i].msg_hdr, flags);
        }
    }
    return result;
}
