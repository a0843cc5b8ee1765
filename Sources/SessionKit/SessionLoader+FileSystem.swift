// The only file in SessionKit that touches the file system.
@_exported import FileAccess
import Foundation

extension SessionLoader {
    /// Reads and loads a session file.
    ///
    /// The file's size is checked before it is read, and never more than ``maximumFileSize`` + 1
    /// bytes are read, so pointing Respite at a huge file fails at once.
    ///
    /// - Parameter path: the session file, absolute or relative to the current directory; errors
    ///   name it as given. Relative sound references resolve against its folder.
    /// - Throws: ``SessionErrors`` with every problem found, sorted by position.
    public func load(contentsOf path: String) throws(SessionErrors) -> Session {
        let bytes = try Self.readSessionFile(path)
        return try load(bytes: bytes, file: path, directory: Self.absoluteFolder(of: path))
    }

    /// The folder holding `path`, as an absolute path.
    static func absoluteFolder(of path: String) -> String {
        var folder: String
        if let slash = path.lastIndex(of: "/") {
            folder = String(path[..<slash])
            if folder.isEmpty { folder = "/" }
        } else {
            folder = "."
        }
        if !folder.hasPrefix("/") {
            let current = FileManager.default.currentDirectoryPath
            folder = folder == "." ? current : join(current, folder)
        }
        return folder
    }

    static func readSessionFile(_ path: String) throws(SessionErrors) -> [UInt8] {
        do {
            return try InputFile.read(path, maximumBytes: maximumFileSize)
        } catch {
            if error.kind == .tooLarge {
                var status = stat()
                let size = stat(path, &status) == 0 ? UInt64(max(0, status.st_size)) : UInt64(maximumFileSize + 1)
                throw SessionErrors([tooLargeError(file: path, size: size)])
            }
            let (message, suggestion): (String, String)
            switch error.kind {
            case .missing: (message, suggestion) = ("there is no file at this path", "check the file name and folder")
            case .notRegularFile:
                let what = error.message.replacingOccurrences(of: ", not a file", with: "")
                (message, suggestion) =
                    what == "this is a folder"
                    ? ("this is a folder, not a session file", "name the .json file inside it")
                    : ("\(what), not a session file", "name the session's .json file")
            default: (message, suggestion) = (error.message, error.suggestion)
            }
            throw SessionErrors([
                SessionError(file: error.path, path: "", line: 1, column: 1, message: message, suggestion: suggestion)
            ])
        }
    }

    /// Checks, on the file system, a sound file named relative to `root`: it must resolve (links followed)
    /// inside `root` and be a regular file that can be opened.
    ///
    /// - Returns: nil when the file can be used, else why not.
    public static let fileSystemCheck: SoundFileCheck = { root, relative in
        do throws(InputFileError) {
            let real = try InputFile.resolve(relative, inside: root)
            let descriptor = try InputFile.open(real)
            close(descriptor)
            return nil
        } catch {
            return error
        }
    }
}
