import Foundation
import SessionKit

/// Finds Respite's bundled `Sessions/` and `Audio/` folders and resolves session names.
struct SessionCatalog {
    /// The folder holding `Sessions/` and `Audio/`.
    let root: String

    var sessionsFolder: String { root + "/Sessions" }
    var audioRoot: String { root + "/Audio" }

    /// `$RESPITE_HOME`, else the nearest folder above the executable that has `Sessions/`, else the
    /// current directory's, else `/usr/share/respite`.
    static func locate() -> SessionCatalog {
        let manager = FileManager.default
        func hasSessions(_ folder: String) -> Bool {
            var isFolder: ObjCBool = false
            return manager.fileExists(atPath: folder + "/Sessions", isDirectory: &isFolder) && isFolder.boolValue
        }
        if let home = ProcessInfo.processInfo.environment["RESPITE_HOME"], !home.isEmpty {
            return SessionCatalog(root: home)
        }
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent()
        if let executable = Bundle.main.executableURL?.resolvingSymlinksInPath() {
            folder = executable.deletingLastPathComponent()
        }
        while folder.path != "/" {
            if hasSessions(folder.path) { return SessionCatalog(root: folder.path) }
            folder = folder.deletingLastPathComponent()
        }
        let cwd = manager.currentDirectoryPath
        if hasSessions(cwd) { return SessionCatalog(root: cwd) }
        return SessionCatalog(root: "/usr/share/respite")
    }

    var loader: SessionLoader { SessionLoader(audioRoot: audioRoot) }

    /// The bundled session files, sorted by name.
    func bundledFiles() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: sessionsFolder)) ?? []
        return names.filter { $0.hasSuffix(".json") && !$0.hasSuffix(".schema.json") }.sorted()
            .map { sessionsFolder + "/" + $0 }
    }

    /// The file for `name`: a path to a file, or the id of a bundled session.
    func file(for name: String) throws(SessionNotFound) -> String {
        if FileManager.default.fileExists(atPath: name) { return name }
        let bundled = sessionsFolder + "/" + name + ".json"
        if !name.contains("/"), FileManager.default.fileExists(atPath: bundled) { return bundled }
        let ids = bundledFiles().map { ($0 as NSString).lastPathComponent.replacingOccurrences(of: ".json", with: "") }
        throw SessionNotFound(name: name, known: ids)
    }

    func load(_ name: String) throws -> Session {
        try loader.load(contentsOf: try file(for: name))
    }
}

/// A session name that is neither a file nor a bundled session.
struct SessionNotFound: Error, CustomStringConvertible {
    var name: String
    var known: [String]

    var description: String {
        var text = "No session file or bundled session named '\(name)'."
        if let near = Suggestions.nearest(to: name, in: known, maximumDistance: 3) {
            text += " Did you mean '\(near)'?"
        }
        text += " Bundled sessions: \(known.joined(separator: ", ")). Run `respite list` to see them."
        return text
    }
}
