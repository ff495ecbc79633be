//! ML-DSA (FIPS 204) over byte slices for the three parameter sets: key generation and
//! signing by libcrux-ml-dsa (the fastest signer here), verification by AWS-LC (the fastest
//! verifier here), both selecting their AVX2 code at run time.

use libcrux_ml_dsa::{
    ml_dsa_44, ml_dsa_65, ml_dsa_87, MLDSASignature, MLDSASigningKey, MLDSAVerificationKey,
};
use zeroize::Zeroize;

use crate::awslc::VerifyingKey;
use crate::error::NativeError;

pub const SEED_LEN: usize = 32;
pub const RANDOMNESS_LEN: usize = 32;
pub const MAX_CONTEXT_LEN: usize = 255;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Alg {
    MlDsa44,
    MlDsa65,
    MlDsa87,
}

/// Encoded sizes in bytes of one parameter set (FIPS 204, Table 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sizes {
    pub public_key: usize,
    pub secret_key: usize,
    pub signature: usize,
}

impl Alg {
    pub fn from_name(name: &str) -> Result<Self, NativeError> {
        match name {
            "ML-DSA-44" => Ok(Self::MlDsa44),
            "ML-DSA-65" => Ok(Self::MlDsa65),
            "ML-DSA-87" => Ok(Self::MlDsa87),
            _ => Err(NativeError::UnknownAlgorithm(name.to_owned())),
        }
    }

    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::MlDsa44 => "ML-DSA-44",
            Self::MlDsa65 => "ML-DSA-65",
            Self::MlDsa87 => "ML-DSA-87",
        }
    }

    #[must_use]
    pub fn sizes(self) -> Sizes {
        match self {
            Self::MlDsa44 => Sizes {
                public_key: 1312,
                secret_key: 2560,
                signature: 2420,
            },
            Self::MlDsa65 => Sizes {
                public_key: 1952,
                secret_key: 4032,
                signature: 3309,
            },
            Self::MlDsa87 => Sizes {
                public_key: 2592,
                secret_key: 4896,
                signature: 4627,
            },
        }
    }

    pub fn check_public_key(self, pk: &[u8]) -> Result<(), NativeError> {
        self.check_len(pk, self.sizes().public_key, "public key")
    }

    pub fn check_secret_key(self, sk: &[u8]) -> Result<(), NativeError> {
        self.check_len(sk, self.sizes().secret_key, "private key")
    }

    fn check_len(
        self,
        bytes: &[u8],
        expected: usize,
        what: &'static str,
    ) -> Result<(), NativeError> {
        if bytes.len() == expected {
            Ok(())
        } else {
            Err(NativeError::InvalidLength {
                alg: self.name(),
                what,
                expected,
            })
        }
    }
}

/// Runs `$body` with `$m` bound to the libcrux module of `$alg`, so one body serves all three
/// parameter sets while the key and signature array sizes stay compile-time constants.
macro_rules! with_params {
    ($alg:expr, $m:ident => $body:expr) => {
        match $alg {
            Alg::MlDsa44 => {
                use ml_dsa_44 as $m;
                $body
            }
            Alg::MlDsa65 => {
                use ml_dsa_65 as $m;
                $body
            }
            Alg::MlDsa87 => {
                use ml_dsa_87 as $m;
                $body
            }
        }
    };
}

fn to_array<const N: usize>(
    bytes: &[u8],
    alg: Alg,
    what: &'static str,
) -> Result<[u8; N], NativeError> {
    bytes.try_into().map_err(|_| NativeError::InvalidLength {
        alg: alg.name(),
        what,
        expected: N,
    })
}

/// The code path libcrux-ml-dsa selects on this CPU at run time.
#[must_use]
pub fn simd_backend() -> &'static str {
    if cfg!(target_arch = "x86_64") && libcrux_platform::simd256_support() {
        "avx2"
    } else if cfg!(target_arch = "aarch64") && libcrux_platform::simd128_support() {
        "neon"
    } else {
        "portable"
    }
}

