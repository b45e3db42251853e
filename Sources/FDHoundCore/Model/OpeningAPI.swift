// The function that opened or released a descriptor (enum fdh_api), named as the user wrote the call.
// Keyed by the header's constants (not by position), so renumbering in fdhound_trace.h cannot shift names;
// a test checks every value below FDH_API_COUNT has a name.
import CFDHoundTrace

/// Names of `enum fdh_api` values.
public enum OpeningAPI {
    static let names: [UInt32: String] = [
        FDH_API_NONE.rawValue: "unknown",
        FDH_API_OPEN.rawValue: "open", FDH_API_OPEN64.rawValue: "open64",
        FDH_API_OPENAT.rawValue: "openat", FDH_API_OPENAT64.rawValue: "openat64",
        FDH_API_CREAT.rawValue: "creat", FDH_API_CREAT64.rawValue: "creat64",
        FDH_API_SOCKET.rawValue: "socket", FDH_API_SOCKETPAIR.rawValue: "socketpair",
        FDH_API_ACCEPT.rawValue: "accept", FDH_API_ACCEPT4.rawValue: "accept4",
        FDH_API_CONNECT.rawValue: "connect", FDH_API_BIND.rawValue: "bind",
        FDH_API_PIPE.rawValue: "pipe", FDH_API_PIPE2.rawValue: "pipe2",
        FDH_API_DUP.rawValue: "dup", FDH_API_DUP2.rawValue: "dup2", FDH_API_DUP3.rawValue: "dup3",
        FDH_API_FCNTL.rawValue: "fcntl", FDH_API_CLOSE.rawValue: "close",
        FDH_API_FOPEN.rawValue: "fopen", FDH_API_FOPEN64.rawValue: "fopen64", FDH_API_FDOPEN.rawValue: "fdopen",
        FDH_API_FCLOSE.rawValue: "fclose",
        FDH_API_OPENDIR.rawValue: "opendir", FDH_API_FDOPENDIR.rawValue: "fdopendir",
        FDH_API_CLOSEDIR.rawValue: "closedir",
        FDH_API_STARTUP.rawValue: "startup",
        FDH_API_POPEN.rawValue: "popen", FDH_API_PCLOSE.rawValue: "pclose",
        FDH_API_MKSTEMP.rawValue: "mkstemp", FDH_API_MKOSTEMP.rawValue: "mkostemp",
        FDH_API_MKSTEMPS.rawValue: "mkstemps", FDH_API_MKOSTEMPS.rawValue: "mkostemps",
        FDH_API_MKSTEMP64.rawValue: "mkstemp64",
        FDH_API_TMPFILE.rawValue: "tmpfile", FDH_API_TMPFILE64.rawValue: "tmpfile64",
        FDH_API_FREOPEN.rawValue: "freopen", FDH_API_FREOPEN64.rawValue: "freopen64",
        FDH_API_FOPENCOOKIE.rawValue: "fopencookie",
        FDH_API_PHASE.rawValue: "fdhound_phase",
        FDH_API_EVENTFD.rawValue: "eventfd", FDH_API_TIMERFD_CREATE.rawValue: "timerfd_create",
        FDH_API_SIGNALFD.rawValue: "signalfd",
        FDH_API_EPOLL_CREATE.rawValue: "epoll_create", FDH_API_EPOLL_CREATE1.rawValue: "epoll_create1",
        FDH_API_INOTIFY_INIT.rawValue: "inotify_init", FDH_API_INOTIFY_INIT1.rawValue: "inotify_init1",
        FDH_API_FANOTIFY_INIT.rawValue: "fanotify_init",
        FDH_API_MEMFD_CREATE.rawValue: "memfd_create", FDH_API_PIDFD_OPEN.rawValue: "pidfd_open",
        FDH_API_POSIX_OPENPT.rawValue: "posix_openpt", FDH_API_GETPT.rawValue: "getpt",
        FDH_API_RECVMSG.rawValue: "recvmsg", FDH_API_RECVMMSG.rawValue: "recvmmsg",
        FDH_API_CLOSE_RANGE.rawValue: "close_range", FDH_API_CLOSEFROM.rawValue: "closefrom",
        FDH_API_FORK.rawValue: "fork", FDH_API_VFORK.rawValue: "vfork",
        FDH_API__FORK.rawValue: "_Fork", FDH_API_CLONE.rawValue: "clone",
        FDH_API_POSIX_SPAWN.rawValue: "posix_spawn", FDH_API_EXEC.rawValue: "exec",
        FDH_API_DBUS_CONNECTION_OPEN.rawValue: "dbus_connection_open",
        FDH_API_DBUS_CONNECTION_OPEN_PRIVATE.rawValue: "dbus_connection_open_private",
        FDH_API_DBUS_BUS_GET.rawValue: "dbus_bus_get", FDH_API_DBUS_BUS_GET_PRIVATE.rawValue: "dbus_bus_get_private",
        FDH_API_DBUS_CONNECTION_CLOSE.rawValue: "dbus_connection_close",
        FDH_API_DBUS_CONNECTION_UNREF.rawValue: "dbus_connection_unref",
        FDH_API_DBUS_CONNECTION_REF.rawValue: "dbus_connection_ref",
    ]

    /// dup2 or dup3: the caller chose the new descriptor's number (a child placing a descriptor on purpose).
    static func placesAtNumber(_ traceValue: UInt8) -> Bool {
        UInt32(traceValue) == FDH_API_DUP2.rawValue || UInt32(traceValue) == FDH_API_DUP3.rawValue
    }

    /// The function name for an api byte from a trace; unknown values read "unknown".
    public static func name(_ traceValue: UInt8) -> String {
        names[UInt32(traceValue)] ?? "unknown"
    }
}

/// True when every api value the header defines has a name here (checked by a unit test).
let openingAPICountMatchesHeader = (0..<FDH_API_COUNT.rawValue).allSatisfy { OpeningAPI.names[$0] != nil }
