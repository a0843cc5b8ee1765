import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A long job's progress on standard error: one line rewritten in place on a terminal, nothing elsewhere (a log or
/// a script reading the output gets only the result).
///
/// Not thread-safe: call it from the thread doing the work.
final class ProgressLine {
    private let label: String
    private let interactive: Bool
    private var shown: Int?

    /// - Parameters:
    ///   - label: what is being done, e.g. "Rendering".
    ///   - interactive: whether standard error is a terminal (default: it is checked).
    init(_ label: String, interactive: Bool = isatty(STDERR_FILENO) == 1) {
        self.label = label
        self.interactive = interactive
    }

    /// Shows `fraction` (0…1) as a whole percentage, when it changed.
    func update(_ fraction: Double) {
        guard interactive else { return }
        let percent = Int((min(1, max(0, fraction.isFinite ? fraction : 0)) * 100).rounded(.down))
        guard percent != shown else { return }
        shown = percent
        // \r back to the start of the line, ESC[K erases what a longer earlier text left.
        StandardStreams.writeErrorUnterminated("\r\(label)… \(percent) %\u{1B}[K")
    }

    /// Removes the line, so what follows (the result, or an error) starts on a clean line. Safe to call twice.
    func finish() {
        guard interactive, shown != nil else { return }
        shown = nil
        StandardStreams.writeErrorUnterminated("\r\u{1B}[K")
    }
}
