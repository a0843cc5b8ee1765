import SessionKit

/// libFuzzer's entry point: parses `count` bytes as a JSON document.
///
/// Beyond "never trap", it checks what a user relies on: an error is located inside the input (line and column
/// from 1, line no further than the input's lines) and its message shows no raw control character.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    do {
        _ = try JSONParser().parse(bytes)
    } catch {
        let lines = bytes.reduce(1) { $1 == 0x0A || $1 == 0x0D ? $0 + 1 : $0 }
        check(error.location.line >= 1 && error.location.column >= 1, "unlocated: \(error)")
        check(error.location.line <= lines, "located past the end: \(error)")
        check(!error.description.unicodeScalars.contains { $0.value < 0x20 }, "raw control: \(error)")
    }
    return 0
}

/// Stops with `reason` (printed even in release builds, unlike a precondition's message) when `condition` fails.
func check(_ condition: Bool, _ reason: @autoclosure () -> String) {
    if !condition { fatalError(reason()) }
}
