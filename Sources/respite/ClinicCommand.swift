import ArgumentParser
import Clinic
import Dispatch
import Foundation
import History
import Logging
import Player
import ServiceLifecycle
import SessionKit
import UnixSignals

/// `respite clinic`: the unattended player of a clinic machine, run as a systemd service.
struct ClinicCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clinic",
        abstract: "Play sessions on a schedule, unattended (a systemd service).",
        discussion: """
            Runs in the foreground until SIGTERM: plays each scheduled run at its time (see docs/clinic.md for \
            the schedule file), records every run and every run missed or skipped in the history, and answers \
            `respite ctl` on a control socket. SIGTERM fades the session out and records it; SIGHUP reads the \
            schedule again (keeping the old one if the new one has problems). Under systemd (Type=notify) it \
            says READY=1 once the history is open and the socket bound, and keeps STATUS= up to date.

            Examples:
              respite clinic --schedule /etc/respite/schedule.json
              respite clinic --schedule schedule.json --check      (validate and list the next runs)
            """)

    @Option(help: ArgumentHelp("The schedule file (JSON).", valueName: "file"))
    var schedule: String

    @Option(help: ArgumentHelp("The control socket's path.", valueName: "path"))
    var socket = ClinicCommand.defaultSocket

    @Option(
        help: ArgumentHelp(
            "The group that may use the control socket (its mode is 0660); default: the service's own.",
            valueName: "group"))
    var socketGroup: String?

    @Option(help: ArgumentHelp("The ALSA device for rules that name none.", valueName: "name"))
    var device = "default"

    @Option(
        help: ArgumentHelp(
            "The history database (default: the configuration's \"history\", else the data folder's).",
            valueName: "file"))
    var history: String?

    @Option(help: ArgumentHelp("Engine sample rate in Hz (8000…192000).", valueName: "hz"))
    var rate = 48_000

    @Option(
        help: ArgumentHelp(
            "Seconds to keep trying to reopen a sound device lost while a session plays; then the run ends as "
                + "deviceLost.", valueName: "seconds"))
    var reconnectTimeout: Double = 60

    @Flag(help: "Check the schedule and list its next runs, then exit.")
    var check = false

    @OptionGroup var logging: LoggingOptions

    static let defaultSocket = "/run/respite/control.sock"

    func validate() throws {
        guard (8_000...192_000).contains(rate) else { throw ValidationError("--rate must be 8000…192000 Hz.") }
        if let history, history.isEmpty { throw ValidationError("--history needs a file's path.") }
        guard (0...3600).contains(reconnectTimeout) else {
            throw ValidationError("--reconnect-timeout must be 0…3600 seconds.")
        }
    }

    func run() throws {
        let schedule: ClinicSchedule
        do {
            schedule = try Self.loadSchedule(self.schedule)
        } catch {
            report(error.description)
            report("\(error.problems.count) problem\(error.problems.count == 1 ? "" : "s") in \(self.schedule).")
            throw ExitStatus.invalidSession
        }
        if check {
            let scheduler = Scheduler(schedule: schedule, now: Date(), saved: nil)
            let upcoming = scheduler.upcoming(after: Date(), limit: 10, machineZone: ClinicDaemon.machineZone())
            printLine("\(self.schedule): \(schedule.rules.count) rule\(schedule.rules.count == 1 ? "" : "s"), valid.")
            printLine(upcoming.isEmpty ? "Nothing is due in the next 8 days." : "Next runs:")
            for o in upcoming {
                printLine(
                    "  \(Scheduler.stamp(o.due))  \(o.localDate) \(o.localTime) \(o.zone)  \(o.session)  (\(o.rule))"
                        + (o.shifted ? "  in the hour daylight saving skips: played after the jump" : ""))
            }
            return
        }
        let configuration = (try? Configuration.load()) ?? Configuration()
        guard let historyPath = HistoryRecorder.path(history, configured: configuration.history) else {
            report("There is no home folder to keep the history in; give --history FILE.")
            throw ExitStatus.cannotWrite
        }
        // One clinic daemon to a history: two would both play its schedule. The lock (holding the owner's pid) is
        // held until the process ends.
        let folder = (historyPath as NSString).deletingLastPathComponent
        if !folder.isEmpty, !FileManager.default.fileExists(atPath: folder) {
            try? FileManager.default.createDirectory(
                atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        let lockPath = historyPath + ".clinic-lock"
        do {
            _ = try PidLock.take(lockPath, mode: 0o600)  // never released: held until the process ends
        } catch {
            switch error {
            case .cannotOpen(let reason):
                report("\(lockPath): the history's lock cannot be made (\(reason)).")
                throw ExitStatus.cannotWrite
            case .held(let owner):
                report(
                    "Another respite clinic is already running\(owner.map { " (pid \($0))" } ?? "") on the history "
                        + "\(historyPath); one daemon plays one schedule. Stop it first (systemctl stop respite-clinic)."
                )
                throw ExitStatus.temporaryFailure
            }
        }
        // The history is opened (and migrated) before anything else: a clinic that cannot record does not start.
        let store: HistoryStore
        do {
            store = try HistoryStore(path: historyPath)
            // A queue lives in memory: runs an earlier daemon queued and never played will not play now.
            let stale = try store.missQueued(reason: "Respite restarted before it could play", at: Date())
            if stale > 0 {
                ClinicLog.notice("\(stale) run(s) queued by the daemon before this one are recorded as missed")
            }
            let closed = try store.closeOpenRuns()
            if !closed.isEmpty {
                ClinicLog.notice("closed \(closed.count) run(s) a crash left open: \(closed)")
            }
        } catch {
            report("The clinic cannot start without its history: \(error)")
            throw ExitStatus.cannotWrite
        }
        var group: gid_t?
        if let socketGroup {
            guard let gid = ControlServer.group(named: socketGroup) else {
                report("There is no group '\(socketGroup)' (--socket-group); create it, or leave the option out.")
                throw ExitCode.validationFailure
            }
            group = gid
        }
        let server: ControlServer
        do {
            server = try ControlServer(path: socket, group: group)
        } catch {
            report(error.description)
            throw error.busy ? ExitStatus.temporaryFailure : ExitStatus.cannotWrite
        }
        let notifier = SystemdNotifier()
        let daemon: ClinicDaemon
        do {
            daemon = try ClinicDaemon(
                settings: .init(
                    schedulePath: self.schedule, device: device, historyPath: historyPath, rate: rate,
                    reconnectTimeout: reconnectTimeout),
                schedule: schedule, store: store, notifier: notifier)
        } catch {
            server.stop()
            report("The clinic cannot start without its history: \(error)")
            throw ExitStatus.cannotWrite
        }
        server.start(daemon) { ClinicLog.notice("\($0)") }
        ClinicLog.notice(
            "clinic started: \(schedule.rules.count) rules from \(self.schedule), control socket \(socket), "
                + "history \(historyPath)")
        // A reload asked for while starting is not needed (the schedule was just read); it must not end the process
        // either, as SIGHUP does by default. The service below watches it from then on.
        signal(SIGHUP, SIG_IGN)
        let logger = ClinicLog.shared
        let service = ClinicService(daemon: daemon)
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            let group = ServiceGroup(
                configuration: ServiceGroupConfiguration(
                    services: [
                        .init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)
                    ], gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [], logger: logger))
            do {
                try await group.run()
            } catch {
                logger.error("the service ended with an error: \(error)")
            }
            done.signal()
        }
        done.wait()
        daemon.waitForLoop()
        server.stop()
        ClinicLog.notice("clinic stopped")
    }

    /// Reads a schedule and checks that every rule's session exists and takes its choices, each problem located
    /// at the rule's `session`.
    static func loadSchedule(_ path: String) throws(ScheduleError) -> ClinicSchedule {
        let schedule = try ClinicSchedule.load(path)
        let catalog = SessionCatalog.locate()
        var problems: [ScheduleProblem] = []
        for (index, rule) in schedule.rules.enumerated() {
            func problem(_ field: String, at location: JSONLocation, _ message: String, suggestion: String? = nil) {
                problems.append(
                    ScheduleProblem(
                        file: path, path: "rules[\(index)].\(field)", line: location.line, column: location.column,
                        message: message, suggestion: suggestion))
            }
            let session: Session
            do {
                session = try catalog.load(rule.session)
            } catch {
                let message = "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)"
                problem(
                    "session", at: rule.sessionLocation, "session '\(rule.session)' cannot be played: \(message)",
                    suggestion: "`respite list` shows the sessions; `respite validate FILE` checks one")
                continue
            }
            do {
                _ = try session.parameters.applying(rule.assignments, to: session, loader: catalog.loader)
            } catch {
                problem(
                    "set", at: rule.assignmentsLocation ?? rule.sessionLocation,
                    "\(rule.session) does not take these choices: \(error)")
            }
        }
        guard problems.isEmpty else { throw ScheduleError(problems) }
        return schedule
    }
}

/// The clinic daemon as a swift-service-lifecycle service: it runs until graceful shutdown (SIGTERM or SIGINT),
/// reads the schedule again on SIGHUP, and on shutdown fades the session out and records it.
struct ClinicService: Service {
    let daemon: ClinicDaemon

    func run() async throws {
        // Started once the service group watches SIGTERM: from here a stop request always fades the session out.
        // Only now is the service ready: the history is migrated and the socket accepts connections.
        daemon.startLoop()
        daemon.notifier.send("READY=1")
        let reloads = Task {
            for await _ in await UnixSignalsSequence(trapping: .sighup) { _ = daemon.reload() }
        }
        defer { reloads.cancel() }
        try? await gracefulShutdown()
        daemon.shutdown()
    }
}
