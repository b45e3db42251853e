// Who is responsible for releasing a descriptor (enum fdh_fd_owner), named for reports.
import CFDHoundTrace

/// Names of `enum fdh_fd_owner` values: what the program must call to release the descriptor.
public enum DescriptorOwner {
    /// "fd" (close), "FILE*" (fclose), "DIR*" (closedir), "dbus" (a libdbus connection).
    public static func name(_ traceValue: UInt8) -> String {
        switch UInt32(traceValue) {
        case FDH_OWNER_RAW.rawValue: return "fd"
        case FDH_OWNER_STDIO.rawValue: return "FILE*"
        case FDH_OWNER_DIR.rawValue: return "DIR*"
        case FDH_OWNER_DBUS.rawValue: return "dbus"
        default: return "unknown"
        }
    }
}
