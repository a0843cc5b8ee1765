#ifndef RESPITE_ALLOCATION_COUNTER_H
#define RESPITE_ALLOCATION_COUNTER_H
#include <stdint.h>

/// Starts counting malloc/calloc/realloc/posix_memalign/aligned_alloc calls made on the calling thread.
void respite_allocation_counting_begin(void);
/// Stops counting on the calling thread and returns how many allocations it saw.
int64_t respite_allocation_counting_end(void);
/// 1 when allocations are counted; 0 in a sanitizer build, where the sanitizer owns malloc.
int respite_allocation_counting_available(void);
#endif
