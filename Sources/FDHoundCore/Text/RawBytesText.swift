// Strings in a trace are raw bytes (paths, argv, socket names): Linux allows any byte but NUL and '/'. They
// are decoded here without loss: valid UTF-8 as is, and every byte of an invalid sequence as one marker
// scalar, U+10FF00 + byte (private use, plane 16), which the formatters turn back into the byte: `\xNN`
// in text and markdown (VisibleEscapes), and the lone surrogate `\udcNN` in JSON — Python's
// "surrogateescape" convention (PEP 383), so `json.loads(s).encode("utf-8", "surrogateescape")` gives the
// exact bytes back. A path that really contains U+10FF80–U+10FFFF is encoded as marker bytes too (its UTF-8
// bytes are F4 8F BE/BF xx), so the round trip stays exact.

/// Lossless decoding of raw byte strings, and the JSON spelling of the bytes that are not UTF-8.
public enum RawBytesText {
    /// The first marker scalar: U+10FF00 + byte marks a byte that is not part of valid UTF-8 (0x80–0xFF).
    static let markerBase: UInt32 = 0x10FF00

    /// `bytes` as a String; invalid UTF-8 bytes become marker scalars (never U+FFFD).
    public static func decode<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let bytes = Array(bytes)
        var scalars = String.UnicodeScalarView()
        var index = 0
        while index < bytes.count {
            if let (scalar, length) = validSequence(in: bytes, at: index) {
                // A real U+10FF80–U+10FFFF keeps its bytes as markers, so JSON stays exact.
                if isMarker(scalar) {
                    for byte in bytes[index..<index + length] { scalars.append(marker(byte)) }
                } else {
                    scalars.append(scalar)
                }
                index += length
            } else {
                scalars.append(marker(bytes[index]))
                index += 1
            }
        }
        return String(scalars)
    }

    /// The exact bytes `decode` read: the inverse of `decode` (markers back to their bytes, the rest UTF-8).
    public static func encode(_ text: String) -> [UInt8] {
        var bytes = [UInt8]()
        for scalar in text.unicodeScalars {
            if let byte = markedByte(scalar) { bytes.append(byte) } else { bytes += Array(String(scalar).utf8) }
        }
        return bytes
    }

    /// The byte a marker scalar stands for, or nil if `scalar` is an ordinary character.
    public static func markedByte(_ scalar: Unicode.Scalar) -> UInt8? {
        isMarker(scalar) ? UInt8(scalar.value - markerBase) : nil
    }

    /// JSON text (as JSONEncoder writes it: markers appear raw) with each marker written as `\udcNN`.
    static func jsonEscapingMarkers(_ json: String) -> String {
        guard json.unicodeScalars.contains(where: isMarker) else { return json }
        var result = String.UnicodeScalarView()
        for scalar in json.unicodeScalars {
            if let byte = markedByte(scalar) {
                result.append(contentsOf: "\\udc\(hex(byte))".unicodeScalars)
            } else {
                result.append(scalar)
            }
        }
        return String(result)
    }

    /// JSON text with each `\udcNN` escape (a byte, see above) rewritten as the surrogate pair of its
    /// marker, so a JSON parser that refuses lone surrogates reads it, and `decode`'s markers come back.
    /// Only escapes are touched: a `\\udc80` (an escaped backslash, then text) is left alone.
    static func jsonReadingMarkers(_ json: String) -> String {
        guard json.contains("\\udc") || json.contains("\\uDC") else { return json }
        let scalars = Array(json.unicodeScalars)
        var result = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            guard scalar == "\\", index + 1 < scalars.count else {
                result.append(scalar)
                index += 1
                continue
            }
            if scalars[index + 1] == "u", index + 6 <= scalars.count,
               let value = UInt32(String(String.UnicodeScalarView(scalars[index + 2..<index + 6])), radix: 16),
               (0xDC80...0xDCFF).contains(value) {
                result.append(contentsOf: "\\udbff\\udf\(hex(UInt8(value & 0xFF)))".unicodeScalars)
                index += 6
            } else {
                result.append(scalar)
                result.append(scalars[index + 1]) // the escaped character, whatever it is
                index += 2
            }
        }
        return String(result)
    }

    static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
    }

    private static func isMarker(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value >= markerBase + 0x80 && scalar.value <= markerBase + 0xFF
    }

    private static func marker(_ byte: UInt8) -> Unicode.Scalar {
        // 0x10FF80...0x10FFFF are valid scalars (private use, plane 16); ASCII bytes are never invalid.
        Unicode.Scalar(markerBase + UInt32(byte)) ?? "\u{FFFD}"
    }

    /// The scalar encoded at `index` and its length, if the bytes there are well-formed UTF-8 (Unicode
    /// Table 3-7: no overlongs, no surrogates, nothing above U+10FFFF).
    private static func validSequence(in bytes: [UInt8], at index: Int) -> (Unicode.Scalar, Int)? {
        let lead = bytes[index]
        if lead < 0x80 { return (Unicode.Scalar(lead), 1) }
        let length: Int, secondRange: ClosedRange<UInt8>, initial: UInt32
        switch lead {
        case 0xC2...0xDF: (length, secondRange, initial) = (2, 0x80...0xBF, UInt32(lead & 0x1F))
        case 0xE0: (length, secondRange, initial) = (3, 0xA0...0xBF, 0)
        case 0xE1...0xEC, 0xEE...0xEF: (length, secondRange, initial) = (3, 0x80...0xBF, UInt32(lead & 0x0F))
        case 0xED: (length, secondRange, initial) = (3, 0x80...0x9F, 0x0D)
        case 0xF0: (length, secondRange, initial) = (4, 0x90...0xBF, 0)
        case 0xF1...0xF3: (length, secondRange, initial) = (4, 0x80...0xBF, UInt32(lead & 0x07))
        case 0xF4: (length, secondRange, initial) = (4, 0x80...0x8F, 4)
        default: return nil
        }
        guard index + length <= bytes.count, secondRange.contains(bytes[index + 1]) else { return nil }
        var value = initial << 6 | UInt32(bytes[index + 1] & 0x3F)
        for offset in 2..<max(2, length) {
            let byte = bytes[index + offset]
            guard (0x80...0xBF).contains(byte) else { return nil }
            value = value << 6 | UInt32(byte & 0x3F)
        }
        guard let scalar = Unicode.Scalar(value) else { return nil }
        return (scalar, length)
    }
}
