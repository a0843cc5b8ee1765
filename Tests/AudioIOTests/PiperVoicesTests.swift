import Foundation
import Testing

@testable import AudioIO

/// Where Respite finds Piper and its voices, and what it refuses to take for a voice.
@Suite struct PiperVoicesTests {
    static let config =
        #"{ "audio": { "sample_rate": 22050, "quality": "medium" }, "espeak": { "voice": "en-us" }, "language": { "code": "en_US" } }"#

    /// A voices folder with the named models (each a non-empty .onnx and a description).
    static func folder(_ directory: TemporaryDirectory, _ name: String, models: [String], config: String = config)
        throws -> String
    {
        let folder = directory.file(name)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for model in models {
            try Data("not really a model".utf8).write(to: URL(fileURLWithPath: folder + "/\(model).onnx"))
            try Data(config.utf8).write(to: URL(fileURLWithPath: folder + "/\(model).onnx.json"))
        }
        return folder
    }

    @Test func theProgramAndVoicesAreFoundUnderTheDataFolder() throws {
        let directory = try TemporaryDirectory()
        let data = directory.file("data")
        try FileManager.default.createDirectory(atPath: data + "/respite/piper/bin", withIntermediateDirectories: true)
        FileManager.default.createFile(
            atPath: data + "/respite/piper/bin/piper", contents: Data("#!/bin/sh\n".utf8),
            attributes: [.posixPermissions: 0o755])
        _ = try Self.folder(directory, "data/respite/voices", models: ["en_US-joe-medium"])
        let shared = try Self.folder(directory, "shared/respite/voices", models: ["en_US-joe-medium", "de_DE-x-low"])
        _ = shared
        let voices = PiperVoices.installed(environment: [
            "XDG_DATA_HOME": data, "XDG_DATA_DIRS": directory.file("shared"), "HOME": "/nonexistent",
        ])
        #expect(voices.program == data + "/respite/piper/bin/piper")
        #expect(voices.problem == nil)
        #expect(voices.isAvailable)
        // The user's copy of a name wins over the machine's; both folders are searched.
        #expect(voices.models.map(\.name) == ["en_US-joe-medium", "de_DE-x-low"])
        #expect(voices.models.first?.path == data + "/respite/voices/en_US-joe-medium.onnx")
        let joe = try #require(voices.model(named: "en_US-joe-medium"))
        #expect(joe.language == "en_US" && joe.espeakVoice == "en-us" && joe.sampleRate == 22_050)
        #expect(joe.quality == "medium")
    }

    @Test func anEmptyRespitePiperHidesTheEngineAndSaysSo() throws {
        let directory = try TemporaryDirectory()
        let voices = PiperVoices.installed(environment: [
            "RESPITE_PIPER": "", "RESPITE_VOICES": try Self.folder(directory, "v", models: ["en_US-joe-medium"]),
        ])
        #expect(voices.program == nil)
        #expect(!voices.isAvailable)
        #expect(voices.problem?.contains("turned off") == true)
        let missing = PiperVoices.installed(environment: ["RESPITE_PIPER": directory.file("no-such-piper")])
        #expect(missing.program == nil)
        #expect(missing.problem?.contains("no-such-piper") == true)
        let none = PiperVoices.installed(environment: ["HOME": directory.path, "XDG_DATA_DIRS": directory.path])
        #expect(none.program == nil)
        #expect(none.problem?.contains("make voices") == true)
    }

    @Test func filesThatAreNotAWholeVoiceAreNotOffered() throws {
        let directory = try TemporaryDirectory()
        let folder = try Self.folder(directory, "v", models: ["good"])
        // A model without its description, a description that is not JSON or has no usable rate, an empty model,
        // hidden and oddly named files, a folder named like a model.
        try Data("x".utf8).write(to: URL(fileURLWithPath: folder + "/lonely.onnx"))
        try Data("x".utf8).write(to: URL(fileURLWithPath: folder + "/garbled.onnx"))
        try Data("{ not json".utf8).write(to: URL(fileURLWithPath: folder + "/garbled.onnx.json"))
        try Data("x".utf8).write(to: URL(fileURLWithPath: folder + "/norate.onnx"))
        try Data(#"{ "audio": { "sample_rate": 5 } }"#.utf8).write(
            to: URL(fileURLWithPath: folder + "/norate.onnx.json"))
        try Data().write(to: URL(fileURLWithPath: folder + "/empty.onnx"))
        try Data(Self.config.utf8).write(to: URL(fileURLWithPath: folder + "/empty.onnx.json"))
        try Data("x".utf8).write(to: URL(fileURLWithPath: folder + "/.hidden.onnx"))
        try Data(Self.config.utf8).write(to: URL(fileURLWithPath: folder + "/.hidden.onnx.json"))
        try Data("x".utf8).write(to: URL(fileURLWithPath: folder + "/two words.onnx"))
        try Data(Self.config.utf8).write(to: URL(fileURLWithPath: folder + "/two words.onnx.json"))
        try FileManager.default.createDirectory(atPath: folder + "/dir.onnx", withIntermediateDirectories: true)
        try Data(Self.config.utf8).write(to: URL(fileURLWithPath: folder + "/dir.onnx.json"))
        // A description far larger than any real one is not read.
        try Data("x".utf8).write(to: URL(fileURLWithPath: folder + "/huge.onnx"))
        try Data(repeating: 0x20, count: PiperVoices.maximumConfigBytes + 1)
            .write(to: URL(fileURLWithPath: folder + "/huge.onnx.json"))
        let voices = PiperVoices.installed(environment: ["RESPITE_PIPER": "", "RESPITE_VOICES": folder])
        #expect(voices.models.map(\.name) == ["good"])
    }

    @Test func aModelThatIsNotInstalledIsReportedWithTheInstalledOnes() throws {
        let directory = try TemporaryDirectory()
        let voices = PiperVoices.installed(environment: [
            "RESPITE_PIPER": "/bin/true",
            "RESPITE_VOICES": try Self.folder(directory, "v", models: ["en_US-joe-medium"]),
        ])
        let synthesizer = try SpeechSynthesizer(cacheDirectory: directory.file("speech"), piper: voices)
        let error = #expect(throws: SpeechError.self) {
            try synthesizer.clip(text: "Rest.", voice: .piper("en_US-nobody-low"), wordsPerMinute: 135, pitch: 40)
        }
        #expect(error?.kind == .unknownVoice)
        #expect(error?.message.contains("en_US-nobody-low") == true)
        #expect(error?.suggestion.contains("'en_US-joe-medium'") == true)
        // Nothing was synthesised or cached.
        #expect(
            synthesizer.cachedClip(text: "Rest.", voice: .piper("en_US-nobody-low"), wordsPerMinute: 135, pitch: 40)
                == nil)
    }
}
