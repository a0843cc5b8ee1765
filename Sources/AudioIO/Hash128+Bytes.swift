extension Hash128 {
    /// Adds a field of raw bytes (length-prefixed), e.g. one chunk of a file's content.
    ///
    /// Feeding a file in fixed-size chunks gives the same hash on every machine, since every chunk but the last is
    /// full.
    mutating func combine(bytes: UnsafeRawBufferPointer) {
        combine(bytes.count)
        var offset = 0
        // Eight bytes at a time through the public integer field: the same bytes in the same order as one by one.
        while offset + 8 <= bytes.count {
            let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            combine(Int(truncatingIfNeeded: word))
            offset += 8
        }
        if offset < bytes.count {
            var tail: UInt64 = 0
            for (shift, byte) in bytes[offset...].enumerated() {
                tail |= UInt64(byte) << UInt64(8 * shift)
            }
            combine(Int(truncatingIfNeeded: tail))  // zero-padded; the length prefix keeps it unambiguous
        }
    }
}
