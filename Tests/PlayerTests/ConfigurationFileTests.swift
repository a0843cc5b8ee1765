import Foundation
import Player
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A configuration file that exists but cannot be used, however it was made.
struct UnusableConfigurationFile: CustomTestStringConvertible, Sendable {
    var name: String
    /// Makes the file at the path given (in a fresh folder).
    var make: @Sendable (String) throws -> Void
    /// The start of the message after `path: `.
    var message: String

    var testDescription: String { name }
}

/// Reading the configuration file itself: a missing file gives the defaults; any other problem stops Respite
/// with the file named, without ever blocking (FIFO) or reading more than the cap (a huge file, /dev/zero).
@Suite struct ConfigurationFileTests {
    static func folder() throws -> String {
        let folder = NSTemporaryDirectory() + "respite-configuration-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    static let unusable: [UnusableConfigurationFile] = [
        .init(
            name: "a folder",
            make: { try FileManager.default.createDirectory(atPath: $0, withIntermediateDirectories: false) },
            message: "this is a folder, not a file"),
        .init(
            name: "a FIFO", make: { path in _ = mkfifo(path, 0o644) },
            message: "this is a named pipe (FIFO), not a file"),
        .init(
            name: "a symbolic link to /dev/zero",
            make: { try FileManager.default.createSymbolicLink(atPath: $0, withDestinationPath: "/dev/zero") },
            message: "this is a device, not a file"),
        .init(
            name: "a symbolic link to /dev/null",
            make: { try FileManager.default.createSymbolicLink(atPath: $0, withDestinationPath: "/dev/null") },
            message: "this is a device, not a file"),
        .init(
            name: "a symbolic link to nothing",
            make: { try FileManager.default.createSymbolicLink(atPath: $0, withDestinationPath: $0 + ".gone") },
            message: "this is a symbolic link to a file that does not exist"),
        .init(
            name: "a symbolic link to itself",
            make: { try FileManager.default.createSymbolicLink(atPath: $0, withDestinationPath: $0) },
            message: "too many symbolic links"),
        .init(
            name: "a 200 MB file",
            make: { path in
                // Sparse: 200 MB long, almost nothing on the disk. It must be refused before anything is read.
                let descriptor = open(path, O_CREAT | O_WRONLY, 0o644)
                _ = ftruncate(descriptor, 200_000_000)
                close(descriptor)
            }, message: "the file is 200000000 bytes; at most 65536 are accepted"),
        .init(
            name: "one byte over 64 KiB",
            make: { path in
                let text = "{" + String(repeating: " ", count: Configuration.maximumFileSize - 1) + "}"
                try text.write(toFile: path, atomically: false, encoding: .utf8)
            }, message: "the file is 65537 bytes; at most 65536 are accepted"),
        .init(
            name: "a file the kernel refuses to read",
            make: { path in
                // /proc/self/mem is a regular file whose first page is never mapped: read fails with EIO, as a
                // failing disk would, even for root (who can read a file whatever its permissions).
                try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: "/proc/self/mem")
            }, message: "reading failed: Input/output error"),
    ]

    @Test(arguments: unusable)
    func anUnusableFileStopsWithItsName(_ file: UnusableConfigurationFile) throws {
        let folder = try Self.folder()
        let path = folder + "/config.json"
        try file.make(path)
        let started = Date()
        let error = try #require(throws: ConfigurationError.self) { try Configuration.load(from: path) }
        #expect(Date().timeIntervalSince(started) < 5, "a FIFO or device must never block")
        #expect(error.path == path)
        #expect(error.description.hasPrefix("\(path): \(file.message)"), "\(error)")
        #expect(error.description.hasSuffix("or move it away to use the defaults."))
    }

    @Test(.enabled(if: geteuid() != 0, "root reads a file whatever its permissions"))
    func anUnreadableFileStops() throws {
        let path = try Self.folder() + "/config.json"
        try "{}".write(toFile: path, atomically: false, encoding: .utf8)
        chmod(path, 0)
        let error = try #require(throws: ConfigurationError.self) { try Configuration.load(from: path) }
        #expect(error.description.hasPrefix("\(path): permission denied"))
    }

    @Test func aMissingFileGivesTheDefaults() throws {
        let folder = try Self.folder()
        #expect(try Configuration.load(from: folder + "/config.json") == Configuration())
        #expect(try Configuration.load(from: folder + "/no-such-folder/config.json") == Configuration())
        #expect(try Configuration.load(from: nil) == Configuration())
    }

    @Test func aFileThroughASymbolicLinkIsRead() throws {
        let folder = try Self.folder()
        try #"{ "devices": { "default": { "maxVolume": -9 } } }"#.write(
            toFile: folder + "/real.json", atomically: false, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: folder + "/config.json", withDestinationPath: "real.json")
        let configuration = try Configuration.load(from: folder + "/config.json")
        #expect(configuration.devices["default"]?.maxVolume == -9)
    }

    @Test func aSyntaxErrorNamesTheFileLineAndColumn() throws {
        let path = try Self.folder() + "/config.json"
        try "{\n  \"ceiling\": -1,\n}\n".write(toFile: path, atomically: false, encoding: .utf8)
        let error = try #require(throws: ConfigurationError.self) { try Configuration.load(from: path) }
        #expect(error.description.hasPrefix("\(path):2:16: a comma after the last member of an object"))
    }

    // MARK: Where the file is

    static let places: [([String: String], String?)] = [
        (["XDG_CONFIG_HOME": "/srv/conf", "HOME": "/home/ann"], "/srv/conf/respite/config.json"),
        // The XDG Base Directory specification: a relative XDG_CONFIG_HOME is invalid and ignored.
        (["XDG_CONFIG_HOME": "conf", "HOME": "/home/ann"], "/home/ann/.config/respite/config.json"),
        (["XDG_CONFIG_HOME": "./conf", "HOME": "/home/ann"], "/home/ann/.config/respite/config.json"),
        (["XDG_CONFIG_HOME": "", "HOME": "/home/ann"], "/home/ann/.config/respite/config.json"),
        (["HOME": "/home/ann"], "/home/ann/.config/respite/config.json"),
    ]

    @Test(arguments: places)
    func theFileIsFoundWhereXDGSays(_ environment: [String: String], _ expected: String?) {
        #expect(Configuration.defaultPath(environment: environment) == expected)
    }

    @Test(arguments: [[String: String](), ["HOME": ""], ["HOME": "relative/home"], ["XDG_CONFIG_HOME": "x"]])
    func withoutAHomeTheAccountsHomeFolderIsUsed(_ environment: [String: String]) throws {
        // The password database's home folder for this account, as `getent passwd` shows it; used only when it
        // is a folder that exists.
        let entry = try #require(getpwuid(geteuid()))
        let home = String(cString: entry.pointee.pw_dir)
        let expected = FileManager.default.fileExists(atPath: home + "/.") ? home + "/.config/respite/config.json" : nil
        #expect(Configuration.defaultPath(environment: environment) == expected)
    }
}

