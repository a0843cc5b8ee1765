import Logging

extension Logger {
    /// Diagnostics of the audio layer (caches, speech synthesis, devices opened), for `--verbose`.
    ///
    /// Where the lines go and from which level is the program's choice (`respite` bootstraps swift-log: standard
    /// error, notice and above unless `--verbose`). Real-time safety: none; never log on the audio thread.
    static let audio = Logger(label: "respite.audio")
}
