import Foundation
import SessionKit

/// A large session written in code: about an hour and several hundred steps, using every feature of
/// the format a long session would (named blocks using other blocks, `repeat`, two rounds of
/// 16-group progressive muscle relaxation, paced breathing with both pacers, five guided-imagery
/// scenes, silences with cues, bells, recorded narration, a looping music bed from a file).
///
/// Every narration has its own text where a therapist would write one, so the compiler sees a few
/// hundred distinct speech clips; text inside repeated blocks repeats, as it does in real sessions.
/// ``write(to:)`` puts the session file and empty stand-ins for the audio files it names into a
/// folder (the loader checks that they exist; their lengths come from ``lengths(for:)``, as if
/// already decoded), so nothing needs synthesising or decoding.
enum LargeSession {
    /// Engine rate of the compiled timeline, Hz.
    static let rate = 48_000

    /// The muscle groups of the 16-group protocol, in the order they are relaxed.
    static let groups = [
        "right-hand", "right-forearm", "right-upper-arm", "left-hand", "left-forearm", "left-upper-arm", "forehead",
        "eyes-and-cheeks", "jaw", "neck", "shoulders", "chest", "abdomen", "right-leg", "left-leg", "feet",
    ]

    /// Files the session names, relative to its folder.
    static let recordedIntro = (1...2).map { "narration/intro-\($0).flac" }
    static let recordedBreath = "narration/breath-intro.flac"
    static let releaseBowl = "cues/release-bowl.wav"
    static let softChime = "cues/soft-chime.wav"
    static let musicBed = "music/evening-bed.ogg"

    /// Guided-imagery scenes, and steps in each before its closing bell (every sixth a silence).
    static let scenes = 5
    static let linesPerScene = 30

    /// The recording of a scene's line (every seventh line has one).
    static func recordedScene(_ scene: Int, _ line: Int) -> String { "narration/scene-\(scene)-\(line).flac" }

    /// Every audio file the session names.
    static var files: [String] {
        var files = recordedIntro + [recordedBreath, releaseBowl, softChime, musicBed]
        for scene in 1...scenes {
            for line in 0..<linesPerScene where line % 7 == 0 { files.append(recordedScene(scene, line)) }
        }
        return files
    }

    /// Writes `session.json` and the audio stand-ins into `folder` (created if needed); returns the
    /// session file's path.
    static func write(to folder: URL) throws -> String {
        let manager = FileManager.default
        for file in files {
            let url = folder.appendingPathComponent(file)
            try manager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data().write(to: url)
        }
        let path = folder.appendingPathComponent("session.json")
        try Data(json().utf8).write(to: path)
        return path.path
    }

    /// Frames at ``rate`` for every media the compiler asks for: speech at 140 words a minute plus
    /// 0.3 s, recorded narration 7 s, file cues 2.5 s, the music bed 96 s.
    static func lengths(for session: Session) -> [Media: Int] {
        var lengths: [Media: Int] = [:]
        for media in Compiler.media(for: session, parameters: session.parameters) {
            let seconds: Double
            switch media {
            case .speech(let text, let voice):
                let words = text.split(separator: " ").count
                seconds = Double(words) * 60 / voice.rate + 0.3
            case .file(let reference):
                let name = reference.description
                seconds = name.contains("narration/") ? 7 : name.contains("music/") ? 96 : 2.5
            }
            lengths[media] = Int(seconds * Double(rate))
        }
        return lengths
    }

    // MARK: - The JSON

