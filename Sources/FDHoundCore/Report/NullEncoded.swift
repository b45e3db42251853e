// `@NullEncoded`: an optional model field whose JSON key is always written — `null` when the value is
// unknown — instead of being left out. Swift's synthesized Codable skips nil optionals (encodeIfPresent), and
// a consumer doing `frame["file"]` on a frame without a file would crash; the JSON contract
// (docs/REPORT-JSON.md) is that every documented key is present. Reading accepts a missing key as nil, so
// reports written before this change (keys left out) still decode.

/// An optional whose key is always encoded (as `null` when nil) and may be missing when decoding.
@propertyWrapper
public struct NullEncoded<Wrapped> {
    public var wrappedValue: Wrapped?

    public init(wrappedValue: Wrapped?) {
        self.wrappedValue = wrappedValue
    }
}

extension NullEncoded: Equatable where Wrapped: Equatable {}
extension NullEncoded: Hashable where Wrapped: Hashable {}
extension NullEncoded: Sendable where Wrapped: Sendable {}

extension NullEncoded: Encodable where Wrapped: Encodable {
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}

extension NullEncoded: Decodable where Wrapped: Decodable {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        wrappedValue = container.decodeNil() ? nil : try container.decode(Wrapped.self)
    }
}

extension KeyedDecodingContainer {
    /// Synthesized decoders call this for `@NullEncoded` fields: a missing key is nil, like a plain optional.
    public func decode<Wrapped: Decodable>(_ type: NullEncoded<Wrapped>.Type, forKey key: Key) throws
        -> NullEncoded<Wrapped> {
        try decodeIfPresent(type, forKey: key) ?? NullEncoded(wrappedValue: nil)
    }
}
