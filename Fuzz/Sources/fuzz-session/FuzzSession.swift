import SessionKit

/// Sound files exist when their name has an even length: both answers are explored, and the disk is never touched.
let loader = SessionLoader(audioRoot: "/fuzz/Audio", fileExists: { $0.utf8.count % 2 == 0 })

/// libFuzzer's entry point: loads `count` bytes as a session file and, when it is valid, compiles its timeline.
///
/// Every error must be located (line and column from 1) and show no raw control character; a valid session must
/// compile (with every medium one second long) into a timeline whose events lie within its length.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSession(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    let session: Session
    do {
        session = try loader.load(bytes: bytes, file: "fuzz.json", directory: "/fuzz/sessions")
    } catch {
        check(!error.errors.isEmpty, "an empty list of errors")
        for problem in error.errors {
            check(problem.line >= 1 && problem.column >= 1, "unlocated: \(problem)")
            check(!problem.description.unicodeScalars.contains { $0.value < 0x20 }, "raw control: \(problem)")
        }
        return 0
    }
    // A low rate keeps six-hour sessions cheap; the layout is the same at any rate.
    let rate = 8_000
    let parameters = session.parameters
    var lengths: [Media: Int] = [:]
    for media in Compiler.media(for: session, parameters: parameters) { lengths[media] = rate }
    do {
        let timeline = try Compiler.compile(session, parameters: parameters, sampleRate: rate, lengths: lengths)
        check(timeline.duration > 0, "an empty timeline")
        for entry in timeline.entries {
            check(entry.frame >= 0 && entry.length >= 0 && entry.frame <= timeline.duration, "\(entry)")
        }
    } catch {
        // An empty session is refused here by design; nothing else may fail once lengths are known.
        check(!error.message.isEmpty, "an unexplained compile error")
    }
    return 0
}

/// Stops with `reason` (printed even in release builds, unlike a precondition's message) when `condition` fails.
func check(_ condition: Bool, _ reason: @autoclosure () -> String) {
    if !condition { fatalError(reason()) }
}
