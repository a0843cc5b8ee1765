import Foundation

/// A task executor with one thread of its own, for a session run played in virtual time.
///
/// A run in virtual time moves only as fast as its task is scheduled: its output waits for the
/// run's ticks, as a real device paced by the wall clock would. On the shared cooperative pool
/// (two threads on a two-core machine) a test that renders or waits synchronously can hold both
/// threads for seconds, and the run then wakes once per output timeout instead of once per tick:
/// a 20 s session took 400 s, and commands landed periods later than a device would let them.
/// With its own thread the run is scheduled as promptly as the machine allows.
final class ThreadExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var stopping = false

    /// Starts the thread; it keeps the executor until ``shutdown()``.
    init(name: String = "virtual-time run") {
        let thread = Thread { self.serve() }
        thread.name = name
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Runs every job already enqueued, then ends the thread. Call once, when no task prefers
    /// this executor any more.
    func shutdown() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    private func serve() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}

/// Runs `body` with its task (and the child tasks it makes) on a thread of its own.
func onOwnThread<T: Sendable>(_ body: () async -> T) async -> T {
    let executor = ThreadExecutor()
    defer { executor.shutdown() }
    return await withTaskExecutorPreference(executor) { await body() }
}
