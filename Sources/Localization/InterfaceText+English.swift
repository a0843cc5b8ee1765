extension InterfaceText {
    public static let english = InterfaceText(
        language: .english,
        beforeYouBegin: "Before you begin:",
        evidenceNone:
            "Evidence: no guideline has graded this kind of session; it is offered for comfort and relaxation.",
        evidence: { _, _, _, _, summary, more in
            "Evidence: \(summary)"
                + (more > 0 ? " (\(more) more in respite list --json)" : "")
                + ". It can help people cope; it does not treat cancer."
        },
        grades: GradeWords(
            high: "high", intermediate: "intermediate", low: "low", strong: "strong", moderate: "moderate",
            weak: "weak",
            full: "full", partial: "partial", extrapolated: "extrapolated"),
        crisisLineUnitedStates:
            "If you are in crisis or thinking of harming yourself, call or text 988 (Suicide & Crisis Lifeline) at any time.",
        crisisLineGeneral:
            "If you are in crisis or thinking of harming yourself, call your local emergency number or your care team now.",
        ratingsBefore: "Before you begin: how are you feeling right now?",
        ratingsAfter: "How are you feeling now?",
        ratingInstructions:
            "Type a number from 0 to 10 and press Enter. Enter alone skips a question; s skips the rest.",
        ratingRetry: "Please type a whole number from 0 to 10, or press Enter to skip this question.",
        thankYou: "Thank you.",
        ratingCompared: { item, before, now in "\(item): \(before) before, \(now) now" },
        ratingComparisons: { $0.joined(separator: "; ") + "." },
        question: { name, when, low, high in "\(name) \(when): 0 = \(low) … 10 = \(high)" },
        chartHeading: { name, low, high in "\(name): ○ before, ● after (0 = \(low), 10 = \(high))" },
        ratingItems: [
            "pain": RatingWords("Pain", low: "no pain", high: "worst possible pain", when: "now"),
            "anxiety": RatingWords(
                "Anxiety (feeling nervous)", short: "Anxiety", low: "no anxiety", high: "worst possible anxiety",
                when: "now"),
            "fatigue": RatingWords(
                "Tiredness (lack of energy)", short: "Tiredness", low: "no tiredness",
                high: "worst possible tiredness", when: "now"),
            "drowsiness": RatingWords(
                "Drowsiness (feeling sleepy)", short: "Drowsiness", low: "no drowsiness",
                high: "worst possible drowsiness", when: "now"),
            "nausea": RatingWords("Nausea", low: "no nausea", high: "worst possible nausea", when: "now"),
            "appetite": RatingWords(
                "Lack of appetite", low: "no lack of appetite", high: "worst possible lack of appetite", when: "now"),
            "breathlessness": RatingWords(
                "Shortness of breath", low: "no shortness of breath", high: "worst possible shortness of breath",
                when: "now"),
            "depression": RatingWords(
                "Depression (feeling sad)", short: "Depression", low: "no depression",
                high: "worst possible depression", when: "now"),
            "wellbeing": RatingWords(
                "Wellbeing (how you feel overall)", short: "Wellbeing", low: "best wellbeing",
                high: "worst possible wellbeing", when: "now"),
            "sleep": RatingWords("Sleep", low: "best sleep", high: "worst possible sleep", when: "lately"),
        ],
        gettingReady: "Getting the session ready; the first time takes a little longer",
        stoppedBeforeStart: "Stopped before the session began.",
        nothingPlayed: "Nothing was played.",
        lastTimeStopped: { "Last time you stopped part-way; to continue from there: \($0) --resume" },
        rememberedChoiceDropped: { choice, reason in
            "note: your remembered choice '\(choice)' no longer fits this session (\(reason)); it is left out."
        },
        usingChoices: { "Using your choices from last time: \($0) (the start screen, or --set, changes them)." },
        noStoppedPlace: "There is no stopped place remembered for this session, so it starts from the beginning.",
        continuingFrom: { "Continuing from \($0), a little before where you stopped." },
        changedContinuesFromStep: { step, title, time in
            "The session has changed since you stopped, so it continues from the start of step \(step) "
                + "(\(title)), at \(time)."
        },
        changedStartsOver:
            "The session has changed since you stopped and that place no longer fits it, so it starts from the beginning.",
        volumeHeld: { volume, device, file in
            "note: the volume is held at \(volume), the limit set for '\(device)' in \(file)."
        },
        chooseHeading: "Before you begin, choose what suits you today:",
        begin: "Begin",
        setOnCommandLine: "(set with --set)",
        startHintOnBegin: "press space to begin · q to leave · ↑/↓ or j/k to change something first",
        startHintOnChoice: "space or Enter changes this · b begins · q to leave · ↑/↓ or j/k move",
        plainChooseHeading: "Before you begin, you can change these choices:",
        plainChooseInstructions:
            "Type a number and Enter to change that choice, Enter alone to begin, or q and Enter to leave.",
        noSuchChoice: { "There is no choice '\($0)'; the choices are numbered 1 to \($1)." },
        choiceFixed: { "\($0) was set with --set on the command line, so it stays." },
        choices: ChoiceWords(
            leaveOut: { "Leave out the \($0)" }, no: "no", yes: "yes", releaseOnly: "Release only, no tensing",
            breathing: "Breathing", asWritten: "as written", gentleBreathing: "gentle (about 3 s in, 4 s out)",
            pace: "Pace", quicker: "quicker", slower: "slower, longer pauses", music: "Music", none: "none",
            musicLevel: "Music level", quieter: { "\($0) dB quieter" }, louder: { "\($0) dB louder" },
            lets: {
                "This session lets you choose " + $0.joined(separator: ", ")
                    + ". Played on a terminal without --yes, it offers them on a start screen."
            },
            areasToLeaveOut: { "areas to leave out (--set skip=\($0), or some of them)" },
            releaseOnlySet: "release only (--set releaseOnly=true)",
            gentleBreathingSet: "gentle breathing (--set gentleBreathing=true)",
            paceSet: { "the pace (--set pace=\($0) to \($1))" }, musicSet: { "the music (--set music=\($0))" },
            musicLevelSet: { "its level (--set musicGain=\($0), in dB)" }, or: " or "),
        stepOf: { "Step \($0) of \($1): \($2)" },
        says: { "says: \($0)" },
        breathLine: { "\($0), breath \($1) of \($2)" },
        tenseGently: { "tense gently… \($0) s" },
        releaseAndRelax: "release and relax",
        about: "about",
        left: "left",
        breatheIn: "breathe in",
        hold: "hold",
        breatheOut: "breathe out",
        rest: "rest",
        breathOf: { "breath \($0) of \($1)" },
        pmrTense: "tense",
        pmrRelease: "release",
        pmrRelax: "relax",
        cue: "cue",
        keys: { "n next · p previous · +/- volume (\($0)) · q quit" },
        pausedHint: "PAUSED — press space to resume",
        playingHint: "space pause",
        pausedAt: { "paused at \($0) — press space to resume" },
        resumedAt: { "resumed at \($0)" },
        movedTo: { "moved to \($0)" },
        volume: { "volume \($0)" },
        suspended: { "Paused at \($0). Type fg to come back, then press space to resume." },
        stoppingGently: "Stopping gently…",
        stoppingTerminated: "Stopping (terminated)…",
        ended: "The session has ended. Take a moment before you get up.",
        stoppedAt: { "Stopped at \($0) of \($1)." },
        continueWithFrom: { "To continue from there, start it with --from \($0)." },
        continueLater: { "To continue from there later: \($0) --resume" },
        sessionNotFound: { name, nearest, known, folder in
            "No session file or bundled session named '\(name)'." + (nearest.map { " Did you mean '\($0)'?" } ?? "")
                + " Sessions: \(known). Run `respite list` to see them."
                + (folder.map { " Your own sessions go in \($0) as ID.json." } ?? "")
        },
        fromNoSuchStep: { "--from \($0): the session has steps 1…\($1)." },
        fromPastTheEnd: { "--from \($0) is past the session's end (\($1))." },
        resumeNothingRecorded: { "No sessions are recorded yet, so there is no run \($0) to continue." },
        resumeNoSuchRun: {
            "There is no run \($0) in the history; `respite history` lists the runs and their numbers."
        },
        resumeFinished: { "Run \($0) (\($1)) played to its end; to play it again: \($2)" },
        resumePlaying: { "Run \($0) (\($1)) is playing now; stop it first." },
        resumeFromStep: { "Continuing run \($0), \($1), from the start of step \($2): \($3)." },
        resumeFromStart: { "Run \($0), \($1), stopped before its first step; it starts from the beginning." },
        resumeChanged: { "note: the session has changed since that run; step \($0) may not be the same." },
        listHeadings: ["id", "lang", "duration", "title", "helps with"],
        listAboutNote: "(\"about\": narration not spoken yet, estimated from its words; exact after the first play.)",
        deviceLost: { device, reason, seconds in
            "The sound device '\(device)' was lost (\(reason)). Respite is holding your place and will keep trying "
                + "to reopen it for \(seconds) s."
        },
        deviceBack: { "The sound device is back. Resuming from \($0)." },
        deviceNotBack: { seconds, time in
            "The sound device did not come back within \(seconds) s, so playback has stopped at \(time). Check the "
                + "speaker or headphones, then start again with --from \(time)."
        },
        mustStop: { "The session has to stop here: \($0)." },
        sourceUnreadable: { "note: \($0) could not be read to the end (\($1)); it is silent from there." },
        deviceBusy: {
            "The sound device '\($0)' is busy: another program is using it. Close that program, or choose another "
                + "device with --device NAME (`respite devices` lists them), or save the session with `respite render`."
        },
        deviceMissing: {
            "There is no sound device called '\($0)'. `respite devices` lists the ones this machine has; pass one "
                + "with --device NAME, or save the session with `respite render`."
        },
        deviceFormat: {
            "The sound device '\($0)' does not take stereo audio at \($1) Hz in a format Respite writes (float, 32- "
                + "or 16-bit). Try `--rate 44100`, or a converting device such as --device plughw:0 or --device default."
        },
        deviceFailed: {
            "The sound device '\($0)' could not be opened: \($1). Try another with --device NAME (`respite devices`), "
                + "or save the session with `respite render`."
        },
        noSoundCard: {
            "No sound card was found on this machine, and no sound server is running, so Respite cannot play aloud "
                + "here. " + $0 + " To try another device, pass --device NAME (`respite devices` lists them)."
        },
        savingTo: {
            "It is saving the session to \($0) instead: play that file on any phone or computer with speakers. To "
                + "choose the file, pass --output or use `respite render`."
        },
        defaultSavePlace: { "\($0).ogg in this folder (or \($0)-2.ogg and so on, if that name is taken)" },
        serverNotAnswering: { path, reason in
            "The sound server (PulseAudio or PipeWire, at \(path)) is not answering (\(reason)), so Respite cannot "
                + "play aloud. Restarting it usually helps: `systemctl --user restart pipewire pipewire-pulse` or "
                + "`systemctl --user restart pulseaudio` (or log out and in again); then start the session again."
        },
        serverNotReached: { path, reason in
            "A sound server is running (at \(path)), but ALSA's default device did not reach it (\(reason)). Install "
                + "ALSA's plugin for it (Debian: `apt install libasound2-plugins`, or `pipewire-alsa` with PipeWire), "
                + "or pass --device pulse."
        },
        socketRefused: "connection refused: nothing is listening there",
        socketNotSocket: "it is not a socket",
        socketPermission: "permission denied",
        socketTooLong: "the path is too long for a socket",
        history: HistoryWords(
            run: "run", started: "started", session: "session", played: "played", howItEnded: "how it ended",
            before: "before", after: "after", change: "change", notAnswered: "not answered", of: "of",
            legend: "Ratings are before → after, 0–10; – means not answered.",
            resumeHint: "To continue a run that did not finish: respite resume RUN",
            none: "No sessions recorded yet.",
            noRatings: "No ratings recorded yet: they are asked before and after a session.",
            playingNow: "playing now", finished: "finished", stoppedByYou: "stopped by you",
            deviceLost: "the sound device was lost", signal: "ended by a signal", failed: "a file could not be read",
            crash: "interrupted: crash or power loss", inStep: { " in step \($0)" }))
}
