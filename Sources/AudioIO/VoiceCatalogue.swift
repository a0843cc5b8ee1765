import CEspeak
import FileAccess
import Foundation

/// espeak-ng's own list of voices and variants, against which every voice name is checked before it reaches
/// espeak-ng: only a name found here, in the spelling found here, is ever passed to `espeak_ng_SetVoiceByName`.
///
/// Thread safety: an immutable value; use anywhere.
struct VoiceCatalogue: Sendable {
    /// One voice file espeak-ng lists.
    struct Voice: Sendable {
        /// The file under espeak-ng's `voices/` or `lang/` folder, e.g. "gmw/en-US" or "mb/mb-en1".
        let identifier: String
        /// The voice's display name, e.g. "English (America)".
        let name: String
        /// The languages it speaks with espeak-ng's priority (lower is preferred), e.g. (2, "en-us").
        let languages: [(priority: Int, code: String)]

        /// MBROLA voices live in espeak-ng's `mb/` folder.
        var isMBROLA: Bool { identifier.hasPrefix("mb/") }
        /// The identifier's last part, e.g. "en-US": espeak-ng accepts it alone.
        var fileName: String { identifier.split(separator: "/").last.map(String.init) ?? identifier }
    }

    /// The standard voices and the MBROLA ones.
    let voices: [Voice]
    /// The variant files (`voices/!v/…`), e.g. "f3", "Alex".
    let variants: [String]

    /// Lists espeak-ng's voices: `espeak_ListVoices` for the standard ones, and with a voice spec of "mb" and of
    /// "variant" for the MBROLA voices and the variants, which the plain list leaves out.
    static func list(_ espeak: respite_espeak_library) -> VoiceCatalogue {
        // Each call frees the previous call's list, so each is copied out before the next.
        var voices = entries(espeak.ListVoices(nil))
        voices += entries(listing("mb", espeak)).filter(\.isMBROLA)
        let variants = entries(listing("variant", espeak)).compactMap { voice in
            voice.identifier.hasPrefix("!v/") ? String(voice.identifier.dropFirst(3)) : nil
        }
        return VoiceCatalogue(voices: voices, variants: variants)
    }

    private static func listing(
        _ language: String, _ espeak: respite_espeak_library
    ) -> UnsafeMutablePointer<UnsafePointer<espeak_VOICE>?>? {
        language.withCString { text in
            var spec = espeak_VOICE()
            spec.languages = text
            return espeak.ListVoices(&spec)
        }
    }

    private static func entries(_ list: UnsafeMutablePointer<UnsafePointer<espeak_VOICE>?>?) -> [Voice] {
        guard let list else { return [] }
        var result: [Voice] = []
        var index = 0
        while let voice = list[index] {
            index += 1
            guard let identifier = voice.pointee.identifier else { continue }
            var languages: [(Int, String)] = []
            // A list of (priority byte, NUL-terminated language) pairs, ended by a zero priority.
            if var entry = voice.pointee.languages {
                while case let priority = UInt8(bitPattern: entry.pointee), priority != 0 {
                    languages.append((Int(priority), String(cString: entry + 1)))
                    entry += 2 + strlen(entry + 1)
                }
            }
            result.append(
                Voice(
                    identifier: String(cString: identifier), name: voice.pointee.name.map { String(cString: $0) } ?? "",
                    languages: languages))
        }
        return result
    }

