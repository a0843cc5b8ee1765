import Testing

@testable import AudioIO

@Suite("Hash128")
struct Hash128Tests {
    @Test("is stable across runs and processes")
    func stable() {
        // Pinned: if this changes, every speech cache in the field is invalidated.
        #expect(Hash128("respite").hexString == Hash128("respite").hexString)
        #expect(Hash128("respite").hexString.count == 32)
        #expect(Hash128("").hexString == Self.pinnedEmpty)
    }

    @Test("separates fields and notices small changes")
    func separates() {
        #expect(Hash128("ab", "c") != Hash128("a", "bc"))
        #expect(Hash128("Breathe in.", "en", "150") != Hash128("Breathe in.", "en", "151"))
        #expect(Hash128("x") != Hash128("x", ""))
        var seen = Set<String>()
        for index in 0..<10_000 { seen.insert(Hash128(String(index)).hexString) }
        #expect(seen.count == 10_000)
    }

    static let pinnedEmpty = "813f0174a2367c132988e1334f12e39d"
}
