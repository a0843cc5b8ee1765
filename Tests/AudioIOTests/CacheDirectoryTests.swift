import Foundation
import Testing

@testable import AudioIO

@Suite struct CacheDirectoryTests {
    enum Setting: String, CaseIterable, CustomStringConvertible {
        case xdg, relativeXDG, home, relativeHome, passwordHome, privateFolder, privateFolderExists
        case plantedLink, plantedFile, othersFolder, openFolder, nothingSafe
        var description: String { rawValue }
    }

    @Test(arguments: Setting.allCases)
    func theRootIsChosenInOrderAndAPrivateFolderIsChecked(_ setting: Setting) throws {
        let directory = try TemporaryDirectory()
        let temporary = directory.file("tmp")
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        let user = geteuid()
        let privateFolder = temporary + "/respite-cache-\(user)"
        var environment: [String: String] = [:]
        var passwordHome: String?
        var expected: String?
        switch setting {
        case .xdg:
            environment = ["XDG_CACHE_HOME": "/x/cache", "HOME": "/h"]
            expected = "/x/cache/respite"
        case .relativeXDG:
            environment = ["XDG_CACHE_HOME": "x/cache", "HOME": "/h"]
            expected = "/h/.cache/respite"
        case .home:
            environment = ["HOME": "/h"]
            expected = "/h/.cache/respite"
        case .relativeHome:
            environment = ["HOME": "h"]
            passwordHome = directory.path
            expected = directory.path + "/.cache/respite"
        case .passwordHome:
            passwordHome = directory.path
            expected = directory.path + "/.cache/respite"
        case .privateFolder:
            passwordHome = directory.file("no-such-home")
            expected = privateFolder
        case .privateFolderExists:
            #expect(mkdir(privateFolder, 0o700) == 0)
            expected = privateFolder
        case .plantedLink:
            // Another user's link, in the hope that Respite writes its cache through it.
            try FileManager.default.createDirectory(atPath: directory.file("victim"), withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(
                atPath: privateFolder, withDestinationPath: directory.file("victim"))
        case .plantedFile:
            try Data("x".utf8).write(to: URL(fileURLWithPath: privateFolder))
        case .othersFolder:
            #expect(mkdir(privateFolder, 0o700) == 0)
            #expect(chown(privateFolder, 65_534, 65_534) == 0 || user != 0)
            if user != 0 { return }  // only root can give a folder away
        case .openFolder:
            #expect(mkdir(privateFolder, 0o700) == 0)
            chmod(privateFolder, 0o777)
        case .nothingSafe:
            chmod(temporary, 0o500)
            if user == 0 {
                // Root writes anyway; a file in the way stands for a temporary folder that cannot be used.
                try Data("x".utf8).write(to: URL(fileURLWithPath: privateFolder))
            }
        }
        let found = CacheDirectory.root(
            environment: environment, passwordHome: passwordHome, temporaryFolder: temporary, userID: user)
        #expect(found.path == expected, "\(found)")
        if expected == nil {
            #expect(found.problem?.contains(privateFolder) == true, "\(found)")
            let folders = CacheDirectory.folders(under: nil, rootProblem: found.problem)
            #expect(folders.speech == nil && folders.loudness == nil && folders.programme == nil)
            #expect(folders.warning?.hasPrefix("warning: ") == true)
        }
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: directory.file("victim"))) ?? []).isEmpty)
    }

    @Test func foldersThatCannotBeUsedAreLeftOutWithOneWarning() throws {
        let directory = try TemporaryDirectory()
        let root = directory.file("respite")
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: root + "/loudness"))
        let folders = CacheDirectory.folders(under: root)
        #expect(folders.speech == root + "/speech")
        #expect(folders.programme == root + "/programme")
        #expect(folders.loudness == nil)
        #expect(folders.warning?.contains(root + "/loudness") == true, "\(folders.warning ?? "")")
        #expect(folders.warning?.split(separator: "\n").count == 1)
    }

    @Test func aCacheWithoutAFolderStillMeasures() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("tone.wav")
        try ExternalTool.run("sox", ["-n", "-r", "48000", "-c", "1", path, "synth", "1", "sine", "440", "gain", "-20"])
        let withFolder = try LoudnessCache(directory: directory.file("cache")).loudness(ofFile: path)
        let cache = LoudnessCache(directory: nil)
        #expect(try cache.loudness(ofFile: path) == withFolder)
        #expect(try cache.loudness(ofFile: path) == withFolder)
        #expect(cache.measured == 2, "measured every time, kept nowhere")
    }
}
