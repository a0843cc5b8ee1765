// Counts heap allocations made by one thread, so tests can prove that the real-time render path
// allocates nothing. Defining malloc and friends in the test executable interposes them for the
// whole process (the executable comes first in the dynamic linker's search order); each wrapper
// forwards to glibc's own implementation (__libc_malloc and friends).
#define _GNU_SOURCE
#include "AllocationCounter.h"
#include <stddef.h>
#include <errno.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

static __thread int counting = 0;
static __thread int64_t count = 0;

static inline void note(void) {
    if (counting) count++;
}

void respite_allocation_counting_begin(void) {
    count = 0;
    counting = 1;
}

int64_t respite_allocation_counting_end(void) {
    counting = 0;
    return count;
}

// Under AddressSanitizer or ThreadSanitizer (`make sanitize`) the sanitizer's runtime owns malloc; replacing it
// with glibc's would crash the process at start, so nothing is interposed and counting is unavailable.
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define RESPITE_SANITIZED 1
#endif
#endif

#ifdef RESPITE_SANITIZED
int respite_allocation_counting_available(void) { return 0; }
#else
int respite_allocation_counting_available(void) { return 1; }

void *malloc(size_t size) { note(); return __libc_malloc(size); }
void *calloc(size_t n, size_t size) { note(); return __libc_calloc(n, size); }
void *realloc(void *p, size_t size) { note(); return __libc_realloc(p, size); }
void free(void *p) { __libc_free(p); }
void *memalign(size_t alignment, size_t size) { note(); return __libc_memalign(alignment, size); }
void *aligned_alloc(size_t alignment, size_t size) { note(); return __libc_memalign(alignment, size); }
int posix_memalign(void **out, size_t alignment, size_t size) {
    note();
    void *p = __libc_memalign(alignment, size);
    if (!p) return ENOMEM;
    *out = p;
    return 0;
}
#endif
