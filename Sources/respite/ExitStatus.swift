import ArgumentParser
import AudioIO
import Foundation
import Player
import SessionKit

/// Exit codes, one per kind of failure (sysexits.h numbering), so scripts and the clinic daemon
/// can tell them apart.
enum ExitStatus {
    /// A session or parameter is invalid.
    static let invalidSession = ExitCode(65)
    /// A named session or input file does not exist.
    static let notFound = ExitCode(66)
    /// No sound device to play on.
    static let noDevice = ExitCode(69)
    /// The system refused what Respite needs to run: a memory limit below its fixed needs, or no thread.
    static let systemLimit = ExitCode(71)
    /// The sound device was lost during playback and did not come back in time.
    static let deviceLost = ExitCode(75)
    /// Something is busy that will not be later (EX_TEMPFAIL, as ``deviceLost``): a run that is still playing.
    static let temporaryFailure = ExitCode(75)
    /// The configuration file is invalid.
    static let badConfiguration = ExitCode(78)
    /// An output file could not be created or written.
    static let cannotWrite = ExitCode(73)
    /// Reading audio, synthesising speech or another I/O step failed.
    static let ioFailure = ExitCode(74)
}

/// Prints a one-paragraph message to standard error, after whatever standard output holds, so
/// the two read in order in a log.
func report(_ message: String) {
    StandardStreams.writeError(message)
}

/// Maps any error from the layers below to a clear message and its exit code.
func fail(_ error: any Error, context: String) -> ExitCode {
    if let errors = error as? SessionErrors {
        report(errors.description)
        report("\(errors.errors.count) problem\(errors.errors.count == 1 ? "" : "s") in \(context).")
        return ExitStatus.invalidSession
    }
    let (message, code) = explain(error, context: context)
    report(message)
    return code
}

/// The message and exit code for an error; `context` is the session (or file) it concerns.
private func explain(_ error: any Error, context: String) -> (String, ExitCode) {
    switch error {
    case let error as SourceError:
        // A source the session uses: say where the session uses it, then what is wrong with it.
        let (message, code) = explain(error.underlying, context: "")
        let place = error.place.map { "\(context):\($0): " } ?? "\(context): "
        return (place + message, code)
    case let error as CompileError:
        let place = error.place.map { "\(context):\($0): " } ?? "\(context): "
        return (place + error.message, ExitStatus.invalidSession)
    case let error as SessionErrors:
        return (error.description, ExitStatus.invalidSession)
    case let error as ParameterError:
        return (error.description, ExitStatus.invalidSession)
    case let error as SessionNotFound:
        return (error.description, ExitStatus.notFound)
    case let error as ConfigurationError:
        return (error.description, ExitStatus.badConfiguration)
    case let error as InputFileError:
        return (prefixed(context, error.description), ExitStatus.ioFailure)
    case let error as AudioFileError:
        return (prefixed(context, error.description), ExitStatus.ioFailure)
    case let error as SpeechError:
        // A voice or text that cannot be spoken is the session's fault; espeak-ng or the cache failing is not.
        let code = error.isInvalidInput ? ExitStatus.invalidSession : ExitStatus.ioFailure
        return (prefixed(context, error.description), code)
    case let error as StreamFailure:
        return (error.description, ExitStatus.ioFailure)
    case let error as OutputFileError:
        return (error.description, ExitStatus.cannotWrite)
    case let error as ThreadRefused:
        return (error.description, ExitStatus.systemLimit)
    case let error as LoudnessError:
        return (prefixed(context, error.description), ExitStatus.ioFailure)
    default:
        return (prefixed(context, "\(error)"), ExitCode.failure)
    }
}

private func prefixed(_ context: String, _ message: String) -> String {
    context.isEmpty ? message : "\(context): \(message)"
}
