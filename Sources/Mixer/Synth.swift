#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The running state of one ``Generator``: a bank of decaying sinusoidal partials plus noise
/// filters, in storage the mixer allocated up front.
///
/// Partials are complex phasors. Each partial keeps its phasor and amplitude at the start of the
/// current 64-frame grid cell, and a table of its rotation and decay from there to every frame of
/// the cell (wᵐ and dᵐ, computed in Double when it starts). A frame's sample is then a product of
/// the cell's state and a table entry, independent of its neighbours, so a cell renders eight
/// frames per vector operation, and from any frame on: the result never depends on how the render
/// is split. At each cell's end the state moves on by one whole cell and is renormalised, so
/// rounding never makes a partial grow. Rain's droplets, whose amplitude is roughened by noise
/// sample by sample, rotate their phasors one frame at a time instead.
///
/// Real-time safety: ``start(_:sampleRate:seed:)`` and ``render(left:right:frames:position:)``
/// never allocate, lock or wait.
struct Synth {
    /// Most partials one generator uses.
    static let partialCapacity = 24

    // Mode tables: (frequency ratio, amplitude, T60 in seconds, pan 0…1). Static, so starting a
    // voice on the audio thread reads them without allocating; `Mixer.init` touches them first.
    /// Minor-third church-bell spectrum relative to the hum (half the nominal), with paired
    /// near-unison partials on hum and prime so the ring beats slowly as real bells do.
    static let bellModes: [(Float, Float, Float, Float)] = [
        (1.0, 0.30, 11, 0.5), (1.0016, 0.22, 10, 0.35), (2.0, 0.34, 8, 0.6), (2.003, 0.18, 7.5, 0.4),
        (2.37, 0.30, 6, 0.55), (3.0, 0.16, 4.5, 0.45), (4.0, 0.40, 4, 0.5), (5.02, 0.13, 2.6, 0.6),
        (5.33, 0.10, 2.2, 0.4), (6.03, 0.08, 1.7, 0.5), (8.3, 0.05, 1.1, 0.5),
    ]
    /// Free-bar modes of a small tube chime.
    static let chimeModes: [(Float, Float, Float, Float)] = [
        (1.0, 0.55, 3.2, 0.5), (1.0009, 0.25, 3.0, 0.4), (2.756, 0.25, 1.5, 0.6), (5.404, 0.10, 0.8, 0.5),
        (8.933, 0.04, 0.45, 0.5),
    ]
    /// Singing-bowl modes in beating pairs.
    static let bowlModes: [(Float, Float, Float, Float)] = [
        (1.0, 0.34, 16, 0.35), (1.0035, 0.30, 15, 0.65), (2.71, 0.22, 10, 0.6), (2.716, 0.18, 10, 0.4),
        (5.15, 0.08, 6, 0.55), (5.162, 0.07, 6, 0.45), (8.45, 0.03, 3.5, 0.5),
    ]

    /// Touches the static tables so their one-time initialisation happens off the audio thread.
    static func prepareTables() -> Int { warmedUp + bellModes.count + chimeModes.count + bowlModes.count }

    /// Starts and renders every kind of generator once, on whichever thread first makes a mixer:
    /// the Swift runtime makes some type metadata (the mode tables' array type among them) on
    /// first use, with a lock and an allocation, and that first use must not be on the audio
    /// thread (`MixerTests.renderAllocatesNothing` saw 4 allocations in the first period of a
    /// process without it).
    private static let warmedUp: Int = {
        var synth = Synth()
        defer { synth.deallocate() }
        let left = UnsafeMutablePointer<Float>.allocate(capacity: grid)
        let right = UnsafeMutablePointer<Float>.allocate(capacity: grid)
        defer {
            left.deallocate()
            right.deallocate()
        }
        let kinds: [Generator] = [
            .bell(pitch: 660), .chime(pitch: 1_046), .bowl(pitch: 196), .tone(pitch: 330),
            .swell(inhale: grid, hold: grid, exhale: grid), .drone(root: 110), .ocean, .rain,
        ]
        for kind in kinds {
            synth.start(kind, sampleRate: 48_000, seed: 1)
            left.initialize(repeating: 0, count: grid)
            right.initialize(repeating: 0, count: grid)
            synth.render(left: left, right: right, frames: grid, position: 0)
        }
        return 0
    }()

