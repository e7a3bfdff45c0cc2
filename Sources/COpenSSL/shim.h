/*
 * The few SM2 and SM3 operations CreditGate needs from the system OpenSSL (3.0 or later), as
 * small inline functions: Swift calls these instead of OpenSSL's parameter builders and
 * reference-counted objects directly. Nothing here implements cryptography; each function is a
 * sequence of documented OpenSSL calls (see SM2(7) and EVP_DigestSignInit(3)).
 *
 * Keys cross into Swift as an opaque EVP_PKEY (freed with cg_sm2_free). Signatures cross as 64
 * bytes, r then s, each 32 bytes big-endian (as RFC 9421 does for ECDSA); OpenSSL's own DER form
 * stays inside.
 */
#ifndef CREDITGATE_COPENSSL_SHIM_H
#define CREDITGATE_COPENSSL_SHIM_H

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <stddef.h>
#include <stdint.h>

typedef EVP_PKEY cg_sm2_key;

/* SM3 (GB/T 32905) of `len` bytes into `out` (32 bytes). Returns 1 on success. */
static inline int cg_sm3(const uint8_t *data, size_t len, uint8_t *out) {
    unsigned int size = 0;
    return EVP_Digest(data, len, out, &size, EVP_sm3(), NULL) == 1 && size == 32;
}

static inline void cg_sm2_free(cg_sm2_key *key) { EVP_PKEY_free(key); }

/* A fresh SM2 key pair from OpenSSL's random generator, or NULL. */
static inline cg_sm2_key *cg_sm2_generate(void) {
    EVP_PKEY *key = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL);
    if (ctx != NULL && EVP_PKEY_keygen_init(ctx) == 1) {
        if (EVP_PKEY_generate(ctx, &key) != 1) key = NULL;
    }
    EVP_PKEY_CTX_free(ctx);
    return key;
}

/* The key from parameters: the group is always SM2's; `priv` may be NULL for a public key. */
static inline cg_sm2_key *cg_sm2_fromdata(const uint8_t *pub, size_t publen, BIGNUM *priv) {
    EVP_PKEY *key = NULL;
    OSSL_PARAM *params = NULL;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL);
    if (bld == NULL || ctx == NULL) goto done;
    if (OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "SM2", 0) != 1) goto done;
    if (OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, publen) != 1) goto done;
    if (priv != NULL && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv) != 1) goto done;
    if ((params = OSSL_PARAM_BLD_to_param(bld)) == NULL) goto done;
    if (EVP_PKEY_fromdata_init(ctx) != 1) goto done;
    if (EVP_PKEY_fromdata(ctx, &key, priv != NULL ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params) != 1) key = NULL;
done:
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    EVP_PKEY_CTX_free(ctx);
    return key;
}

/*
 * A public key from its 65-byte uncompressed point (0x04 || x || y), or NULL when the bytes are
 * not a point of the SM2 curve (other than the point at infinity).
 */
static inline cg_sm2_key *cg_sm2_public_key(const uint8_t *point, size_t len) {
    if (len != 65 || point[0] != 0x04) return NULL;
    EVP_PKEY *key = cg_sm2_fromdata(point, len, NULL);
    if (key == NULL) return NULL;
    EVP_PKEY_CTX *check = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
    int valid = check != NULL && EVP_PKEY_public_check(check) == 1;
    EVP_PKEY_CTX_free(check);
    if (!valid) { EVP_PKEY_free(key); return NULL; }
    return key;
}

/*
 * A key pair from its 32-byte private scalar d, which must lie in [1, n-2] (GB/T 32918.1): the
 * public point d·G is computed here, so a key file needs to hold d only.
 */
static inline cg_sm2_key *cg_sm2_private_key(const uint8_t *scalar, size_t len) {
    if (len != 32) return NULL;
    EVP_PKEY *key = NULL;
    uint8_t point[65];
    BIGNUM *d = BN_bin2bn(scalar, (int)len, NULL);
    BIGNUM *limit = BN_new();
    EC_GROUP *group = EC_GROUP_new_by_curve_name(NID_sm2);
    EC_POINT *pub = group != NULL ? EC_POINT_new(group) : NULL;
    if (d == NULL || limit == NULL || pub == NULL) goto done;
    /* n - 2: d = n - 1 has no inverse of 1 + d, which signing needs. */
    if (BN_copy(limit, EC_GROUP_get0_order(group)) == NULL || BN_sub_word(limit, 2) != 1) goto done;
    if (BN_is_zero(d) || BN_cmp(d, limit) > 0) goto done;
    if (EC_POINT_mul(group, pub, d, NULL, NULL, NULL) != 1) goto done;
    if (EC_POINT_point2oct(group, pub, POINT_CONVERSION_UNCOMPRESSED, point, sizeof point, NULL) != sizeof point) goto done;
    key = cg_sm2_fromdata(point, sizeof point, d);
done:
    EC_POINT_free(pub);
    EC_GROUP_free(group);
    BN_free(limit);
    BN_clear_free(d);
    return key;
}

