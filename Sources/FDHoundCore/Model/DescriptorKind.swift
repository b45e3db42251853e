// What a descriptor is (enum fdh_fd_kind), with the stable names the JSON report and every formatter use.
import CFDHoundTrace

/// The kind of a descriptor as the shim classified it. Raw values are `enum fdh_fd_kind`.
public enum DescriptorKind: UInt8, CaseIterable, Codable, Sendable {
    case unknown = 0, file, directory, pipe, unixSocket, inetSocket, inet6Socket, socket
    case eventfd, timerfd, signalfd, epoll, inotify, memfd, pidfd, pty, dbus, fanotify, fifo

    /// Decodes a kind byte from a trace; values this reader does not know become `.unknown`.
    public init(traceValue: UInt8) {
        self = DescriptorKind(rawValue: traceValue) ?? .unknown
    }

    /// The stable name used in reports (a public contract: JSON consumers match on it).
    public var name: String {
        switch self {
        case .unknown: return "unknown"
        case .file: return "file"
        case .directory: return "directory"
        case .pipe: return "pipe"
        case .unixSocket: return "unix-socket"
        case .inetSocket: return "inet-socket"
        case .inet6Socket: return "inet6-socket"
        case .socket: return "socket"
        case .eventfd: return "eventfd"
        case .timerfd: return "timerfd"
        case .signalfd: return "signalfd"
        case .epoll: return "epoll"
        case .inotify: return "inotify"
        case .memfd: return "memfd"
        case .pidfd: return "pidfd"
        case .pty: return "pty"
        case .dbus: return "dbus"
        case .fanotify: return "fanotify"
        case .fifo: return "fifo"
        }
    }

    /// Sockets describe themselves by endpoints ("local -> peer") rather than by a path.
    public var isSocket: Bool {
        switch self {
        case .unixSocket, .inetSocket, .inet6Socket, .socket: return true
        default: return false
        }
    }
}

// The C enum and this Swift enum must not drift apart: FDH_KIND_COUNT is the number of known kinds
// (checked by a unit test, which fails when the header gains a kind this file does not name).
let descriptorKindCountMatchesHeader = DescriptorKind.allCases.count == Int(FDH_KIND_COUNT.rawValue)
