// A map keyed by descriptor number for state a pass keeps per descriptor while it streams the event log:
// an array for the usual small numbers (no hashing per event), a dictionary beyond, so that a huge or
// corrupt number cannot make the array huge. Every number starts at `initial` (a number never seen reads
// as that), so a value is changed in place, never copied out and back per event. (LiveCountTimeline's
// DescriptorMap is the Int-only variant with an "absent" marker.)

struct DescriptorNumberMap<Value> {
    private static var denseLimit: Int32 { 1 << 16 }
    private let initial: Value
    private var dense = [Value]()
    private var sparse = [Int32: Value]()

    init(initial: Value) { self.initial = initial }

    subscript(fd: Int32) -> Value {
        guard fd >= 0, fd < Self.denseLimit else { return sparse[fd] ?? initial }
        let index = Int(fd)
        return index < dense.count ? dense[index] : initial
    }

    /// Changes the value of `fd` in place.
    mutating func update(_ fd: Int32, _ change: (inout Value) -> Void) {
        let initial = self.initial
        guard fd >= 0, fd < Self.denseLimit else { change(&sparse[fd, default: initial]); return }
        let index = Int(fd)
        if index >= dense.count { dense += repeatElement(initial, count: max(index + 1, dense.count * 2) - dense.count) }
        change(&dense[index])
    }
}