    private let re: UnsafeMutablePointer<Float>
    private let im: UnsafeMutablePointer<Float>
    private let stepRe: UnsafeMutablePointer<Float>
    private let stepIm: UnsafeMutablePointer<Float>
    private let amplitude: UnsafeMutablePointer<Float>
    private let decay: UnsafeMutablePointer<Float>
    private let panLeft: UnsafeMutablePointer<Float>
    private let panRight: UnsafeMutablePointer<Float>
    private var partials = 0
    /// Per partial, `grid + 1` entries: the real and imaginary parts of wᵐ and the decay dᵐ, for m
    /// in 0…grid (the last moves the state on to the next cell).
    private let powerRe: UnsafeMutablePointer<Float>
    private let powerIm: UnsafeMutablePointer<Float>
    private let powerDecay: UnsafeMutablePointer<Float>
    /// True for generators whose partials render from the cell tables (all but rain).
    private var usesTables = false

    private var kind: Generator = .ocean
    private var sampleRate: Float = 48_000
    private var noise: UInt32 = 1
    private var noise2: UInt32 = 7
    private var lowLeft: Float = 0
    private var lowRight: Float = 0
    private var low2Left: Float = 0
    private var low2Right: Float = 0
    private var highLeft: Float = 0
    private var highRight: Float = 0
    /// Rain: decides when and how droplets fall; drawn on the grid only, so the pattern never
    /// depends on block size.
    private var dropRandom: UInt32 = 13
    /// Rain, per droplet slot: its own noise generator and low-passed noise (its texture), so each
    /// droplet's samples depend on nothing but its own frames, however the render is split.
    private let dropletNoise: UnsafeMutablePointer<UInt32>
    private let dropletGrain: UnsafeMutablePointer<Float>
    /// Rain: the one-pole coefficient of the droplets' texture filter.
    private var grainCoefficient: Float = 0
    /// Rain: scales a droplet's low-passed noise to a standard deviation of 1 at any sample rate.
    private var grainScale: Float = 0
    /// Rain: the bed's band edges as one-pole coefficients (low-pass twice, then high-pass).
    private var bandLowCoefficient: Float = 0
    private var bandHighCoefficient: Float = 0
    /// Rain: chance, 0…1, that a droplet falls in any one grid cell.
    private var dropChance: Float = 0
    /// Rain: the partial slot the next droplet takes (slots are reused in turn).
    private var nextDroplet = 0
    /// Slow modulators (phasors) for drone breathing and ocean swells.
    private var lfoRe: (Float, Float, Float) = (1, 1, 1)
    private var lfoIm: (Float, Float, Float) = (0, 0, 0)
    private var lfoStepRe: (Float, Float, Float) = (1, 1, 1)
    private var lfoStepIm: (Float, Float, Float) = (0, 0, 0)

    init() {
        let n = Synth.partialCapacity
        re = .allocate(capacity: n)
        im = .allocate(capacity: n)
        stepRe = .allocate(capacity: n)
        stepIm = .allocate(capacity: n)
        amplitude = .allocate(capacity: n)
        decay = .allocate(capacity: n)
        panLeft = .allocate(capacity: n)
        panRight = .allocate(capacity: n)
        dropletNoise = .allocate(capacity: n)
        dropletNoise.initialize(repeating: 1, count: n)
        dropletGrain = .allocate(capacity: n)
        dropletGrain.initialize(repeating: 0, count: n)
        let entries = n * (Synth.grid + 1)
        powerRe = .allocate(capacity: entries)
        powerIm = .allocate(capacity: entries)
        powerDecay = .allocate(capacity: entries)
        powerRe.initialize(repeating: 1, count: entries)
        powerIm.initialize(repeating: 0, count: entries)
        powerDecay.initialize(repeating: 1, count: entries)
    }

    func deallocate() {
        re.deallocate(); im.deallocate(); stepRe.deallocate(); stepIm.deallocate()
        amplitude.deallocate(); decay.deallocate(); panLeft.deallocate(); panRight.deallocate()
        dropletNoise.deallocate(); dropletGrain.deallocate()
        powerRe.deallocate(); powerIm.deallocate(); powerDecay.deallocate()
    }

