extension SessionLoader {
    /// Why a sound reference can't be used, in words for the person who wrote it.
    struct SoundProblem: Error, Equatable {
        var message: String
        var suggestion: String?
    }

    /// File name extensions of the formats Respite decodes (WAV, FLAC, Ogg Vorbis, Opus, MP3).
    static let audioExtensions: Set<String> = ["wav", "wave", "flac", "ogg", "oga", "opus", "mp3"]

    /// Parses and checks a sound reference: `builtin:NAME`, `audio:PATH` or a path relative to
    /// the session's folder; `none` when `allowNone` (the result is then `nil`).
    ///
    /// Paths must be relative, must not climb out of their root with `..`, must name a format
    /// Respite plays, and the file must exist (bundled files only when ``audioRoot`` is known).
    func checkSound(_ text: String, directory: String, allowNone: Bool) -> Result<SoundReference?, SoundProblem> {
        let kinds =
            "a sound is builtin:NAME, audio:FILE (a bundled sound) or a file path relative to the session's folder"
        if text.isEmpty {
            return .failure(SoundProblem(message: "the sound reference is empty", suggestion: kinds))
        }
        if text == "none" {
            if allowNone { return .success(nil) }
            return .failure(
                SoundProblem(
                    message: "'none' can't be used here",
                    suggestion: "name a sound; to have no music, leave out 'music'"))
        }
        if text.hasPrefix("builtin:") {
            let name = String(text.dropFirst("builtin:".count))
            if let sound = BuiltinSound(rawValue: name) { return .success(.builtin(sound)) }
            let names = BuiltinSound.allCases.map(\.rawValue)
            let suggestion =
                Suggestions.nearest(to: name, in: names).map { "did you mean 'builtin:\($0)'?" }
                ?? "built-in sounds: \(names.map { "builtin:\($0)" }.joined(separator: ", "))"
            return .failure(SoundProblem(message: "unknown built-in sound '\(name)'", suggestion: suggestion))
        }
        if text.hasPrefix("audio:") {
            let relative = String(text.dropFirst("audio:".count))
            switch Self.checkRelativePath(relative, written: text, root: "Respite's Audio folder") {
            case .failure(let problem):
                return .failure(problem)
            case .success(let normalized):
                if let audioRoot, let problem = checkFile(audioRoot, normalized) {
                    return .failure(
                        Self.soundProblem(
                            problem, what: "the bundled sound", written: text,
                            resolved: Self.join(audioRoot, normalized),
                            missingAdvice: "check the name against the files in Respite's Audio folder",
                            root: "Respite's Audio folder"))
                }
                return .success(.bundled(normalized))
            }
        }
        if let scheme = Self.scheme(of: text) {
            let suggestion = Suggestions.nearest(to: scheme, in: ["builtin:", "audio:"]).map {
                "did you mean '\($0)'?"
            }
            return .failure(
                SoundProblem(message: "unknown kind of sound '\(scheme)'", suggestion: suggestion ?? kinds))
        }
        switch Self.checkRelativePath(text, written: text, root: "the session's folder") {
        case .failure(let problem):
            return .failure(problem)
        case .success(let normalized):
            if let problem = checkFile(directory, normalized) {
                return .failure(
                    Self.soundProblem(
                        problem, what: "the sound file", written: text, resolved: Self.join(directory, normalized),
                        missingAdvice: "check the file name, and that the file is in the session's folder "
                            + "(paths are relative to it)",
                        root: "the session's folder"))
            }
            return .success(.file(normalized))
        }
    }

    /// The words for a sound file the file system refuses.
    static func soundProblem(
        _ problem: InputFileError, what: String, written: String, resolved: String, missingAdvice: String,
        root: String
    ) -> SoundProblem {
        switch problem.kind {
        case .missing:
            return SoundProblem(message: "\(what) '\(written)' was not found at \(resolved)", suggestion: missingAdvice)
        case .outsideRoot:
            return SoundProblem(
                message: "\(what) '\(written)' is a link that leads out of \(root): \(problem.message)",
                suggestion: "copy the file into \(root) instead of linking to it")
        case .notRegularFile:
            return SoundProblem(
                message: "'\(written)' is not an audio file: \(problem.message)",
                suggestion: "name a WAV, FLAC, Ogg or MP3 file")
        case .tooLarge, .invalidPath, .unreadable:
            return SoundProblem(
                message: "\(what) '\(written)' can't be used: \(problem.message)", suggestion: problem.suggestion)
        }
    }

    /// `builtin:` in `bultin:bell`: a leading word of two or more letters followed by ':'.
    static func scheme(of text: String) -> String? {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let word = text[..<colon]
        guard word.count >= 2, let first = word.first, first.isASCII, first.isLetter,
            word.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "+" || $0 == ".") })
        else { return nil }
        return String(word) + ":"
    }

    /// Checks a relative path and returns it without `.` and empty components and with inner
    /// `..` resolved; fails for absolute paths, backslashes, `..` that leaves the root, and
    /// formats Respite does not play.
    static func checkRelativePath(_ path: String, written: String, root: String) -> Result<String, SoundProblem> {
        let relativeAdvice = "write the path relative to \(root), e.g. narration/intro.flac"
        if path.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            return .failure(
                SoundProblem(
                    message:
                        "the path '\(written.debugDescription.dropFirst().dropLast())' contains a control character",
                    suggestion: "file names in sessions are plain text: remove the control character"))
        }
        if path.contains("\\") {
            return .failure(
                SoundProblem(
                    message: "the path '\(written)' contains '\\'", suggestion: "use '/' between folder names"))
        }
        let isDrive = path.count >= 2 && path.first?.isLetter == true && path.dropFirst().first == ":"
        if path.hasPrefix("/") || path.hasPrefix("~") || isDrive {
            return .failure(
                SoundProblem(
                    message: "'\(written)' is an absolute path; paths must be relative", suggestion: relativeAdvice))
        }
        var components: [Substring] = []
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            if component == "." { continue }
            if component == ".." {
                if components.isEmpty {
                    return .failure(
                        SoundProblem(
                            message: "the path '\(written)' climbs out of \(root) with '..'",
                            suggestion: "keep sound files inside \(root), and write their path from there"))
                }
                components.removeLast()
                continue
            }
            components.append(component)
        }
        guard let last = components.last else {
            return .failure(SoundProblem(message: "the path '\(written)' names no file", suggestion: relativeAdvice))
        }
        let nameParts = last.split(separator: ".")
        guard nameParts.count > 1, let fileExtension = nameParts.last,
            audioExtensions.contains(fileExtension.lowercased())
        else {
            return .failure(
                SoundProblem(
                    message: "'\(written)' is not a kind of audio file Respite plays",
                    suggestion: "use a WAV, FLAC, Ogg Vorbis, Opus or MP3 file (.wav, .flac, .ogg, .opus, .mp3)"))
        }
        return .success(components.joined(separator: "/"))
    }
}
