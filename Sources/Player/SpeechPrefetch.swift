import AudioIO
import Atomics
import FileAccess
import Foundation
import Logging
import SessionKit

#if canImport(Glibc)
    import Glibc
#endif

/// Speaks a session's narration into the speech cache in the background, in the order it will be heard, while the
/// listener reads the safety notes and chooses on the start screen: a first play with the neural voice, which must
/// synthesise every clip before it can start, then starts that much sooner.
///
/// It speaks the session's clips at the parameters given on the command line (what the start screen may still
/// change, `skip` and `releaseOnly`, leaves most narration the same), with the voice the preparer would choose, at nice 10 (below the
/// player, and Piper's own process is at 10 too). The player's own layout takes each clip from the cache, or waits
/// for the one being made (``SpeechSynthesizer`` makes a clip once per process); ``cancel()`` stops it between
/// clips once the player has what it needs. A failure is left for the player's own layout to report, where it
/// says where in the session it is.
///
/// Thread safety: safe from any thread.
public final class SpeechPrefetch: Sendable {
    private let cancelled = ManagedAtomic<Bool>(false)

    /// Starts speaking `session`'s narration at `parameters` on a thread of its own, which first looks up which
    /// clips are cached (verifying a clip reads it whole, so that is not done on the caller's thread, which is
    /// about to show the safety notes and start playing).
    /// - Returns: nil when the session has no narration to synthesise, or no thread could be had (the player then
    ///   speaks as usual).
    public static func start(_ session: Session, parameters: Parameters, preparer: SessionPreparer) -> SpeechPrefetch? {
        guard let choice = try? preparer.speechVoice(for: session.voice, language: session.language) else {
            return nil
        }
        var clips: [(text: String, rate: Int, pitch: Int)] = []
        for case .speech(let text, let voice) in Compiler.media(for: session, parameters: parameters) {
            clips.append((text, Int(voice.rate.rounded()), Int(voice.pitch.rounded())))
        }
        guard !clips.isEmpty else { return nil }
        let lexicon = Lexicon.builtin.merging(session.voice.lexicon)
        let prefetch = SpeechPrefetch()
        let cancelled = prefetch.cancelled
        let synthesizer = preparer.synthesizer
        let voice = choice.voice
        let all = clips
        let refused = SystemThread.start(name: "respite-speak") {
            setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
            let missing = all.filter { clip in
                synthesizer.cachedClip(
                    text: clip.text, voice: voice, wordsPerMinute: clip.rate, pitch: clip.pitch, lexicon: lexicon)
                    == nil
            }
            if !missing.isEmpty {
                Logger.player.info("speaking \(missing.count) clips ahead with \(voice) while the session is chosen")
            }
            for clip in missing where !cancelled.load(ordering: .relaxed) {
                _ = try? synthesizer.clip(
                    text: clip.text, voice: voice, wordsPerMinute: clip.rate, pitch: clip.pitch, lexicon: lexicon)
            }
        }
        return refused == 0 ? prefetch : nil
    }

    /// Stops after the clip being made (which is cached; nothing is lost).
    public func cancel() { cancelled.store(true, ordering: .relaxed) }

    deinit { cancel() }
}
