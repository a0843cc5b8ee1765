import Foundation
import Player

extension SessionRun {
    /// Pauses the run for Ctrl-Z and waits until its fade has reached the device, so the sound ends gently before
    /// the process stops (a stopped process would cut it off mid-sample). Returns where the run is.
    ///
    /// Blocks the calling thread for about half a second (at most 1.6 s); the play loop calls it from
    /// ``Terminal/handlePendingJobControl(pausing:redraw:)``. Already paused: returns at once.
    func pauseBeforeStopping(fade: Double = LivePlayer.Options().pauseFade) -> Int {
        guard !status.paused else { return status.position }
        send(.pause)
        let deadline = Date().addingTimeInterval(1)
        while !status.paused && Date() < deadline { usleep(10_000) }
        // The fade, then the device's buffer (100 ms by default) and a margin.
        usleep(useconds_t((fade + 0.2) * 1_000_000))
        return status.position
    }
}
