import Foundation
import SessionKit
import Testing

@testable import Player

/// The built-in sounds' loudness table matches what the generators produce today, so a change to
/// a generator cannot silently make it louder or quieter than its target.
@Suite struct BuiltinLoudnessTests {
    @Test(arguments: BuiltinSound.allCases)
    func tableMatchesAFreshMeasurement(_ sound: BuiltinSound) {
        let measured = BuiltinLoudness.measure(sound)
        let listed = BuiltinLoudness.table[sound.rawValue]
        #expect(listed != nil, "BuiltinLoudness.table has no entry for \(sound.rawValue)")
        #expect(
            abs((listed ?? 0) - measured) < 0.01,
            "\(sound.rawValue) now measures \(String(format: "%.4f", measured)) LUFS; update BuiltinLoudness.table")
    }

    @Test func breathMatchesAFreshMeasurement() {
        let measured = BuiltinLoudness.measureBreath()
        #expect(
            abs(BuiltinLoudness.breath() - measured) < 0.01,
            "the pacer now measures \(String(format: "%.4f", measured)) LUFS; update BuiltinLoudness.table[\"breath\"]")
    }
}
