// The only file in SessionKit that touches the file system.
import Foundation

extension SessionLoader {
    /// True when a regular file (not a folder) exists at `path`.
    public static let fileSystemExists: @Sendable (String) -> Bool = { path in
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
    }

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
        func failure(_ message: String, _ suggestion: String? = nil) -> SessionErrors {
            SessionErrors([
                SessionError(file: path, path: "", line: 1, column: 1, message: message, suggestion: suggestion)
            ])
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw failure("there is no file at this path", "check the file name and folder")
        }
        if isDirectory.boolValue {
            throw failure("this is a folder, not a session file", "name the .json file inside it")
        }
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        if let size = (attributes?[.size] as? NSNumber)?.uint64Value, size > UInt64(maximumFileSize) {
            throw SessionErrors([tooLargeError(file: path, size: size)])
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw failure("the file can't be opened for reading", "check its permissions")
        }
        defer { try? handle.close() }
        let data: Data
        do {
            // One byte more than allowed tells a file that grew after the size check.
            data = try handle.read(upToCount: maximumFileSize + 1) ?? Data()
        } catch {
            throw failure("the file can't be read: \(error.localizedDescription)")
        }
        if data.count > maximumFileSize {
            throw SessionErrors([tooLargeError(file: path, size: UInt64(data.count))])
        }
        return [UInt8](data)
    }
}
