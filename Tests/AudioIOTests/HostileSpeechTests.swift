import Foundation
import Testing

@testable import AudioIO

/// Hostile voices, texts and cache entries: each gives a clear error or a verified clip, never a crash, and never
/// touches anything outside the speech cache.
@Suite("Hostile speech")
struct HostileSpeechTests {
    /// A synthesiser on a cache folder inside a scratch folder that also holds a file the cache must never touch.
    struct Scene {
        let root: TemporaryDirectory
        let cache: String
        let outside: String
        let synthesizer: SpeechSynthesizer

        init(allowMBROLA: Bool = false) throws {
            root = try TemporaryDirectory()
            cache = root.file("cache")
            outside = root.file("outside.txt")
            try Data("not a clip\n".utf8).write(to: URL(fileURLWithPath: outside))
            synthesizer = try SpeechSynthesizer(cacheDirectory: cache, allowMBROLA: allowMBROLA, piper: .none)
        }

        func snapshot() -> FolderSnapshot { FolderSnapshot(root.path) }
    }

    // MARK: - Voice names

    static let refusedVoices: [(voice: String, kind: SpeechError.Kind, says: String)] = [
        ("../../../etc/passwd", .unknownVoice, "more than one '/'"),
        ("en+../../x", .unknownVoice, "contains '.'"),
        ("/etc/passwd", .unknownVoice, "more than one '/'"),
        ("/en", .unknownVoice, "empty part"),
        ("gmw/../../x", .unknownVoice, "more than one '/'"),
        ("en/..", .unknownVoice, "contains '.'"),
        ("en+" + String(repeating: "a", count: 300), .unknownVoice, "303 characters"),
        (String(repeating: "a", count: 300), .unknownVoice, "300 characters"),
        ("en+" + String(repeating: "a", count: 37), .unknownVoice, "no voice variant"),
        ("en+" + String(repeating: "a", count: 38), .unknownVoice, "41 characters"),
        ("en\u{1}", .unknownVoice, "U+0001"),
        ("en\n", .unknownVoice, "U+000A"),
        ("en\u{0}x", .unknownVoice, "U+0000"),
        ("en\u{202E}", .unknownVoice, "U+202E"),
        ("en+", .unknownVoice, "empty part"),
        ("+f3", .unknownVoice, "empty part"),
        ("", .unknownVoice, "is empty"),
        ("en++f3", .unknownVoice, "more than one '+'"),
        ("mb-en1", .voiceNotAllowed, "MBROLA"),
        ("mb/mb-en1", .voiceNotAllowed, "MBROLA"),
        ("MB-DE4", .voiceNotAllowed, "MBROLA"),
        ("mb-nosuch+f3", .voiceNotAllowed, "MBROLA"),
        ("no-such-voice", .unknownVoice, "no voice or language named \"no-such-voice\""),
        ("xx", .unknownVoice, "no voice or language named \"xx\""),
        ("en-zz", .unknownVoice, "no voice or language named \"en-zz\""),
        ("gmw/nosuch", .unknownVoice, "no voice or language"),
        ("variant", .unknownVoice, "no voice or language"),
        ("en+nosuchvariant", .unknownVoice, "no voice variant named \"nosuchvariant\""),
        ("en+3", .unknownVoice, "no voice variant named \"3\""),
        ("en+Mr", .unknownVoice, "no voice variant"),
        ("f3", .unknownVoice, "no voice or language named \"f3\""),
    ]