/* The private scalar d, 32 bytes big-endian. Returns 1 on success. */
static inline int cg_sm2_private_bytes(const cg_sm2_key *key, uint8_t *out) {
    BIGNUM *d = NULL;
    if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, &d) != 1) return 0;
    int ok = BN_bn2binpad(d, out, 32) == 32;
    BN_clear_free(d);
    return ok;
}

/* The public point, 65 bytes uncompressed (0x04 || x || y). Returns 1 on success. */
static inline int cg_sm2_public_bytes(const cg_sm2_key *key, uint8_t *out) {
    size_t size = 0;
    return EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, out, 65, &size) == 1 && size == 65 && out[0] == 0x04;
}

/*
 * A digest-sign or digest-verify context over SM3 with the signer's distinguishing ID, in `*md`
 * and its key context in `*pkey`. The digest context does not own the key context
 * (EVP_MD_CTX_set_pkey_ctx): cg_sm2_context_free frees both.
 */
static inline int cg_sm2_context(cg_sm2_key *key, const uint8_t *id, size_t idlen, int sign, EVP_MD_CTX **md, EVP_PKEY_CTX **pkey) {
    *md = EVP_MD_CTX_new();
    *pkey = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
    if (*md == NULL || *pkey == NULL || EVP_PKEY_CTX_set1_id(*pkey, id, idlen) != 1) return 0;
    EVP_MD_CTX_set_pkey_ctx(*md, *pkey);
    return (sign ? EVP_DigestSignInit(*md, NULL, EVP_sm3(), NULL, key) : EVP_DigestVerifyInit(*md, NULL, EVP_sm3(), NULL, key)) == 1;
}

static inline void cg_sm2_context_free(EVP_MD_CTX *md, EVP_PKEY_CTX *pkey) {
    EVP_MD_CTX_free(md);
    EVP_PKEY_CTX_free(pkey);
}

/*
 * Signs `msg` with SM2 over SM3 (GB/T 32918.2: e = SM3(Z_A || M), Z_A from `id`), writing r || s
 * (64 bytes) to `out`. Returns 1 on success.
 */
static inline int cg_sm2_sign(cg_sm2_key *key, const uint8_t *id, size_t idlen, const uint8_t *msg, size_t len, uint8_t *out) {
    int ok = 0;
    unsigned char der[80];
    size_t derlen = sizeof der;
    const unsigned char *cursor = der;
    ECDSA_SIG *sig = NULL;
    EVP_MD_CTX *md = NULL;
    EVP_PKEY_CTX *pkey = NULL;
    if (!cg_sm2_context(key, id, idlen, 1, &md, &pkey) || EVP_DigestSign(md, der, &derlen, msg, len) != 1) goto done;
    if ((sig = d2i_ECDSA_SIG(NULL, &cursor, (long)derlen)) == NULL) goto done;
    ok = BN_bn2binpad(ECDSA_SIG_get0_r(sig), out, 32) == 32 && BN_bn2binpad(ECDSA_SIG_get0_s(sig), out + 32, 32) == 32;
done:
    ECDSA_SIG_free(sig);
    cg_sm2_context_free(md, pkey);
    return ok;
}

/* Whether r || s (64 bytes) is a valid SM2 signature of `msg` by `key` under `id`. */
static inline int cg_sm2_verify(cg_sm2_key *key, const uint8_t *id, size_t idlen, const uint8_t *msg, size_t len, const uint8_t *rs) {
    int ok = 0;
    unsigned char *der = NULL;
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(rs, 32, NULL), *s = BN_bin2bn(rs + 32, 32, NULL);
    EVP_MD_CTX *md = NULL;
    EVP_PKEY_CTX *pkey = NULL;
    if (sig == NULL || r == NULL || s == NULL || ECDSA_SIG_set0(sig, r, s) != 1) { BN_free(r); BN_free(s); goto done; }
    int derlen = i2d_ECDSA_SIG(sig, &der);
    if (derlen <= 0 || !cg_sm2_context(key, id, idlen, 0, &md, &pkey)) goto done;
    ok = EVP_DigestVerify(md, der, (size_t)derlen, msg, len) == 1;
done:
    OPENSSL_free(der);
    ECDSA_SIG_free(sig);
    cg_sm2_context_free(md, pkey);
    return ok;
}

#endif
