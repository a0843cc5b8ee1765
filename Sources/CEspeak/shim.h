#ifndef CEspeak_SHIM_H
#define CEspeak_SHIM_H
#include <dlfcn.h>
#include <stddef.h>
#include <stdio.h>
#include <espeak-ng/speak_lib.h>
#include <espeak-ng/espeak_ng.h>

/// espeak-ng is loaded on first use, not linked: it brings about twenty libraries with it (a
/// PulseAudio client, X11, D-Bus, systemd, gcrypt) that cost every Respite process about 2 MiB
/// and start-up time, while only narration without a recording, and not yet cached, needs it.
/// The table holds the calls Respite makes, typed from espeak-ng's own headers.
typedef struct {
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
#undef RESPITE_ESPEAK_SYMBOL
    return 0;
}
#endif
