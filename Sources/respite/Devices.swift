import ArgumentParser
import AudioIO

struct Devices: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the sound devices Respite can play on, by the names --device takes.",
        discussion: """
            Example:
              respite devices
              respite play pmr-short --device pulse
            """)

    @OptionGroup var logging: LoggingOptions

    func run() throws {
        let devices = PlaybackDevices.list()
        if devices.isEmpty {
            report(
                "ALSA lists no playback devices on this machine. `respite render` writes a session to a file instead.")
            throw ExitStatus.noDevice
        }
        let width = min(40, devices.map(\.name.count).max() ?? 0)
        for device in devices {
            printLine("\(device.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(device.description)")
        }
        if !PlaybackDevices.hasSoundCard() {
            printLine("(no sound card: only software devices are listed)")
        }
    }
}
