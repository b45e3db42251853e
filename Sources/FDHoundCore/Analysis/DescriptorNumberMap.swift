// A map keyed by descriptor number for state a pass keeps per descriptor while it streams the event log:
// an array for the usual small numbers (no hashing per event), a dictionary beyond, so that a huge or
// corrupt number cannot make the array huge. (LiveCountTimeline's DescriptorMap is the Int-only variant.)

struct DescriptorNumberMap<Value> {
    private static var denseLimit: Int32 { 1 << 16 }
    private var dense = [Value?]()
    private var sparse = [Int32: Value]()

    subscript(fd: Int32) -> Value? {
        get {
            guard fd >= 0, fd < Self.denseLimit else { return sparse[fd] }
            let index = Int(fd)
            return index < dense.count ? dense[index] : nil
        }
        set {
            guard fd >= 0, fd < Self.denseLimit else { sparse[fd] = newValue; return }
            let index = Int(fd)
            if index >= dense.count {
                guard newValue != nil else { return }
                dense += repeatElement(nil, count: max(index + 1, dense.count * 2) - dense.count)
            }
            dense[index] = newValue
        }
    }

    /// Changes the value of `fd` in place, starting from `initial` when it has none.
    mutating func update(_ fd: Int32, default initial: @autoclosure () -> Value, _ change: (inout Value) -> Void) {
        guard fd >= 0, fd < Self.denseLimit else { change(&sparse[fd, default: initial()]); return }
        let index = Int(fd)
        if index >= dense.count { dense += repeatElement(nil, count: max(index + 1, dense.count * 2) - dense.count) }
        var value = dense[index] ?? initial()
        change(&value)
        dense[index] = value
    }
}
