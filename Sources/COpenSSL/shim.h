/* OpenSSL's libcrypto (Debian libssl-dev) for the SMB layer's cryptography: digests, HMAC,
 * AES-CMAC, AES-GCM/GMAC and AES-CCM. No cipher is written here; these inline helpers only
 * fill OpenSSL's parameter structures, which Swift cannot build conveniently, and keep each
 * message's calls in one place. MD4 and RC4 exist only as OpenSSL's low-level (deprecated)
 * functions, which NTLM still needs; the EVP forms of both live in the legacy provider. */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/md4.h>
#include <openssl/md5.h>
#include <openssl/rc4.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#include <stddef.h>
#include <string.h>

/* A keyed MAC ("CMAC" over "AES-128-CBC", or "HMAC" over "SHA256"), kept for every message. */
static inline EVP_MAC_CTX *cossl_mac_new(const char *mac_name, const char *param_name, const char *param_value,
                                         const unsigned char *key, size_t key_length) {
    EVP_MAC *mac = EVP_MAC_fetch(NULL, mac_name, NULL);
    if (mac == NULL) return NULL;
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
    EVP_MAC_free(mac);
    if (ctx == NULL) return NULL;
    OSSL_PARAM params[2] = {
        OSSL_PARAM_construct_utf8_string(param_name, (char *)param_value, 0),
        OSSL_PARAM_construct_end(),
    };
    if (EVP_MAC_init(ctx, key, key_length, params) != 1) { EVP_MAC_CTX_free(ctx); return NULL; }
    return ctx;
}

/* The MAC of `count` pieces (pointer, length) with the key set at creation; 1 on success. */
static inline int cossl_mac(EVP_MAC_CTX *ctx, const unsigned char *const *pieces, const size_t *lengths, int count,
                            unsigned char *out, size_t out_size, size_t *out_length) {
    if (EVP_MAC_init(ctx, NULL, 0, NULL) != 1) return 0;
    for (int i = 0; i < count; i++)
        if (lengths[i] > 0 && EVP_MAC_update(ctx, pieces[i], lengths[i]) != 1) return 0;
    return EVP_MAC_final(ctx, out, out_length, out_size);
}

/* An AEAD context ("AES-128-GCM", "AES-256-GCM", "AES-128-CCM", "AES-256-CCM") with its key,
 * for sealing (encrypt = 1) or opening (encrypt = 0) many messages. */
static inline EVP_CIPHER_CTX *cossl_aead_new(const char *cipher_name, const unsigned char *key, int nonce_length, int encrypt) {
    EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, cipher_name, NULL);
    if (cipher == NULL) return NULL;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int ok = ctx != NULL
        && EVP_CipherInit_ex(ctx, cipher, NULL, NULL, NULL, encrypt) == 1
        && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, nonce_length, NULL) == 1
        && (strstr(cipher_name, "CCM") == NULL || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16, NULL) == 1)
        && EVP_CipherInit_ex(ctx, NULL, NULL, key, NULL, encrypt) == 1;
    EVP_CIPHER_free(cipher);
    if (!ok) { EVP_CIPHER_CTX_free(ctx); return NULL; }
    return ctx;
}

/* Seals `length` bytes in place (none for GMAC) with `aad` authenticated; writes the 16-byte tag. */
static inline int cossl_aead_seal(EVP_CIPHER_CTX *ctx, int ccm, const unsigned char *nonce,
                                  const unsigned char *aad, int aad_length, unsigned char *data, int length,
                                  unsigned char *tag) {
    int n = 0;
    if (EVP_CipherInit_ex(ctx, NULL, NULL, NULL, nonce, 1) != 1) return 0;
    if (ccm && EVP_CipherUpdate(ctx, NULL, &n, NULL, length) != 1) return 0;
    if (aad_length > 0 && EVP_CipherUpdate(ctx, NULL, &n, aad, aad_length) != 1) return 0;
    if ((length > 0 || ccm) && EVP_CipherUpdate(ctx, data, &n, data, length) != 1) return 0;
    if (EVP_CipherFinal_ex(ctx, data + length, &n) != 1) return 0;
    return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, tag);
}

/* Opens `length` bytes in place; 1 only when the tag proves them and `aad` unchanged. */
static inline int cossl_aead_open(EVP_CIPHER_CTX *ctx, int ccm, const unsigned char *nonce,
                                  const unsigned char *aad, int aad_length, unsigned char *data, int length,
                                  const unsigned char *tag) {
    int n = 0;
    /* CCM takes the expected tag before the data (its check is in the data's update); GCM after. */
    if (ccm && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16, (void *)tag) != 1) return 0;
    if (EVP_CipherInit_ex(ctx, NULL, NULL, NULL, nonce, 0) != 1) return 0;
    if (ccm && EVP_CipherUpdate(ctx, NULL, &n, NULL, length) != 1) return 0;
    if (aad_length > 0 && EVP_CipherUpdate(ctx, NULL, &n, aad, aad_length) != 1) return 0;
    if (ccm) return EVP_CipherUpdate(ctx, data, &n, data, length) == 1;
    if (length > 0 && EVP_CipherUpdate(ctx, data, &n, data, length) != 1) return 0;
    if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16, (void *)tag) != 1) return 0;
    return EVP_CipherFinal_ex(ctx, data + length, &n) == 1;
}

/* GMAC: the GCM tag over `count` pieces of authenticated data and no plaintext. */
static inline int cossl_gmac(EVP_CIPHER_CTX *ctx, const unsigned char *nonce, const unsigned char *const *pieces,
                             const size_t *lengths, int count, unsigned char *tag) {
    int n = 0;
    unsigned char none[16];
    if (EVP_CipherInit_ex(ctx, NULL, NULL, NULL, nonce, 1) != 1) return 0;
    for (int i = 0; i < count; i++)
        if (lengths[i] > 0 && EVP_CipherUpdate(ctx, NULL, &n, pieces[i], (int)lengths[i]) != 1) return 0;
    if (EVP_CipherFinal_ex(ctx, none, &n) != 1) return 0;
    return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, tag);
}

/* MD5 over `count` pieces (SMB1 signing: the key, then the message with its sequence number). */
static inline int cossl_md5(const unsigned char *const *pieces, const size_t *lengths, int count, unsigned char *out) {
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int n = 0;
    int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_md5(), NULL) == 1;
    for (int i = 0; ok && i < count; i++) ok = lengths[i] == 0 || EVP_DigestUpdate(ctx, pieces[i], lengths[i]) == 1;
    ok = ok && EVP_DigestFinal_ex(ctx, out, &n) == 1 && n == 16;
    EVP_MD_CTX_free(ctx);
    return ok;
}

static inline void cossl_rc4(const unsigned char *key, size_t key_length, const unsigned char *in, unsigned char *out, size_t length) {
    RC4_KEY k;
    RC4_set_key(&k, (int)key_length, key);
    RC4(&k, length, in, out);
    OPENSSL_cleanse(&k, sizeof k);
}
