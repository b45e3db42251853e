// What a MISUSE event reports (its `arg`, enum fdh_misuse), decoded. Raw values are the header's.

/// What a MISUSE event reports (its `arg`, enum fdh_misuse).
public enum MisuseKind: UInt64, Sendable {
    /// A close of a descriptor that was not open (EBADF): a double close when it was open earlier.
    case closeNotOpen = 1
    /// A raw close() of a descriptor owned by a FILE*, DIR* or D-Bus connection.
    case closeOwned = 2
}
