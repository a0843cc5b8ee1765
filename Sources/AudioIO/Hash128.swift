/// A stable 128-bit content hash for cache keys: the same fields give the same hash on every machine and run.
///
/// Two FNV-1a 64-bit lanes with different offset bases, each finished with a SplitMix64 avalanche. Swift's
/// `Hasher` is randomly seeded per process, and Foundation on Linux has no CryptoKit, hence this. It is not
/// cryptographic: fine for naming cache files, useless against an adversary.
///
/// Fields are length-prefixed, so `("ab", "c")` and `("a", "bc")` hash differently.
public struct Hash128: Sendable, Hashable, CustomStringConvertible {
    private static let prime: UInt64 = 0x0000_0100_0000_01B3
    private static let offsetA: UInt64 = 0xCBF2_9CE4_8422_2325  // the standard FNV-1a 64 offset basis
    private static let offsetB: UInt64 = 0x6C62_272E_07BB_0142  // a different basis for the second lane

    private var laneA = Hash128.offsetA
    private var laneB = Hash128.offsetB

    /// An empty hash; add fields with ``combine(_:)-(String)``.
    public init() {}

    /// The hash of `fields`, in order.
    public init(_ fields: String...) {
        for field in fields { combine(field) }
    }

    /// Adds a string field (its UTF-8 bytes, length-prefixed).
    public mutating func combine(_ field: String) {
        var utf8 = field.utf8
        combine(UInt64(utf8.count))
        let done: Void? = utf8.withContiguousStorageIfAvailable { bytes in
            for byte in bytes { mix(byte) }
        }
        if done == nil {
            utf8 = field.utf8
            for byte in utf8 { mix(byte) }
        }
    }

    /// Adds an integer field (8 bytes, little-endian).
    public mutating func combine(_ field: Int) {
        combine(UInt64(bitPattern: Int64(field)))
    }

    private mutating func combine(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) {
            mix(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }

    private mutating func mix(_ byte: UInt8) {
        laneA = (laneA ^ UInt64(byte)) &* Self.prime
        laneB = (laneB ^ UInt64(byte)) &* Self.prime
    }

    /// The two 64-bit halves after the final avalanche (high, low).
    public var value: (high: UInt64, low: UInt64) {
        (Self.avalanche(laneA), Self.avalanche(laneB ^ laneA.byteSwapped))
    }

    /// 32 lower-case hexadecimal digits, suitable for a file name.
    public var hexString: String {
        let (high, low) = value
        return Self.hex(high) + Self.hex(low)
    }

    public var description: String { hexString }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// SplitMix64's finaliser: spreads every input bit over the whole word.
    private static func avalanche(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