    /// Prepares to play `generator` from its beginning. `seed` makes noise differ between voices
    /// while staying deterministic.
    mutating func start(_ generator: Generator, sampleRate rate: Int, seed: UInt32) {
        kind = generator
        needsCell = true
        sampleRate = Float(rate)
        partials = 0
        noise = seed &* 2_654_435_761 | 1
        noise2 = (seed &+ 0x9E37_79B9) &* 2_246_822_519 | 1
        dropRandom = (seed ^ 0x5851_F42D) &* 1_597_334_677 | 1
        lowLeft = 0; lowRight = 0; low2Left = 0; low2Right = 0; highLeft = 0; highRight = 0
        nextDroplet = 0
        if case .rain = generator { usesTables = false } else { usesTables = true }
        switch generator {
        case .bell(let pitch):
            let hum = pitch * 0.5
            addModes(Synth.bellModes, base: hum, level: 0.31)
        case .chime(let pitch):
            addModes(Synth.chimeModes, base: pitch, level: 0.45)
        case .bowl(let pitch):
            addModes(Synth.bowlModes, base: pitch, level: 0.43)
        case .tone(let pitch):
            addPartial(pitch, 0.5, 0, 0.5)
            addPartial(pitch * 2, 0.06, 0, 0.5)
            addPartial(pitch * 3, 0.015, 0, 0.5)
        case .drone(let root):
            // Root, fifth and octave; each a few harmonics falling off gently; fundamentals doubled
            // with a slight detune for warmth, partials spread a little across the stereo field.
            for n in 0..<3 {
                let ratio = Float(n + 2) / 2  // root, fifth, octave
                for harmonic in 1...5 {
                    let h = Float(harmonic)
                    let amp = 0.16 / (h * h.squareRoot()) / Float(n + 1).squareRoot()
                    let pan: Float = harmonic % 2 == 0 ? 0.35 + 0.1 * Float(n) : 0.65 - 0.1 * Float(n)
                    addPartial(root * ratio * h, amp, 0, pan)
                }
                addPartial(root * ratio * 1.0023, 0.07, 0, n % 2 == 0 ? 0.3 : 0.7)
            }
            setLFOs(0.031, 0.047, 0.023)
        case .ocean:
            setLFOs(0.083, 0.127, 0.051)
        case .swell:
            break
        case .rain:
            // Droplets are decaying partials in a few reused slots, silent until one falls.
            for _ in 0..<Synth.dropletSlots { addPartial(1_000, 0, 0.02, 0.5) }
            setLFOs(0.043, 0.067, 0.029)
            bandLowCoefficient = onePole(2_500)
            bandHighCoefficient = onePole(300)
            grainCoefficient = onePole(1_200)
            // A one-pole low-pass of uniform noise (variance 1/3) has variance a / (2 − a) / 3.
            grainScale = 1 / (grainCoefficient / (2 - grainCoefficient) / 3).squareRoot()
            dropChance = Synth.dropletsPerSecond * Float(Synth.grid) / sampleRate
        }
    }

    /// Rain: droplet slots; a droplet rings 50 ms at most and they fall about 60 ms apart on
    /// average, so eight slots are almost never all sounding (the oldest is then cut short).
    static let dropletSlots = 8
    /// Rain: mean droplets a second. Sparse enough to hear single drops, dense enough to be steady.
    static let dropletsPerSecond: Float = 16
    /// Rain: the bed's level. With the droplets, rain peaks near -6 dBFS at 0 dB gain (measured by
    /// `GeneratorLevelTests`) with an RMS near -30 dBFS: droplets need headroom above the bed to be
    /// heard as droplets (`RainTests`), so rain sits about 8 dB below `ocean` in RMS.
    static let rainBedLevel: Float = 0.2
    /// Rain: the loudest droplet's amplitude; most are far softer (see ``startDroplet()``).
    static let rainDropLevel: Float = 0.3

    /// The coefficient of a one-pole low-pass with its corner at `frequency` Hz.
    private func onePole(_ frequency: Float) -> Float {
        1 - expf(-2 * .pi * min(frequency, sampleRate * 0.45) / sampleRate)
    }

    /// Adds one partial per table row. Indexes the table directly: a `for (a, b, c, d) in` loop
    /// over tuples allocates in unoptimised builds.
    /// `level` scales the table so that the sound peaks near -6 dBFS at 0 dB gain (measured by
    /// `GeneratorLevelTests`).
    private mutating func addModes(_ modes: [(Float, Float, Float, Float)], base: Float, level: Float) {
        var k = 0
        while k < modes.count {
            let mode = modes[k]
            addPartial(base * mode.0, mode.1 * level, mode.2, mode.3)
            k += 1
        }
    }

