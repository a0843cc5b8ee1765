import Dispatch
import Foundation
import Testing

@testable import AudioIO

/// The long-lived engine process, driven through stand-ins for `piper` that follow its protocol (a line in, a WAV
/// file and a `Wrote PATH` line out) or break it. The stand-in that works speaks with espeak-ng's command line, so
/// what comes back is speech.
@Suite(.serialized) struct PiperProcessTests {
    /// A voices folder with one model, and a stand-in program with `body` as its loop over input lines.
    struct StandIn {
        let directory: TemporaryDirectory
        let voices: PiperVoices
        let starts: String

        init(_ body: String) throws {
            directory = try TemporaryDirectory()
            starts = directory.file("starts")
            let program = directory.file("piper")
            // Piper's arguments: --model M --config C --output-dir D --length-scale L ...; D is the 6th.
            let script = """
                #!/bin/bash
                echo started >> '\(starts)'
                dir="$6"
                \(body)
                """
            FileManager.default.createFile(
                atPath: program, contents: Data(script.utf8), attributes: [.posixPermissions: 0o755])
            let folder = try PiperVoicesTests.folder(directory, "voices", models: ["en_US-test-medium"])
            voices = PiperVoices.installed(environment: ["RESPITE_PIPER": program, "RESPITE_VOICES": folder])
        }

        var startCount: Int {
            ((try? String(contentsOfFile: starts, encoding: .utf8)) ?? "").split(separator: "\n").count
        }

        func synthesizer() throws -> SpeechSynthesizer {
            try SpeechSynthesizer(cacheDirectory: directory.file("speech"), piper: voices)
        }
    }

    static let speaking = """
        n=0
        while IFS= read -r line; do
            echo "$line" >> "$(dirname "$0")/lines"
            n=$((n + 1)); f="$dir/$n.wav"
            espeak-ng -v en-us -w "$f" -- "$line"
            echo "INFO:__main__:Wrote $f" >&2
        done
        """

    @Test func oneProcessSpeaksEveryClipAndIsOutOfTheTerminalsWay() throws {
        let standIn = try StandIn(Self.speaking)
        let synthesizer = try standIn.synthesizer()
        let texts = ["Let your shoulders soften.", "Breathe in, slowly.", "And rest here, for a while."]
        for text in texts {
            let clip = try synthesizer.clip(
                text: text, voice: .piper("en_US-test-medium"), wordsPerMinute: 135, pitch: 40)
            #expect(clip.synthesised)
            let samples = try AudioFileReader(path: clip.path).readAll()
            #expect(SpeechShape(samples, sampleRate: clip.sampleRate).isSpeech, "\(text)")
        }
        #expect(standIn.startCount == 1)
        // A line break in the text is read as a space, never as a second request.
        let clip = try synthesizer.clip(
            text: "Two lines\nbecome one\r\nrequest.", voice: .piper("en_US-test-medium"), wordsPerMinute: 135,
            pitch: 40)
        #expect(clip.synthesised)
        let again = try synthesizer.clip(
            text: "Let your shoulders soften.", voice: .piper("en_US-test-medium"), wordsPerMinute: 135, pitch: 40)
        #expect(!again.synthesised)
        #expect(standIn.startCount == 1)
        PiperEngine.shared.closeAll()
    }

