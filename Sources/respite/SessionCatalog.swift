import FileAccess
import Foundation
import SessionKit

/// Finds Respite's bundled `Sessions/` and `Audio/` folders and the listener's own sessions, and resolves
/// session names.
///
/// A name is a path to a session file, else the id of a bundled session (`Sessions/ID.json`), else of one of
/// the listener's (`$XDG_DATA_HOME/respite/sessions/ID.json`). The bundled sessions come first: a file of the
/// listener's with a bundled session's id is never played by that id, and a warning says so.
struct SessionCatalog {
    /// The folder holding `Sessions/` and `Audio/`.
    let root: String
    /// The listener's own sessions: `$XDG_DATA_HOME/respite/sessions`, else
    /// `$HOME/.local/share/respite/sessions`; nil when no home folder is known.
    var userSessionsFolder: String? = SessionCatalog.userSessionsFolder()

    var sessionsFolder: String { root + "/Sessions" }
    var audioRoot: String { root + "/Audio" }

    /// `$RESPITE_HOME`, else the nearest folder above the executable that has `Sessions/`, else `share/respite`
    /// beside the executable's folder (`make install`: `/usr/local/bin` and `/usr/local/share/respite`), else the
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
        let installed = folder.deletingLastPathComponent().appendingPathComponent("share/respite").path
        while folder.path != "/" {
            if hasSessions(folder.path) { return SessionCatalog(root: folder.path) }
            folder = folder.deletingLastPathComponent()
        }
        if hasSessions(installed) { return SessionCatalog(root: installed) }
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

    /// The listener's session files (`*.json` in ``userSessionsFolder``), sorted by name, leaving out those named
    /// like a bundled session (see ``shadowWarnings()``).
    func userFiles() -> [String] {
        guard let folder = userSessionsFolder else { return [] }
        let bundled = Set(bundledFiles().map { ($0 as NSString).lastPathComponent })
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasSuffix(".json") && !bundled.contains($0) }.sorted().map { folder + "/" + $0 }
    }

    /// One warning for each of the listener's sessions that has a bundled session's id: which one plays.
    func shadowWarnings(only: String? = nil) -> [String] {
        guard let folder = userSessionsFolder else { return [] }
        return bundledFiles().compactMap { bundled in
            let name = (bundled as NSString).lastPathComponent
            let id = String(name.dropLast(5))
            guard only == nil || only == id, FileManager.default.fileExists(atPath: folder + "/" + name) else {
                return nil
            }
            return "warning: your session \(folder)/\(name) has the id of the bundled session '\(id)', so "
                + "`respite play \(id)` plays the bundled one. To play yours, rename its file (and its id), or "
                + "name it by its path."
        }
    }

    /// The file for `name`: a path to a file, the id of a bundled session, or the id of one of the listener's.
    func file(for name: String) throws(SessionNotFound) -> String {
        if FileManager.default.fileExists(atPath: name) { return name }
        if !name.contains("/") && !name.isEmpty && name != "." && name != ".." {
            let bundled = sessionsFolder + "/" + name + ".json"
            if FileManager.default.fileExists(atPath: bundled) { return bundled }
            if let folder = userSessionsFolder, FileManager.default.fileExists(atPath: folder + "/" + name + ".json") {
                return folder + "/" + name + ".json"
            }
        }
        let ids = (bundledFiles() + userFiles()).map {
            ($0 as NSString).lastPathComponent.replacingOccurrences(of: ".json", with: "")
        }
        throw SessionNotFound(name: name, known: ids, userFolder: userSessionsFolder)
    }

    /// Loads the session `name` names; warns first when the id is also one of the listener's sessions.
    func load(_ name: String) throws -> Session {
        let file = try file(for: name)
        if file.hasPrefix(sessionsFolder + "/") { shadowWarnings(only: name).forEach(report) }
        return try loader.load(contentsOf: file)
    }

    /// `sessions` in Respite's data folder (``UserDirectories``): `$XDG_DATA_HOME/respite/sessions`, else
    /// `~/.local/share/respite/sessions`; nil when no home folder is known.
    static func userSessionsFolder(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        UserDirectories.respite(.data, environment: environment).map { UserDirectories.join($0, "sessions") }
    }
}

/// A session name that is neither a file nor a bundled session.
struct SessionNotFound: Error, CustomStringConvertible {
    var name: String
    var known: [String]
    /// Where the listener's own sessions are looked for.
    var userFolder: String? = nil

    var description: String {
        // Said to a patient who mistyped a session's name: in their language.
        Interface.text.sessionNotFound(
            name, Suggestions.nearest(to: name, in: known, maximumDistance: 3), known.joined(separator: ", "),
            userFolder)
    }
}