    private mutating func addPartial(_ frequency: Float, _ amp: Float, _ t60: Float, _ pan: Float) {
        guard partials < Synth.partialCapacity, frequency < sampleRate * 0.45 else { return }
        setPartial(partials, frequency, amp, t60, pan)
        partials += 1
    }

    /// (Re)starts partial slot `i` at phase 0. `t60` in seconds (0: no decay), `pan` 0…1.
    private mutating func setPartial(_ i: Int, _ frequency: Float, _ amp: Float, _ t60: Float, _ pan: Float) {
        let w = 2 * Float.pi * frequency / sampleRate
        // Start at phase 0 of the sine (`im` is the output): the first sample is 0, never a step.
        re[i] = 1
        im[i] = 0
        stepRe[i] = cosf(w)
        stepIm[i] = sinf(w)
        amplitude[i] = amp
        decay[i] = t60 > 0 ? expf(logf(0.001) / (t60 * sampleRate)) : 1
        // Constant-power pan.
        panLeft[i] = cosf(pan * Float.pi / 2) * 1.4142135
        panRight[i] = sinf(pan * Float.pi / 2) * 1.4142135
        if usesTables { fillTables(i, frequency: frequency, t60: t60) }
    }

    /// wᵐ and dᵐ for m in 0…grid, by recurrence in Double (about 0.3 µs a partial; a voice starts
    /// on the audio thread, so no `sin` or `pow` per entry).
    private func fillTables(_ i: Int, frequency: Float, t60: Float) {
        let w = 2 * Double.pi * Double(frequency) / Double(sampleRate)
        let (stepRe, stepIm) = (cos(w), sin(w))
        let d = t60 > 0 ? exp(log(0.001) / (Double(t60) * Double(sampleRate))) : 1
        var (re, im, decay) = (1.0, 0.0, 1.0)
        let base = i * (Synth.grid + 1)
        for m in 0...Synth.grid {
            powerRe[base + m] = Float(re)
            powerIm[base + m] = Float(im)
            powerDecay[base + m] = Float(decay)
            (re, im) = (re * stepRe - im * stepIm, re * stepIm + im * stepRe)
            decay *= d
        }
    }

    /// Rain: strikes the next droplet slot with a random pitch, length, size and place.
    private mutating func startDroplet() {
        let slot = nextDroplet
        nextDroplet = (nextDroplet + 1) % Synth.dropletSlots
        // One draw per statement, so the order of draws (and the rain) is fixed.
        let frequency = min(1_000 * powf(3.5, uniform()), sampleRate * 0.45)  // 1…3.5 kHz
        let t60 = 0.02 + 0.03 * uniform()  // 20…50 ms
        let size = uniform()
        // Squared: most droplets are soft and far, a few near and clear.
        let amp = Synth.rainDropLevel * (0.1 + 0.9 * size * size)
        let pan = 0.15 + 0.7 * uniform()
        setPartial(slot, frequency, amp, t60, pan)
        dropletNoise[slot] = dropRandom | 1
        dropletGrain[slot] = 0
    }

    /// Rain: a uniform draw in 0..<1 from the droplet generator; called on the grid only.
    private mutating func uniform() -> Float {
        dropRandom ^= dropRandom << 13
        dropRandom ^= dropRandom >> 17
        dropRandom ^= dropRandom << 5
        return Float(dropRandom >> 8) * (1.0 / 16_777_216.0)
    }

    /// Rain: the next sample of a droplet's own white noise, -1…1 (xorshift, as ``whiteNoise()``).
    @inline(__always)
    private static func next(_ state: inout UInt32) -> Float {
        state ^= state << 13
        state ^= state >> 17
        state ^= state << 5
        return Float(Int32(bitPattern: state)) * (1.0 / 2_147_483_648.0)
    }

    private mutating func setLFOs(_ a: Float, _ b: Float, _ c: Float) {
        lfoRe = (1, 1, 1)
        lfoIm = (0, 0, 0)
        lfoStepRe = (cosf(2 * .pi * a / sampleRate), cosf(2 * .pi * b / sampleRate), cosf(2 * .pi * c / sampleRate))
        lfoStepIm = (sinf(2 * .pi * a / sampleRate), sinf(2 * .pi * b / sampleRate), sinf(2 * .pi * c / sampleRate))
    }

