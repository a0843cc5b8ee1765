import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The bytes inside a WAV file's `data` chunk.
func wavData(_ path: String) throws -> Data {
    let file = try Data(contentsOf: URL(fileURLWithPath: path))
    var index = 12
    while index + 8 <= file.count {
        let id = String(decoding: file[index..<(index + 4)], as: UTF8.self)
        let size = file[(index + 4)..<(index + 8)].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        if id == "data" { return file[(index + 8)..<min(file.count, index + 8 + size)] }
        index += 8 + size + (size & 1)
    }
    return Data()
}

func rms(_ samples: ArraySlice<Float>) -> Float {
    guard !samples.isEmpty else { return 0 }
    return (samples.reduce(0) { $0 + $1 * $1 } / Float(samples.count)).squareRoot()
}

@Suite(.serialized) struct PlayTests {
    /// Offline equals live: playing a bundled session through ALSA's `file` PCM writes exactly the bytes that
    /// `respite render` writes for the same session, rate and format (Float32, the format the sink prefers),
    /// followed only by the silence that completes the last period.
    ///
    /// The `file` PCM sits in front of a sound server that plays in real time, as a speaker would: with a
    /// device that never blocks, nothing would pace the audio thread, and on a busy machine it could outrun
    /// the loader, which a real device never allows. pmr-4 and breathing-paced play whole;
    /// imagery-meadow plays its last three minutes (`--from 430s`, a moment with no voice sounding), which
    /// after the 0.4 s fade-in of a start part-way are the render's, byte for byte. The three play at
    /// once, on three servers, so this takes as long as the longest (pmr-4, about eight and a half minutes). They play after their
    /// renders, which measured and remembered their programme loudness, so the trim is in place from the
    /// first frame; a first play, which settles the trim while it plays, is
    /// `aFirstPlayStartsBeforeItsProgrammeIsMeasured` (and, sample for sample, `TrimWhilePlayingTests`).
    @Test func playingThroughALSAWritesTheRenderedBytes() async throws {
        let plays: [(id: String, from: Int)] = [("pmr-4", 0), ("imagery-meadow", 430), ("breathing-paced", 0)]
        let folder = try Respite.temporaryFolder()
        for (id, _) in plays {
            let rendered = try Respite.run(["render", id, "-o", folder + "/\(id).wav", "--sample-format", "float32"])
            #expect(rendered.status == 0, "\(rendered.stderr)")
        }
        let servers = try plays.map { _ in try SoundServer() }
        let players = try zip(plays, servers).map { play, server in
            try Child(
                Respite.executable,
                ["play", play.id, "--device", "respite_capture", "--plain", "--stats"]
                    + (play.from > 0 ? ["--from", "\(play.from)s"] : []),
                environment: server.respiteEnvironment)
        }
        let bytesPerFrame = 8
        for (index, (id, from)) in plays.enumerated() {
            let status = await players[index].finished()
            let output = players[index].output
            #expect(status == 0, "\(id): \(output)")
            #expect(output.contains("The session has ended"), "\(id)")
            // Device underruns (the sound server falling behind on a machine busy with the rest of
            // the suite) are recovered without losing a period, so the bytes still match; late
            // stream frames would not be, so there must be none.
            #expect(output.contains("late stream frames 0,"), "\(id): \(output)")
            #expect(!output.contains("programme trim measured while playing"), "\(id): \(output)")
            let live = try Data(contentsOf: URL(fileURLWithPath: servers[index].capture))
            let whole = try wavData(folder + "/\(id).wav")
            // What this play should have written: the render from its start frame.
            let reference = whole.dropFirst(from * 48_000 * bytesPerFrame)
            #expect(reference.count > 48_000 * bytesPerFrame * 170)
            #expect(live.count >= reference.count && live.count < reference.count + bytesPerFrame * 1_024, "\(id)")
            // A start part-way fades in over 0.4 s; from there on, the same bytes.
            let fade = from > 0 ? 48_000 * 4 / 10 * bytesPerFrame : 0
            let same = live.dropFirst(fade).prefix(reference.count - fade) == reference.dropFirst(fade)
            #expect(same, "\(id): live bytes differ from the render")
            #expect(live.dropFirst(reference.count).allSatisfy { $0 == 0 })
        }
    }

