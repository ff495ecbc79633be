//! ML-DSA verification through AWS-LC, whose mldsa-native code (formally verified, AVX2
//! selected at run time) verifies about 1.6x faster than libcrux on this hardware. Only the
//! raw `EVP_*` interface takes a FIPS 204 context string, hence the FFI here; every pointer
//! is owned by a guard that frees it.

use std::ptr::{null, null_mut, NonNull};

use aws_lc_sys::{
    ERR_clear_error, EVP_DigestVerify, EVP_DigestVerifyInit, EVP_MD_CTX_free, EVP_MD_CTX_new,
    EVP_PKEY_CTX_set1_signature_context_string, EVP_PKEY_free, EVP_PKEY_pqdsa_new_raw_public_key,
    EVP_MD_CTX, EVP_PKEY, NID_MLDSA44, NID_MLDSA65, NID_MLDSA87,
};

use crate::sig::Alg;

/// A parsed ML-DSA public key, reusable across a whole batch and across threads.
pub struct VerifyingKey(NonNull<EVP_PKEY>);

// SAFETY: AWS-LC documents EVP_PKEY as safe to share between threads for operations that do
// not mutate it; verification only reads the key (its reference count is atomic).
unsafe impl Send for VerifyingKey {}
unsafe impl Sync for VerifyingKey {}

impl VerifyingKey {
    /// `None` when AWS-LC rejects the encoding; callers check the length beforehand.
    #[must_use]
    pub fn parse(alg: Alg, pk: &[u8]) -> Option<Self> {
        let nid = match alg {
            Alg::MlDsa44 => NID_MLDSA44,
            Alg::MlDsa65 => NID_MLDSA65,
            Alg::MlDsa87 => NID_MLDSA87,
        };
        // SAFETY: `pk` is a valid slice for the duration of the call; AWS-LC copies it.
        let key = unsafe { EVP_PKEY_pqdsa_new_raw_public_key(nid, pk.as_ptr(), pk.len()) };
        NonNull::new(key).map(Self).or_else(|| {
            clear_errors();
            None
        })
    }

    /// FIPS 204 ML-DSA.Verify (pure, with context). Malformed signatures are `false`.
    #[must_use]
    pub fn verify(&self, msg: &[u8], sig: &[u8], ctx: &[u8]) -> bool {
        let Some(md) = DigestContext::new() else {
            return false;
        };
        let mut pctx = null_mut();
        // SAFETY: `md` and `self.0` are live objects; `pctx` is owned by `md` and freed with
        // it; the slices outlive the calls, and AWS-LC copies the context.
        let ok = unsafe {
            EVP_DigestVerifyInit(
                md.0.as_ptr(),
                &raw mut pctx,
                null(),
                null_mut(),
                self.0.as_ptr(),
            ) == 1
                && (ctx.is_empty()
                    || EVP_PKEY_CTX_set1_signature_context_string(pctx, ctx.as_ptr(), ctx.len())
                        == 1)
                && EVP_DigestVerify(
                    md.0.as_ptr(),
                    sig.as_ptr(),
                    sig.len(),
                    msg.as_ptr(),
                    msg.len(),
                ) == 1
        };
        if !ok {
            clear_errors();
        }
        ok
    }
}

impl Drop for VerifyingKey {
    fn drop(&mut self) {
        // SAFETY: the key was allocated by AWS-LC and is freed exactly once here.
        unsafe { EVP_PKEY_free(self.0.as_ptr()) }
    }
}

struct DigestContext(NonNull<EVP_MD_CTX>);

impl DigestContext {
    fn new() -> Option<Self> {
        // SAFETY: plain allocation; null is handled.
        NonNull::new(unsafe { EVP_MD_CTX_new() }).map(Self)
    }
}

impl Drop for DigestContext {
    fn drop(&mut self) {
        // SAFETY: allocated by EVP_MD_CTX_new and freed exactly once, with its EVP_PKEY_CTX.
        unsafe { EVP_MD_CTX_free(self.0.as_ptr()) }
    }
}

/// A failed verification leaves entries on AWS-LC's thread-local error queue; drop them so a
/// long-lived worker thread does not carry stale errors into later calls.
fn clear_errors() {
    // SAFETY: only touches the calling thread's error queue.
    unsafe { ERR_clear_error() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sig::{self, RANDOMNESS_LEN, SEED_LEN};

    #[test]
    fn verifies_libcrux_signatures_with_context_and_rejects_tampering() {
        for alg in [Alg::MlDsa44, Alg::MlDsa65, Alg::MlDsa87] {
            let (pk, sk) = sig::keypair(alg, &[8; SEED_LEN]).unwrap();
            let key = VerifyingKey::parse(alg, &pk).unwrap();
            let signature =
                sig::sign(alg, &sk, b"msg", b"qrstream/v1", [1; RANDOMNESS_LEN]).unwrap();
            assert!(key.verify(b"msg", &signature, b"qrstream/v1"));
            assert!(!key.verify(b"msg", &signature, b""));
            assert!(!key.verify(b"msG", &signature, b"qrstream/v1"));
            assert!(!key.verify(b"msg", &signature[..100], b"qrstream/v1"));
            let empty = sig::sign(alg, &sk, b"", b"", [2; RANDOMNESS_LEN]).unwrap();
            assert!(key.verify(b"", &empty, b""));
        }
    }

    #[test]
    fn a_key_of_the_wrong_size_does_not_parse() {
        assert!(VerifyingKey::parse(Alg::MlDsa65, &[0; 1312]).is_none());
    }
}
