// Words for one descriptor (a path, "local -> peer", "pipe") and the sample lines of a leak group.

enum DescriptorDescriber {
    /// Path for files, "local -> peer" for sockets, otherwise what the shim recorded or the kind's name.
    static func describe(_ descriptor: LiveDescriptor, in trace: TraceFile) -> String {
        let kind = DescriptorKind(traceValue: descriptor.kind)
        let first = trace.string(descriptor.str1)
        let second = trace.string(descriptor.str2)
        if kind.isSocket || kind == .dbus {
            let state = TCPState.name(descriptor.tcpState).map { " [\($0)]" } ?? ""
            switch (first, second) {
            case let (local?, peer?): return "\(local) -> \(peer)\(state)"
            case let (local?, nil): return local + state
            case let (nil, peer?): return "-> \(peer)\(state)"
            case (nil, nil): return kind.name + state
            }
        }
        return first ?? kind.name
    }

    /// One sample line per distinct description (first 5, in opening order), each with its descriptor
    /// numbers: "/etc/hostname (fds 3, 4, 5, 6, 7 and 995 more)". With several processes the pid is named.
    static func samples(_ members: [(pid: Int, fd: Int, description: String)], multipleProcesses: Bool) -> [String] {
        var order = [String]()
        var fds = [String: [String]]()
        for member in members {
            if fds[member.description] == nil { order.append(member.description) }
            fds[member.description, default: []].append(multipleProcesses ? "pid \(member.pid) fd \(member.fd)" : "\(member.fd)")
        }
        return order.prefix(5).map { description in
            let numbers = fds[description] ?? []
            let label = multipleProcesses ? "" : (numbers.count == 1 ? "fd " : "fds ")
            var list = label + numbers.prefix(5).joined(separator: ", ")
            if numbers.count > 5 { list += " and \(numbers.count - 5) more" }
            return "\(description) (\(list))"
        }
    }
}
