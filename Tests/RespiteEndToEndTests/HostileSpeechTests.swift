import Foundation
import Testing

/// Hostile voices and narration through the built `respite`: exit status, the place in the message, and nothing
/// written outside the speech cache and the requested output.
@Suite(.serialized) struct HostileSpeechCommandTests {
    /// A one-step session; `voice` is JSON text for the voice object (or empty), `text` the narration's JSON string.
    static func session(voice: String, text: String = "\"Rest now, and breathe out slowly.\"") -> String {
        """
        {"format": 1, "id": "hostile", "title": "Hostile", "description": "One sentence.",
         "language": "en", "author": "tests", "version": "1",
         "protocol": {"name": "n", "evidence": "not graded", "source": "s"},
         "safety": ["Stop if anything hurts."],
         \(voice.isEmpty ? "" : "\"voice\": \(voice),")
         "steps": [
           {"type": "silence", "seconds": 1},
           {"type": "narration", "text": \(text)}
         ]}
        """
    }

    static let voices: [(json: String, says: String)] = [
        (#"{"name": "../../../etc/passwd"}"#, "voice.name: the voice name \"../../../etc/passwd\""),
        (#"{"name": "en+../../x"}"#, "contains '.'"),
        (#"{"name": "/etc/passwd"}"#, "voice.name"),
        (#"{"name": "en+"# + String(repeating: "a", count: 300) + #""}"#, "303 characters"),
        (#"{"name": "mb-en1"}"#, "MBROLA"),
        (#"{"name": "xx-nosuch"}"#, "no voice or language named \"xx-nosuch\""),
        (#"{"name": "en+nosuchvariant"}"#, "no voice variant named \"nosuchvariant\""),
    ]

    @Test("validate and render refuse a hostile voice with 65, at voice.name's line", arguments: voices)
    func hostileVoice(json: String, says: String) throws {
        let folder = try Respite.temporaryFolder()
        let file = folder + "/hostile.json"
        try Self.session(voice: json).write(toFile: file, atomically: true, encoding: .utf8)
        let environment = ["XDG_CACHE_HOME": folder + "/cache"]
        let before = FolderListing(folder)
        for command in [["validate", file], ["render", file, "-o", folder + "/out.wav"]] {
            let result = try Respite.run(command, environment: environment)
            #expect(result.status == 65, "\(command[0]): \(result.stderr)")
            #expect(result.stderr.contains(file + ":5:"), "\(command[0]) names the line: \(result.stderr)")
            #expect(result.stderr.contains(says), "\(command[0]): \(result.stderr)")
            #expect(result.stderr.count < 2_000)
        }
        // Nothing written but (at most) the empty cache folders.
        let after = FolderListing(folder)
        #expect(after.files == before.files, "\(after.files)")
    }

    static let texts: [(json: String, status: Int32, says: String)] = [
        (#""...""#, 65, "says nothing audible"),
        (#""\u2014 \u200b""#, 65, "says nothing audible"),
        (#"""# + String(repeating: "Rest. ", count: 900) + #"""#, 65, "at most 5000"),
    ]

    @Test("narration that cannot be spoken is refused with 65, naming its step and line", arguments: texts)
    func unspeakable(json: String, status: Int32, says: String) throws {
        let folder = try Respite.temporaryFolder()
        let file = folder + "/hostile.json"
        try Self.session(voice: "", text: json).write(toFile: file, atomically: true, encoding: .utf8)
        let result = try Respite.run(
            ["render", file, "-o", folder + "/out.wav"], environment: ["XDG_CACHE_HOME": folder + "/cache"])
        #expect(result.status == status, "\(result.stderr)")
        #expect(result.stderr.contains(file + ":8:"), "names the step's line: \(result.stderr)")
        #expect(result.stderr.contains("steps[1]"), "\(result.stderr)")
        #expect(result.stderr.contains(says), "\(result.stderr)")
        #expect(!result.stderr.contains("no length known"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/out.wav"))
    }

    @Test("a \\u0000 escape in narration reaches speech as a NUL safely: refused, not cut short")
    func nulEscape() throws {
        let folder = try Respite.temporaryFolder()
        let file = folder + "/hostile.json"
        try Self.session(voice: "", text: #""Rest\u0000 now.""#).write(toFile: file, atomically: true, encoding: .utf8)
        let result = try Respite.run(
            ["render", file, "-o", folder + "/out.wav"], environment: ["XDG_CACHE_HOME": folder + "/cache"])
        #expect(result.status == 65, "\(result.stderr)")
        #expect(result.stderr.contains(file + ":"), "\(result.stderr)")
    }

    /// The reported failure: after a cold `respite list`, every pmr-short clip differed from a cold `respite render`
    /// and the session came out 180 frames shorter. Two cold caches; the rendered bytes must be equal.
    @Test func listThenRenderEqualsRenderAlone() throws {
        let folder = try Respite.temporaryFolder()
        let afterList = ["XDG_CACHE_HOME": folder + "/cache-list"]
        let alone = ["XDG_CACHE_HOME": folder + "/cache-alone"]
        let rate = ["--rate", "8000"]  // the speech is the same at any rate; a low one keeps the renders quick
        let list = try Respite.run(["list"] + rate, environment: afterList)
        #expect(list.status == 0, "\(list.stderr)")
        let first = try Respite.run(
            ["render", "pmr-short", "-o", folder + "/after-list.wav"] + rate, environment: afterList)
        #expect(first.status == 0, "\(first.stderr)")
        let second = try Respite.run(["render", "pmr-short", "-o", folder + "/alone.wav"] + rate, environment: alone)
        #expect(second.status == 0, "\(second.stderr)")
        let a = FileManager.default.contents(atPath: folder + "/after-list.wav")
        let b = FileManager.default.contents(atPath: folder + "/alone.wav")
        #expect(a != nil && (a?.count ?? 0) > 100_000)
        let same = a == b
        #expect(same, "the render after `respite list` differs from the render alone")
        // And every cached clip of the session is byte for byte the same in both caches.
        let names = Set((try? FileManager.default.subpathsOfDirectory(atPath: folder + "/cache-alone")) ?? [])
            .filter { $0.hasSuffix(".wav") }
        #expect(names.count > 10)
        for name in names {
            let clipSame =
                FileManager.default.contents(atPath: folder + "/cache-alone/" + name)
                == FileManager.default.contents(atPath: folder + "/cache-list/" + name)
            #expect(clipSame, "\(name)")
        }
        try? FileManager.default.removeItem(atPath: folder)
    }
}

/// The regular files under a folder (relative paths), with their sizes.
struct FolderListing {
    var files: [String: Int] = [:]

    init(_ root: String) {
        for name in (try? FileManager.default.subpathsOfDirectory(atPath: root)) ?? [] {
            var status = stat()
            if lstat(root + "/" + name, &status) == 0, status.st_mode & S_IFMT != S_IFDIR {
                files[name] = Int(status.st_size)
            }
        }
    }
}
