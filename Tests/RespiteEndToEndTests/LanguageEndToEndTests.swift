import AudioIO
import Foundation
import Localization
import SessionKit
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A patient who reads Spanish or Chinese: every word the player shows comes from their language's table, and
/// the bundled sessions in other languages play at the programme's loudness.
@Suite(.serialized) struct LanguageEndToEndTests {
    /// The bundled sessions not in English, by id.
    static let ids: [String] = {
        let folder = Respite.repository + "/Sessions"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasSuffix(".json") && !$0.hasSuffix(".schema.json") }.sorted().compactMap { name in
            guard let data = FileManager.default.contents(atPath: folder + "/" + name),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let language = object["language"] as? String, Language(tag: language) != .english
            else { return nil }
            return String(name.dropLast(5))
        }
    }()

    static func session(_ id: String) throws -> [String: Any] {
        let data = try #require(FileManager.default.contents(atPath: Respite.repository + "/Sessions/\(id).json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// English words of the player's own: any of them in a Spanish screen is a string the tables missed.
    static let englishInterfaceWords = [
        "Before you begin", "Evidence", "Step ", " of ", "says:", "breathe in", "breathe out", "breath ",
        "paused", "resumed", "Stopping", "The session has ended", "Take a moment", "If you are in crisis",
        "This session lets you choose", "Getting the session ready", "note:", "Did you mean", "Run ", "run ",
        "Continuing",
    ]

    @Test func theLibraryHasSpanishAndChineseSessions() {
        #expect(Self.ids.count >= 5, "\(Self.ids)")
    }

    static let spanish = ["LANG": "es_ES.UTF-8", "LC_ALL": "", "LC_MESSAGES": "", "LANGUAGE": ""]

    /// No English line in what a Spanish-reading patient sees: a breathing session, a muscle relaxation session
    /// (its tense and relax phases), a mistyped name, a step past the end, and a run resumed from the history.
    @Test func plainOutputUnderASpanishLocaleHasNoEnglishInterfaceWords() throws {
        let folder = try Respite.temporaryFolder()
        let database = folder + "/history.sqlite"
        let breathing = try Respite.run(
            ["play", "respiracion-lenta", "--device", "null", "--plain", "--no-ratings"], environment: Self.spanish)
        #expect(breathing.status == 0, "\(breathing.stderr)")
        #expect(breathing.stdout.contains("Antes de empezar:"), "\(breathing.stdout.prefix(600))")
        #expect(breathing.stdout.contains("paso 2 de 14") && breathing.stdout.contains("inhale, respiración 1 de"))
        #expect(breathing.stdout.contains("La sesión ha terminado."))
        let muscles = try Respite.run(
            [
                "play", "relajacion-muscular", "--device", "null", "--plain", "--from", "12", "--history", database,
                "--before", "pain=5", "--after", "pain=3",
            ], environment: Self.spanish)
        #expect(muscles.status == 0, "\(muscles.stderr)")
        #expect(muscles.stdout.contains(" tensar\n") && muscles.stdout.contains(" relajarse\n"), "\(muscles.stdout)")
        let mistyped = try Respite.run(["play", "relajacion-muscula"], environment: Self.spanish)
        #expect(mistyped.status != 0 && mistyped.stderr.contains("¿Quiso decir 'relajacion-muscular'?"))
        let past = try Respite.run(
            ["play", "respiracion-lenta", "--device", "null", "--from", "99"], environment: Self.spanish)
        #expect(past.status != 0 && past.stderr.contains("la sesión tiene los pasos 1…14"), "\(past.stderr)")
        #expect(!past.stdout.contains("Antes de empezar"), "said before the introduction")
        let resumed = try Respite.run(
            ["resume", "1", "--device", "null", "--plain", "--history", database], environment: Self.spanish)
        #expect(resumed.stdout.contains("se reprodujo hasta el final"), "\(resumed.stdout) \(resumed.stderr)")
        let outputs = [breathing, muscles, mistyped, past, resumed].map { $0.stdout + $0.stderr }.joined()
        // The table's phrases of a few letters ("tense") are Spanish words too; the list above has the short ones.
        for phrase in InterfaceText.english.fixedPhrases.filter({ $0.count >= 8 }) + Self.englishInterfaceWords {
            let lines = outputs.split(separator: "\n").filter { $0.contains(phrase) }
            #expect(lines.isEmpty, "English \"\(phrase)\" in: \(lines.prefix(2))")
        }
    }

    @Test func theHistoryTableIsInTheInterfacesLanguage() throws {
        let folder = try Respite.temporaryFolder()
        let database = folder + "/history.sqlite"
        let played = try Respite.run([
            "play", "breathing-paced", "--device", "null", "--plain", "--from", "13", "--history", database,
            "--before", "pain=6,anxiety=4", "--after", "pain=3,anxiety=4",
        ])
        #expect(played.status == 0, "\(played.stderr)")
        let table = try Respite.run(["history", "--history", database], environment: ["LANG": "es_US.UTF-8"])
        #expect(table.status == 0, "\(table.stderr)")
        for words in ["inicio", "cómo terminó", "Dolor", "Ansiedad", "terminada", "6 → 3", "antes → después"] {
            #expect(table.stdout.contains(words), "\(words): \(table.stdout)")
        }
        let chinese = try Respite.run(["history", "--history", database, "--chart", "--plain", "--lang", "zh"])
        #expect(chinese.stdout.contains("疼痛 (0 = 不痛") && chinese.stdout.contains("之前"), "\(chinese.stdout)")
        for english in ["how it ended", "finished", "Pain", "before", "started"] {
            #expect(!table.stdout.contains(english) && !chinese.stdout.contains(english), "\(english)")
        }
    }

    @Test func theLanguageOptionWinsOverTheLocaleAndAnUnknownOneIsRefused() throws {
        let played = try Respite.run(
            ["play", "breathing-paced", "--device", "null", "--plain", "--no-ratings", "--from", "13", "--lang", "es"],
            environment: ["LANG": "en_US.UTF-8"])
        #expect(played.status == 0, "\(played.stderr)")
        #expect(played.stdout.contains("Antes de empezar:") && played.stdout.contains("llame al 988 y marque 2"))
        let refused = try Respite.run(["play", "breathing-paced", "--device", "null", "--lang", "vi"])
        #expect(refused.status == 64, "\(refused.stderr)")
        #expect(refused.stderr.contains("--lang vi") && refused.stderr.contains("es (Español)"), "\(refused.stderr)")
    }

    /// A session in a language no installed voice speaks stops before anything is shown or played, at the line
    /// and column of its `language`, naming the voices of that language there are.
    @Test func aLanguageNoVoiceSpeaksIsALocatedErrorBeforeAnythingPlays() throws {
        var session = try Self.session("respiracion-lenta")
        session["language"] = "es-zz"
        var voice = try #require(session["voice"] as? [String: Any])
        voice["name"] = nil
        session["voice"] = voice
        let folder = try Respite.temporaryFolder()
        let path = folder + "/es-zz.json"
        try JSONSerialization.data(withJSONObject: session, options: [.prettyPrinted]).write(
            to: URL(fileURLWithPath: path))
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let line = try #require(
            text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex {
                $0.contains("\"language\"")
            })
        for command in [["validate", path], ["play", path, "--device", "null", "--plain", "--no-ratings"]] {
            let result = try Respite.run(command)
            #expect(result.status == 65, "\(command[0]): \(result.stderr)")
            #expect(result.stderr.contains("es-zz.json:\(line + 1):"), "\(command[0]): \(result.stderr)")
            #expect(result.stderr.contains("'es-419'"), "voices that would work: \(result.stderr)")
            #expect(!result.stdout.contains("Respiración lenta"), "nothing shown before the error")
        }
    }

    /// The timeline's transcript of each non-English session, at its defaults and at every way of playing it,
    /// carries none of the engine's English phrases.
    @Test(arguments: ids)
    func transcriptHasNoEnglishEnginePhrases(_ id: String) throws {
        let english = SpokenPhrases.english
        // The fixed phrases, and the words before the figures in the transcript's lines ("tense gently, 5 s").
        let stem = { (line: String) in String(line.prefix { $0 != "," && !$0.isNumber }) }
        let phrases = [
            english.now, english.release, english.narrationTitle, english.silenceTitle, english.bellTitle,
            english.breathingTitle, stem(english.stepTitle(1)), stem(english.tenseFor("5")),
            stem(english.relaxFor("5")), stem(english.silenceFor("5")), stem(english.breath(1, 2, "4", "2", "6")),
        ]
        for settings in [[], ["--set", "releaseOnly=true"], ["--set", "gentleBreathing=true"]] {
            let result = try Respite.run(["timeline", id, "--json"] + settings)
            #expect(result.status == 0, "\(id) \(settings): \(result.stderr)")
            let document = try #require(
                try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            let events = try #require(document["events"] as? [[String: Any]])
            #expect(events.count > 10, "\(id): \(result.stdout.prefix(300))")
            // What is said and shown of each event: its words, and its step's title.
            let transcript = events.flatMap { [$0["text"] as? String ?? "", $0["stepTitle"] as? String ?? ""] }
            for phrase in phrases {
                let found = transcript.filter { $0.contains(phrase) }
                #expect(found.isEmpty, "\(id) \(settings): English \"\(phrase)\": \(found.prefix(2))")
            }
        }
    }

    /// Rendered as a patient takes it home: at the -23 LUFS programme target, under the -1 dBTP ceiling.
    @Test(arguments: ids)
    func eachRendersAtTheProgrammeLoudness(_ id: String) throws {
        let folder = try Respite.temporaryFolder()
        let output = folder + "/\(id).wav"
        let render = try Respite.run(["render", id, "-o", output])
        #expect(render.status == 0, "\(render.stderr)")
        let (integrated, truePeak) = try RenderLoudnessTests().measure(output)
        #expect(abs(integrated - -23) <= 1, "\(id): \(integrated) LUFS, target -23")
        #expect(truePeak <= -1, "\(id): true peak \(truePeak) dBTP over the -1 dBTP ceiling")
        let clicks = try Self.clicks(in: output)
        #expect(clicks.isEmpty, "\(id): clicks at \(clicks.prefix(5).map { "\(Double($0) / 48_000) s" })")
    }

    /// The click finder finds a cut in a tone, and nothing in the same tone faded out.
    @Test func theClickFinderFindsACutAndPassesAFade() throws {
        let folder = try Respite.temporaryFolder()
        func write(_ name: String, _ gain: (Int) -> Float) throws -> String {
            let path = folder + "/\(name).wav"
            let writer = try AudioFileWriter(path: path, sampleRate: 48_000, channels: 2)
            var samples: [Float] = []
            for frame in 0..<48_000 {
                let value = gain(frame) * 0.3 * Float(sin(2 * Double.pi * 440 * Double(frame) / 48_000))
                samples += [value, value]
            }
            try samples.withUnsafeBufferPointer { try writer.write(interleaved: $0.baseAddress!, frames: 48_000) }
            try writer.close()
            return path
        }
        // A cut at a quarter of the way through a period, where the tone is at its height.
        let cut = try write("cut", { $0 < 24_000 + 27 ? 1 : 0 })
        #expect(try Self.clicks(in: cut) == [24_027])
        let faded = try write("faded", { $0 < 24_000 ? 1 : max(0, 1 - Float($0 - 24_000) / 480) })
        #expect(try Self.clicks(in: faded).isEmpty)
    }

    /// Frames where the sound jumps: one sample-to-sample step over 0.02 (-34 dBFS) and over four times every
    /// other step in the 5 ms around it. A cut, a missing fade or a dropped block makes one;
    /// speech, bells and music rise over many samples.
    static func clicks(in path: String) throws -> [Int] {
        let reader = try AudioFileReader(path: path)
        let interleaved = try reader.readAll()
        let channels = reader.channels
        let frames = interleaved.count / channels
        guard frames > 1 else { return [] }
        // Steps of the left channel, and their maxima over chunks of 8: the context is read chunk by chunk.
        var steps = [Float](repeating: 0, count: frames)
        var chunks = [Float](repeating: 0, count: frames / 8 + 1)
        interleaved.withUnsafeBufferPointer { samples in
            steps.withUnsafeMutableBufferPointer { steps in
                chunks.withUnsafeMutableBufferPointer { chunks in
                    for frame in 1..<frames {
                        let step = abs(samples[frame * channels] - samples[(frame - 1) * channels])
                        steps[frame] = step
                        if step > chunks[frame / 8] { chunks[frame / 8] = step }
                    }
                }
            }
        }
        var found: [Int] = []
        steps.withUnsafeBufferPointer { steps in
            chunks.withUnsafeBufferPointer { chunks in
                for frame in 1..<frames where steps[frame] > 0.02 {
                    // The steps from 3 to 16 samples away one by one, the rest of the 5 ms by chunk.
                    var around: Float = 0
                    for other in max(1, frame - 16)...min(frames - 1, frame + 16)
                    where abs(other - frame) > 2 && steps[other] > around {
                        around = steps[other]
                    }
                    let chunk = frame / 8
                    for other in max(0, chunk - 30)...min(chunks.count - 1, chunk + 30)
                    where abs(other - chunk) > 2 && chunks[other] > around {
                        around = chunks[other]
                    }
                    if steps[frame] > 4 * around { found.append(frame) }
                }
            }
        }
        return found
    }

    /// Chinese captions on a 40-column terminal: wrapped between characters (there are no spaces) by display
    /// width (each character takes two columns), every row filled, no row starting with closing punctuation, and
    /// nothing left for the terminal to wrap.
    @Test func chineseCaptionsWrapAtFortyColumns() throws {
        let server = try SoundServer()
        var environment = server.respiteEnvironment
        environment["LANG"] = "zh_CN.UTF-8"
        let steps = try #require(try Self.session("huxi-fangsong")["steps"] as? [[String: Any]])
        let text = try #require(steps[1]["text"] as? String)
        let session = try PseudoTerminalSession(
            ["play", "huxi-fangsong", "--device", "respite_capture", "--from", "2", "--yes", "--no-ratings"],
            environment: environment, columns: 40, rows: 30)
        defer {
            kill(session.pid, SIGTERM)
            _ = session.wait()
        }
        #expect(session.waitFor("空格键暂停", seconds: 180), "the panel: \(session.output.suffix(300))")
        #expect(session.waitFor("“" + String(text.prefix(3)), seconds: 30), "\(session.output.suffix(300))")
        usleep(300_000)
        let model = session.screenModel()
        let frame = try #require(model.frames.last(where: { $0.contains { $0.hasPrefix("  “") } }), "no caption")
        for row in frame {
            #expect(DisplayText.columns(row) <= 39, "a row the terminal would wrap: \(row)")
        }
        let first = try #require(frame.firstIndex { $0.hasPrefix("  “") })
        let last = try #require(frame[first...].firstIndex { $0.contains("”") })
        let rows = frame[first...last].map { String($0.dropFirst(2)) }
        #expect(rows.joined() == "“" + text + "”", "every character, in order: \(rows)")
        #expect(rows.count >= 3)
        for row in rows.dropLast() {
            // 37 columns for the words; a character kept with its punctuation may leave up to 3 free.
            #expect(DisplayText.columns(row) >= 34, "a short row: \(row)")
        }
        for row in rows.dropFirst() {
            #expect(!"，。、！？；：”".contains(row.first ?? " "), "a row starting with punctuation: \(row)")
        }
    }
}
