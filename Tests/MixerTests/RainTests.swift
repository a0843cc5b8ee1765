import AllocationCounter
import Foundation
import Testing

@testable import Mixer

/// The `rain` bed: band-passed noise with sparse droplets, deterministic and block-size independent.
@Suite struct RainTests {
    let rate = 48_000

    func render(frames: Int, block: Int, start: Int = 0) -> (left: [Float], right: [Float]) {
        let schedule = Schedule(
            length: start + frames,
            voices: [VoiceEvent(start: start, length: frames, source: .generator(.rain), bus: .music)])
        return renderAll(Mixer(schedule: schedule, sampleRate: rate), frames: start + frames, block: block)
    }

    @Test func theOutputDoesNotDependOnTheBlockSize() {
        // Starting off the grid of the render's blocks, so cells and blocks never line up.
        let a = render(frames: 96_000, block: 64, start: 37)
        let b = render(frames: 96_000, block: 1_000, start: 37)
        let c = render(frames: 96_000, block: 29, start: 37)
        // Compared as one Bool: printing 96 000-sample arrays on failure would take minutes.
        let same = a.left == b.left && a.right == b.right && a.left == c.left && a.right == c.right
        #expect(same, "rendering in 64-, 1000- and 29-frame blocks must give identical samples")
        #expect(rms(a.left[48_000...]) > 0.01)
    }

    @Test func itIsDarkerThanWhiteNoise() {
        let out = render(frames: 4 * rate, block: 256)
        let (low, high) = bandEnergies(Array(out.left[rate...]), split: 4_000)
        // White noise would put 5/6 of its energy above 4 kHz at 48 kHz.
        #expect(low > 4 * high, "below 4 kHz: \(low), above: \(high)")
        #expect(high > 0, "rain keeps a little air above 4 kHz")
    }

    @Test func itHasDroplets() {
        let out = render(frames: 10 * rate, block: 256)
        // Energy in 5 ms windows: a droplet is a short burst well above the steady bed.
        let window = rate / 200
        let left = Array(out.left[rate...])
        let right = Array(out.right[rate...])
        var energies: [Float] = []
        var start = 0
        while start + window <= left.count {
            var sum: Float = 0
            for n in start..<(start + window) { sum += left[n] * left[n] + right[n] * right[n] }
            energies.append(sum / Float(window))
            start += window
        }
        let sorted = energies.sorted()
        let median = sorted[sorted.count / 2]
        // Count separate bursts: runs of windows above 4× the median (6 dB).
        var bursts = 0
        var inBurst = false
        for e in energies {
            if e > 4 * median && !inBurst { bursts += 1 }
            inBurst = e > 4 * median
        }
        let loudest = sorted.last ?? 0
        #expect(loudest > 10 * median, "loudest 5 ms is \(10 * log10(loudest / median)) dB above the median")
        // About 16 droplets a second fall, most of them soft; dozens stand out in 9 s (45 measured).
        #expect(bursts >= 20 && bursts <= 300, "\(bursts) droplets stood out")
        // And they fall at different places: the channels are far from identical.
        #expect(correlation(left, right) < 0.8)
    }

    @Test(.enabled(if: respite_allocation_counting_available() != 0, "a sanitizer owns malloc"))
    func renderingAllocatesNothing() {
        let schedule = Schedule(
            length: 480_000, voices: [VoiceEvent(start: 0, length: 480_000, source: .generator(.rain), bus: .music)])
        let mixer = Mixer(schedule: schedule, sampleRate: rate)
        let left = UnsafeMutablePointer<Float>.allocate(capacity: 64)
        let right = UnsafeMutablePointer<Float>.allocate(capacity: 64)
        defer { left.deallocate(); right.deallocate() }
        var allocations: Int64 = 0
        for _ in 0..<7_500 {
            respite_allocation_counting_begin()
            mixer.render(left: left, right: right, frames: 64)
            allocations += respite_allocation_counting_end()
        }
        #expect(allocations == 0)
    }

    /// Energy below and above `split` Hz, summed over 4096-point Hann-windowed spectra.
    func bandEnergies(_ x: [Float], split: Double) -> (low: Double, high: Double) {
        let size = 4_096
        let splitBin = Int(split / Double(rate) * Double(size))
        var low = 0.0
        var high = 0.0
        var start = 0
        while start + size <= x.count {
            var re = (0..<size).map { n in
                Double(x[start + n]) * (0.5 - 0.5 * cos(2 * .pi * Double(n) / Double(size)))
            }
            var im = [Double](repeating: 0, count: size)
            fft(&re, &im)
            for k in 1..<(size / 2) {
                let power = re[k] * re[k] + im[k] * im[k]
                if k < splitBin { low += power } else { high += power }
            }
            start += size
        }
        return (low, high)
    }

    /// In-place radix-2 FFT; `re.count` is a power of two.
    func fft(_ re: inout [Double], _ im: inout [Double]) {
        let n = re.count
        var j = 0
        for i in 1..<n {
            var bit = n >> 1
            while j & bit != 0 {
                j ^= bit
                bit >>= 1
            }
            j |= bit
            if i < j {
                re.swapAt(i, j)
                im.swapAt(i, j)
            }
        }
        var length = 2
        while length <= n {
            let angle = -2 * Double.pi / Double(length)
            for start in stride(from: 0, to: n, by: length) {
                for k in 0..<(length / 2) {
                    let wr = cos(angle * Double(k))
                    let wi = sin(angle * Double(k))
                    let a = start + k
                    let b = a + length / 2
                    let tr = re[b] * wr - im[b] * wi
                    let ti = re[b] * wi + im[b] * wr
                    re[b] = re[a] - tr
                    im[b] = im[a] - ti
                    re[a] += tr
                    im[a] += ti
                }
            }
            length <<= 1
        }
    }

    func correlation(_ a: [Float], _ b: [Float]) -> Double {
        var ab = 0.0
        var aa = 0.0
        var bb = 0.0
        for n in a.indices {
            ab += Double(a[n]) * Double(b[n])
            aa += Double(a[n]) * Double(a[n])
            bb += Double(b[n]) * Double(b[n])
        }
        return ab / max(1e-12, (aa * bb).squareRoot())
    }
}
