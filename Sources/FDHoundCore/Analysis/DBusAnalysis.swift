// The D-Bus pass: libdbus connections still open at the end (section 10) become leak groups of kind "dbus",
// grouped by opening stack like descriptors; and each process gets a summary of its bus connections —
// opened, left open, peak simultaneous — compared with dbus-daemon's per-user limit. Bus sockets opened
// without libdbus are ordinary descriptors of kind "dbus" (LeakAnalysis groups them); they count here too.
import CFDHoundTrace

struct DBusAnalysis {
    let traces: [TraceFile]
    let symbolizer: Symbolizer
    let maxFrames: Int
    /// Per trace index, what SharedEventRead gathered from each log; nil: summaries read the logs themselves.
    var sockets: [SocketCollector]? = nil

    struct Result {
        /// Leak groups of kind "dbus", ids not yet assigned (`merged` ranks them with the others).
        var leaks: [LeakGroup]
        /// By index into `traces`; only processes that touched D-Bus at all.
        var summaries: [Int: DBusSummary]
        var warnings: [String]
    }

    /// One connection still open, in the trace that holds it.
    private struct Member {
        let trace: Int
        let connection: DBusConnectionRecord
    }

    /// A descriptor that is the socket of a libdbus connection this trace knows: the connection is reported
    /// (by this pass), not its socket.
    static func isConnectionSocket(_ descriptor: LiveDescriptor, in trace: TraceFile) -> Bool {
        descriptor.owner == UInt8(FDH_OWNER_DBUS.rawValue)
            && trace.dbusConnections.contains { $0.fd == descriptor.fd }
    }

    func run() -> Result {
        var grouping = CodePathGrouping<Member, NoKey>(traces: traces)
        var summaries = [Int: DBusSummary]()
        var warnings = [String]()
        for (index, trace) in traces.enumerated() {
            if let summary = Self.summary(of: trace, collected: sockets?[index]) { summaries[index] = summary }
            if trace.header.dbusDropped > 0 {
                warnings.append("process \(trace.header.pid): \(trace.header.dbusDropped) D-Bus connections not tracked (connection table full)")
            }
            // An exec'd image's connections died with it (ExecCrossingAnalysis covers what crossed).
            if trace.header.processState == .execed { continue }
            for connection in trace.dbusConnections where connection.isOpen {
                grouping.add(Member(trace: index, connection: connection), stack: connection.stack, trace: index,
                             seq: connection.openSeq)
            }
        }
        let (groups, _) = grouping.grouped(using: symbolizer, symbolizeAtMost: LeakAnalysis.symbolizedStackLimit)
        let leaks = groups.map { makeGroup(stack: $0.stack, members: $0.members) }
        return Result(leaks: leaks, summaries: summaries, warnings: LeakAnalysis.deduplicated(warnings + grouping.warnings))
    }

    private func makeGroup(stack: [Frame], members unsorted: [Member]) -> LeakGroup {
        let members = unsorted.sorted { ($0.connection.openTimeNs, $0.trace, $0.connection.openSeq) < ($1.connection.openTimeNs, $1.trace, $1.connection.openSeq) }
        let pids = Set(members.map { Int(traces[$0.trace].header.pid) }).sorted()
        let times = members.map { LeakAnalysis.seconds($0.connection.openTimeNs) }
        // Exact totals at this code path: every connection the table holds for the stack, and the ended ones.
        struct Site: Hashable { let trace: Int; let stack: UInt32 }
        var opened = 0, closed = 0
        for site in Set(members.map { Site(trace: $0.trace, stack: $0.connection.stack) }) {
            for connection in traces[site.trace].dbusConnections where connection.stack == site.stack {
                opened += 1
                if !connection.isOpen { closed += 1 }
            }
        }
        let samples = Self.samples(members.map { member in
            (pid: Int(traces[member.trace].header.pid), fd: member.connection.fd,
             address: traces[member.trace].string(member.connection.address) ?? "unknown bus address")
        }, multipleProcesses: pids.count > 1)
        let attribution = CulpritSelector.attribute(stack, executable: traces[members[0].trace].executable,
                                                    maxFrames: maxFrames)
        var group = LeakGroup(
            id: "",
            count: members.count,
            kind: DescriptorKind.dbus.name,
            api: OpeningAPI.name(LeakAnalysis.mostCommon(members.map(\.connection.api))),
            owner: DescriptorOwner.name(UInt8(FDH_OWNER_DBUS.rawValue)),
            culprit: attribution.culprit,
            calledFrom: attribution.calledFrom,
            stack: attribution.shownStack,
            samples: samples,
            pids: pids,
            perProcess: LeakGroup.ProcessCount.tally(members.map { Int(traces[$0.trace].header.pid) }),
            firstSeenSeconds: times.min() ?? 0,
            lastSeenSeconds: times.max() ?? 0,
            openedAtSite: opened,
            closedAtSite: closed)
        LeakAssessment.apply(to: &group, runEnd: LeakAnalysis.runEnd(of: members.map(\.trace), in: traces),
                              limitHitAt: LeakAnalysis.limitHit(in: members.map(\.trace), in: traces),
                              position: LeakAssessment.position(of: members.map { ($0.trace, $0.connection.openSeq) }, in: traces))
        return group
    }

