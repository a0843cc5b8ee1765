extension SessionLoader {
    /// Seconds of a step that are known without synthesising speech: silences, bells, narration
    /// pauses, PMR tension and relaxation, breathing cycles; scaled by `pace` where the format
    /// says so (bells are not).
    static func fixedSeconds(of kind: Step.Kind, pace: Double, releaseOnly: Bool) -> Double {
        switch kind {
        case .narration(let narration):
            narration.pause * pace
        case .silence(let seconds):
            seconds * pace
        case .bell(_, _, let seconds):
            seconds
        case .pmr(let pmr):
            (releaseOnly ? 0 : pmr.tension(pace: pace)) + pmr.relax * pace
        case .breathing(let breathing):
            Double(breathing.cycles) * (breathing.inhale + breathing.hold + breathing.exhale + breathing.rest) * pace
        }
    }

    /// Total fixed seconds of the expanded steps that play under the given parameters (a choice's other options
    /// are left out: they never play together).
    static func fixedSeconds(of steps: [Step], parameters: Parameters, choices: [SessionChoice] = []) -> Double {
        steps.filter { $0.plays(choices: choices, parameters: parameters) }.reduce(0) { total, step in
            total + fixedSeconds(of: step.kind, pace: parameters.pace, releaseOnly: parameters.releaseOnly)
        }
    }

    /// `7 h 30 min`, `45 min`.
    static func describeDuration(_ seconds: Double) -> String {
        let minutes = Int((seconds / 60).rounded())
        if minutes < 60 { return "\(minutes) min" }
        return minutes % 60 == 0 ? "\(minutes / 60) h" : "\(minutes / 60) h \(minutes % 60) min"
    }
}
