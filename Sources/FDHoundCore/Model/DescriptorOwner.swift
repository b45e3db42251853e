// Who is responsible for releasing a descriptor (enum fdh_fd_owner), named for reports.

/// Names of `enum fdh_fd_owner` values: what the program must call to release the descriptor.
public enum DescriptorOwner {
    /// "fd" (close), "FILE*" (fclose), "DIR*" (closedir), "dbus" (a libdbus connection).
    public static func name(_ traceValue: UInt8) -> String {
        switch traceValue {
        case 0: return "fd"
        case 1: return "FILE*"
        case 2: return "DIR*"
        case 3: return "dbus"
        default: return "unknown"
        }
    }
}