    @inline(__always)
    private mutating func whiteNoise() -> Float {
        noise ^= noise << 13
        noise ^= noise >> 17
        noise ^= noise << 5
        return Float(Int32(bitPattern: noise)) * (1.0 / 2_147_483_648.0)
    }

    @inline(__always)
    private mutating func whiteNoise2() -> Float {
        noise2 ^= noise2 << 13
        noise2 ^= noise2 >> 17
        noise2 ^= noise2 << 5
        return Float(Int32(bitPattern: noise2)) * (1.0 / 2_147_483_648.0)
    }

    /// Lets `frames` frames of decay pass without rendering them, for a voice joined part-way
    /// (after a seek). Phases are not advanced: nobody can hear where a partial's cycle is.
    mutating func fastForward(frames: Int) {
        // Table-driven partials hold their state at the start of the cell the voice joins in.
        let passed = usesTables ? frames - frames % Synth.grid : frames
        for p in 0..<partials where decay[p] < 1 {
            amplitude[p] *= powf(decay[p], Float(passed))
        }
    }

    /// Slow parameters (envelopes, filter cutoffs, modulators) are updated and phasors
    /// renormalised on this grid of voice frames, never at block boundaries, so the output does
    /// not depend on how the caller splits the render into blocks (offline equals live).
    static let grid = 64

    /// Control values held for the current grid cell.
    private var cellGain: Float = 1
    /// True until the first cell's control values are computed (a voice joined part-way, after a
    /// seek, starts mid-cell).
    private var needsCell = true
    private var cellCoefficientLeft: Float = 0
    private var cellCoefficientRight: Float = 0
    private var cellLevelLeft: Float = 0
    private var cellLevelRight: Float = 0

    /// Writes (replaces) `frames` samples of the generator into `left` and `right`.
    /// `position` is the voice's frame offset from its start, for time-shaped generators.
    mutating func render(
        left: UnsafeMutablePointer<Float>, right: UnsafeMutablePointer<Float>, frames: Int, position: Int
    ) {
        var done = 0
        while done < frames {
            let pos = position + done
            let offsetInCell = pos % Synth.grid
            if offsetInCell == 0 || needsCell {
                updateCell(position: pos - offsetInCell)
                needsCell = false
            }
            let chunk = min(frames - done, Synth.grid - offsetInCell)
            renderChunk(left: left + done, right: right + done, frames: chunk, from: offsetInCell)
            if (pos + chunk) % Synth.grid == 0 { endCell() }
            done += chunk
        }
    }

    /// Computes the slow control values for the grid cell starting at voice frame `position`.
    private mutating func updateCell(position: Int) {
        switch kind {
        case .swell(let inhale, let hold, let exhale):
            // The level at the cell's end, so the breath is under way from its first frame.
            let position = position + Synth.grid
            let level: Float
            if position < inhale {
                level = smoothstep(Float(position) / Float(max(1, inhale)))
            } else if position < inhale + hold {
                level = 1
            } else {
                level = 1 - smoothstep(Float(position - inhale - hold) / Float(max(1, exhale)))
            }
            // Brighter as the breath fills.
            cellCoefficientLeft = 1 - expf(-2 * .pi * (250 + 1_400 * level) / sampleRate)
            cellGain = 0.9 * level
        case .ocean:
            // Two waves out of step with each other, never quite repeating.
            let waveLeft = 0.5 + 0.5 * (0.6 * lfoIm.0 + 0.4 * lfoIm.1)
            let waveRight = 0.5 + 0.5 * (0.6 * lfoIm.1 + 0.4 * lfoIm.2)
            cellLevelLeft = 0.12 + 0.88 * waveLeft * waveLeft
            cellLevelRight = 0.12 + 0.88 * waveRight * waveRight
            cellCoefficientLeft = 1 - expf(-2 * .pi * (300 + 1_500 * cellLevelLeft) / sampleRate)
            cellCoefficientRight = 1 - expf(-2 * .pi * (300 + 1_500 * cellLevelRight) / sampleRate)
        case .drone:
            // Slow, unequal swells keep a drone alive without any sudden change: gain 0.7…1.0.
            cellGain = 0.85 + 0.15 * (0.5 * lfoIm.0 + 0.3 * lfoIm.1 + 0.2 * lfoIm.2)
        case .rain:
            // The shower thickens and thins a little, never suddenly: bed gain 0.8…1.0.
            cellGain = 0.9 + 0.1 * (0.6 * lfoIm.0 + 0.4 * lfoIm.1)
            // A droplet that has rung out is silenced, so rendering can skip its slot.
            for p in 0..<partials where amplitude[p] < 1e-5 { amplitude[p] = 0 }
            if uniform() < dropChance { startDroplet() }
        default:
            break
        }
    }