    /// The session file's text.
    static func json() -> String {
        var blocks: [(String, [String])] = []
        blocks.append(("pmr-upper", groups.indices.prefix(8).map(pmr)))
        blocks.append(("pmr-lower", groups.indices.suffix(8).map(pmr)))
        blocks.append(
            (
                "pmr-round",
                [
                    narration("We will move slowly through the body, one group of muscles at a time.", pause: 2),
                    step(["type": str("block"), "use": str("pmr-upper")]),
                    step([
                        "type": str("breathing"), "inhale": "4", "exhale": "6", "cycles": "3", "pacer": str("swell"),
                        "text": str("Before we go on, take three slow breaths with the sound."),
                    ]),
                    step(["type": str("block"), "use": str("pmr-lower")]),
                    step(["type": str("silence"), "seconds": "10", "cues": cues([(5, "builtin:bowl", -12)])]),
                ]
            ))
        blocks.append(
            (
                "breath-set",
                [
                    narration("Let the breath find its own slow rhythm.", audio: recordedBreath, pause: 1),
                    step([
                        "type": str("breathing"), "inhale": "4", "hold": "1", "exhale": "5", "rest": "1", "cycles": "5",
                        "pacer": str("chime"),
                    ]),
                ]
            ))
        blocks.append(
            (
                "interlude",
                [
                    step([
                        "type": str("silence"), "seconds": "8",
                        "cues": cues([(2, "builtin:bowl", -12), (6, softChime, -10)]),
                    ]),
                    narration("Rest here for a moment, with nothing to do.", pause: 2),
                ]
            ))
        for scene in 1...scenes {
            var lines: [String] = []
            for line in 0..<linesPerScene {
                if line % 6 == 5 {
                    lines.append(
                        step(["type": str("silence"), "seconds": "4", "cues": cues([(2, "builtin:chime", -18)])]))
                } else {
                    lines.append(
                        narration(
                            imageryLine(scene, line), audio: line % 7 == 0 ? recordedScene(scene, line) : nil,
                            pause: Double(1 + line % 2), cue: line % 4 == 1 ? (1.5, "builtin:tone", -20) : nil))
                }
            }
            lines.append(step(["type": str("bell"), "sound": str("builtin:bell"), "gain": "-8", "seconds": "6"]))
            blocks.append(("scene-\(scene)", lines))
        }

        var steps: [String] = []
        for (index, text) in introLines.enumerated() {
            steps.append(narration(text, audio: index < recordedIntro.count ? recordedIntro[index] : nil, pause: 2))
        }
        steps.append(step(["type": str("bell"), "label": str("Beginning")]))
        steps.append(
            step(["type": str("block"), "use": str("pmr-round"), "repeat": "2", "label": str("Muscle relaxation")]))
        steps.append(
            step([
                "type": str("repeat"), "times": "6", "label": str("Breathing"),
                "steps": array([
                    step(["type": str("block"), "use": str("breath-set")]),
                    step(["type": str("block"), "use": str("interlude")]),
                ]),
            ]))
        for scene in 1...scenes {
            steps.append(step(["type": str("block"), "use": str("scene-\(scene)"), "label": str("Scene \(scene)")]))
        }
        steps.append(
            step([
                "type": str("repeat"), "times": "24", "label": str("Resting"),
                "steps": array([
                    narration("Let yourself rest in this calm, breathing easily.", pause: 1),
                    step(["type": str("silence"), "seconds": "6", "cues": cues([(3, "builtin:chime", -20)])]),
                    step(["type": str("breathing"), "inhale": "4", "exhale": "6", "cycles": "1"]),
                ]),
            ]))
        for text in closingLines { steps.append(narration(text, pause: 2)) }
        steps.append(step(["type": str("bell"), "label": str("End")]))

        let blockMembers = blocks.map { "\(str($0.0)): [\n" + $0.1.joined(separator: ",\n") + "\n]" }
        return """
            {
              "format": 1,
              "id": "benchmark-hour",
              "title": "An hour of rest",
              "description": "A long session for measuring how fast Respite loads and compiles.",
              "language": "en",
              "author": "Respite benchmarks",
              "version": "1.0.0",
              "tags": ["pmr", "breathing", "imagery", "long"],
              "protocol": {
                "name": "Progressive muscle relaxation, 16 groups, with paced breathing and guided imagery",
                "evidence": "not graded",
                
                "source": "ASCO–SIO integrative medicine for cancer pain guideline, 2022"
              },
              "safety": ["Stop if anything hurts or feels wrong.", "Tense gently; never to the point of pain."],
              "voice": { "rate": 140, "pitch": 40 },
              "parameters": { "pace": 1 },
              "music": { "source": \(str(musicBed)), "gain": -4, "loop": true, "fadeIn": 6, "fadeOut": 10, "duck": 10 },
              "blocks": {
            \(blockMembers.joined(separator: ",\n"))
              },
              "steps": [
            \(steps.joined(separator: ",\n"))
              ]
            }
            """
    }

