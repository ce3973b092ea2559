/* libsmbclient, loaded on first use instead of at process start: linking it maps about a hundred
 * Samba libraries (about 30 ms per process here), which every `migrate` process paid even when
 * the direct sessions serve everything (a no-change delta, a worker copying small files).
 * Swift calls the csmb_ wrappers below; each finds its symbol once. csmb_load_error() says why
 * the library could not be loaded (NULL when it is there). */
#include <samba-4.0/libsmbclient.h>
#include <dlfcn.h>
#include <stddef.h>

static inline void *csmb_library(void) {
    static void *library = NULL;
    if (library == NULL) library = dlopen("libsmbclient.so.0", RTLD_NOW | RTLD_LOCAL);
    return library;
}

static inline const char *csmb_load_error(void) {
    static const char *error = NULL;
    if (csmb_library() != NULL) return NULL;
    if (error == NULL) error = dlerror();
    return error != NULL ? error : "libsmbclient.so.0 could not be loaded";
}

static inline void *csmb_symbol(const char *name) {
    void *library = csmb_library();
    return library != NULL ? dlsym(library, name) : NULL;
}

#define CSMB_CALL(ret, name, params, args) \
    static inline ret csmb_##name params { \
        static ret (*fn) params = NULL; \
        if (fn == NULL) fn = (ret (*) params)csmb_symbol(#name); \
        return fn args; \
    }
#define CSMB_VOID(name, params, args) \
    static inline void csmb_##name params { \
        static void (*fn) params = NULL; \
        if (fn == NULL) fn = (void (*) params)csmb_symbol(#name); \
        fn args; \
    }

CSMB_CALL(SMBCCTX *, smbc_new_context, (void), ())
CSMB_CALL(int, smbc_free_context, (SMBCCTX *c, int shutdown_ctx), (c, shutdown_ctx))
CSMB_CALL(SMBCCTX *, smbc_init_context, (SMBCCTX *c), (c))
CSMB_VOID(smbc_setDebug, (SMBCCTX *c, int debug), (c, debug))
CSMB_VOID(smbc_setTimeout, (SMBCCTX *c, int timeout), (c, timeout))
CSMB_CALL(int, smbc_setConfiguration, (SMBCCTX *c, const char *file), (c, file))
CSMB_VOID(smbc_setOptionUserData, (SMBCCTX *c, void *data), (c, data))
CSMB_CALL(void *, smbc_getOptionUserData, (SMBCCTX *c), (c))
CSMB_VOID(smbc_setOptionUseKerberos, (SMBCCTX *c, smbc_bool b), (c, b))
CSMB_VOID(smbc_setOptionUseCCache, (SMBCCTX *c, smbc_bool b), (c, b))
CSMB_VOID(smbc_setOptionFallbackAfterKerberos, (SMBCCTX *c, smbc_bool b), (c, b))
CSMB_VOID(smbc_setOptionNoAutoAnonymousLogin, (SMBCCTX *c, smbc_bool b), (c, b))
CSMB_VOID(smbc_setOptionFullTimeNames, (SMBCCTX *c, smbc_bool b), (c, b))
CSMB_VOID(smbc_setOptionDebugToStderr, (SMBCCTX *c, smbc_bool b), (c, b))
CSMB_VOID(smbc_setOptionSmbEncryptionLevel, (SMBCCTX *c, smbc_smb_encrypt_level level), (c, level))
CSMB_CALL(smbc_bool, smbc_setOptionProtocols, (SMBCCTX *c, const char *min_proto, const char *max_proto), (c, min_proto, max_proto))
CSMB_VOID(smbc_setFunctionAuthDataWithContext, (SMBCCTX *c, smbc_get_auth_data_with_context_fn f), (c, f))
CSMB_CALL(smbc_stat_fn, smbc_getFunctionStat, (SMBCCTX *c), (c))
CSMB_CALL(smbc_open_fn, smbc_getFunctionOpen, (SMBCCTX *c), (c))
CSMB_CALL(smbc_read_fn, smbc_getFunctionRead, (SMBCCTX *c), (c))
CSMB_CALL(smbc_write_fn, smbc_getFunctionWrite, (SMBCCTX *c), (c))
CSMB_CALL(smbc_lseek_fn, smbc_getFunctionLseek, (SMBCCTX *c), (c))
CSMB_CALL(smbc_close_fn, smbc_getFunctionClose, (SMBCCTX *c), (c))
CSMB_CALL(smbc_opendir_fn, smbc_getFunctionOpendir, (SMBCCTX *c), (c))
CSMB_CALL(smbc_readdirplus2_fn, smbc_getFunctionReaddirPlus2, (SMBCCTX *c), (c))
CSMB_CALL(smbc_closedir_fn, smbc_getFunctionClosedir, (SMBCCTX *c), (c))
CSMB_CALL(smbc_mkdir_fn, smbc_getFunctionMkdir, (SMBCCTX *c), (c))
CSMB_CALL(smbc_rmdir_fn, smbc_getFunctionRmdir, (SMBCCTX *c), (c))
CSMB_CALL(smbc_unlink_fn, smbc_getFunctionUnlink, (SMBCCTX *c), (c))
CSMB_CALL(smbc_rename_fn, smbc_getFunctionRename, (SMBCCTX *c), (c))
CSMB_CALL(smbc_utimes_fn, smbc_getFunctionUtimes, (SMBCCTX *c), (c))
CSMB_CALL(smbc_chmod_fn, smbc_getFunctionChmod, (SMBCCTX *c), (c))
CSMB_CALL(smbc_setxattr_fn, smbc_getFunctionSetxattr, (SMBCCTX *c), (c))
