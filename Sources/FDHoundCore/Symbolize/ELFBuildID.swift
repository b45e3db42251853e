// Reads the GNU build-id of an ELF file on disk, to tell whether the binary a trace recorded is still the
// one at that path. A rebuilt or upgraded binary at the same path would give wrong function names and
// lines for the recorded addresses, so a mismatch must never be symbolized from that file.
import Foundation

enum ELFBuildID {
    private static let cache = PathKeyedCache<String?>()

    /// Lowercase hex build-id of the ELF file at `path`; nil if the file is missing, not 64-bit
    /// little-endian ELF, or has no build-id note. Cached per path for the life of the process.
    static func of(path: String) -> String? {
        cache.value(for: path) { read(path: path) }
    }

    private static func read(path: String) -> String? {
        guard let handle = try? RegularFile.handle(path) else { return nil } // never a FIFO: it would block
        defer { try? handle.close() }
        guard let header = try? handle.read(upToCount: 64), header.count == 64,
              header.starts(with: [0x7F, 0x45, 0x4C, 0x46]), header[4] == 2 /* 64-bit */, header[5] == 1 /* LE */
        else { return nil }
        let phoff = header.littleEndian(UInt64.self, at: 0x20)
        let phentsize = Int(header.littleEndian(UInt16.self, at: 0x36))
        let phnum = Int(header.littleEndian(UInt16.self, at: 0x38))
        guard phentsize >= 56, phnum > 0, phnum < 4096, phoff < 1 << 32 else { return nil }
        guard (try? handle.seek(toOffset: phoff)) != nil,
              let table = try? handle.read(upToCount: phentsize * phnum), table.count == phentsize * phnum else { return nil }
        for index in 0..<phnum {
            let entry = index * phentsize
            guard table.littleEndian(UInt32.self, at: entry) == 4 /* PT_NOTE */ else { continue }
            let offset = table.littleEndian(UInt64.self, at: entry + 8)
            let size = table.littleEndian(UInt64.self, at: entry + 32)
            guard size > 0, size < 1 << 20, (try? handle.seek(toOffset: offset)) != nil,
                  let notes = try? handle.read(upToCount: Int(size)), notes.count == Int(size) else { continue }
            if let id = buildID(inNotes: notes) { return id }
        }
        return nil
    }

    /// Walks ELF notes (namesz, descsz, type, name, desc; 4-aligned) for NT_GNU_BUILD_ID (3) named "GNU".
    static func buildID(inNotes notes: Data) -> String? {
        var position = 0
        while position + 12 <= notes.count {
            let nameSize = Int(notes.littleEndian(UInt32.self, at: position))
            let descSize = Int(notes.littleEndian(UInt32.self, at: position + 4))
            let type = notes.littleEndian(UInt32.self, at: position + 8)
            let nameStart = position + 12
            let descStart = nameStart + (nameSize + 3) / 4 * 4
            let next = descStart + (descSize + 3) / 4 * 4
            guard nameSize < 1 << 16, descSize < 1 << 16, next <= notes.count else { return nil }
            let name = notes.subdata(in: (notes.startIndex + nameStart)..<(notes.startIndex + nameStart + nameSize))
            if type == 3 && name == Data("GNU\0".utf8) {
                return notes.subdata(in: (notes.startIndex + descStart)..<(notes.startIndex + descStart + descSize))
                    .map { String(format: "%02x", $0) }.joined()
            }
            position = next
        }
        return nil
    }
}
