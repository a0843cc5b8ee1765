#ifndef CALSA_SHIM_H
#define CALSA_SHIM_H
#include <alsa/asoundlib.h>

/// ALSA's library error handler is variadic, which Swift cannot implement; this installs one that
/// discards the library's own stderr chatter so that Respite reports errors in its own words.
static void respite_alsa_silence_errors_handler(const char *file, int line, const char *function, int err,
                                                const char *fmt, ...) {
    (void)file; (void)line; (void)function; (void)err; (void)fmt;
}
static inline void respite_alsa_silence_errors(void) {
    snd_lib_error_set_handler(respite_alsa_silence_errors_handler);
}
#endif
