import Foundation
import Testing

/// The caches are verified, never trusted, and never required: a damaged entry is measured again and replaced, an
/// unusable cache folder means no caching, and either way the render is the same sample for sample.
@Suite(.serialized) struct CacheSafetyTests {
    enum Entry: String, CaseIterable, CustomStringConvertible {
        /// A file's measured loudness, `loudness/KEY.json`.
        case loudness
        /// The record naming a file's content key by its identity, `loudness/by-identity/ID`.
        case identity
        /// A session's programme loudness, `programme/KEY.lufs`.
        case programme
        var description: String { rawValue }

        func paths(in cache: String) -> [String] {
            let folder: String
            switch self {
            case .loudness: folder = cache + "/respite/loudness"
            case .identity: folder = cache + "/respite/loudness/by-identity"
            case .programme: folder = cache + "/respite/programme"
            }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            return names.filter { self == .identity || $0.hasSuffix(self == .programme ? ".lufs" : ".json") }.sorted()
                .map { folder + "/" + $0 }
        }
    }

    enum Damage: String, CaseIterable, CustomStringConvertible {
        case flipDigit, truncate, garbage, empty, huge, fifo, linkElsewhere, swapped, folder
        var description: String { rawValue }
    }

    static let cases: [(Entry, Damage)] = Entry.allCases.flatMap { entry in
        Damage.allCases.filter { !(entry == .programme && $0 == .swapped) }.map { (entry, $0) }
    }

