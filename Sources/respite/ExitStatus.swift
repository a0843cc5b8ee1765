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
    /// The sound device was lost during playback and did not come back in time.
    static let deviceLost = ExitCode(75)
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
    fflush(nil)
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// Maps any error from the layers below to a clear message and its exit code.
func fail(_ error: any Error, context: String) -> ExitCode {
    switch error {
    case let errors as SessionErrors:
        report(errors.description)
        report("\(errors.errors.count) problem\(errors.errors.count == 1 ? "" : "s") in \(context).")
        return ExitStatus.invalidSession
    case let error as ParameterError:
        report(error.description)
        return ExitStatus.invalidSession
    case let error as SessionNotFound:
        report(error.description)
        return ExitStatus.notFound
    case let error as AudioFileError:
        report("\(context): \(error.description)")
        return ExitStatus.ioFailure
    case let error as SpeechError:
        report("\(context): \(error.description)")
        return ExitStatus.ioFailure
    case let error as CompileError:
        report("\(context): \(error.description)")
        return ExitStatus.invalidSession
    case let error as ConfigurationError:
        report(error.description)
        return ExitStatus.badConfiguration
    case let error as StreamFailure:
        report(error.description)
        return ExitStatus.ioFailure
    case let error as OutputFileError:
        report(error.description)
        return ExitStatus.cannotWrite
    case let error as LoudnessError:
        report("\(context): \(error.description)")
        return ExitStatus.ioFailure
    default:
        report("\(context): \(error)")
        return ExitCode.failure
    }
}
