// The HTTP side of `fdhound metrics`: a minimal blocking HTTP/1.1 listener on one IPv4 socket, answering
// GET /metrics one request at a time with `Connection: close`, until SIGINT or SIGTERM. Chosen over a
// library (README "metrics", docs/ARCHITECTURE.md): the only client is a scraper on a trusted address asking
// for one page every few seconds, and a poll() loop over the socket and a self-pipe (written by the SIGINT /
// SIGTERM handler) stops exactly on the signal, with the rest of the CLI synchronous. (Swift's Glibc module
// has neither signalfd nor accept4.) What a scraper sends is bounded (16 KiB of request head,
// 5 s per read and write), so a stuck client delays the next scrape by 5 s at most and cannot grow memory.
import Foundation

/// The write end of the self-pipe; set once before the handler is installed.
private var signalPipeWriteEnd: Int32 = -1

/// SIGINT/SIGTERM handler: one byte into the self-pipe (write is async-signal-safe; errno kept).
private func metricsListenerStopSignal(_ signal: Int32) {
    let saved = errno
    var byte: UInt8 = 1
    _ = write(signalPipeWriteEnd, &byte, 1)
    errno = saved
}

struct MetricsListener {
    /// A request head larger than this is refused (431).
    static let maxRequestHead = 16 * 1024
    static let ioTimeoutSeconds = 5

    enum Failure: Error, CustomStringConvertible {
        case badAddress(String)
        case system(String)
        var description: String {
            switch self {
            case .badAddress(let text): return "--listen \(text): expected IPv4-ADDRESS:PORT, e.g. 127.0.0.1:9101"
            case .system(let text): return text
            }
        }
    }

    private let socket: Int32
    private let signals: Int32
    /// The address actually bound ("127.0.0.1:9101"; the kernel's choice when the port was 0).
    let boundAddress: String

    /// Binds and listens on `address` ("HOST:PORT", IPv4), and takes over SIGINT and SIGTERM (their handler
    /// writes to a pipe `serve` polls, so they end `serve` instead of the process).
    init(address: String) throws {
        let parts = address.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let port = UInt16(parts[1]) else { throw Failure.badAddress(address) }
        var socketAddress = sockaddr_in()
        socketAddress.sin_family = sa_family_t(AF_INET)
        socketAddress.sin_port = port.bigEndian
        guard inet_pton(AF_INET, String(parts[0]), &socketAddress.sin_addr) == 1 else { throw Failure.badAddress(address) }

        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure.system("socket: \(String(cString: strerror(errno)))") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        let bound = withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw Failure.system("cannot listen on \(address): \(reason)")
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        boundAddress = "\(parts[0]):\(UInt16(bigEndian: actual.sin_port))"

        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else {
            close(fd)
            throw Failure.system("pipe: \(String(cString: strerror(errno)))")
        }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) } // llvm-symbolizer, spawned later, must not inherit
        _ = fcntl(ends[1], F_SETFL, O_NONBLOCK) // a handler never blocks on a full pipe
        signalPipeWriteEnd = ends[1]
        var action = sigaction()
        action.__sigaction_handler.sa_handler = metricsListenerStopSignal
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        sigaction(SIGINT, &action, nil)
        sigaction(SIGTERM, &action, nil)
        let signalFD = ends[0]
        socket = fd
        signals = signalFD
    }

    /// Answers requests until SIGINT or SIGTERM arrives; `page` makes the body of each GET /metrics.
    func serve(page: () -> [UInt8]) {
        defer { close(socket); close(signals) }
        while true {
            var watched = [pollfd(fd: socket, events: Int16(POLLIN), revents: 0),
                           pollfd(fd: signals, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&watched, 2, -1)
            if ready < 0 { if errno == EINTR { continue }; return }
            if watched[1].revents != 0 { return } // SIGINT or SIGTERM: stop listening, exit 0
            guard watched[0].revents & Int16(POLLIN) != 0 else { continue }
            let client = accept(socket, nil, nil)
            guard client >= 0 else { continue } // the client went away already, or out of descriptors: next time
            _ = fcntl(client, F_SETFD, FD_CLOEXEC) // one thread: nothing is spawned between accept and this
            answer(client, page: page)
            lingeringClose(client)
        }
    }

    private func answer(_ client: Int32, page: () -> [UInt8]) {
        var timeout = timeval(tv_sec: Self.ioTimeoutSeconds, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard let head = readHead(client) else {
            return send(client, status: "431 Request Header Fields Too Large", body: Array("request head too large\n".utf8))
        }
        let requestLine = head.split(separator: UInt8(ascii: "\r"), maxSplits: 1).first.map { String(decoding: $0, as: UTF8.self) } ?? ""
        let fields = requestLine.split(separator: " ")
        guard fields.count == 3, fields[2].hasPrefix("HTTP/1.") else {
            return send(client, status: "400 Bad Request", body: Array("bad request\n".utf8))
        }
        let method = fields[0], path = fields[1].split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0]
        guard method == "GET" || method == "HEAD" else {
            return send(client, status: "405 Method Not Allowed", body: Array("only GET\n".utf8), extra: "Allow: GET, HEAD\r\n")
        }
        switch path {
        case "/metrics":
            send(client, status: "200 OK", body: page(), contentType: "text/plain; version=0.0.4; charset=utf-8",
                 headOnly: method == "HEAD")
        case "/":
            send(client, status: "200 OK", body: Array("fdhound metrics: see /metrics\n".utf8), headOnly: method == "HEAD")
        default:
            send(client, status: "404 Not Found", body: Array("not found: fdhound serves /metrics\n".utf8))
        }
    }

    /// Closes after the client has read the answer: our side is shut first, then what the client still
    /// sends (a head past the bound, a body) is read and dropped — up to 64 KiB, 1 s — because closing
    /// with unread bytes makes the kernel send a reset that can destroy the answer in flight.
    private func lingeringClose(_ client: Int32) {
        shutdown(client, Int32(SHUT_WR))
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 4096)
        var drained = 0
        while drained < 64 * 1024 {
            let count = recv(client, &buffer, buffer.count, 0)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            drained += count
        }
        close(client)
    }

    /// The request line and headers (the body, if any, is never read); nil when larger than the bound.
    /// A client that stops sending is cut off by the read timeout: what arrived so far is answered.
    private func readHead(_ client: Int32) -> [UInt8]? {
        var head = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while head.count <= Self.maxRequestHead {
            if head.count >= 4, head.suffix(4) == [13, 10, 13, 10] { return head }
            if let end = head.firstRange(of: [13, 10, 13, 10]) { return Array(head[..<end.upperBound]) }
            let count = recv(client, &buffer, buffer.count, 0)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return head }
            head += buffer[..<count]
        }
        return nil
    }

    private func send(_ client: Int32, status: String, body: [UInt8], contentType: String = "text/plain; charset=utf-8",
                      extra: String = "", headOnly: Bool = false) {
        let head = "HTTP/1.1 \(status)\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.count)\r\n"
            + "Connection: close\r\n\(extra)\r\n"
        var bytes = Array(head.utf8)
        if !headOnly { bytes += body }
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { Glibc.send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return } // the scraper went away or timed out
            sent += count
        }
    }
}
