//! Batch signing and verification spread over a rayon pool, one result per item.

use std::panic::{self, AssertUnwindSafe};

use rayon::prelude::*;

use crate::awslc::VerifyingKey;
use crate::error::NativeError;
use crate::sig::{self, Alg, RANDOMNESS_LEN};

/// Below this many items a batch runs on the calling thread: a rayon hand-off costs more than
/// it saves when there is not at least one signature of work for each core.
pub const PARALLEL_THRESHOLD: usize = 4;

/// How many threads a batch may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Threads {
    /// Rayon's global pool, one thread per core.
    All,
    Exactly(usize),
}

impl Threads {
    pub fn from_option(threads: Option<usize>) -> Result<Self, NativeError> {
        match threads {
            None => Ok(Self::All),
            Some(0) => Err(NativeError::InvalidThreadCount(
                "must be at least 1".to_owned(),
            )),
            Some(n) => Ok(Self::Exactly(n)),
        }
    }
}

/// Either one public key for every message or one per message.
pub enum PublicKeys<'a> {
    Shared(&'a [u8]),
    PerItem(Vec<&'a [u8]>),
}

/// Maps `f` over `items` in order, in parallel when the batch is large enough, and turns a
/// panic in the core into an error instead of letting it unwind into Python.
fn map_batch<T, R, F>(items: &[T], threads: Threads, f: F) -> Result<Vec<R>, NativeError>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync + Send,
{
    let run = || match threads {
        _ if items.len() < PARALLEL_THRESHOLD => Ok(items.iter().map(&f).collect()),
        Threads::Exactly(1) => Ok(items.iter().map(&f).collect()),
        Threads::All => Ok(items.par_iter().map(&f).collect()),
        Threads::Exactly(n) => {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(n).build()?;
            Ok(pool.install(|| items.par_iter().map(&f).collect()))
        }
    };
    no_panic(run)
}

/// Runs `f`, turning a panic into `NativeError::Internal` so it never unwinds into Python.
pub fn no_panic<R>(f: impl FnOnce() -> Result<R, NativeError>) -> Result<R, NativeError> {
    panic::catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        let why = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic".to_owned());
        Err(NativeError::Internal(why))
    })
}

fn check_same_len(
    left: &'static str,
    left_len: usize,
    right: &'static str,
    right_len: usize,
) -> Result<(), NativeError> {
    if left_len == right_len {
        Ok(())
    } else {
        Err(NativeError::LengthMismatch {
            left,
            right,
            left_len,
            right_len,
        })
    }
}

/// Signs every message with one key. Hedged signing draws fresh randomness per signature
/// from the OS; deterministic signing uses the all-zero randomness of FIPS 204.
pub fn sign_many(
    alg: Alg,
    sk: &[u8],
    msgs: &[&[u8]],
    ctx: &[u8],
    deterministic: bool,
    threads: Threads,
) -> Result<Vec<Vec<u8>>, NativeError> {
    alg.check_secret_key(sk)?;
    sig::check_context(ctx)?;
    let signed = map_batch(msgs, threads, |msg| {
        let mut rnd = [0u8; RANDOMNESS_LEN];
        if !deterministic {
            getrandom::fill(&mut rnd)?;
        }
        sig::sign(alg, sk, msg, ctx, rnd)
    })?;
    signed.into_iter().collect()
}