    /// One line per distinct bus address (first 5, in opening order) with the connections' sockets:
    /// "unix:path=/run/user/1000/bus (fds 5, 6, 7)".
    static func samples(_ members: [(pid: Int, fd: Int?, address: String)], multipleProcesses: Bool) -> [String] {
        var order = [String]()
        var byAddress = [String: [String]]()
        for member in members {
            if byAddress[member.address] == nil { order.append(member.address) }
            let fd = member.fd.map(String.init) ?? "?"
            byAddress[member.address, default: []].append(multipleProcesses ? "pid \(member.pid) fd \(fd)" : fd)
        }
        return order.prefix(5).map { address in
            let sockets = byAddress[address] ?? []
            let label = multipleProcesses ? "" : (sockets.count == 1 ? "fd " : "fds ")
            var list = label + sockets.prefix(5).joined(separator: ", ")
            if sockets.count > 5 { list += " and \(sockets.count - 5) more" }
            return "\(address) (\(list))"
        }
    }

    /// The process's bus connections: libdbus ones from the connection table (exact), plus bus sockets
    /// opened without libdbus, from the event log (LABEL of kind dbus … CLOSE) and the live table. Nil when
    /// the process never touched a bus. `collected`: what SharedEventRead gathered from the log; nil reads the log here.
    static func summary(of trace: TraceFile, collected: SocketCollector? = nil) -> DBusSummary? {
        let dbusKind = UInt8(FDH_KIND_DBUS.rawValue)
        var intervals = trace.dbusConnections.map { (start: $0.openSeq, end: $0.endSeq ?? UInt64.max) }

        var sockets: SocketCollector
        if let collected {
            sockets = collected
        } else {
            sockets = SocketCollector()
            trace.forEachEvent { sockets.take($0) }
        }
        intervals += sockets.intervals
        let openSockets = sockets.openSockets
        var socketConnections = sockets.socketConnections
        let failed = sockets.failed
        for start in openSockets.values { intervals.append((start, UInt64.max)) }
        socketConnections += openSockets.count
        // What is open at the end is exact from the live table, whatever the log kept.
        let socketsLeftOpen = trace.liveDescriptors.filter {
            $0.state == .open && $0.kind == dbusKind && !isConnectionSocket($0, in: trace)
        }.count

        let libdbusConnections = trace.dbusConnections.count
        guard libdbusConnections + socketConnections + socketsLeftOpen + failed > 0 else { return nil }
        return DBusSummary(
            connectionsOpened: libdbusConnections + max(socketConnections, socketsLeftOpen),
            connectionsLeftOpen: trace.dbusConnections.filter(\.isOpen).count + socketsLeftOpen,
            peakSimultaneous: peak(of: intervals),
            perUserLimit: DBusSummary.defaultMaxConnectionsPerUser,
            libdbusConnections: libdbusConnections,
            socketConnections: max(socketConnections, socketsLeftOpen),
            failedConnections: failed,
            exact: trace.header.eventsDropped == 0 && trace.eventsOverwritten == 0 && trace.header.dbusDropped == 0)
    }

    /// Plain sockets connected to a bus, from the event log: from the connect that labelled them to the close
    /// of the number. A socket libdbus opened is labelled too, and then adopted by its connection (DBUS_OPEN):
    /// not plain. Fed every event in sequence order.
    struct SocketCollector {
        private static let dbusKind = UInt8(FDH_KIND_DBUS.rawValue)
        private static let libdbusAPIs = UInt8(FDH_API_DBUS_CONNECTION_OPEN.rawValue)...UInt8(FDH_API_DBUS_BUS_GET_PRIVATE.rawValue)
        /// Descriptor → the seq of the event that labelled it a bus socket, while open.
        private(set) var openSockets = [Int32: UInt64]()
        /// [labelled, closed) of each such socket that was closed.
        private(set) var intervals = [(start: UInt64, end: UInt64)]()
        private(set) var socketConnections = 0
        /// libdbus calls that failed to open a connection.
        private(set) var failed = 0

        mutating func take(_ event: TraceEvent) {
            switch event.type {
            case .label where event.kind == Self.dbusKind && event.owner == 0:
                if openSockets[event.fd] == nil { openSockets[event.fd] = event.seq }
            case .dbusOpen:
                openSockets[event.fd] = nil
            case .close:
                // No bus socket open (the usual trace): no lookup per close.
                if !openSockets.isEmpty, let start = openSockets.removeValue(forKey: event.fd) {
                    intervals.append((start, event.seq))
                    socketConnections += 1
                }
            case .dup:
                if !openSockets.isEmpty, let start = openSockets.removeValue(forKey: event.fd2) {
                    intervals.append((start, event.seq))
                    socketConnections += 1
                }
            case .failed where Self.libdbusAPIs.contains(event.api):
                failed += 1
            default:
                break
            }
        }
    }

    /// The most intervals [start, end) open at once (sequence numbers are unique, so no ties).
    static func peak(of intervals: [(start: UInt64, end: UInt64)]) -> Int {
        var points = [(seq: UInt64, delta: Int)]()
        for interval in intervals {
            points.append((interval.start, 1))
            points.append((interval.end, -1))
        }
        points.sort { a, b in a.seq != b.seq ? a.seq < b.seq : a.delta < b.delta }
        var open = 0, highest = 0
        for point in points {
            open += point.delta
            highest = max(highest, open)
        }
        return highest
    }

    /// All leak groups ranked together (LeakGroup.precedes), ids L1, L2, ….
    static func merged(_ leaks: [LeakGroup], with dbusLeaks: [LeakGroup]) -> [LeakGroup] {
        guard !dbusLeaks.isEmpty else { return leaks }
        return FindingRanking.rank(leaks + dbusLeaks, prefix: "L", by: LeakGroup.precedes)
    }
}