pub fn check_context(ctx: &[u8]) -> Result<(), NativeError> {
    if ctx.len() > MAX_CONTEXT_LEN {
        return Err(NativeError::ContextTooLong(ctx.len()));
    }
    Ok(())
}

/// ML-DSA.KeyGen_internal(ξ): returns (public key, expanded private key).
pub fn keypair(alg: Alg, seed: &[u8]) -> Result<(Vec<u8>, Vec<u8>), NativeError> {
    let mut xi: [u8; SEED_LEN] = seed.try_into().map_err(|_| NativeError::InvalidLength {
        alg: alg.name(),
        what: "seed",
        expected: SEED_LEN,
    })?;
    let pair = with_params!(alg, m => {
        let mut pair = m::generate_key_pair(xi);
        let out = (
            pair.verification_key.as_slice().to_vec(),
            pair.signing_key.as_slice().to_vec(),
        );
        pair.signing_key.as_mut_slice().zeroize();
        out
    });
    xi.zeroize();
    Ok(pair)
}

/// ML-DSA.Sign with context; `rnd` all zeros gives the deterministic variant.
pub fn sign(
    alg: Alg,
    sk: &[u8],
    msg: &[u8],
    ctx: &[u8],
    rnd: [u8; RANDOMNESS_LEN],
) -> Result<Vec<u8>, NativeError> {
    with_params!(alg, m => {
        let mut key = MLDSASigningKey::new(to_array(sk, alg, "private key")?);
        let signed = m::sign(&key, msg, ctx, rnd);
        key.as_mut_slice().zeroize();
        signed
            .map(|sig| sig.as_slice().to_vec())
            .map_err(|err| signing_error(&err, ctx))
    })
}

/// ML-DSA.Verify with context, by AWS-LC (see `awslc.rs`). Any malformed input is an invalid
/// signature.
#[must_use]
pub fn verify(alg: Alg, pk: &[u8], msg: &[u8], sig: &[u8], ctx: &[u8]) -> bool {
    VerifyingKey::parse(alg, pk).is_some_and(|key| key.verify(msg, sig, ctx))
}

/// ML-DSA.Sign_internal (FIPS 204 Alg. 7) over an already domain-separated M'.
/// Exposed for conformance testing against NIST ACVP vectors only.
pub fn sign_internal(
    alg: Alg,
    sk: &[u8],
    message: &[u8],
    rnd: [u8; RANDOMNESS_LEN],
) -> Result<Vec<u8>, NativeError> {
    with_params!(alg, m => {
        let mut key = MLDSASigningKey::new(to_array(sk, alg, "private key")?);
        let signed = m::sign_internal(&key, message, rnd);
        key.as_mut_slice().zeroize();
        signed
            .map(|sig| sig.as_slice().to_vec())
            .map_err(|err| signing_error(&err, &[]))
    })
}

/// ML-DSA.Verify_internal (FIPS 204 Alg. 8) over an already domain-separated M'.
#[must_use]
pub fn verify_internal(alg: Alg, pk: &[u8], message: &[u8], sig: &[u8]) -> bool {
    with_params!(alg, m => {
        let (Ok(pk), Ok(sig)) = (to_array(pk, alg, ""), to_array(sig, alg, "")) else {
            return false;
        };
        m::verify_internal(&MLDSAVerificationKey::new(pk), message, &MLDSASignature::new(sig))
            .is_ok()
    })
}

