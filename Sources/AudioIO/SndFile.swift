import CSndFile

/// The single place where libsndfile status codes become ``AudioFileError``s (STYLE.md #3).
enum SndFile {
    /// The formats the reader is expected to open, for error messages.
    static let readableFormats = "WAV, FLAC, Ogg Vorbis, Opus or MP3"

    /// libsndfile's text for the last error on `handle`, or for the last failed `sf_open` when `handle` is nil.
    static func lastErrorText(_ handle: OpaquePointer?) -> String {
        guard let text = sf_strerror(handle) else { return "unknown libsndfile error" }
        return String(cString: text)
    }

    /// libsndfile's text for a numeric error code, e.g. the result of `sf_close`.
    static func errorText(code: Int32) -> String {
        guard let text = sf_error_number(code) else { return "libsndfile error \(code)" }
        return String(cString: text)
    }

    /// Builds the error for a failed call on `handle` (nil for `sf_open`), with a suggestion fitting the call.
    static func error(
        call: String, path: String, handle: OpaquePointer?, suggestion: String? = nil
    ) -> AudioFileError {
        AudioFileError(
            call: call, path: path, message: lastErrorText(handle),
            suggestion: suggestion ?? defaultSuggestion(call: call))
    }

    /// Throws unless `code` is `SF_ERR_NO_ERROR` (zero).
    static func check(
        _ code: Int32, call: String, path: String, suggestion: String? = nil
    ) throws(AudioFileError) {
        guard code != 0 else { return }
        throw AudioFileError(
            call: call, path: path, message: errorText(code: code),
            suggestion: suggestion ?? defaultSuggestion(call: call))
    }

    private static func defaultSuggestion(call: String) -> String {
        switch call {
        case "sf_open(read)":
            return "Check that the file exists, is readable, and is \(readableFormats)."
        case "sf_open(write)":
            return "Check that the directory exists and is writable, and that the disk is not full."
        case "sf_writef_float", "sf_writef_short", "sf_close":
            return "Check free disk space and that the file system is writable."
        case "sf_seek":
            return "The file may be truncated or not seekable; re-encode it as WAV or FLAC."
        default:
            return "The file may be damaged; try re-encoding it as WAV or FLAC."
        }
    }

    /// libsndfile's name for a major or sub format code, e.g. "WAV (Microsoft)" or "Signed 24 bit PCM".
    static func formatName(_ format: Int32, command: Int32) -> String? {
        var info = SF_FORMAT_INFO(format: format, name: nil, extension: nil)
        let rc = sf_command(nil, command, &info, Int32(MemoryLayout<SF_FORMAT_INFO>.size))
        guard rc == 0, let name = info.name else { return nil }
        return String(cString: name)
    }
}
