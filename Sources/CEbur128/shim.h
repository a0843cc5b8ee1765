#ifndef CEbur128_SHIM_H
#define CEbur128_SHIM_H
#include <ebur128.h>
#endif
