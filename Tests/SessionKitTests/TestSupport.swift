import Foundation
import Testing

@testable import SessionKit

/// Shared fixtures: a loader with a fake file system, and the folder of bad sessions.
enum TestSupport {
    /// Files that "exist" for the fake file system.
    static let existingFiles: Set<String> = [
        "/sessions/narration/intro.flac",
        "/sessions/narration/breath.wav",
        "/audio/music/tide-pad.ogg",
    ]

    /// A loader whose bundled Audio folder is `/audio` and whose file system holds only ``existingFiles``.
    static let loader = SessionLoader(audioRoot: "/audio", fileExists: { existingFiles.contains($0) })

    static func load(_ text: String, file: String = "test.json") throws(SessionErrors) -> Session {
        try loader.load(bytes: Array(text.utf8), file: file, directory: "/sessions")
    }

    /// The errors loading `text` throws; an empty list when it loads.
    static func errors(_ text: String) -> [SessionError] {
        do {
            _ = try load(text)
            return []
        } catch {
            return error.errors
        }
    }

    static var corpusURL: URL? { Bundle.module.url(forResource: "Corpus", withExtension: nil) }

    /// Names (without `.json`) of the bad sessions in the corpus, sorted.
    static func corpusNames() -> [String] {
        guard let url = corpusURL,
            let files = try? FileManager.default.contentsOfDirectory(atPath: url.path)
        else { return [] }
        return files.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
    }

    /// The document example from docs/session-format.md, verbatim.
    static let docExample = """
        {
          "format": 1,
          "id": "hands-only",
          "title": "Hands and breath",
          "description": "A three-minute pause: one muscle group, a few slow breaths.",
          "language": "en",
          "author": "Respite team",
          "version": "1.0.0",
          "helpsWith": ["tension"],
          "protocol": {
            "name": "Abbreviated progressive muscle relaxation, one group",
            "source": "Bernstein & Borkovec 1973",
            "evidence": "not graded"
          },
          "safety": ["Stop if anything hurts or feels wrong."],
          "music": { "source": "builtin:drone", "gain": -20 },
          "steps": [
            { "type": "narration", "text": "Settle into a comfortable position.", "pause": 2 },
            { "type": "pmr", "group": "hands", "prepare": "In a moment, when I say now, gently make two fists.",
              "tense": 5, "relax": 30, "rest": "Let your hands rest.",
              "releaseOnly": { "text": "Notice your hands, and let them soften." } },
            { "type": "breathing", "inhale": 4, "exhale": 6, "cycles": 3, "pacer": "chime" },
            { "type": "bell" }
          ]
        }
        """

    /// A minimal valid session whose steps (JSON text, without the brackets) and extra top-level
    /// members (JSON text ending in a comma) are given.
    static func session(steps: String, extra: String = "") -> String {
        """
        {
          "format": 1, "id": "t", "title": "T", "description": "D", "language": "en", "author": "A",
          "version": "1", "protocol": {"name": "N", "evidence": "not graded",
          "source": "S"}, "safety": ["Stop if it hurts."],
          \(extra)
          "steps": [\(steps)]
        }
        """
    }
}
