#if canImport(Glibc)
    import Glibc
#endif

/// Respite's memory does not grow with a session (about 30 MiB resident for any length; the rings, decoders and
/// buffers are allocated up front and bounded), so it either fits under a process's memory limit from the start
/// or never will. A failed allocation in Swift ends the process at once, with no chance to save or explain
/// anything; so a limit too low to run in is found here, before anything starts, and reported in words.
enum MemoryLimits {
    /// The least address space (`ulimit -v`, RLIMIT_AS) Respite runs in: the program, its libraries and the
    /// stacks of its three threads are mapped before a sample is rendered.
    static let minimumAddressSpace = 512 << 20
    /// The least data segment (`ulimit -d`, RLIMIT_DATA, which counts thread stacks and heap).
    static let minimumData = 128 << 20

    /// A message when a limit is too low, nil when Respite fits.
    static func problem() -> String? {
        for (resource, minimum, name) in [
            (RLIMIT_AS, minimumAddressSpace, "address space (ulimit -v)"),
            (RLIMIT_DATA, minimumData, "data size (ulimit -d)"),
        ] {
            var limit = rlimit()
            guard getrlimit(__rlimit_resource_t(resource.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max,
                limit.rlim_cur < rlim_t(minimum)
            else { continue }
            return "Error: this process may use only \(limit.rlim_cur >> 20) MiB of \(name); Respite needs at least "
                + "\(minimum >> 20) MiB to run. Raise the limit (for a service, LimitAS= or LimitDATA= in its unit) "
                + "and start again."
        }
        return nil
    }
}
