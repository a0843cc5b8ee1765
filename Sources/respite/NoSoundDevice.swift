import AudioIO
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What `play` does when its sound device will not open, and what it tells the listener.
///
/// When ALSA's default device fails on a machine with no sound card, the session is saved to a file to play on
/// a phone or another computer: Ogg Vorbis (quality 0.6: 10.5 MB for the 10:40 of pmr-short, where 24-bit FLAC
/// took 53 MB), under a name that replaces nothing (`ID.ogg`, else `ID-2.ogg`, …), or the `--output` file.
/// Whatever the card, a sound server (PulseAudio, or PipeWire's PulseAudio service) whose socket is there but
/// refuses connections is named as the reason, since restarting it is what brings the sound back.
enum NoSoundDevice {
    /// The decision.
    enum Decision: Equatable {
        /// Say `message`, then save the session to `file`; `keepExisting`: never replace a file (the name was
        /// chosen by Respite, not the listener).
        case save(message: String, file: String, keepExisting: Bool)
        /// Play nothing (exit status 69): say `note` (when there is one) before the advice for the ALSA error.
        case refuse(note: String?)
    }

    /// What a sound server's socket said.
    enum Server: Equatable {
        /// No socket where PulseAudio or PipeWire would put one.
        case absent
        /// A socket that accepts connections.
        case answering(path: String)
        /// A socket that is there but refuses (the server has stopped, or crashed and left it behind).
        case refusing(path: String, reason: String)
    }

    /// Decides for a failed `ALSAOutput` on `device`. `hasSoundCard` and `server` are passed in so tests can
    /// decide for any machine.
    static func decide(
        device: String, sessionID: String, output: String?, hasSoundCard: Bool, server: Server, error: ALSAError
    ) -> Decision {
        let text = Interface.text
        let file = output ?? "\(sessionID).ogg"
        let saving = text.savingTo(output ?? text.defaultSavePlace(sessionID))
        switch server {
        case .refusing(let path, let reason):
            let note = text.serverNotAnswering(path, reason)
            if device == "default" && !hasSoundCard {
                return .save(message: note + " " + saving, file: file, keepExisting: output == nil)
            }
            return .refuse(note: note)
        case .answering(let path):
            guard device == "default" else { return .refuse(note: nil) }
            let note = text.serverNotReached(path, error.message)
            if !hasSoundCard {
                return .save(message: note + " " + saving, file: file, keepExisting: output == nil)
            }
            // With a card, the server usually holds it: busy is the sign that default bypasses the server.
            return .refuse(note: -error.code == EBUSY ? note : nil)
        case .absent:
            guard device == "default" && !hasSoundCard else { return .refuse(note: nil) }
            return .save(
                message: text.noSoundCard(saving),
                file: file, keepExisting: output == nil)
        }
    }

    /// The sound server a client of this environment would reach: `PULSE_SERVER` when it names a local socket,
    /// else `$PULSE_RUNTIME_PATH/native`, `$XDG_RUNTIME_DIR/pulse/native` and `$XDG_RUNTIME_DIR/pipewire-0`, the
    /// first that exists. Connecting is tried without waiting (a Unix socket answers or refuses at once).
    static func probeServer(environment: [String: String] = ProcessInfo.processInfo.environment) -> Server {
        var candidates: [String] = []
        if let server = environment["PULSE_SERVER"] {
            let path = server.hasPrefix("unix:") ? String(server.dropFirst(5)) : server
            if path.hasPrefix("/") { candidates.append(path) }
        }
        if let runtime = environment["PULSE_RUNTIME_PATH"], runtime.hasPrefix("/") {
            candidates.append(runtime + "/native")
        }
        if let runtime = environment["XDG_RUNTIME_DIR"], runtime.hasPrefix("/") {
            candidates += [runtime + "/pulse/native", runtime + "/pipewire-0"]
        }
        for path in candidates {
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            return connect(path)
        }
        return .absent
    }

    /// Tries to connect to the Unix socket at `path`.
    private static func connect(_ path: String) -> Server {
        guard let address = UnixSocketAddress(path: path) else {
            return .refusing(path: path, reason: Interface.text.socketTooLong)
        }
        let socket = Glibc.socket(
            AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard socket >= 0 else { return .answering(path: path) }  // cannot tell: do not blame the server
        defer { close(socket) }
        let result = address.connect(socket)
        if result == 0 || errno == EAGAIN || errno == EINPROGRESS { return .answering(path: path) }
        let code = errno
        switch code {
        case ECONNREFUSED: return .refusing(path: path, reason: Interface.text.socketRefused)
        case ENOTSOCK: return .refusing(path: path, reason: Interface.text.socketNotSocket)
        case EACCES, EPERM: return .refusing(path: path, reason: Interface.text.socketPermission)
        default: return .refusing(path: path, reason: String(cString: strerror(code)))
        }
    }
}
