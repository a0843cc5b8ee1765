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

#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <errno.h>

/// Asks the kernel's fair scheduler (EEVDF, Linux 6.12 and later) for a short time slice for the
/// calling thread, keeping its policy, nice value and share of the processor: a thread that asks
/// for a shorter slice than its neighbours is picked sooner when it wakes, and may cut a running
/// neighbour's slice short. No privilege is needed, unlike SCHED_FIFO. `sched_setattr` has no
/// glibc wrapper in Debian bookworm, and `syscall` is variadic, so Swift calls it through here.
/// Returns 0, or -errno (-EINVAL from kernels without custom slices).
static inline int respite_request_time_slice(uint64_t nanoseconds) {
    struct {
        uint32_t size, policy;
        uint64_t flags;
        int32_t nice;
        uint32_t priority;
        uint64_t runtime, deadline, period;
    } attributes;
    memset(&attributes, 0, sizeof attributes);
    attributes.size = sizeof attributes;
    attributes.policy = 0; /* SCHED_OTHER */
    errno = 0;
    int nice = getpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid));
    if (errno != 0) return -errno;
    attributes.nice = nice;
    attributes.runtime = nanoseconds;
    if (syscall(SYS_sched_setattr, 0, &attributes, 0) != 0) return -errno;
    return 0;
}
#endif