    /// Changes one digit of the figure the entry holds (the integrated loudness, the programme's LUFS, the key).
    static func flipDigit(_ data: Data, entry: Entry) -> Data {
        var bytes = [UInt8](data)
        let label = Array("\"integrated\":".utf8)
        var start = 0
        if entry == .loudness,
            let at = (0...(bytes.count - label.count)).first(where: { Array(bytes[$0..<$0 + label.count]) == label })
        {
            start = at + label.count
        }
        if let index = bytes[start...].firstIndex(where: { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) {
            bytes[index] = bytes[index] == UInt8(ascii: "1") ? UInt8(ascii: "4") : UInt8(ascii: "1")
        }
        return Data(bytes)
    }

    /// One clean render for every damage: the session's folder, the caches that render filled (kept
    /// untouched, copied for each case) and the render itself.
    struct CleanRender {
        let fixture: DataSafety.Fixture
        var pristine: String { fixture.folder + "/cache" }
        var reference: String { fixture.folder + "/clean.wav" }

        init() throws {
            fixture = try DataSafety.Fixture()
            let clean = try Respite.run(
                ["render", fixture.session, "-o", fixture.folder + "/clean.wav"],
                environment: ["XDG_CACHE_HOME": fixture.folder + "/cache"])
            guard clean.status == 0 else { throw SoundServerError(message: "the clean render failed: \(clean.stderr)") }
        }
    }

    static let clean = Result { try CleanRender() }

    @Test(arguments: cases)
    func aDamagedEntryIsRebuiltAndTheRenderIsTheSame(_ entry: Entry, _ damage: Damage) throws {
        let shared = try Self.clean.get()
        let fixture = shared.fixture
        // The session's sources are the same files, so the cache's records of them still hold.
        let cache = fixture.folder + "/cache-\(entry)-\(damage)"
        try FileManager.default.copyItem(atPath: shared.pristine, toPath: cache)
        let elsewhere = try Respite.temporaryFolder()
        let environment = ["XDG_CACHE_HOME": cache]
        let paths = entry.paths(in: cache)
        #expect(paths.count >= (entry == .programme ? 1 : 2), "\(paths)")
        guard let path = paths.first, let original = FileManager.default.contents(atPath: path) else { return }
        try FileManager.default.removeItem(atPath: path)
        switch damage {
        case .flipDigit: try Self.flipDigit(original, entry: entry).write(to: URL(fileURLWithPath: path))
        case .truncate: try original.prefix(original.count / 2).write(to: URL(fileURLWithPath: path))
        case .garbage:
            try Data((0..<64).map { UInt8(truncatingIfNeeded: $0 &* 97 &+ 13) }).write(to: URL(fileURLWithPath: path))
        case .empty: try Data().write(to: URL(fileURLWithPath: path))
        case .huge: try Data(repeating: UInt8(ascii: "1"), count: 20_000_000).write(to: URL(fileURLWithPath: path))
        case .fifo: #expect(mkfifo(path, 0o644) == 0)
        case .linkElsewhere:
            // A link to a well-formed entry outside the cache: never read through, never written through.
            try original.write(to: URL(fileURLWithPath: elsewhere + "/entry"))
            try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: elsewhere + "/entry")
        case .swapped:
            // Another entry's whole, valid content under this name.
            try (FileManager.default.contents(atPath: paths[1]) ?? Data()).write(to: URL(fileURLWithPath: path))
        case .folder: try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        }
        let outside = DataSafety.snapshot(elsewhere)
        let sessionFolder = DataSafety.snapshot(fixture.folder).filter { !$0.key.hasPrefix("cache") }
        let againPath = fixture.folder + "/again-\(entry)-\(damage).wav"
        let again = try Respite.run(["render", fixture.session, "-o", againPath], environment: environment)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(!again.stderr.contains("warning"), "a damaged entry is not worth a warning: \(again.stderr)")
        let reference = FileManager.default.contents(atPath: shared.reference)
        #expect(
            reference != nil && FileManager.default.contents(atPath: againPath) == reference,
            "the render with the damaged \(entry) entry equals the clean one")
        #expect(
            DataSafety.differences(outside, DataSafety.snapshot(elsewhere)).isEmpty, "nothing outside the cache changed"
        )
        let now = DataSafety.snapshot(fixture.folder).filter {
            !$0.key.hasPrefix("cache") && $0.key != (againPath as NSString).lastPathComponent
        }
        #expect(DataSafety.differences(sessionFolder, now).isEmpty)
        if damage != .folder {
            // A JSON entry's keys may come in another order; its content is the same.
            let rebuilt = FileManager.default.contents(atPath: path) ?? Data()
            if entry == .loudness {
                let parse = { (data: Data) in try? JSONSerialization.jsonObject(with: data) as? NSDictionary }
                #expect(parse(rebuilt) != nil && parse(rebuilt) == parse(original), "the entry was rebuilt as it was")
            } else {
                #expect(rebuilt == original, "the entry was rebuilt as it was")
            }
        }
    }

    enum Folder: String, CaseIterable, CustomStringConvertible {
        case cacheIsAFile, respiteIsAFile, speechIsAFile, loudnessIsAFile, programmeIsAFile, linkToAFile, danglingLink
        case readOnlyDisk, fullDisk, relativeXDG, homeUnset, homeRelative
        var description: String { rawValue }
    }

    @Test(arguments: Folder.allCases)
    func anUnusableCacheFolderNeverStopsARender(_ kind: Folder) throws {
        let fixture = try DataSafety.Fixture()
        let reference = fixture.folder + "/reference.wav"
        let clean = try Respite.run(
            ["render", fixture.session, "-o", reference],
            environment: ["XDG_CACHE_HOME": fixture.folder + "/clean-cache"])
        #expect(clean.status == 0, "\(clean.stderr)")
        let elsewhere = try Respite.temporaryFolder()
        try Data("not a folder".utf8).write(to: URL(fileURLWithPath: elsewhere + "/file"))
        let cache = fixture.folder + "/cache"
        var environment = ProcessInfo.processInfo.environment
        environment["XDG_CACHE_HOME"] = cache
        var warns: String? = cache
        var mounted = false
        switch kind {
        case .cacheIsAFile: try Data("x".utf8).write(to: URL(fileURLWithPath: cache))
        case .respiteIsAFile, .speechIsAFile, .loudnessIsAFile, .programmeIsAFile:
            let inside = [
                "respiteIsAFile": "respite", "speechIsAFile": "respite/speech",
                "loudnessIsAFile": "respite/loudness", "programmeIsAFile": "respite/programme",
            ][kind.rawValue]!
            try FileManager.default.createDirectory(atPath: cache + "/respite", withIntermediateDirectories: true)
            if inside == "respite" { try FileManager.default.removeItem(atPath: cache + "/respite") }
            try Data("x".utf8).write(to: URL(fileURLWithPath: cache + "/" + inside))
            warns = cache + "/" + inside
        case .linkToAFile:
            try FileManager.default.createSymbolicLink(atPath: cache, withDestinationPath: elsewhere + "/file")
        case .danglingLink:
            try FileManager.default.createSymbolicLink(atPath: cache, withDestinationPath: elsewhere + "/missing/x")
        case .readOnlyDisk:
            guard DataSafety.mountTmpfs(at: cache, kilobytes: 64, readOnly: true) else {
                print("skipped: cannot mount a read-only tmpfs here")
                return
            }
            mounted = true
        case .fullDisk:
            guard DataSafety.mountTmpfs(at: cache, kilobytes: 64) else {
                print("skipped: cannot mount a tmpfs here")
                return
            }
            mounted = true
            // Fill it: the folders can be made, the entries cannot be written.
            try FileManager.default.createDirectory(
                atPath: cache + "/respite/loudness/by-identity", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(
                atPath: cache + "/respite/programme", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(
                atPath: cache + "/respite/speech", withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: cache + "/filler", contents: Data(count: 200_000))
            warns = nil
        case .relativeXDG:
            environment["XDG_CACHE_HOME"] = "relative/cache"
            environment["HOME"] = fixture.folder + "/home"
            warns = nil
        case .homeUnset:
            environment["XDG_CACHE_HOME"] = nil
            environment["HOME"] = nil
            warns = nil
        case .homeRelative:
            environment["XDG_CACHE_HOME"] = nil
            environment["HOME"] = "relative-home"
            warns = nil
        }
        defer { if mounted { DataSafety.unmount(cache) } }
        let outside = DataSafety.snapshot(elsewhere)
        // What Respite itself could leave in /tmp (a private cache root, a private speech folder); other folders
        // named respite-… belong to test suites running at the same time (sound servers, fixtures).
        let madeByRespite = { (name: String) in name.hasPrefix("respite-cache-") || name.hasPrefix("respite-speech-") }
        let tmpBefore = Set((try? FileManager.default.contentsOfDirectory(atPath: "/tmp")) ?? []).filter(madeByRespite)
        let output = fixture.folder + "/out.wav"
        let result = try DataSafety.run(["render", fixture.session, "-o", output], exactEnvironment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        let warnings = result.stderr.split(separator: "\n").filter { $0.hasPrefix("warning:") }
        if let warns {
            #expect(
                warnings.count == 1 && warnings[0].contains(warns), "one warning naming the folder: \(result.stderr)")
        } else {
            #expect(warnings.isEmpty, "\(result.stderr)")
        }
        #expect(
            FileManager.default.contents(atPath: output) == FileManager.default.contents(atPath: reference),
            "the render is the same without the cache")
        #expect(DataSafety.differences(outside, DataSafety.snapshot(elsewhere)).isEmpty)
        let tmpAfter = Set((try? FileManager.default.contentsOfDirectory(atPath: "/tmp")) ?? []).filter(madeByRespite)
        #expect(
            tmpAfter.subtracting(tmpBefore).isEmpty,
            "no fixed-name cache appears in /tmp: \(tmpAfter.subtracting(tmpBefore))")
        if kind == .relativeXDG {
            #expect(
                FileManager.default.fileExists(atPath: fixture.folder + "/home/.cache/respite/loudness"),
                "a relative XDG_CACHE_HOME is ignored")
            #expect(!FileManager.default.fileExists(atPath: FileManager.default.currentDirectoryPath + "/relative"))
        }
    }
}
