// TCP states as the kernel numbers them in /proc/net/tcp (the shim records them for sockets open at exit).

enum TCPState {
    static let closeWait: UInt8 = 8

    /// "ESTABLISHED", "CLOSE_WAIT", …; nil for 0 (not recorded) and unknown values.
    static func name(_ state: UInt8) -> String? {
        switch state {
        case 1: return "ESTABLISHED"
        case 2: return "SYN_SENT"
        case 3: return "SYN_RECV"
        case 4: return "FIN_WAIT1"
        case 5: return "FIN_WAIT2"
        case 6: return "TIME_WAIT"
        case 7: return "CLOSE"
        case 8: return "CLOSE_WAIT"
        case 9: return "LAST_ACK"
        case 10: return "LISTEN"
        case 11: return "CLOSING"
        default: return nil
        }
    }
}