    /// The name to give espeak-ng for `requested`: a voice's identifier as listed, plus a listed variant.
    ///
    /// `requested` matches, ignoring case and in this order: a voice's name ("German"), its identifier
    /// ("gmw/en-US"), the identifier's last part ("en-US"), then a language code exactly ("en-gb"; the voice
    /// espeak-ng prefers for it). espeak-ng's own fallback matches languages by prefix, so a typo such as
    /// "no-such-voice" would quietly speak Norwegian; here it is an error.
    ///
    /// - Throws: ``SpeechError`` of kind `.unknownVoice` for a malformed name, a voice or variant espeak-ng does
    ///   not list; `.voiceNotAllowed` for an MBROLA voice when `allowMBROLA` is false.
    func resolve(_ requested: String, allowMBROLA: Bool) throws(SpeechError) -> String {
        let name = try VoiceCatalogue.checkShape(requested, allowMBROLA: allowMBROLA)
        let wanted = name.voice.lowercased()
        var found =
            voices.first { $0.name.lowercased() == wanted }
            ?? voices.first { $0.identifier.lowercased() == wanted }
            ?? voices.first { $0.fileName.lowercased() == wanted }
        if found == nil {
            // The preferred standard voice listing the language exactly; MBROLA voices need a separate program.
            var best: (priority: Int, voice: Voice)?
            for voice in voices where !voice.isMBROLA {
                for (priority, code) in voice.languages where code.lowercased() == wanted {
                    if priority < best?.priority ?? .max { best = (priority, voice) }
                }
            }
            found = best?.voice
        }
        guard let voice = found else {
            throw SpeechError(
                kind: .unknownVoice, call: "voice lookup",
                message: "espeak-ng has no voice or language named \(VoiceNameError.quoted(requested))",
                suggestion: suggestion(near: wanted))
        }
        if voice.isMBROLA && !allowMBROLA {
            throw Self.mbrolaRefused(requested)
        }
        var resolved = voice.identifier
        if let variant = name.variant {
            guard let listed = variants.first(where: { $0.lowercased() == variant.lowercased() }) else {
                let some = ["f3", "m3", "klatt", "whisper"].filter(variants.contains)
                throw SpeechError(
                    kind: .unknownVoice, call: "voice lookup",
                    message: "espeak-ng has no voice variant named \(VoiceNameError.quoted(variant))",
                    suggestion: "Use one of its variants after '+', e.g. "
                        + (some.isEmpty ? variants.prefix(4) : some[...]).map { "'\(name.voice)+\($0)'" }
                        .joined(separator: ", ")
                        + " (`espeak-ng --voices=variant` lists them all).")
            }
            resolved += "+" + listed
        }
        // espeak-ng copies the name into 40- and 60-byte buffers ("!v/" is added to the variant).
        guard resolved.utf8.count < 36 else {
            throw SpeechError(
                kind: .unknownVoice, call: "voice lookup",
                message: "the voice \(VoiceNameError.quoted(resolved)) is too long for espeak-ng",
                suggestion: "Choose a voice or variant with a shorter name.")
        }
        return resolved
    }

    /// Checks `requested` against ``VoiceName``'s rule and the MBROLA policy; no espeak-ng needed.
    static func checkShape(_ requested: String, allowMBROLA: Bool) throws(SpeechError) -> VoiceName {
        let name: VoiceName
        do {
            name = try VoiceName(requested)
        } catch {
            throw SpeechError(
                kind: .unknownVoice, call: "voice lookup", message: error.description,
                suggestion: "Write it as \(VoiceNameError.rule.replacingOccurrences(of: "a voice name is ", with: ""))."
            )
        }
        if name.isMBROLA && !allowMBROLA { throw mbrolaRefused(requested) }
        return name
    }

    private static func mbrolaRefused(_ requested: String) -> SpeechError {
        SpeechError(
            kind: .voiceNotAllowed, call: "voice lookup",
            message: "\(VoiceNameError.quoted(requested)) is an MBROLA voice: espeak-ng speaks it by running whichever "
                + "`mbrola` program is first on PATH, which Respite does not do unless configured to",
            suggestion: "Use a standard espeak-ng voice such as 'en-gb' or 'en-us', or allow MBROLA voices in "
                + "Respite's configuration.")
    }

    /// A few listed voices close to `wanted`, for the message.
    private func suggestion(near wanted: String) -> String {
        // Voices of the same language first (by the code before the first '-'), then any sharing two letters.
        let primary = String(wanted.prefix { $0 != "-" && $0 != "_" })
        let same = voices.filter { voice in
            !voice.isMBROLA
                && (voice.fileName.lowercased().prefix { $0 != "-" } == primary
                    || voice.languages.contains { $0.code.lowercased().prefix { $0 != "-" } == primary })
        }.map(\.fileName)
        let prefix = String(wanted.prefix(2))
        let close = voices.filter { !$0.isMBROLA && $0.fileName.lowercased().hasPrefix(prefix) }.map(\.fileName)
        let found = same.isEmpty ? close : same
        guard !found.isEmpty else {
            return "Use a language espeak-ng speaks; Respite's own words are in 'en-us', 'es-419' and 'zh' "
                + "(`respite voices` lists every voice)."
        }
        return "Use a voice espeak-ng lists, e.g. " + found.prefix(5).map { "'\($0)'" }.joined(separator: ", ")
            + " (`respite voices` lists them all)."
    }
}