    private mutating func renderChunk(
        left: UnsafeMutablePointer<Float>, right: UnsafeMutablePointer<Float>, frames: Int, from offset: Int
    ) {
        switch kind {
        case .swell:
            renderSwell(left: left, right: right, frames: frames)
        case .ocean:
            advanceLFOs(frames: frames)
            renderOcean(left: left, right: right, frames: frames)
        case .drone:
            advanceLFOs(frames: frames)
            renderPartials(left: left, right: right, frames: frames, from: offset, gain: cellGain)
        case .rain:
            advanceLFOs(frames: frames)
            renderRain(left: left, right: right, frames: frames)
        default:
            renderPartials(left: left, right: right, frames: frames, from: offset, gain: 1)
        }
    }

    /// Frames `offset ..< offset + frames` of the current cell, from the cell's state and tables.
    private func renderPartials(
        left: UnsafeMutablePointer<Float>, right: UnsafeMutablePointer<Float>, frames: Int, from offset: Int,
        gain: Float
    ) {
        left.update(repeating: 0, count: frames)
        right.update(repeating: 0, count: frames)
        for p in 0..<partials where amplitude[p] != 0 {
            let r = re[p]
            let i = im[p]
            let gl = panLeft[p] * gain * amplitude[p]
            let gr = panRight[p] * gain * amplitude[p]
            let base = p * (Synth.grid + 1) + offset
            let wr = powerRe + base
            let wi = powerIm + base
            let d = powerDecay + base
            for n in 0..<frames {
                // The imaginary part of the cell's phasor turned on by m frames, decayed m frames.
                let s = (r * wi[n] + i * wr[n]) * d[n]
                left[n] += s * gl
                right[n] += s * gr
            }
        }
    }

    /// At a cell's end: table-driven partials move on by a whole cell; every phasor is pulled
    /// back onto the unit circle; a partial decayed below -140 dB is silenced for good.
    private mutating func endCell() {
        if usesTables {
            let last = Synth.grid
            for p in 0..<partials where amplitude[p] != 0 {
                let base = p * (Synth.grid + 1) + last
                let (wr, wi) = (powerRe[base], powerIm[base])
                (re[p], im[p]) = (re[p] * wr - im[p] * wi, re[p] * wi + im[p] * wr)
                amplitude[p] *= powerDecay[base]
                if amplitude[p] < 1e-7 { amplitude[p] = 0 }
            }
        }
        renormalise()
    }

    /// Pulls every phasor back onto the unit circle; called on grid boundaries only.
    private mutating func renormalise() {
        for p in 0..<partials {
            let magnitude = (re[p] * re[p] + im[p] * im[p]).squareRoot()
            re[p] /= magnitude
            im[p] /= magnitude
        }
        let m0 = (lfoRe.0 * lfoRe.0 + lfoIm.0 * lfoIm.0).squareRoot()
        let m1 = (lfoRe.1 * lfoRe.1 + lfoIm.1 * lfoIm.1).squareRoot()
        let m2 = (lfoRe.2 * lfoRe.2 + lfoIm.2 * lfoIm.2).squareRoot()
        lfoRe = (lfoRe.0 / m0, lfoRe.1 / m1, lfoRe.2 / m2)
        lfoIm = (lfoIm.0 / m0, lfoIm.1 / m1, lfoIm.2 / m2)
    }