fn signing_error(err: &libcrux_ml_dsa::SigningError, ctx: &[u8]) -> NativeError {
    match err {
        libcrux_ml_dsa::SigningError::ContextTooLongError => NativeError::ContextTooLong(ctx.len()),
        libcrux_ml_dsa::SigningError::RejectionSamplingError => {
            NativeError::Internal("rejection sampling did not terminate".to_owned())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALGS: [Alg; 3] = [Alg::MlDsa44, Alg::MlDsa65, Alg::MlDsa87];

    #[test]
    fn keypair_sizes_match_the_parameter_set() {
        for alg in ALGS {
            let (pk, sk) = keypair(alg, &[7; SEED_LEN]).unwrap();
            assert_eq!(pk.len(), alg.sizes().public_key);
            assert_eq!(sk.len(), alg.sizes().secret_key);
        }
    }

    #[test]
    fn keypair_is_a_function_of_the_seed() {
        assert_eq!(
            keypair(Alg::MlDsa65, &[1; SEED_LEN]).unwrap(),
            keypair(Alg::MlDsa65, &[1; SEED_LEN]).unwrap()
        );
        assert_ne!(
            keypair(Alg::MlDsa65, &[1; SEED_LEN]).unwrap().0,
            keypair(Alg::MlDsa65, &[2; SEED_LEN]).unwrap().0
        );
    }

    #[test]
    fn sign_then_verify_and_reject_tampering() {
        for alg in ALGS {
            let (pk, sk) = keypair(alg, &[3; SEED_LEN]).unwrap();
            let sig = sign(alg, &sk, b"payload", b"ctx", [9; RANDOMNESS_LEN]).unwrap();
            assert_eq!(sig.len(), alg.sizes().signature);
            assert!(verify(alg, &pk, b"payload", &sig, b"ctx"));
            assert!(!verify(alg, &pk, b"payloaD", &sig, b"ctx"));
            assert!(!verify(alg, &pk, b"payload", &sig, b"ctX"));
            assert!(!verify(alg, &pk, b"payload", &sig[1..], b"ctx"));
            let mut flipped = sig.clone();
            flipped[10] ^= 1;
            assert!(!verify(alg, &pk, b"payload", &flipped, b"ctx"));
        }
    }

    #[test]
    fn deterministic_signing_repeats_and_hedged_differs() {
        let (_, sk) = keypair(Alg::MlDsa44, &[5; SEED_LEN]).unwrap();
        let zero = [0; RANDOMNESS_LEN];
        assert_eq!(
            sign(Alg::MlDsa44, &sk, b"m", b"", zero).unwrap(),
            sign(Alg::MlDsa44, &sk, b"m", b"", zero).unwrap()
        );
        assert_ne!(
            sign(Alg::MlDsa44, &sk, b"m", b"", [1; RANDOMNESS_LEN]).unwrap(),
            sign(Alg::MlDsa44, &sk, b"m", b"", [2; RANDOMNESS_LEN]).unwrap()
        );
    }

    #[test]
    fn pure_signing_is_internal_signing_of_the_domain_separated_message() {
        let (pk, sk) = keypair(Alg::MlDsa65, &[4; SEED_LEN]).unwrap();
        let sig = sign(Alg::MlDsa65, &sk, b"msg", b"ab", [0; RANDOMNESS_LEN]).unwrap();
        let m_prime = [&[0u8, 2], &b"ab"[..], b"msg"].concat();
        assert!(verify_internal(Alg::MlDsa65, &pk, &m_prime, &sig));
        assert_eq!(
            sign_internal(Alg::MlDsa65, &sk, &m_prime, [0; RANDOMNESS_LEN]).unwrap(),
            sig
        );
    }

    #[test]
    fn wrong_sizes_are_errors_with_exact_messages() {
        let err = keypair(Alg::MlDsa65, &[0; 31]).unwrap_err();
        assert_eq!(err.to_string(), "ML-DSA-65 seed is 32 bytes long");
        let err = sign(Alg::MlDsa87, &[0; 10], b"", b"", [0; 32]).unwrap_err();
        assert_eq!(err.to_string(), "ML-DSA-87 private key is 4896 bytes long");
        let err = Alg::MlDsa65.check_public_key(&[0; 3]).unwrap_err();
        assert_eq!(err.to_string(), "ML-DSA-65 public key is 1952 bytes long");
        assert!(Alg::from_name("ML-DSA-66").is_err());
    }

    #[test]
    fn long_context_is_rejected() {
        let (_, sk) = keypair(Alg::MlDsa44, &[5; SEED_LEN]).unwrap();
        let err = sign(Alg::MlDsa44, &sk, b"m", &[0; 256], [0; 32]).unwrap_err();
        assert_eq!(err, NativeError::ContextTooLong(256));
    }
}
