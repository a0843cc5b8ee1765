import Player

/// libFuzzer's entry point: reads `count` bytes as a configuration file.
///
/// A configuration is either read, with every value within its documented range, or refused with problems that
/// are each located (line and column from 1) and show no raw control character.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfiguration(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    do {
        let configuration = try Configuration.parse(bytes: bytes, file: "config.json")
        check((-40 ... -10).contains(configuration.loudness.voice), "voice out of range")
        check((-50 ... -15).contains(configuration.loudness.music), "music out of range")
        check((-45 ... -12).contains(configuration.loudness.cues), "cues out of range")
        check(configuration.loudness.programme.map { (-36 ... -14).contains($0) } ?? true, "programme")
        check((-20...0).contains(configuration.ceiling), "ceiling out of range")
        for (name, device) in configuration.devices {
            check(!name.isEmpty && name.utf8.count <= Configuration.maximumDeviceNameLength, "device name")
            check(!name.unicodeScalars.contains(where: \.isInvisibleInText), "invisible device name")
            check(device.maxVolume.map { (-40...6).contains($0) } ?? true, "maxVolume out of range")
        }
    } catch {
        check(!error.problems.isEmpty, "an empty list of problems")
        for problem in error.problems {
            if bytes.count <= Configuration.maximumFileSize {
                check((problem.line ?? 0) >= 1 && (problem.column ?? 0) >= 1, "unlocated: \(problem)")
            }
            check(!problem.description.unicodeScalars.contains { $0.value < 0x20 }, "raw control: \(problem)")
        }
    }
    return 0
}

/// Stops with `reason` (printed even in release builds, unlike a precondition's message) when `condition` fails.
func check(_ condition: Bool, _ reason: @autoclosure () -> String) {
    if !condition { fatalError(reason()) }
}
