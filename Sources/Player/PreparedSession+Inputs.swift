extension PreparedSession {
    /// Every file the session reads while it plays: recordings, bundled sounds, music beds and cached speech clips,
    /// each once, in play order. A render must never write over one of them (see `AtomicFile`'s `protecting:`).
    public var inputFiles: [String] {
        var seen = Set<String>()
        return (jobs.joined() + bufferJobs).map(\.path).filter { seen.insert($0).inserted }
    }
}