    /// Advances the slow modulators sample by sample (they are read once per grid cell).
    private mutating func advanceLFOs(frames: Int) {
        for _ in 0..<frames {
            let r0 = lfoRe.0 * lfoStepRe.0 - lfoIm.0 * lfoStepIm.0
            lfoIm.0 = lfoRe.0 * lfoStepIm.0 + lfoIm.0 * lfoStepRe.0
            lfoRe.0 = r0
            let r1 = lfoRe.1 * lfoStepRe.1 - lfoIm.1 * lfoStepIm.1
            lfoIm.1 = lfoRe.1 * lfoStepIm.1 + lfoIm.1 * lfoStepRe.1
            lfoRe.1 = r1
            let r2 = lfoRe.2 * lfoStepRe.2 - lfoIm.2 * lfoStepIm.2
            lfoIm.2 = lfoRe.2 * lfoStepIm.2 + lfoIm.2 * lfoStepRe.2
            lfoRe.2 = r2
        }
    }

    private mutating func renderSwell(
        left: UnsafeMutablePointer<Float>, right: UnsafeMutablePointer<Float>, frames: Int
    ) {
        bandPassNoise(
            left: left, right: right, frames: frames, low: cellCoefficientLeft,
            high: 1 - expf(-2 * .pi * 120 / sampleRate), gain: cellGain, shared: 0.6)
    }

    /// Stereo noise through two one-pole low-passes and a one-pole high-pass, written to `left`
    /// and `right`: the breath of the pacer and the bed of the rain. `shared` (0…1) is how much
    /// of the left channel's noise the right one carries, so the sound is wide without a hole.
    mutating func bandPassNoise(
        left: UnsafeMutablePointer<Float>, right: UnsafeMutablePointer<Float>, frames: Int, low a: Float,
        high: Float, gain: Float, shared: Float
    ) {
        for k in 0..<frames {
            let wl = whiteNoise()
            let wr = shared * wl + (1 - shared) * whiteNoise2()
            lowLeft += a * (wl - lowLeft)
            lowRight += a * (wr - lowRight)
            low2Left += a * (lowLeft - low2Left)
            low2Right += a * (lowRight - low2Right)
            highLeft += high * (low2Left - highLeft)
            highRight += high * (low2Right - highRight)
            left[k] = (low2Left - highLeft) * gain
            right[k] = (low2Right - highRight) * gain
        }
    }

    private mutating func renderOcean(
        left: UnsafeMutablePointer<Float>, right: UnsafeMutablePointer<Float>, frames: Int
    ) {
        let aLeft = cellCoefficientLeft
        let aRight = cellCoefficientRight
        for k in 0..<frames {
            let wl = whiteNoise()
            let wr = whiteNoise2()
            lowLeft += aLeft * (wl - lowLeft)
            lowRight += aRight * (wr - lowRight)
            low2Left += aLeft * (lowLeft - low2Left)
            low2Right += aRight * (lowRight - low2Right)
            left[k] = low2Left * cellLevelLeft * 1.2
            right[k] = low2Right * cellLevelRight * 1.2
        }
    }
}

extension Synth {
    /// Rain: the band-passed bed, then each sounding droplet, a decaying partial whose amplitude its
    /// own low-passed noise roughens into a pitched-noise tick.
    fileprivate mutating func renderRain(
        left: UnsafeMutablePointer<Float>, right: UnsafeMutablePointer<Float>, frames: Int
    ) {
        let aGrain = grainCoefficient
        bandPassNoise(
            left: left, right: right, frames: frames, low: bandLowCoefficient, high: bandHighCoefficient,
            gain: cellGain * Synth.rainBedLevel, shared: 0.35)
        for p in 0..<partials where amplitude[p] > 0 {
            var r = re[p]
            var i = im[p]
            let sr = stepRe[p]
            let si = stepIm[p]
            var amp = amplitude[p]
            let d = decay[p]
            let gl = panLeft[p]
            let gr = panRight[p]
            var state = dropletNoise[p]
            var g = dropletGrain[p]
            let depth = 0.25 * grainScale
            for n in 0..<frames {
                g += aGrain * (Synth.next(&state) - g)
                let s = i * amp * (0.75 + depth * g)
                left[n] += s * gl
                right[n] += s * gr
                let nr = r * sr - i * si
                i = r * si + i * sr
                r = nr
                amp *= d
            }
            re[p] = r
            im[p] = i
            amplitude[p] = amp
            dropletNoise[p] = state
            dropletGrain[p] = g
        }
    }
}

/// 0 → 0, 1 → 1, with zero slope at both ends: fades that start and stop without a corner.
@inline(__always)
func smoothstep(_ x: Float) -> Float {
    let t = min(max(x, 0), 1)
    return t * t * (3 - 2 * t)
}
