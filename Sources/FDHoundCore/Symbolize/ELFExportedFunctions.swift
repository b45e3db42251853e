// The exported functions of a stripped ELF module (its .dynsym), and whether it carries debug info of its
// own (a .debug_info section): for the addresses llvm-symbolizer could not name at all — a static function
// of a stripped library, absent from its symbol table — the report says "no debug info" and gives the
// nearest exported function before the address as a hint ("near lws_open+0x40"), never as the function.
// Bounded: 64-bit little-endian ELF only, tables of at most 64 MiB, cached per path.
import Foundation

struct ELFExportedFunctions: Sendable {
    struct Function: Sendable {
        let start: UInt64
        let size: UInt64
        let name: String
    }

    /// Defined function symbols, by start address.
    let functions: [Function]
    /// Whether the file has a .debug_info section (debug info of its own).
    let hasDebugInfo: Bool

    private static let cache = PathKeyedCache<ELFExportedFunctions?>()
    private static let maximumTableBytes = 64 << 20

    /// The module at `path`, or nil when it is not a readable 64-bit little-endian ELF file.
    static func of(path: String) -> ELFExportedFunctions? {
        cache.value(for: path) { read(path: path) }
    }

    /// "name" when the address lies inside an exported function, "name+0xOFF" past the nearest one before
    /// it; nil when no exported function starts at or before it.
    func hint(for address: UInt64) -> String? {
        var low = 0, high = functions.count  // first function starting after the address
        while low < high {
            let middle = (low + high) / 2
            if functions[middle].start <= address { low = middle + 1 } else { high = middle }
        }
        guard low > 0 else { return nil }
        let function = functions[low - 1]
        let offset = address - function.start
        return offset < function.size ? function.name : "\(function.name)+0x\(String(offset, radix: 16))"
    }

    private static func read(path: String) -> ELFExportedFunctions? {
        guard let handle = try? RegularFile.handle(path) else { return nil } // never a FIFO: it would block
        defer { try? handle.close() }
        func bytes(at offset: UInt64, count: Int) -> Data? {
            guard count >= 0, count <= maximumTableBytes, (try? handle.seek(toOffset: offset)) != nil,
                  let data = try? handle.read(upToCount: count), data.count == count else { return nil }
            return data
        }
        guard let header = bytes(at: 0, count: 64), header.starts(with: [0x7F, 0x45, 0x4C, 0x46]),
              header[4] == 2 /* 64-bit */, header[5] == 1 /* little-endian */ else { return nil }
        let shoff = header.littleEndian(UInt64.self, at: 0x28)
        let shentsize = Int(header.littleEndian(UInt16.self, at: 0x3A))
        let shnum = Int(header.littleEndian(UInt16.self, at: 0x3C))
        let shstrndx = Int(header.littleEndian(UInt16.self, at: 0x3E))
        guard shentsize >= 64, shnum > 0, shnum < 65536, let sections = bytes(at: shoff, count: shentsize * shnum)
        else { return nil }
        struct Section { let type: UInt32; let name: UInt32; let offset: UInt64; let size: UInt64; let link: Int; let entsize: UInt64 }
        let table = (0..<shnum).map { index -> Section in
            let base = index * shentsize
            return Section(type: sections.littleEndian(UInt32.self, at: base + 4), name: sections.littleEndian(UInt32.self, at: base),
                           offset: sections.littleEndian(UInt64.self, at: base + 24), size: sections.littleEndian(UInt64.self, at: base + 32),
                           link: Int(sections.littleEndian(UInt32.self, at: base + 40)), entsize: sections.littleEndian(UInt64.self, at: base + 56))
        }
        func data(of section: Section) -> Data? {
            section.size <= UInt64(maximumTableBytes) ? bytes(at: section.offset, count: Int(section.size)) : nil
        }
        var hasDebugInfo = false
        if shstrndx < table.count, let names = data(of: table[shstrndx]) {
            hasDebugInfo = table.contains { names.cString(at: Int($0.name)) == ".debug_info" }
        }
        var functions = [Function]()
        if let dynsym = table.first(where: { $0.type == 11 /* SHT_DYNSYM */ }), dynsym.entsize >= 24,
           dynsym.link < table.count, let symbols = data(of: dynsym), let strings = data(of: table[dynsym.link]) {
            let entry = Int(dynsym.entsize)
            for base in stride(from: 0, to: symbols.count - entry + 1, by: entry) {
                let info = symbols[symbols.startIndex + base + 4]
                let sectionIndex = symbols.littleEndian(UInt16.self, at: base + 6)
                let value = symbols.littleEndian(UInt64.self, at: base + 8)
                // STT_FUNC or STT_GNU_IFUNC, defined here.
                guard info & 0xF == 2 || info & 0xF == 10, sectionIndex != 0, value != 0,
                      let name = strings.cString(at: Int(symbols.littleEndian(UInt32.self, at: base))), !name.isEmpty
                else { continue }
                functions.append(Function(start: value, size: symbols.littleEndian(UInt64.self, at: base + 16), name: name))
            }
        }
        functions.sort { ($0.start, $0.name) < ($1.start, $1.name) }
        return ELFExportedFunctions(functions: functions, hasDebugInfo: hasDebugInfo)
    }
}

private extension Data {
    /// The NUL-terminated string at `offset` (at most 4096 bytes, lossy UTF-8), or nil when out of range.
    func cString(at offset: Int) -> String? {
        guard offset >= 0, offset < count else { return nil }
        let start = startIndex + offset
        let limit = Swift.min(endIndex, start + 4096)
        let end = self[start..<limit].firstIndex(of: 0) ?? limit
        return String(decoding: self[start..<end], as: UTF8.self)
    }
}
