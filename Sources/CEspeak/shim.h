#ifndef CEspeak_SHIM_H
#define CEspeak_SHIM_H
#include <dlfcn.h>
#include <link.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <espeak-ng/speak_lib.h>
#include <espeak-ng/espeak_ng.h>

/// espeak-ng is loaded on first use, not linked: it brings about twenty libraries with it (a
/// PulseAudio client, X11, D-Bus, systemd, gcrypt) that cost every Respite process about 2 MiB
/// and start-up time, while only narration without a recording, and not yet cached, needs it.
/// The table holds the calls Respite makes, typed from espeak-ng's own headers, and the library's handle.
typedef struct {
    void *handle;
    __typeof__(&espeak_Info) Info;
    __typeof__(&espeak_ListVoices) ListVoices;
    __typeof__(&espeak_SetSynthCallback) SetSynthCallback;
    __typeof__(&espeak_ng_InitializePath) InitializePath;
    __typeof__(&espeak_ng_Initialize) Initialize;
    __typeof__(&espeak_ng_ClearErrorContext) ClearErrorContext;
    __typeof__(&espeak_ng_InitializeOutput) InitializeOutput;
    __typeof__(&espeak_ng_GetSampleRate) GetSampleRate;
    __typeof__(&espeak_ng_SetParameter) SetParameter;
    __typeof__(&espeak_ng_SetVoiceByName) SetVoiceByName;
    __typeof__(&espeak_ng_Synthesize) Synthesize;
    __typeof__(&espeak_ng_Synchronize) Synchronize;
    __typeof__(&espeak_ng_GetStatusCodeMessage) GetStatusCodeMessage;
    __typeof__(&espeak_ng_Terminate) Terminate;
    __typeof__(&espeak_SetPhonemeTrace) SetPhonemeTrace;
} respite_espeak_library;

/// Loads libespeak-ng (by its soname, `library`) and fills `table`. Returns 0 on success;
/// otherwise -1, with the dynamic loader's message copied into `error` (`size` bytes, always
/// NUL-terminated). A library that lacks one of the calls is closed again.
static inline int respite_espeak_load(const char *library, respite_espeak_library *table, char *error,
                                      size_t size) {
    void *handle = dlopen(library, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        const char *message = dlerror();
        snprintf(error, size, "%s", message != NULL ? message : "dlopen failed");
        return -1;
    }
    /* The message is copied before dlclose, which may free it. */
#define RESPITE_ESPEAK_SYMBOL(field, name)                                           \
    *(void **)(&table->field) = dlsym(handle, #name);                               \
    if (table->field == NULL) {                                                      \
        const char *message = dlerror();                                             \
        snprintf(error, size, "%s", message != NULL ? message : #name " is missing"); \
        dlclose(handle);                                                             \
        return -1;                                                                   \
    }
    RESPITE_ESPEAK_SYMBOL(Info, espeak_Info)
    RESPITE_ESPEAK_SYMBOL(ListVoices, espeak_ListVoices)
    RESPITE_ESPEAK_SYMBOL(SetSynthCallback, espeak_SetSynthCallback)
    RESPITE_ESPEAK_SYMBOL(InitializePath, espeak_ng_InitializePath)
    RESPITE_ESPEAK_SYMBOL(Initialize, espeak_ng_Initialize)
    RESPITE_ESPEAK_SYMBOL(ClearErrorContext, espeak_ng_ClearErrorContext)
    RESPITE_ESPEAK_SYMBOL(InitializeOutput, espeak_ng_InitializeOutput)
    RESPITE_ESPEAK_SYMBOL(GetSampleRate, espeak_ng_GetSampleRate)
    RESPITE_ESPEAK_SYMBOL(SetParameter, espeak_ng_SetParameter)
    RESPITE_ESPEAK_SYMBOL(SetVoiceByName, espeak_ng_SetVoiceByName)
    RESPITE_ESPEAK_SYMBOL(Synthesize, espeak_ng_Synthesize)
    RESPITE_ESPEAK_SYMBOL(Synchronize, espeak_ng_Synchronize)
    RESPITE_ESPEAK_SYMBOL(GetStatusCodeMessage, espeak_ng_GetStatusCodeMessage)
    RESPITE_ESPEAK_SYMBOL(Terminate, espeak_ng_Terminate)
    RESPITE_ESPEAK_SYMBOL(SetPhonemeTrace, espeak_SetPhonemeTrace)
#undef RESPITE_ESPEAK_SYMBOL
    table->handle = handle;
    return 0;
}

/* glibc declares dlinfo only under _GNU_SOURCE, which the C library's module is not built with. */
extern int dlinfo(void *__restrict handle, int request, void *__restrict argument);
#define RESPITE_RTLD_DI_LINKMAP 2

/// Keeps every library loaded alongside espeak-ng (its twenty-odd dependencies) loaded for the life of the
/// process, by taking one more reference on each, so that unloading espeak-ng itself between clips unmaps only
/// espeak-ng: reloading one library is cheap, reloading thirty (PulseAudio, D-Bus, gcrypt...) is not.
static inline void respite_espeak_pin_dependencies(void *handle) {
    struct link_map *map = NULL;
    if (handle == NULL || dlinfo(handle, RESPITE_RTLD_DI_LINKMAP, &map) != 0 || map == NULL) return;
    struct link_map *own = map;
    while (map->l_prev != NULL) map = map->l_prev;
    for (; map != NULL; map = map->l_next) {
        if (map == own || map->l_name == NULL || map->l_name[0] == 0) continue;
        (void)dlopen(map->l_name, RTLD_NOW | RTLD_NOLOAD); /* one more reference, never released */
    }
}

/// Closes the library `table` holds and reports whether it is gone from the process: 1 when `soname` is no
/// longer loaded (its next dlopen starts from the file's pristine data), 0 when something still holds it.
static inline int respite_espeak_unload(respite_espeak_library *table, const char *soname) {
    if (table->handle != NULL) dlclose(table->handle);
    table->handle = NULL;
    void *still = dlopen(soname, RTLD_NOW | RTLD_NOLOAD);
    if (still == NULL) return 1;
    dlclose(still);
    return 0;
}
#endif
