/// One-shot conversion of short in-memory buffers.
extension StreamResampler {
    /// Resamples a whole interleaved buffer (a bell, a narration clip) and flushes the tail.
    ///
    /// - Parameters:
    ///   - input: interleaved samples, `channels` per frame.
    ///   - channels: 1…8.
    ///   - inputRate: Hz, > 0.
    ///   - outputRate: Hz, > 0. When equal to `inputRate` the input is returned unchanged.
    ///   - quality: libsoxr recipe.
    /// - Returns: interleaved samples at `outputRate`, about `frames * outputRate / inputRate` frames.
    /// - Throws: ``ResamplerError`` for a bad configuration or a libsoxr failure.
    ///
    /// Real-time safety: none; allocates the result.
    public static func resampleAll(
        _ input: [Float], channels: Int, inputRate: Int, outputRate: Int, quality: ResamplerQuality = .high
    ) throws(ResamplerError) -> [Float] {
        if inputRate == outputRate, inputRate > 0, channels > 0 { return input }
        let resampler = try StreamResampler(
            inputRate: inputRate, outputRate: outputRate, channels: channels, quality: quality)
        let inputFrames = input.count / channels
        let expected = Int((Double(inputFrames) * Double(outputRate) / Double(inputRate)).rounded())
        let blockFrames = 8192
        var output: [Float] = []
        output.reserveCapacity((expected + 64) * channels)
        var block = [Float](repeating: 0, count: blockFrames * channels)
        var offset = 0
        var flushing = false
        while true {
            let (consumed, produced) = input.withUnsafeBufferPointer { source in
                block.withUnsafeMutableBufferPointer { target -> (consumed: Int, produced: Int) in
                    guard let targetBase = target.baseAddress else { return (0, 0) }
                    let remaining = inputFrames - offset
                    let start = flushing ? nil : source.baseAddress.map { $0 + offset * channels }
                    return resampler.process(
                        input: start, inputFrames: remaining, output: targetBase, outputCapacity: blockFrames)
                }
            }
            if let failure = resampler.lastError { throw failure }
            offset += consumed
            output.append(contentsOf: block[0..<(produced * channels)])
            if !flushing && offset >= inputFrames { flushing = true }
            if flushing && produced == 0 { break }
        }
        return output
    }
}