    @Test("a hostile or unknown voice is refused before espeak-ng sees it", arguments: refusedVoices)
    func refusesVoice(voice: String, kind: SpeechError.Kind, says: String) throws {
        let scene = try Scene()
        let before = scene.snapshot()
        #expect {
            _ = try scene.synthesizer.clip(text: "Rest now.", voice: voice, wordsPerMinute: 140, pitch: 40)
        } throws: { error in
            guard let error = error as? SpeechError else { return false }
            #expect(error.kind == kind, "\(error)")
            #expect(error.isInvalidInput)
            #expect(error.description.contains(says), "\(error.description)")
            // Printable and bounded whatever the name holds.
            #expect(error.description.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F })
            #expect(error.description.count < 600, "\(error.description.count) characters")
            return true
        }
        #expect(scene.snapshot() == before, "files changed")
        // espeak-ng still speaks afterwards.
        #expect(try scene.synthesizer.clip(text: "Rest now.", voice: "en", wordsPerMinute: 140, pitch: 40).frames > 0)
    }

    static let acceptedVoices: [(voice: String, sameAs: String?)] = [
        ("en", nil), ("en-gb", "en"), ("EN-GB", "en"), ("en-us", nil), ("en-US", "en-us"), ("gmw/en-US", "en-us"),
        ("German", "de"), ("de", nil), ("en+f3", nil), ("en+F3", "en+f3"),
        ("en-gb+klatt", nil), ("en+whisper", nil), ("en+alex", "en+Alex"), ("fr", nil), ("es", nil),
    ]

    @Test("voices espeak-ng lists work, in any case, by name, file or language", arguments: acceptedVoices)
    func acceptsVoice(voice: String, sameAs: String?) throws {
        let scene = try Scene()
        let clip = try scene.synthesizer.clip(text: "Rest now.", voice: voice, wordsPerMinute: 140, pitch: 40)
        #expect(clip.synthesised && clip.frames > 5_000)
        if let sameAs {
            // Spelled differently, the same voice: the same samples.
            let other = try scene.synthesizer.clip(text: "Rest now.", voice: sameAs, wordsPerMinute: 140, pitch: 40)
            #expect(
                try SpeechTestClips.samples(clip.path) == SpeechTestClips.samples(other.path), "\(voice) vs \(sameAs)")
        }
    }

    @Test("a variant changes the voice: en+f3 is not en")
    func variantMatters() throws {
        let scene = try Scene()
        let plain = try scene.synthesizer.clip(text: "Rest now.", voice: "en", wordsPerMinute: 140, pitch: 40)
        let female = try scene.synthesizer.clip(text: "Rest now.", voice: "en+f3", wordsPerMinute: 140, pitch: 40)
        #expect(try SpeechTestClips.samples(plain.path) != SpeechTestClips.samples(female.path))
    }

    @Test("espeak-ng's own list has the voices and variants the checks rely on, and MBROLA voices apart")
    func catalogue() throws {
        let voices = try SpeechEngine.shared.voices()
        #expect(voices.voices.contains { $0.identifier == "gmw/en-US" })
        #expect(voices.variants.contains("f3") && voices.variants.contains("Alex"))
        #expect(voices.voices.contains { $0.isMBROLA })
        #expect(try voices.resolve("en-us+F3", allowMBROLA: false) == "gmw/en-US+f3")
        #expect(try voices.resolve("mb-en1", allowMBROLA: true) == "mb/mb-en1")
    }

    // MARK: - Texts

    static let refusedTexts: [(name: String, text: String, kind: SpeechError.Kind, says: String)] = [
        ("empty", "", .invalidArgument, "empty"),
        ("spaces", "   \n\t ", .invalidArgument, "empty"),
        ("unicode spaces", "\u{2003}\u{3000}\u{A0}", .invalidArgument, "empty"),
        ("NUL", "Rest\u{0} now.", .invalidArgument, "NUL"),
        ("only NUL", "\u{0}", .invalidArgument, "NUL"),
        ("one word of 1 MiB", String(repeating: "a", count: 1 << 20), .tooLong, "1048576 characters"),
        ("5001 characters", String(repeating: "Rest. ", count: 834).prefix(5_001).description, .tooLong, "5001"),
        ("dots", "...", .silentText, "nothing audible"),
        ("question mark", "?", .silentText, "nothing audible"),
        ("dash", "\u{2014}", .silentText, "nothing audible"),
        ("control characters", "\u{1}\u{2}\u{3}", .silentText, "nothing audible"),
        ("combining marks", "\u{301}\u{302}\u{303}", .silentText, "nothing audible"),
        ("zero-width space", "\u{200B}", .silentText, "nothing audible"),
        ("byte order mark", "\u{FEFF}", .silentText, "nothing audible"),
        ("private use", "\u{E000}", .silentText, "nothing audible"),
    ]

    @Test("a text that cannot be spoken is a clear error, and leaves no file", arguments: refusedTexts)
    func refusesText(name: String, text: String, kind: SpeechError.Kind, says: String) throws {
        let scene = try Scene()
        let before = scene.snapshot()
        let started = Date()
        #expect {
            _ = try scene.synthesizer.clip(text: text, voice: "en", wordsPerMinute: 140, pitch: 40)
        } throws: { error in
            guard let error = error as? SpeechError else { return false }
            #expect(error.kind == kind, "\(name): \(error)")
            #expect(error.isInvalidInput)
            #expect(error.description.contains(says), "\(name): \(error.description)")
            return true
        }
        #expect(Date().timeIntervalSince(started) < 10, "\(name) took too long to refuse")
        #expect(scene.snapshot() == before, "\(name): files changed")
    }

    static let spokenTexts: [(name: String, text: String)] = [
        ("Hebrew, right to left", "שלום עולם"),
        ("Arabic, right to left", "مرحبا"),
        ("bidi override inside", "Rest \u{202E}now\u{202C}."),
        ("SSML-like markup is read, not obeyed", "<speak>Hello<break time='600s'/></speak>"),
        ("an audio tag", "<audio src='/etc/passwd'/> Rest."),
        ("1e308", "1e308"),
        ("digits", String(repeating: "9", count: 400)),
        ("huge number", "179769313486231570000000000000000000000000000000000000000000000000000000"),
        ("emoji", "😀"),
        ("lone combining mark", "\u{301}"),
        ("escape sequence", "\u{1B}[31mred\u{1B}[0m"),
        ("format string", "%s%n%x"),
        ("phoneme brackets", "[[a]]"),
        ("mixed scripts", "Rest ру́сский 中文 now."),
        ("4000 characters", String(repeating: "ab", count: 2_000)),
    ]

    @Test("hostile but speakable text gives a verified clip", arguments: spokenTexts)
    func speaksText(name: String, text: String) throws {
        let scene = try Scene()
        let clip = try scene.synthesizer.clip(text: text, voice: "en", wordsPerMinute: 140, pitch: 40)
        #expect(clip.frames > 0 && clip.frames <= SpeechSynthesizer.maximumFrames, "\(name)")
        #expect(SpeechClipFile.verifiedClip(at: clip.path, maximumFrames: SpeechSynthesizer.maximumFrames) != nil)
        // Markup is read out, not obeyed: no 600-second break.
        #expect(clip.duration < 120, "\(name): \(clip.duration) s")
        #expect(try FileManager.default.contentsOfDirectory(atPath: scene.cache).count == 1, "\(name)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: scene.outside)) == Data("not a clip\n".utf8))
    }

    @Test("a clip that speaks for longer than allowed stops espeak-ng there and leaves no file")
    func clipCap() throws {
        let directory = try TemporaryDirectory()
        let (file, writer) = try SpeechTestClips.writer(
            at: directory.file("long.wav"), key: "long", maximumFrames: 44_100)
        defer { file.discard() }
        let loud = [Int16](repeating: 5_000, count: 22_050)
        try loud.withUnsafeBufferPointer { (buffer) throws(SpeechError) in
            try writer.append(buffer)
            try writer.append(buffer)
        }
        #expect {
            try loud.withUnsafeBufferPointer { (buffer) throws(SpeechError) in try writer.append(buffer) }
        } throws: { error in
            (error as? SpeechError)?.kind == .tooLong
        }
    }

    // MARK: - The streaming writer trims as the whole-clip trim did

    @Test(
        "streamed in any buffer sizes, a clip keeps 5 ms before the first sound and 30 ms after the last",
        arguments: [1, 7, 100, 1_024, 100_000])
    func trimsWhileStreaming(bufferSize: Int) throws {
        let directory = try TemporaryDirectory()
        // 1 s of quiet noise below the threshold, 0.5 s of sound with a quiet gap, 1 s of quiet.
        var samples: [Int16] = (0..<22_050).map { (index: Int) -> Int16 in Int16(index % 61 - 30) }
        samples += (0..<11_025).map { (index: Int) -> Int16 in
            index % 5_000 < 4_000 ? Int16((index % 200) * 50 - 5_000) : 10
        }
        samples += (0..<22_050).map { (index: Int) -> Int16 in Int16(index % 41 - 20) }
        let (file, writer) = try SpeechTestClips.writer(at: directory.file("c.wav"), key: "c", maximumFrames: 1 << 22)
        for start in stride(from: 0, to: samples.count, by: bufferSize) {
            let chunk = Array(samples[start..<min(samples.count, start + bufferSize)])
            try chunk.withUnsafeBufferPointer { (buffer) throws(SpeechError) in try writer.append(buffer) }
        }
        let frames = try writer.finish()
        try file.commit()
        let isSound = { (sample: Int16) in sample > 33 || sample < -33 }
        let first = try #require(samples.firstIndex(where: isSound))
        let last = try #require(samples.lastIndex(where: isSound))
        let expected = Array(samples[(first - 110)..<(last + 1 + 662)])
        #expect(frames == expected.count)
        #expect(try SpeechTestClips.samples(directory.file("c.wav")) == expected)
        let clip = SpeechClipFile.verifiedClip(at: directory.file("c.wav"), maximumFrames: 1 << 22)
        #expect(clip?.frames == expected.count)
    }

    // MARK: - Damaged cache entries

    /// Ways a cached clip can be damaged.
    enum Damage: String, CaseIterable, Sendable {
        case cutInHalf, headerOnly, zeroBytes, lastByteGone, oneSampleFlipped, garbage, fifo, folder
        case linkOutside, linkToAnotherGoodClip, danglingLink, anotherSampleRate, unstampedWAV, anotherClipsFile
        case floatSamples, sparseHugeFile

        func apply(to path: String, in scene: Scene) throws {
            switch self {
            case .cutInHalf: try truncate(path, toBytes: try size(path) / 2)
            case .headerOnly: try truncate(path, toBytes: 44)
            case .zeroBytes: try truncate(path, toBytes: 0)
            case .lastByteGone: try truncate(path, toBytes: try size(path) - 1)
            case .oneSampleFlipped: try flip(path, at: 1_000)
            case .garbage: try Data("garbage".utf8).write(to: URL(fileURLWithPath: path))
            case .fifo: try replace(path) { mkfifo(path, 0o644) }
            case .folder: try replace(path) { mkdir(path, 0o755) }
            case .linkOutside: try replace(path) { symlink(scene.outside, path) }
            case .linkToAnotherGoodClip:
                let other = try scene.synthesizer.clip(text: "Other.", voice: "en", wordsPerMinute: 140, pitch: 40)
                try replace(path) { symlink(other.path, path) }
            case .danglingLink: try replace(path) { symlink(scene.root.file("nowhere"), path) }
            case .anotherSampleRate:
                // The header says 44100 Hz (as after a resampler that kept the metadata), the stamp 22050.
                var data = try Data(contentsOf: URL(fileURLWithPath: path))
                data.replaceSubrange(24..<32, with: [0x44, 0xAC, 0, 0, 0x88, 0x58, 0x01, 0])
                try data.write(to: URL(fileURLWithPath: path))
            case .unstampedWAV:
                let samples = try AudioFileReader(path: path).readAll()
                try replace(path) { 0 }
                try Self.writePlain(samples, to: path, format: .wav(.pcm16))
            case .anotherClipsFile:
                // A good clip of another cache entry, copied over this one.
                try replace(path) { 0 }
                _ = try SpeechTestClips.write(
                    [Int16](repeating: 3_000, count: 9_000), to: path, key: "0123456789abcdef")
            case .floatSamples:
                let samples = try AudioFileReader(path: path).readAll()
                try replace(path) { 0 }
                try Self.writePlain(samples, to: path, format: .wav(.float32))
            case .sparseHugeFile:
                try replace(path) { 0 }
                FileManager.default.createFile(atPath: path, contents: nil)
                try truncate(path, toBytes: SpeechSynthesizer.maximumFrames * 2 + 1_000_000)
            }
        }

        static func writePlain(_ samples: [Float], to path: String, format: AudioFileFormat) throws {
            let writer = try AudioFileWriter(path: path, sampleRate: 22_050, channels: 1, format: format)
            try samples.withUnsafeBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return }
                try writer.write(interleaved: base, frames: buffer.count)
            }
            try writer.close()
        }
    }

    @Test("a damaged cache entry is found, synthesised again and replaced, never played", arguments: Damage.allCases)
    func repairsDamage(damage: Damage) throws {
        let name = damage.rawValue
        let scene = try Scene()
        let text = "Let your shoulders drop."
        let good = try scene.synthesizer.clip(text: text, voice: "en", wordsPerMinute: 140, pitch: 40)
        let goodBytes = try Data(contentsOf: URL(fileURLWithPath: good.path))
        try damage.apply(to: good.path, in: scene)
        let outsideBefore = try Data(contentsOf: URL(fileURLWithPath: scene.outside))
        let entries = Set(try FileManager.default.contentsOfDirectory(atPath: scene.cache))

        if damage == .folder {
            // A folder cannot be replaced by a file: a cache error naming it, not a crash and not the folder played.
            #expect {
                _ = try scene.synthesizer.clip(text: text, voice: "en", wordsPerMinute: 140, pitch: 40)
            } throws: { error in
                (error as? SpeechError)?.kind == .cache && "\(error)".contains(good.path)
            }
            return
        }
        let again = try scene.synthesizer.clip(text: text, voice: "en", wordsPerMinute: 140, pitch: 40)
        #expect(again.synthesised, "\(name): the damaged entry was trusted")
        #expect(again.path == good.path && again.frames == good.frames)
        // A regular file again, with exactly the first synthesis's bytes: synthesis is deterministic.
        var status = stat()
        #expect(lstat(again.path, &status) == 0 && status.st_mode & S_IFMT == S_IFREG, "\(name)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: again.path)) == goodBytes, "\(name)")
        // Nothing outside the cache changed (a link's target included), and no temporary file is left.
        #expect(try Data(contentsOf: URL(fileURLWithPath: scene.outside)) == outsideBefore)
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: scene.cache)) == entries, "\(name)")
        // And the next request trusts the repaired clip.
        #expect(try !scene.synthesizer.clip(text: text, voice: "en", wordsPerMinute: 140, pitch: 40).synthesised)
    }

    @Test("bytes appended after a clip's chunks are ignored by every reader, so the clip still verifies as is")
    func appendedBytes() throws {
        let scene = try Scene()
        let good = try scene.synthesizer.clip(text: "Rest.", voice: "en", wordsPerMinute: 140, pitch: 40)
        let samples = try SpeechTestClips.samples(good.path)
        try Self.append(good.path, Data(repeating: 0x55, count: 4_096))
        let again = try scene.synthesizer.clip(text: "Rest.", voice: "en", wordsPerMinute: 140, pitch: 40)
        #expect(!again.synthesised && again.frames == good.frames)
        #expect(try SpeechTestClips.samples(again.path) == samples)
    }

    // MARK: - Damage helpers

    static func size(_ path: String) throws -> Int {
        try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
    }

    static func truncate(_ path: String, toBytes bytes: Int) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: UInt64(bytes))
        try handle.close()
    }

    static func truncate(_ path: String, toFraction fraction: Double) throws {
        try truncate(path, toBytes: Int(Double(try size(path)) * fraction))
    }

    static func flip(_ path: String, at offset: Int) throws {
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        data[offset] ^= 0x01
        try data.write(to: URL(fileURLWithPath: path))
    }

    static func append(_ path: String, _ extra: Data) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: extra)
        try handle.close()
    }

    /// Removes the clip and puts something else at its path with `make` (a C call returning 0 on success).
    static func replace(_ path: String, _ make: () -> Int32) throws {
        try FileManager.default.removeItem(atPath: path)
        #expect(make() == 0, "could not make the replacement at \(path)")
    }
}