    /// The opening narration, before the first bell.
    static let introLines = [
        "Welcome. Find a position that is comfortable for you, lying down or sitting.",
        "This session lasts about an hour. You can stop at any moment.",
        "Let your eyes close, or rest your gaze softly on one spot.",
        "Notice the places where your body is supported: your back, your legs, your head.",
        "There is nothing you need to do right now, and nowhere you need to be.",
        "If a thought comes, let it pass like a cloud, and come back to the sound of my voice.",
        "Notice your breath, without changing it. Just notice it coming and going.",
        "We will begin with the muscles, then the breath, then a few quiet places of the mind.",
    ]

    /// The closing narration, before the last bell.
    static let closingLines = [
        "In a moment we will come back, slowly and gently.",
        "Begin to notice the room around you, the sounds, the air on your skin.",
        "Move your fingers and toes a little, whenever you are ready.",
        "Take a deeper breath, and stretch if you would like to.",
        "When you are ready, open your eyes.",
        "Thank you for taking this time for yourself.",
    ]

    /// Where each imagery scene takes place, and what the listener notices there.
    static let places = [
        "a quiet beach", "a morning meadow", "a forest path", "a lake at dusk", "a warm garden", "a mountain hut",
    ]
    static let senses = [
        "the light is soft and golden", "a gentle breeze moves past you", "the air smells of rain and grass",
        "you hear water somewhere close by", "the ground is warm and steady beneath you", "birds call far away",
        "everything moves slowly here", "you can rest as long as you like",
    ]

    /// A distinct line of guided imagery, 11 to 22 words long.
    static func imageryLine(_ scene: Int, _ line: Int) -> String {
        let place = places[(scene - 1) % places.count]
        let first = senses[(scene + line) % senses.count]
        let second = senses[(scene * 3 + line * 5 + 1) % senses.count]
        var text = "In \(place), step \(line + 1): notice that \(first)."
        if line % 2 == 0 { text += " And as you breathe out, \(second)." }
        return text
    }

    /// A PMR step for group `index`; every fourth releases on a recorded bowl, every fifth has a soft cue.
    static func pmr(_ index: Int) -> String {
        let words = groups[index].replacingOccurrences(of: "-", with: " ")
        var members = [
            "type": str("pmr"), "group": str(groups[index]),
            "prepare": str(
                "Bring your attention to your \(words). When you are ready, tense the muscles there gently, "
                    + "about half as hard as you could, and hold."),
            "tense": String(5 + index % 3),
            "releaseCue": str(index % 4 == 3 ? releaseBowl : "builtin:chime"),
            "release": str("And let go, all at once."),
            "relax": String(15 + (index % 3) * 5),
            "relaxText": str("Notice the difference in your \(words) as the tension drains away."),
            "rest": str("Rest your \(words) just as they are."),
        ]
        if index % 5 == 0 { members["cues"] = cues([(1, "builtin:tone", -18)]) }
        return step(members)
    }

    /// A narration step: synthesised from `text`, or played from the recording `audio`.
    static func narration(
        _ text: String, audio: String? = nil, pause: Double, cue: (Double, String, Double)? = nil
    ) -> String {
        var members = ["type": str("narration"), "text": str(text), "pause": number(pause)]
        if let audio { members["audio"] = str(audio) }
        if let cue { members["cues"] = cues([cue]) }
        return step(members)
    }

    /// A step object; members in a fixed order (`type` first) so the file is the same on every run.
    static func step(_ members: [String: String]) -> String {
        let sorted = members.sorted { ($0.key == "type" ? "" : $0.key) < ($1.key == "type" ? "" : $1.key) }
        return "{ " + sorted.map { "\(str($0.key)): \($0.value)" }.joined(separator: ", ") + " }"
    }

    /// A JSON array of values already written as JSON.
    static func array(_ items: [String]) -> String {
        "[" + items.joined(separator: ", ") + "]"
    }

    /// A step's `cues`: (at, sound, gain) each.
    static func cues(_ list: [(Double, String, Double)]) -> String {
        array(list.map { "{ \"at\": \(number($0.0)), \"sound\": \(str($0.1)), \"gain\": \(number($0.2)) }" })
    }

    /// A JSON number: whole numbers without a decimal point.
    static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    /// A JSON string literal.
    static func str(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default:
                if scalar.value < 0x20 {
                    out +=
                        "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                        + String(scalar.value, radix: 16)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
