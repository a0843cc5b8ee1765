/// AudioIO: the only module that touches C audio libraries.
///
/// It decodes and encodes files (libsndfile), converts sample rates (libsoxr), synthesises draft narration
/// (espeak-ng), measures loudness (libebur128) and drives output sinks (ALSA, file, null). Samples are Float32
/// everywhere and interleaved at file boundaries.
