import ArgumentParser
import Atomics
import Logging

/// `--verbose`, on every subcommand: diagnostics on standard error.
struct LoggingOptions: ParsableArguments {
    @Flag(
        help: ArgumentHelp(
            "Also print, on standard error, what is prepared, cached, synthesised and opened (the sound device, "
                + "its period and buffer)."))
    var verbose = false

    /// Runs while the arguments are parsed, before any command runs: so the first line logged already goes where
    /// it should.
    func validate() throws { DiagnosticLog.start(verbose: verbose) }
}

/// Where Respite's diagnostics (swift-log) go: standard error, one line each, `respite: LEVEL: message`.
///
/// Quiet by default: only notice, warning and above, which are for the listener too. `--verbose` adds info and
/// debug lines. Diagnostics are never written from the audio thread (the loggers say so); messages meant for the
/// patient (notes, progress, errors with their advice) are printed by the commands themselves, not logged.
enum DiagnosticLog {
    /// Whether `--verbose` was given anywhere on the command line; only ever turned on, so a command that parses
    /// options of its own (validate) cannot turn it off again.
    static let verbose = ManagedAtomic<Bool>(false)

    /// swift-log allows one bootstrap per process; this runs it on first use.
    private static let bootstrapped: Void = {
        LoggingSystem.bootstrap { label in StandardErrorLogHandler(label: label) }
    }()

    /// Sends swift-log to standard error (once), and turns on the info and debug lines when `verbose`.
    static func start(verbose: Bool) {
        _ = bootstrapped
        if verbose { self.verbose.store(true, ordering: .relaxed) }
    }
}

/// A swift-log handler writing `respite: LEVEL: message (key=value, …)` to standard error through
/// ``StandardStreams`` (checked writes, text made safe for a terminal).
struct StandardErrorLogHandler: LogHandler {
    let label: String
    var metadata: Logger.Metadata = [:]

    /// Debug with `--verbose`, notice without; setting it changes nothing (the command line decides).
    var logLevel: Logger.Level {
        get { DiagnosticLog.verbose.load(ordering: .relaxed) ? .debug : .notice }
        set {}
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        let details =
            all.isEmpty ? "" : " (" + all.sorted { $0.key < $1.key }.map { "\($0)=\($1)" }.joined(separator: ", ") + ")"
        StandardStreams.writeError("respite: \(event.level): \(event.message)\(details)")
    }
}
