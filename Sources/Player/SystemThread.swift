#if canImport(Glibc)
    import Glibc
#endif

/// Starts POSIX threads and says when one could not be started.
///
/// Foundation's `Thread.start()` gives no result: when the system refuses a thread (a process or memory limit,
/// `EAGAIN`), the body never runs, and whoever waits for it waits for ever. Respite's threads start here, so a
/// refusal is an answer the caller acts on: the offline renderer decodes on its own thread instead, and live
/// playback reports it.
enum SystemThread {
    /// The closure and name handed to the new thread.
    private final class Start: @unchecked Sendable {
        let name: String
        let body: @Sendable () -> Void
        init(name: String, body: @escaping @Sendable () -> Void) {
            self.name = name
            self.body = body
        }
    }

    /// glibc's `pthread_setname_np`, which the Glibc module does not export (it is a GNU extension).
    private static let setNameCall: (@convention(c) (pthread_t, UnsafePointer<CChar>) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "pthread_setname_np") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (pthread_t, UnsafePointer<CChar>) -> Int32).self)
    }()

    private static func setName(_ name: String) {
        _ = setNameCall?(pthread_self(), name)
    }

    /// Starts a detached thread running `body`.
    ///
    /// - Parameters:
    ///   - name: shown by `top -H` and debuggers; at most 15 bytes are kept.
    ///   - stackSize: bytes, or nil for the system's default.
    /// - Returns: 0, or the error number `pthread_create` gave (e.g. `EAGAIN`).
    static func start(name: String, stackSize: Int? = nil, _ body: @escaping @Sendable () -> Void) -> Int32 {
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        if let stackSize { pthread_attr_setstacksize(&attributes, stackSize) }
        let start = Unmanaged.passRetained(Start(name: name, body: body))
        var thread = pthread_t()
        let result = pthread_create(&thread, &attributes, systemThreadEntry, start.toOpaque())
        if result != 0 { start.release() }
        return result
    }

    /// Runs on the new thread: names it and runs its body.
    fileprivate static func run(_ raw: UnsafeMutableRawPointer) {
        let start = Unmanaged<Start>.fromOpaque(raw).takeRetainedValue()
        setName(String(start.name.utf8.prefix(15)) ?? "respite")
        start.body()
    }
}

/// The C entry point of every ``SystemThread``.
private func systemThreadEntry(_ raw: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    if let raw { SystemThread.run(raw) }
    return nil
}