    @Test func aProcessThatDiesIsReportedWithItsLastWordsAndReplaced() throws {
        let standIn = try StandIn(
            """
            IFS= read -r line
            echo "Traceback (most recent call last):" >&2
            echo "RuntimeError: the model could not be loaded" >&2
            exit 3
            """)
        let synthesizer = try standIn.synthesizer()
        for attempt in 1...2 {
            let error = #expect(throws: SpeechError.self) {
                try synthesizer.clip(text: "Rest.", voice: .piper("en_US-test-medium"), wordsPerMinute: 135, pitch: 40)
            }
            #expect(error?.kind == .engine)
            #expect(
                error?.message.contains("RuntimeError: the model could not be loaded") == true,
                "\(String(describing: error))")
            #expect(error?.message.contains("status 3") == true, "\(String(describing: error))")
            #expect(standIn.startCount == attempt)
        }
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: standIn.directory.file("speech"))) ?? []
        #expect(leftovers.filter { $0.hasSuffix(".wav") }.isEmpty, "\(leftovers)")
    }

    @Test func aPathOutsideItsFolderIsNeverRead() throws {
        let standIn = try StandIn(
            """
            IFS= read -r line
            echo "INFO:__main__:Wrote /etc/passwd" >&2
            echo "INFO:__main__:Wrote $dir/../../etc/passwd.wav" >&2
            exit 0
            """)
        let synthesizer = try standIn.synthesizer()
        let error = #expect(throws: SpeechError.self) {
            try synthesizer.clip(text: "Rest.", voice: .piper("en_US-test-medium"), wordsPerMinute: 135, pitch: 40)
        }
        #expect(error?.kind == .engine)
        #expect(error?.message.contains("ended") == true, "\(String(describing: error))")
    }

    @Test func textWithNothingToSayNeverReachesTheEngine() throws {
        let standIn = try StandIn(Self.speaking)
        let synthesizer = try standIn.synthesizer()
        let error = #expect(throws: SpeechError.self) {
            try synthesizer.clip(text: "… — !", voice: .piper("en_US-test-medium"), wordsPerMinute: 135, pitch: 40)
        }
        #expect(error?.kind == .silentText)
        #expect(standIn.startCount == 0)
    }

    @Test func theEngineRunsInItsOwnProcessGroupAtALowerPriority() throws {
        let process = try PiperProcess(program: "/bin/sleep") { _ in ["30"] }
        defer { process.close(grace: .zero) }
        #expect(getpgid(process.pid) == process.pid)
        errno = 0
        let nice = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(process.pid))
        #expect(nice >= 10)
    }

    @Test func theLengthScaleFollowsTheRate() {
        let slow = PiperEngine.lengthScale(forWordsPerMinute: 110)
        let calm = PiperEngine.lengthScale(forWordsPerMinute: 135)
        let brisk = PiperEngine.lengthScale(forWordsPerMinute: 180)
        #expect(slow > calm && calm > brisk)
        #expect(abs(calm - 1.578) < 0.01)
        #expect(PiperEngine.lengthScale(forWordsPerMinute: 20) == PiperEngine.lengthScaleRange.upperBound)
        #expect(PiperEngine.lengthScale(forWordsPerMinute: 1_000) == PiperEngine.lengthScaleRange.lowerBound)
    }

    @Test func twoCallersAskingForOneClipAtOnceMakeItOnce() throws {
        let standIn = try StandIn(Self.speaking)
        let synthesizer = try standIn.synthesizer()
        let results = ManagedResults()
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            let clip = try? synthesizer.clip(
                text: "Rest here, and let the breath slow down.", voice: .piper("en_US-test-medium"),
                wordsPerMinute: 135, pitch: 40)
            results.add(clip?.path)
        }
        let paths = results.all
        #expect(paths.count == 4 && Set(paths).count == 1 && paths.allSatisfy { $0 != nil }, "\(paths)")
        let lines = try String(contentsOfFile: standIn.directory.file("lines"), encoding: .utf8)
        #expect(lines.split(separator: "\n").count == 1, "the engine was asked \(lines)")
        PiperEngine.shared.closeAll()
    }

    @Test func aSentenceEndingInAPhonemeBlockKeepsItsPause() throws {
        let line = "Rest your [[lˌɪmfədˈiːmə.]] Then breathe, [[pˈɔːɹt,]] and rest."
        #expect(PiperEngine.sentences(line) == ["Rest your [[lˌɪmfədˈiːmə.]]", "Then breathe, [[pˈɔːɹt,]] and rest."])
        #expect(PiperEngine.sentences("One. Two.") == ["One. Two."])
        #expect(PiperEngine.sentences("[[ə.]] ") == ["[[ə.]]"])
        // Spoken as two requests, joined by the sentence silence into one clip.
        let standIn = try StandIn(Self.speaking)
        let synthesizer = try standIn.synthesizer()
        let clip = try synthesizer.clip(
            text: "Notice any lymphedema. Then breathe out.", voice: .piper("en_US-test-medium"),
            wordsPerMinute: 135, pitch: 40)
        let lines = try String(contentsOfFile: standIn.directory.file("lines"), encoding: .utf8)
            .split(separator: "\n")
        #expect(lines == ["Notice any [[lˌɪmfədˈiːmə.]]", "Then breathe out."], "\(lines)")
        let samples = try AudioFileReader(path: clip.path).readAll()
        // A gap of at least the sentence silence somewhere inside.
        let gap = Int(PiperEngine.sentenceSilence * Double(clip.sampleRate))
        var run = 0
        var longest = 0
        for sample in samples {
            run = abs(sample) < 0.0005 ? run + 1 : 0
            longest = max(longest, run)
        }
        #expect(longest >= gap, "longest silence \(longest) frames")
        PiperEngine.shared.closeAll()
    }

    @Test func anEditedVoiceDescriptionIsAnotherVoice() throws {
        let standIn = try StandIn(Self.speaking)
        let text = "Let the breath slow down."
        let first = try standIn.synthesizer().clip(
            text: text, voice: .piper("en_US-test-medium"), wordsPerMinute: 135, pitch: 40)
        #expect(first.synthesised)
        #expect(
            try standIn.synthesizer().cachedClip(
                text: text, voice: .piper("en_US-test-medium"), wordsPerMinute: 135, pitch: 40) != nil)
        let config = standIn.directory.file("voices/en_US-test-medium.onnx.json")
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: config))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(" ".utf8))
        try handle.close()
        #expect(
            try standIn.synthesizer().cachedClip(
                text: text, voice: .piper("en_US-test-medium"), wordsPerMinute: 135, pitch: 40) == nil)
        PiperEngine.shared.closeAll()
    }

    @Test func foldersLeftByAProcessThatDiedAreSwept() throws {
        // A pid that has ended: a child reaped here.
        let finished = try PiperProcess(program: "/bin/true") { _ in [] }
        let pid = finished.pid
        finished.close()
        let stale = NSTemporaryDirectory() + "/respite-piper-\(pid)-abcdef"
        try FileManager.default.createDirectory(atPath: stale, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: stale + "/1.wav", contents: Data(count: 100))
        // The sweep runs once per process, on the first engine started; it may have run already in this test
        // process, so it is asked for directly here too.
        PiperProcess.sweep()
        #expect(!FileManager.default.fileExists(atPath: stale))
        // A live process's folder is kept.
        let live = try PiperProcess(program: "/bin/sleep") { _ in ["5"] }
        defer { live.close(grace: .zero) }
        let own = NSTemporaryDirectory() + "/respite-piper-\(live.pid)-ghijkl"
        try FileManager.default.createDirectory(atPath: own, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: own) }
        PiperProcess.sweep()
        #expect(FileManager.default.fileExists(atPath: own))
    }
}

/// Results gathered from several threads.
final class ManagedResults: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [String?] = []
    func add(_ value: String?) { lock.withLock { values.append(value) } }
    var all: [String?] { lock.withLock { values } }
}
