import AudioIO
import Foundation

/// The neural voice as `make voices` installs it, found the way `respite` finds it.
///
/// Its tests run when it is installed, and also whenever `make test` installed it (`RESPITE_REQUIRE_PIPER=1`):
/// then a voice that went missing fails them instead of skipping them.
public enum NeuralVoice {
    public static let installed = PiperVoices.installed(environment: environmentWithoutOverrides)
    public static let required = ProcessInfo.processInfo.environment["RESPITE_REQUIRE_PIPER"] == "1"
    public static var enabled: Bool { installed.isAvailable || required }
    public static let model = "en_US-joe-medium"

    /// The process's environment without the variables that hide or move the engine.
    public static var environmentWithoutOverrides: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["RESPITE_PIPER"] = nil
        environment["RESPITE_VOICES"] = nil
        return environment
    }
}
