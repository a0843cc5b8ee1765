import Foundation
import Testing

/// A fresh directory under the system temporary directory, removed when the test is done with it.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "respite-audioio-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}

enum ExternalTool {
    /// Runs `tool` (looked up in /usr/bin, /usr/local/bin) and fails the test with its stderr if it fails.
    static func run(_ tool: String, _ arguments: [String]) throws {
        let candidates = ["/usr/bin/" + tool, "/usr/local/bin/" + tool, "/bin/" + tool]
        guard let executable = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw ToolError(message: "\(tool) is not installed")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ToolError(
                message: "\(tool) \(arguments.joined(separator: " ")) failed: "
                    + String(decoding: stderr, as: UTF8.self))
        }
    }

    /// Writes a `seconds`-long stereo sine at `frequency` Hz with ffmpeg: left at `left`, right at `right` amplitude.
    static func ffmpegSine(
        to path: String, codec: String, sampleRate: Int, frequency: Double, seconds: Double, left: Double, right: Double
    ) throws {
        let source =
            "aevalsrc=\(left)*sin(2*PI*\(frequency)*t)|\(right)*sin(2*PI*\(frequency)*t)"
            + ":s=\(sampleRate):d=\(seconds)"
        try run(
            "ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", source, "-c:a", codec, path])
    }

    /// Decodes `path` with ffmpeg to interleaved Float32 at the file's own rate and channel count.
    static func ffmpegDecode(_ path: String, to rawPath: String) throws -> [Float] {
        try run(
            "ffmpeg",
            ["-hide_banner", "-loglevel", "error", "-y", "-i", path, "-f", "f32le", "-c:a", "pcm_f32le", rawPath])
        let data = try Data(contentsOf: URL(fileURLWithPath: rawPath))
        return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    struct ToolError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}

enum Signal {
    /// A sine of `frequency` Hz at `amplitude`, `frames` long, one channel.
    static func sine(frequency: Double, sampleRate: Int, frames: Int, amplitude: Float) -> [Float] {
        (0..<frames).map { amplitude * Float(sin(2 * Double.pi * frequency * Double($0) / Double(sampleRate))) }
    }

    /// One channel of an interleaved buffer.
    static func channel(_ index: Int, of interleaved: [Float], channels: Int) -> [Float] {
        stride(from: index, to: interleaved.count, by: channels).map { interleaved[$0] }
    }

    /// Root mean square.
    static func rms<C: Collection>(_ samples: C) -> Double where C.Element == Float {
        guard !samples.isEmpty else { return 0 }
        return (samples.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(samples.count)).squareRoot()
    }

    /// Amplitude of the `frequency` component (Goertzel), for a window holding a whole number of cycles or many.
    static func amplitude(at frequency: Double, in samples: ArraySlice<Float>, sampleRate: Int) -> Double {
        let omega = 2 * Double.pi * frequency / Double(sampleRate)
        let coefficient = 2 * cos(omega)
        var previous = 0.0
        var beforePrevious = 0.0
        for sample in samples {
            let current = Double(sample) + coefficient * previous - beforePrevious
            beforePrevious = previous
            previous = current
        }
        let power = previous * previous + beforePrevious * beforePrevious - coefficient * previous * beforePrevious
        return 2 * power.squareRoot() / Double(samples.count)
    }

    /// Frequency from rising zero crossings, with linear interpolation between samples.
    static func frequencyByZeroCrossings(_ samples: ArraySlice<Float>, sampleRate: Int) -> Double {
        var crossings: [Double] = []
        var index = samples.startIndex
        while index + 1 < samples.endIndex {
            let a = samples[index]
            let b = samples[index + 1]
            if a < 0, b >= 0 {
                crossings.append(Double(index) + Double(a / (a - b)))
            }
            index += 1
        }
        guard let first = crossings.first, let last = crossings.last, crossings.count > 1 else { return 0 }
        return Double(crossings.count - 1) * Double(sampleRate) / (last - first)
    }

    static func decibels(_ ratio: Double) -> Double { 20 * log10(ratio) }
}
