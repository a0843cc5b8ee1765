import Foundation
import Testing

/// What `list`, `timeline` and `validate` do on a cold cache: the first stage of preparation only
/// (lengths and the timeline), never a render, and `list` never a word of speech.
@Suite struct StartupTests {
    /// The regular files under `folder`'s `respite/KIND` cache folder.
    static func entries(_ cache: String, _ kind: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: cache + "/respite/" + kind)) ?? [])
            .filter { !$0.hasPrefix(".") }
    }

    /// The duration column of `list` for `id`.
    static func listed(_ id: String, in output: String) -> String? {
        for line in output.split(separator: "\n") where line.hasPrefix(id + " ") {
            // id, language, duration ("about 5:20" or "5:22"), title…
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 3 else { return nil }
            return fields[2] == "about" && fields.count >= 4 ? "about " + fields[3] : String(fields[2])
        }
        return nil
    }

    @Test func listOnAColdCacheSpeaksNothingAndSaysAbout() throws {
        let folder = try Respite.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let cache = ["XDG_CACHE_HOME": folder + "/cache"]
        let list = try Respite.run(["list"], environment: cache)
        #expect(list.status == 0, "\(list.stderr)")
        #expect(Self.entries(folder + "/cache", "speech").isEmpty, "list synthesised speech")
        #expect(Self.entries(folder + "/cache", "programme").isEmpty, "list measured a programme")
        #expect(Self.entries(folder + "/cache", "loudness").isEmpty, "list measured loudness")
        for id in ["pmr-short", "imagery-meadow", "breathing-paced"] {
            let shown = Self.listed(id, in: list.stdout)
            #expect(shown?.hasPrefix("about ") == true, "\(id): \(list.stdout)")
        }
        #expect(list.stdout.contains("\"about\": narration not spoken yet"), "\(list.stdout)")
    }

    /// `timeline` speaks the narration (its times must be exact) but measures no loudness and renders nothing;
    /// `list` then shows that session's exact duration, the one `timeline` printed, and the estimate was near it.
    @Test func timelineLaysOutOnlyAndListIsThenExact() throws {
        let folder = try Respite.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let cache = ["XDG_CACHE_HOME": folder + "/cache"]
        let cold = try Respite.run(["list"], environment: cache)
        let timeline = try Respite.run(["timeline", "breathing-paced"], environment: cache)
        #expect(timeline.status == 0, "\(timeline.stderr)")
        #expect(!Self.entries(folder + "/cache", "speech").isEmpty, "timeline speaks to measure")
        #expect(Self.entries(folder + "/cache", "programme").isEmpty, "timeline rendered the session")
        #expect(Self.entries(folder + "/cache", "loudness").isEmpty, "timeline measured loudness")
        let warm = try Respite.run(["list"], environment: cache)
        #expect(warm.status == 0, "\(warm.stderr)")
        // "Slow breathing (breathing-paced): 5:09.3, …": list shows the same minutes and seconds.
        let header = timeline.stdout.split(separator: "\n").first.map(String.init) ?? ""
        let exact = Self.listed("breathing-paced", in: warm.stdout)
        #expect(exact != nil && !exact!.hasPrefix("about"), "\(warm.stdout)")
        #expect(header.contains("): \(exact ?? "?")."), "\(header) against \(warm.stdout)")
        #expect(Self.listed("pmr-short", in: warm.stdout)?.hasPrefix("about ") == true, "\(warm.stdout)")
        // The estimate was within 5 % of the exact duration.
        func seconds(_ text: String) -> Double {
            let shown = text.replacingOccurrences(of: "about ", with: "")
            let parts = shown.split(separator: ":").compactMap { Double($0) }
            return parts.reduce(0) { $0 * 60 + $1 }
        }
        let estimate = seconds(Self.listed("breathing-paced", in: cold.stdout) ?? "0")
        let measured = seconds(exact ?? "0")
        #expect(measured > 300 && abs(estimate - measured) <= 0.05 * measured, "about \(estimate) s for \(measured) s")
    }
}