/// The crisis line: set by a clinic for its country, else 988 in the United States and a general line elsewhere.
@Suite struct CrisisLineTests {
    @Test func theRegionDecidesTheDefaultLine() {
        let usual = Configuration()
        let us = Configuration.unitedStatesCrisisLine
        let general = Configuration.generalCrisisLine
        for (environment, line) in [
            (["LANG": "en_US.UTF-8"], us), (["LANG": "es_US"], us), (["LANG": "en_US.UTF-8@euro"], us),
            (["LC_ALL": "es_US.UTF-8", "LANG": "en_GB"], us), (["LC_ALL": "", "LANG": "en_US"], us),
            (["LC_MESSAGES": "zh_Hant_US.UTF-8"], us), (["LANG": "en_GB.UTF-8"], general),
            (["LANG": "C.UTF-8"], general),
            (["LANG": "POSIX"], general), (["LANG": "C"], general), ([:], general), (["LANG": "es_419"], general),
        ] {
            #expect(usual.crisisLine(environment: environment) == line, "\(environment)")
        }
        #expect(us.contains("988"))
    }

    @Test func aClinicSetsItsOwnLineOrNone() throws {
        let set = try Configuration.parse(
            bytes: Array(#"{ "crisisLine": "Call Samaritans free on 116 123." }"#.utf8), file: "config.json")
        #expect(set.crisisLine(environment: ["LANG": "en_US.UTF-8"]) == "Call Samaritans free on 116 123.")
        let none = try Configuration.parse(bytes: Array(#"{ "crisisLine": "" }"#.utf8), file: "config.json")
        #expect(none.crisisLine(environment: ["LANG": "en_US.UTF-8"]) == nil)
        let blank = try Configuration.parse(bytes: Array(#"{ "crisisLine": "   " }"#.utf8), file: "config.json")
        #expect(blank.crisisLine(environment: [:]) == nil, "no empty bullet")
    }

    @Test func aBadLineIsALocatedError() {
        for (text, message) in [
            (#"{ "crisisLine": 988 }"#, "crisisLine should be text in double quotes, but is"),
            (#"{ "crisisLine": "a\u0007b" }"#, "crisisLine contains a control character"),
            (#"{ "crisisLine": "\#(String(repeating: "x", count: 301))" }"#, "crisisLine is 301 characters"),
        ] {
            do {
                _ = try Configuration.parse(bytes: Array(text.utf8), file: "config.json")
                Issue.record("accepted \(text)")
            } catch {
                #expect(error.description.contains("config.json:1:"), "\(error)")
                #expect(error.description.contains(message), "\(error)")
            }
        }
    }

    @Test func aClinicSetsItsHistoryAndItsQuestions() throws {
        let set = try Configuration.parse(
            bytes: Array(
                #"{ "history": "/var/lib/respite/history.sqlite", "ratings": { "ask": false, "items": ["pain", "fatigue"] } }"#
                    .utf8), file: "config.json")
        #expect(set.history == "/var/lib/respite/history.sqlite")
        #expect(set.ratings == Configuration.Ratings(ask: false, items: ["pain", "fatigue"]))
        let defaults = try Configuration.parse(bytes: Array("{}".utf8), file: "config.json")
        #expect(
            defaults.history == nil && defaults.ratings == Configuration.Ratings(ask: true, items: ["pain", "anxiety"]))
    }

    @Test func aBadHistoryOrRatingIsALocatedError() {
        for (text, message) in [
            (#"{ "history": "history.sqlite" }"#, "history must be an absolute path to a file"),
            (#"{ "history": "/var/lib/respite/" }"#, "history must be an absolute path to a file"),
            (#"{ "history": 3 }"#, "history should be a file's path in double quotes"),
            (#"{ "ratings": { "ask": "yes" } }"#, "should be true or false"),
            (#"{ "ratings": { "items": ["pian"] } }"#, "'pian' is not a rating Respite asks"),
            (#"{ "ratings": { "items": ["pain", "pain"] } }"#, "'pain' is listed twice"),
            (#"{ "ratings": { "items": "pain" } }"#, "should be a list in [ ]"),
            (#"{ "ratings": { "often": true } }"#, "unknown key 'often'"),
            (#"{ "ratings": [] }"#, "should be an object in { }"),
        ] {
            do {
                _ = try Configuration.parse(bytes: Array(text.utf8), file: "config.json")
                Issue.record("accepted \(text)")
            } catch {
                #expect(error.description.contains("config.json:1:"), "\(error)")
                #expect(error.description.contains(message), "\(error)")
            }
        }
        // The nearest known item is suggested.
        #expect(
            (try? Configuration.parse(bytes: Array(#"{ "ratings": { "items": ["pian"] } }"#.utf8), file: "c")) == nil)
    }
}