    /// The first play of a session, every cache empty: it sounds before its programme is
    /// measured, measures it while the opening plays, and settles the trim (in place before it
    /// moves on a machine with time to spare; from the playhead, gently, on one without).
    @Test func aFirstPlayStartsBeforeItsProgrammeIsMeasured() throws {
        let server = try SoundServer()
        var environment = server.respiteEnvironment
        environment["XDG_CACHE_HOME"] = try Respite.temporaryFolder()
        let child = try Child(
            Respite.executable,
            ["play", "breathing-paced", "--device", "respite_capture", "--plain", "--stats", "--verbose"],
            environment: environment)
        // Until the trim has reached the mixer (in time or late: a busy machine decides) and the
        // first word has been heard, however slowly this machine prepares and measures.
        let deadline = Date().addingTimeInterval(180)
        while Date() < deadline {
            let output = child.output
            if output.contains(" says: ") && output.contains("programme trim ") { break }
            usleep(100_000)
        }
        kill(child.pid, SIGTERM)
        #expect(child.wait() == 0, "\(child.output)")
        let stats = child.output.split(separator: "\n").first { $0.hasPrefix("stats:") } ?? ""
        #expect(stats.contains("programme trim measured while playing"), "\(child.output)")
        #expect(stats.contains("late stream frames 0,"), "\(child.output)")
        // What it played before the trim moved is the untrimmed opening: sound, from the start.
        #expect(server.captured().count > 48_000 * 2 * 5)
    }

    @Test func aFailingDeviceGetsAdviceAndItsOwnExitCode() throws {
        let result = try Respite.run(["play", "breathing-paced", "--device", "hw:9,9"])
        #expect(result.status == 69, "\(result.stderr)")
        #expect(result.stderr.contains("There is no sound device called 'hw:9,9'"))
        #expect(result.stderr.contains("respite devices"))
        #expect(result.stderr.contains("snd_pcm_open"), "the ALSA call and its reason are named")
        let busy = try Respite.run(["play", "breathing-paced", "--period", "8"])
        #expect(busy.status == 64)
        #expect(busy.stderr.contains("--period"))
    }

    /// Real-time pacing at 64-frame periods (1.3 ms) through a sound server: no underruns. The
    /// 10-minute version with the other core busy is `scripts/bench-live`.
    ///
    /// The sound server runs at normal priority, and the rest of the suite runs beside this test on two cores:
    /// a server starved for a moment reports an underrun the player did not cause. A second attempt tells a
    /// moment's starvation from a player that cannot keep up, which fails both.
    @Test func playsInRealTimeAt64FramePeriodsWithoutUnderruns() throws {
        let server = try SoundServer()
        let environment = server.respiteEnvironment
        var output = ""
        var stats = ""
        for _ in 0..<2 {
            let child = try Child(
                Respite.executable,
                [
                    "play", "breathing-paced", "--device", "pulse", "--period", "64", "--buffer", "1024", "--plain",
                    "--stats",
                    "--from", "1:00",
                ],
                environment: environment)
            sleep(8)
            kill(child.pid, SIGTERM)
            #expect(child.wait() == 0, "\(child.output)")
            output = child.output
            stats = String(output.split(separator: "\n").first { $0.hasPrefix("stats:") } ?? "")
            if stats.contains("underruns 0,") { break }
        }
        #expect(stats.contains("underruns 0,"), "\(output)")
        #expect(stats.contains("late stream frames 0,"), "\(output)")
        #expect(stats.contains("per 64-frame period"))
        // Paced in real time: about 8 s of session went by, not the whole of it.
        let stopped = output.split(separator: "\n").first { $0.hasPrefix("Stopped at") } ?? ""
        #expect(stopped.hasPrefix("Stopped at 1:0"), "\(stopped)")
    }

    @Test func sigtermFadesOutAndExitsZero() throws {
        let server = try SoundServer()
        let environment = server.respiteEnvironment
        let child = try Child(
            Respite.executable,
            ["play", "breathing-paced", "--device", "respite_capture", "--plain", "--from", "1:10"],
            environment: environment)
        sleep(4)
        #expect(child.isRunning)
        let signalled = Date()
        kill(child.pid, SIGTERM)
        let status = child.wait()
        let output = child.output
        #expect(status == 0, "\(output)")
        #expect(Date().timeIntervalSince(signalled) < 2.5)
        #expect(output.contains("Stopping (terminated)"))
        // The captured audio ends in a fade, not a cut: the last 100 ms with sound are much
        // quieter than the 100 ms half a second earlier.
        let samples = server.captured()
        let lastSound = (samples.lastIndex { $0 != 0 } ?? 0) / 2
        // Required, not expected: the windows below reach 28 800 frames back, and must not trap the test process.
        try #require(lastSound > 48_000)
        let left = stride(from: 0, to: lastSound * 2, by: 2).map { samples[$0] }
        let end = rms(left[(lastSound - 4_800)..<lastSound])
        let before = rms(left[(lastSound - 28_800)..<(lastSound - 24_000)])
        #expect(end < before * 0.5, "ending RMS \(end) against \(before) before: not a fade")
        let steps = zip(left.suffix(4_800).dropFirst(), left.suffix(4_800)).map { abs($0 - $1) }.max() ?? 1
        #expect(steps < 0.05)
    }
}
