import AudioIO
import Foundation
import Mixer
import SessionKit
import Testing

@testable import Player

/// The bundled library, session by session, against its own protocol: what a clinic relies on when it plays
/// one to a patient. The narration's lengths are estimated from its words and rate (within about 2 % of a
/// session's spoken narration), so the whole library is checked in a second; `scripts/check-library` renders
/// every session with the voice it really uses and measures it.
@Suite(.serialized) struct LibraryTests {
    /// Every bundled session file's id.
    static let ids: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: Fixture.sessionsFolder)) ?? []
        return names.filter { $0.hasSuffix(".json") && !$0.hasSuffix(".schema.json") }.map { String($0.dropLast(5)) }
            .sorted()
    }()

    static func load(_ id: String) throws -> Session {
        try SessionLoader(audioRoot: Fixture.audioRoot).load(contentsOf: Fixture.sessionsFolder + "/\(id).json")
    }

    @Test func aClinicHasTenSessionsOrMoreEachSayingWhatItHelpsWithAndHowGoodTheEvidenceIs() throws {
        #expect(Self.ids.count >= 10)
        for id in Self.ids {
            let session = try Self.load(id)
            #expect(session.id == id)
            #expect(!session.helpsWith.isEmpty, "\(id) says nothing of what it helps with")
            #expect(session.protocol.audience != nil, "\(id) says nothing of whom it is for")
            for grade in session.protocol.evidence {
                // A grade is carried only with how closely the session delivers it, and why when not fully.
                #expect(grade.match == .full || grade.note != nil, "\(id): a \(grade.match) match without a note")
            }
        }
    }

    /// The session laid out at `parameters`, narration estimated (an empty speech cache: the same on every
    /// machine).
    static func layout(_ session: Session, _ parameters: Parameters) throws -> Timeline {
        let folder = NSTemporaryDirectory() + "respite-library-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let preparer = SessionPreparer(
            sampleRate: 48_000, audioRoot: Fixture.audioRoot,
            synthesizer: try SpeechSynthesizer(cacheDirectory: folder, piper: .none))
        return try preparer.layout(session, parameters: parameters, speech: .cachedOrEstimated).timeline
    }

    @Test("each session keeps its protocol's numbers at pace 0.5, 1 and 2", arguments: ids)
    func protocolNumbers(_ id: String) throws {
        let session = try Self.load(id)
        let rate = 48_000
        for pace in [0.5, 1, 2] {
            var parameters = session.parameters
            parameters.pace = pace
            let timeline = try Self.layout(session, parameters)
            let at = { (frame: Int) in "\(id) at pace \(pace), \(timeline.seconds(frame)) s" }
            for hold in timeline.entries where hold.kind == .tense {
                // 5–7 s of tension from the "now", said or sounded at the hold's first frame, to the release.
                #expect((5 * rate...7 * rate).contains(hold.length), "\(at(hold.frame)): a \(hold.length)-frame hold")
                let marked = timeline.entries.contains {
                    $0.frame == hold.frame && $0.step == hold.step && ($0.kind == .narration || $0.kind == .cue)
                }
                #expect(marked, "\(at(hold.frame)): the hold starts without a now")
                let release = timeline.entries.first { $0.step == hold.step && $0.kind == .release }
                #expect(release?.frame == hold.frame + hold.length, "\(at(hold.frame)): release not at the hold's end")
            }
            if pace == 1 {
                for relax in timeline.entries where relax.kind == .relax && relax.length > 0 {
                    #expect(relax.length >= 30 * rate, "\(at(relax.frame)): only \(timeline.seconds(relax.length)) s")
                }
            }
            for (index, step) in session.steps.enumerated() {
                guard case .breathing(let written) = step.kind, step.plays(in: session, parameters: parameters),
                    let pattern = timeline.steps[index].breath
                else { continue }
                // Breathed exactly as written, and slow: 4 to 10 breaths a minute at the session's own pace.
                #expect(pattern.cycleLength == Int((written.cycleSeconds * pace * Double(rate)).rounded()))
                #expect(pattern.cycles == written.cycles)
                if pace == 1 {
                    let perMinute = 60 / timeline.seconds(pattern.cycleLength)
                    #expect((4...10).contains(perMinute), "\(at(pattern.firstCycle)): \(perMinute) breaths a minute")
                }
            }
            for cue in timeline.entries where cue.kind == .cue {
                #expect(cue.frame < timeline.steps[cue.step].end, "\(at(cue.frame)): a cue past its step")
            }
            if pace == 1 {
                let minutes = timeline.seconds(timeline.duration) / 60
                let stated = try #require(
                    SessionLint.statedMinutes(session.description, language: session.language),
                    "\(id) states no minutes")
                #expect(
                    minutes >= stated.lowerBound * 0.9 && minutes <= stated.upperBound * 1.1,
                    "\(id): the description says \(stated) minutes; the session lasts \(minutes)")
            }
        }
    }

    @Test("each session lints without a warning", arguments: ids)
    func lintsClean(_ id: String) throws {
        let session = try Self.load(id)
        let subject = SessionLint.Subject(
            session: session, parameters: session.parameters, timeline: try Self.layout(session, session.parameters))
        let report = SessionLint.check(subject, targets: Configuration.Loudness())
        #expect(report.findings.map(\.description) == [])
    }

    @Test("release-only says no word of tensing, and every choice keeps its length", arguments: ids)
    func releaseOnlyAndChoices(_ id: String) throws {
        let session = try Self.load(id)
        var releaseOnly = session.parameters
        releaseOnly.releaseOnly = true
        let hasPMR = session.steps.contains { if case .pmr = $0.kind { true } else { false } }
        if hasPMR {
            // The transcript of what plays, from the timeline itself.
            let timeline = try Self.layout(session, releaseOnly)
            #expect(!timeline.entries.contains { $0.kind == .tense })
            #expect(
                !timeline.sounds.contains { $0.bus == .cues && isPMR($0.step, session) }, "\(id): a PMR cue plays")
            for entry in timeline.entries where entry.kind == .narration || entry.kind == .rest {
                let found = SessionLint.tensingWords(language: session.language).filter {
                    SessionLint.contains(entry.text, word: $0)
                }
                #expect(found.isEmpty, "\(id), release-only, says \(found): \(entry.text)")
            }
        }
        for choice in session.choices {
            let minutes = try #require(SessionLint.statedMinutes(session.description, language: session.language))
            for option in choice.options {
                let parameters = try session.parameters.applying(["\(choice.key)=\(option.value)"], to: session)
                let timeline = try Self.layout(session, parameters)
                let seconds = timeline.seconds(timeline.duration)
                #expect(
                    seconds / 60 >= minutes.lowerBound * 0.9 && seconds / 60 <= minutes.upperBound * 1.1,
                    "\(id) with \(choice.key)=\(option.value) lasts \(seconds / 60) minutes")
            }
        }
    }

    private func isPMR(_ step: Int, _ session: Session) -> Bool {
        if case .pmr = session.steps[step].kind { return true }
        return false
    }
}
