// The per-process D-Bus facts of the report model: how many bus connections a process opened, how many it
// left open, and how close it came to dbus-daemon's per-user connection limit.

/// D-Bus connections of one process (libdbus connections and bus sockets opened without libdbus).
public struct DBusSummary: Codable, Equatable, Sendable {
    /// dbus-daemon's hard-coded default `max_connections_per_user` (dbus-daemon(1); the system bus keeps it,
    /// Debian's session.conf raises it to 100000 for the session bus).
    public static let defaultMaxConnectionsPerUser = 256

    /// Bus connections the process opened (each distinct connection once).
    public var connectionsOpened: Int
    /// Of those, still open at the end of the trace (never closed or released).
    public var connectionsLeftOpen: Int
    /// The most connections the process held at the same time.
    public var peakSimultaneous: Int
    /// The per-user limit the peak is compared with (`defaultMaxConnectionsPerUser`).
    public var perUserLimit: Int
    /// Opened through libdbus (dbus_connection_open*, dbus_bus_get*).
    public var libdbusConnections: Int
    /// Opened as plain unix sockets connected to a bus socket (no libdbus).
    public var socketConnections: Int
    /// Opening calls that failed (dbus-daemon refusing the user's 257th connection shows up here).
    public var failedConnections: Int
    /// False when the counts may be short: the event log or the connection table was full.
    public var exact: Bool
}
