// The bytes of one trace: a read-only mapping of the file (what `report` uses), or a copy of bytes held in
// memory (tests, the fuzzer). A mapping costs only the pages a pass touches, so memory follows what was
// recorded, not the size of a sparse file; a pass that has finished with a region releases its pages.
//
// Holes are never touched: the file's data extents are taken once (lseek SEEK_DATA/SEEK_HOLE) and a load
// that lies wholly in a hole reads zeros without faulting the page in — on tmpfs, a read fault on a hole
// would allocate the page (and raise SIGBUS on a full tmpfs). So the trace is a snapshot as of the
// mapping: pages a running writer adds later read as unwritten, i.e. unpublished records.
//
// A file that shrinks while mapped would raise SIGBUS on the next access past its new end. Two guards:
// the size is taken with fstat(2) after mapping and every bound is checked against it (the header's
// `file_size` must fit, TraceHeaderReader); and the mapping is registered with the SIGBUS guard
// (CFDHoundMapping), which puts a zero page where a page cannot be read and counts it (`faults`), which
// the reader reports. Nothing is ever read through a pointer outside [0, count).
import CFDHoundMapping
import Foundation

final class TraceBytes: @unchecked Sendable {
    /// Start of the bytes; nil only when `count` is 0.
    let base: UnsafeRawPointer?
    let count: Int
    /// Guard slot of a mapping; -1 for bytes held in memory.
    private let slot: Int32
    private let owned: UnsafeMutableRawPointer?

    /// A copy of `bytes` (the in-memory entry point).
    init(copying bytes: [UInt8]) {
        count = bytes.count
        slot = -1
        if bytes.isEmpty {
            owned = nil
        } else {
            let memory = UnsafeMutableRawPointer.allocate(byteCount: bytes.count, alignment: 16)
            bytes.withUnsafeBytes { memory.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
            owned = memory
        }
        base = owned.map { UnsafeRawPointer($0) }
        dataExtents = nil
    }

    /// Zero-filled anonymous memory of `count` bytes for a copy to be written into (`mutableBase`), with
    /// the data extents of the file it copies: pages never written cost nothing, and the holes stay holes
    /// for the reader (RunningTraceCopy).
    init(anonymous count: Int, dataExtents: [(start: Int, end: Int)]?) throws(RegularFileError) {
        self.count = count
        self.slot = -1
        self.owned = nil
        self.dataExtents = dataExtents
        guard count > 0 else {
            base = nil
            anonymous = nil
            return
        }
        let memory = mmap(nil, count, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
        guard let memory, memory != MAP_FAILED else { throw RegularFile.failure(errno) }
        anonymous = memory
        base = UnsafeRawPointer(memory)
    }

    /// The writable start of an anonymous copy; nil otherwise.
    var mutableBase: UnsafeMutableRawPointer? { anonymous }
    private var anonymous: UnsafeMutableRawPointer? = nil

    /// Data extents of the open file `fd` of `size` bytes (see `isHole`); nil if the file system cannot say.
    static func extents(of fd: Int32, size: Int) -> [(start: Int, end: Int)]? { dataExtents(of: fd, size: size) }

    /// The data extents as recorded (nil: all of it is data).
    var extents: [(start: Int, end: Int)]? { dataExtents }

    /// Maps the regular file open on `fd` (the caller closes `fd`; the mapping outlives it).
    init(mapping fd: Int32) throws(RegularFileError) {
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw RegularFile.failure(errno) }
        owned = nil
        guard status.st_size > 0 else {
            count = 0
            base = nil
            slot = -1
            dataExtents = nil
            return
        }
        var slot: Int32 = -1
        guard let mapped = fdh_map_guarded(fd, Int(status.st_size), &slot) else {
            throw RegularFile.failure(errno)
        }
        // The size again, after mapping: a file that shrank in between is mapped only as far as it goes.
        var after = stat()
        let size = fstat(fd, &after) == 0 ? min(Int(status.st_size), Int(after.st_size)) : Int(status.st_size)
        self.slot = slot
        self.base = mapped
        self.count = size
        self.dataExtents = Self.dataExtents(of: fd, size: size)
    }

    /// [start, end) byte ranges holding data, ascending; nil: all of it (bytes in memory, or unknown).
    private let dataExtents: [(start: Int, end: Int)]?
    /// The extent the last lookup found (lookups walk forward through the file). A hint only: a trace is
    /// read by one thread at a time, and any value in range gives the right answer.
    private var lastExtent = 0

    /// Linux's SEEK_DATA and SEEK_HOLE (the same on every architecture); Glibc hides them without _GNU_SOURCE.
    private static let seekData: Int32 = 3, seekHole: Int32 = 4

    /// Data extents of the open file, at most 65,536 (past that, the rest counts as data).
    private static func dataExtents(of fd: Int32, size: Int) -> [(start: Int, end: Int)]? {
        var extents = [(start: Int, end: Int)]()
        var offset = 0
        while offset < size {
            let data = lseek(fd, off_t(offset), seekData)
            if data < 0 { return errno == ENXIO ? extents : nil }  // ENXIO: only a hole after offset
            let hole = lseek(fd, data, seekHole)
            if hole < 0 { return nil }
            extents.append((Int(data), min(Int(hole), size)))
            offset = Int(hole)
            if extents.count == 65_536 {
                extents.append((offset, size))
                break
            }
        }
        return extents
    }

    /// The first offset at or after `offset` that holds data, or nil when only a hole follows.
    func nextData(from offset: Int) -> Int? {
        guard let extents = dataExtents else { return offset }
        var low = 0, high = extents.count
        while low < high {
            let middle = (low + high) / 2
            if extents[middle].end <= offset { low = middle + 1 } else { high = middle }
        }
        return low < extents.count ? max(extents[low].start, offset) : nil
    }

    /// True when [offset, offset + count) lies wholly in a hole: it reads as zeros without being touched.
    func isHole(_ offset: Int, _ count: Int) -> Bool {
        guard let extents = dataExtents else { return false }
        if extents.isEmpty { return true }
        let end = offset + count
        // Fast path: the extent used last, or the next one.
        var index = lastExtent
        while index <= lastExtent + 1 && index < extents.count {
            let extent = extents[index]
            if offset < extent.end && end > extent.start { lastExtent = index; return false }
            if index > 0 && offset >= extents[index - 1].end && end <= extent.start { return true }
            index += 1
        }
        // Binary search for the first extent ending after offset.
        var low = 0, high = extents.count
        while low < high {
            let middle = (low + high) / 2
            if extents[middle].end <= offset { low = middle + 1 } else { high = middle }
        }
        guard low < extents.count else { return true }
        lastExtent = low
        return end <= extents[low].start
    }

    deinit {
        if slot >= 0 { fdh_unmap_guarded(slot) }
        owned?.deallocate()
        if let anonymous { munmap(anonymous, count) }
    }

    /// Pages that could not be read and read as zeros (unpublished records): the file shrank while it was
    /// read, or a hole could not be backed (a full tmpfs). 0 for bytes held in memory.
    var faults: Int { slot >= 0 ? Int(fdh_mapping_faults(slot)) : 0 }

    /// Gives back the pages of a region a pass has finished with; reading it again faults them back in.
    func release(offset: Int, count: Int) {
        guard slot >= 0, offset >= 0, count > 0 else { return }
        fdh_mapping_release(slot, offset, count)
    }
}
