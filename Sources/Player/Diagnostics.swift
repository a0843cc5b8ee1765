import Logging

extension Logger {
    /// Diagnostics of the player (what a session's preparation measured, synthesised or found cached), for
    /// `--verbose`.
    ///
    /// Where the lines go and from which level is the program's choice (`respite` bootstraps swift-log: standard
    /// error, notice and above unless `--verbose`). Real-time safety: none; never log on the audio thread.
    static let player = Logger(label: "respite.player")
}
