/// "Did you mean …?": finds the known word a therapist most likely meant when they mistyped one.
///
/// Public so that every file Respite reads (sessions, the configuration) suggests keys the same way.
public enum Suggestions {
    /// The candidate closest to `word`: one equal to it ignoring case, otherwise the first at the
    /// smallest edit distance, if that distance is at most `maximumDistance` (2 for keys and names; a session id
    /// allows 3). `nil` when nothing is close.
    public static func nearest(to word: String, in candidates: [String], maximumDistance: Int = 2) -> String? {
        let lowered = word.lowercased()
        if let match = candidates.first(where: { $0.lowercased() == lowered }) { return match }
        // Edit distance is quadratic; very long words are not typos of short keys anyway.
        guard word.count <= 64 else { return nil }
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let distance = editDistance(lowered, candidate.lowercased())
            if distance <= maximumDistance && distance < (best?.distance ?? Int.max) {
                best = (candidate, distance)
            }
        }
        return best?.candidate
    }

    /// `did you mean 'X'?` or, when nothing is close, a list of what is allowed.
    public static func suggestion(for word: String, in candidates: [String], listing: String? = nil) -> String? {
        if let near = nearest(to: word, in: candidates) { return "did you mean '\(near)'?" }
        guard let listing, !candidates.isEmpty else { return nil }
        return "\(listing): \(candidates.joined(separator: ", "))"
    }

    /// Levenshtein distance between two strings, in characters (insertions, deletions, substitutions).
    public static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