/// Verifies every (message, signature) pair; a malformed signature is `false`, not an error,
/// so callers can route each failing item.
pub fn verify_many(
    alg: Alg,
    pks: &PublicKeys<'_>,
    msgs: &[&[u8]],
    sigs: &[&[u8]],
    ctx: &[u8],
    threads: Threads,
) -> Result<Vec<bool>, NativeError> {
    check_same_len("msgs", msgs.len(), "sigs", sigs.len())?;
    match pks {
        PublicKeys::Shared(pk) => alg.check_public_key(pk)?,
        PublicKeys::PerItem(keys) => {
            check_same_len("msgs", msgs.len(), "public keys", keys.len())?;
            keys.iter().try_for_each(|pk| alg.check_public_key(pk))?;
        }
    }
    sig::check_context(ctx)?;
    let indices: Vec<usize> = (0..msgs.len()).collect();
    match pks {
        PublicKeys::Shared(pk) => {
            // Parsed once: the key is shared read-only by every worker thread.
            let key = VerifyingKey::parse(alg, pk);
            map_batch(&indices, threads, |&i| {
                key.as_ref()
                    .is_some_and(|k| k.verify(msgs[i], sigs[i], ctx))
            })
        }
        PublicKeys::PerItem(keys) => map_batch(&indices, threads, |&i| {
            sig::verify(alg, keys[i], msgs[i], sigs[i], ctx)
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sig::SEED_LEN;

    fn batch(n: usize) -> Vec<Vec<u8>> {
        (0..n).map(|i| format!("record {i}").into_bytes()).collect()
    }

    #[test]
    fn batches_verify_in_order_and_route_each_failure() {
        let (pk, sk) = sig::keypair(Alg::MlDsa65, &[1; SEED_LEN]).unwrap();
        let owned = batch(33);
        let msgs: Vec<&[u8]> = owned.iter().map(Vec::as_slice).collect();
        for threads in [Threads::All, Threads::Exactly(1), Threads::Exactly(2)] {
            let mut sigs = sign_many(Alg::MlDsa65, &sk, &msgs, b"c", false, threads).unwrap();
            sigs[5][0] ^= 1;
            sigs[20].truncate(10);
            let sig_refs: Vec<&[u8]> = sigs.iter().map(Vec::as_slice).collect();
            let ok = verify_many(
                Alg::MlDsa65,
                &PublicKeys::Shared(&pk),
                &msgs,
                &sig_refs,
                b"c",
                threads,
            )
            .unwrap();
            let bad: Vec<usize> = ok
                .iter()
                .enumerate()
                .filter(|(_, v)| !**v)
                .map(|(i, _)| i)
                .collect();
            assert_eq!(bad, vec![5, 20]);
        }
    }

    #[test]
    fn per_item_keys_are_used_per_item() {
        let (pk1, sk1) = sig::keypair(Alg::MlDsa44, &[1; SEED_LEN]).unwrap();
        let (pk2, _) = sig::keypair(Alg::MlDsa44, &[2; SEED_LEN]).unwrap();
        let msgs: Vec<&[u8]> = vec![b"a", b"b"];
        let sigs = sign_many(Alg::MlDsa44, &sk1, &msgs, b"", true, Threads::All).unwrap();
        let sig_refs: Vec<&[u8]> = sigs.iter().map(Vec::as_slice).collect();
        let keys = PublicKeys::PerItem(vec![&pk1, &pk2]);
        let ok = verify_many(Alg::MlDsa44, &keys, &msgs, &sig_refs, b"", Threads::All).unwrap();
        assert_eq!(ok, vec![true, false]);
    }

    #[test]
    fn mismatched_lengths_and_zero_threads_are_errors() {
        let (pk, _) = sig::keypair(Alg::MlDsa44, &[1; SEED_LEN]).unwrap();
        let msgs: Vec<&[u8]> = vec![b"a", b"b"];
        let sigs: Vec<&[u8]> = vec![b"x"];
        let err = verify_many(
            Alg::MlDsa44,
            &PublicKeys::Shared(&pk),
            &msgs,
            &sigs,
            b"",
            Threads::All,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "msgs and sigs must have the same length (2 != 1)"
        );
        assert!(Threads::from_option(Some(0)).is_err());
    }

    #[test]
    fn panics_become_errors() {
        let items = [1, 2, 3, 4, 5];
        let err = map_batch(&items, Threads::All, |&i| assert!(i != 4, "boom")).unwrap_err();
        assert_eq!(err, NativeError::Internal("boom".to_owned()));
    }
}
