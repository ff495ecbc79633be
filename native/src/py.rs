//! The Python-facing functions: convert arguments once, run the core with the GIL released,
//! and map `NativeError` onto Python exceptions.

use pyo3::buffer::PyBuffer;
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use crate::batch::{self, no_panic, PublicKeys, Threads};
use crate::error::NativeError;
use crate::sig::{self, Alg, RANDOMNESS_LEN, SEED_LEN};

pyo3::import_exception!(streams.errors, InvalidSignature);

impl From<NativeError> for PyErr {
    fn from(err: NativeError) -> Self {
        match err {
            NativeError::InvalidSignature => InvalidSignature::new_err(err.to_string()),
            NativeError::Random(_) | NativeError::Internal(_) => {
                PyRuntimeError::new_err(err.to_string())
            }
            NativeError::UnknownAlgorithm(_)
            | NativeError::InvalidLength { .. }
            | NativeError::ContextTooLong(_)
            | NativeError::LengthMismatch { .. }
            | NativeError::InvalidThreadCount(_) => PyValueError::new_err(err.to_string()),
        }
    }
}

/// A read-only view of a bytes-like object, held without copying for as long as the
/// exporter keeps the buffer alive.
struct Borrowed(PyBuffer<u8>);

impl Borrowed {
    fn new(obj: &Bound<'_, PyAny>, what: &dyn Fn() -> String) -> PyResult<Self> {
        if obj.is_instance_of::<PyString>() {
            return Err(PyTypeError::new_err(format!(
                "{} must be bytes-like, not str",
                what()
            )));
        }
        let buffer = PyBuffer::<u8>::get(obj).map_err(|_| {
            let kind = obj
                .get_type()
                .name()
                .map_or_else(|_| "object".to_owned(), |n| n.to_string());
            PyTypeError::new_err(format!(
                "{} must be bytes-like with unsigned byte items (bytes, bytearray, \
                 memoryview of format 'B'), not {kind}",
                what()
            ))
        })?;
        if !buffer.is_c_contiguous() {
            return Err(PyValueError::new_err(format!(
                "{} must be C-contiguous",
                what()
            )));
        }
        Ok(Self(buffer))
    }

    fn as_slice(&self) -> &[u8] {
        if self.0.len_bytes() == 0 {
            return &[];
        }
        // SAFETY: the buffer is C-contiguous, `len_bytes` long, and stays exported while
        // `self.0` lives; the core only reads it. The Python caller must not resize a
        // bytearray it passed in while the call runs, as with every buffer-taking API.
        unsafe { std::slice::from_raw_parts(self.0.buf_ptr().cast::<u8>(), self.0.len_bytes()) }
    }
}

fn borrow_one(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<Borrowed> {
    Borrowed::new(obj, &|| name.to_owned())
}

fn borrow_seq(seq: &Bound<'_, PyAny>, name: &str) -> PyResult<Vec<Borrowed>> {
    if seq.is_instance_of::<PyString>() || seq.is_instance_of::<PyBytes>() {
        return Err(PyTypeError::new_err(format!(
            "{name} must be a sequence of bytes-like objects"
        )));
    }
    let iter = seq.try_iter().map_err(|_| {
        PyTypeError::new_err(format!("{name} must be a sequence of bytes-like objects"))
    })?;
    iter.enumerate()
        .map(|(i, item)| Borrowed::new(&item?, &|| format!("{name}[{i}]")))
        .collect()
}

fn slices(items: &[Borrowed]) -> Vec<&[u8]> {
    items.iter().map(Borrowed::as_slice).collect()
}

fn to_bytes_list(py: Python<'_>, items: Vec<Vec<u8>>) -> Vec<Py<PyBytes>> {
    items
        .into_iter()
        .map(|b| PyBytes::new(py, &b).unbind())
        .collect()
}

fn random_seed() -> Result<[u8; SEED_LEN], NativeError> {
    let mut seed = [0u8; SEED_LEN];
    getrandom::fill(&mut seed)?;
    Ok(seed)
}

/// The ML-DSA code path selected on this CPU: "avx2", "neon" or "portable".
#[pyfunction]
pub fn simd_backend() -> &'static str {
    sig::simd_backend()
}

/// Encoded (public key, private key, signature) sizes of a parameter set.
#[pyfunction]
pub fn parameter_sizes(alg: &str) -> PyResult<(usize, usize, usize)> {
    let sizes = Alg::from_name(alg)?.sizes();
    Ok((sizes.public_key, sizes.secret_key, sizes.signature))
}

/// ML-DSA.KeyGen from a 32-byte seed, or from the OS RNG when `seed` is None.
#[pyfunction]
#[pyo3(signature = (alg, seed=None))]
pub fn keypair(
    py: Python<'_>,
    alg: &str,
    seed: Option<&Bound<'_, PyAny>>,
) -> PyResult<(Py<PyBytes>, Py<PyBytes>)> {
    let alg = Alg::from_name(alg)?;
    let (pk, mut sk) = if let Some(obj) = seed {
        let seed = borrow_one(obj, "seed")?;
        let bytes = seed.as_slice();
        py.detach(|| no_panic(|| sig::keypair(alg, bytes)))?
    } else {
        let seed = random_seed()?;
        py.detach(|| no_panic(|| sig::keypair(alg, &seed)))?
    };
    let out = (
        PyBytes::new(py, &pk).unbind(),
        PyBytes::new(py, &sk).unbind(),
    );
    zeroize::Zeroize::zeroize(&mut sk);
    Ok(out)
}

/// Signs each message of `msgs` with one private key.
#[pyfunction]
#[pyo3(signature = (alg, sk, msgs, ctx, *, deterministic=false, threads=None))]
#[allow(clippy::too_many_arguments)]
pub fn sign_many(
    py: Python<'_>,
    alg: &str,
    sk: &Bound<'_, PyAny>,
    msgs: &Bound<'_, PyAny>,
    ctx: &Bound<'_, PyAny>,
    deterministic: bool,
    threads: Option<usize>,
) -> PyResult<Vec<Py<PyBytes>>> {
    let alg = Alg::from_name(alg)?;
    let threads = Threads::from_option(threads)?;
    let sk = borrow_one(sk, "sk")?;
    let ctx = borrow_one(ctx, "ctx")?;
    let msgs = borrow_seq(msgs, "msgs")?;
    let views = slices(&msgs);
    let (sk, ctx) = (sk.as_slice(), ctx.as_slice());
    let sigs = py.detach(|| batch::sign_many(alg, sk, &views, ctx, deterministic, threads))?;
    Ok(to_bytes_list(py, sigs))
}

/// Verifies each (message, signature) pair; `pk` is one public key for all or one per item.
#[pyfunction]
#[pyo3(signature = (alg, pk, msgs, sigs, ctx, *, threads=None))]
pub fn verify_many(
    py: Python<'_>,
    alg: &str,
    pk: &Bound<'_, PyAny>,
    msgs: &Bound<'_, PyAny>,
    sigs: &Bound<'_, PyAny>,
    ctx: &Bound<'_, PyAny>,
    threads: Option<usize>,
) -> PyResult<Vec<bool>> {
    let alg = Alg::from_name(alg)?;
    let threads = Threads::from_option(threads)?;
    let shared_key = if pk.is_instance_of::<PyBytes>() || PyBuffer::<u8>::get(pk).is_ok() {
        Some(borrow_one(pk, "pk")?)
    } else {
        None
    };
    let key_list = match shared_key {
        Some(_) => Vec::new(),
        None if pk.is_instance_of::<PyString>() || pk.try_iter().is_err() => {
            return Err(PyTypeError::new_err(
                "pk must be bytes-like or a sequence of bytes-like objects",
            ));
        }
        None => borrow_seq(pk, "pk")?,
    };
    let ctx = borrow_one(ctx, "ctx")?;
    let msgs = borrow_seq(msgs, "msgs")?;
    let sigs = borrow_seq(sigs, "sigs")?;
    let keys = match &shared_key {
        Some(key) => PublicKeys::Shared(key.as_slice()),
        None => PublicKeys::PerItem(slices(&key_list)),
    };
    let (msg_views, sig_views, ctx) = (slices(&msgs), slices(&sigs), ctx.as_slice());
    Ok(py.detach(|| batch::verify_many(alg, &keys, &msg_views, &sig_views, ctx, threads))?)
}

/// Signs one message.
#[pyfunction]
#[pyo3(signature = (alg, sk, msg, ctx, *, deterministic=false))]
pub fn sign(
    py: Python<'_>,
    alg: &str,
    sk: &Bound<'_, PyAny>,
    msg: &Bound<'_, PyAny>,
    ctx: &Bound<'_, PyAny>,
    deterministic: bool,
) -> PyResult<Py<PyBytes>> {
    let alg = Alg::from_name(alg)?;
    let (sk, msg, ctx) = (
        borrow_one(sk, "sk")?,
        borrow_one(msg, "msg")?,
        borrow_one(ctx, "ctx")?,
    );
    alg.check_secret_key(sk.as_slice())?;
    sig::check_context(ctx.as_slice())?;
    let mut rnd = [0u8; RANDOMNESS_LEN];
    if !deterministic {
        getrandom::fill(&mut rnd).map_err(NativeError::from)?;
    }
    let (sk, msg, ctx) = (sk.as_slice(), msg.as_slice(), ctx.as_slice());
    let signature = py.detach(|| no_panic(|| sig::sign(alg, sk, msg, ctx, rnd)))?;
    Ok(PyBytes::new(py, &signature).unbind())
}

/// Verifies one signature; raises `InvalidSignature` when it does not verify.
#[pyfunction]
pub fn verify(
    py: Python<'_>,
    alg: &str,
    pk: &Bound<'_, PyAny>,
    msg: &Bound<'_, PyAny>,
    sig: &Bound<'_, PyAny>,
    ctx: &Bound<'_, PyAny>,
) -> PyResult<()> {
    let alg = Alg::from_name(alg)?;
    let (pk, msg) = (borrow_one(pk, "pk")?, borrow_one(msg, "msg")?);
    let (signature, ctx) = (borrow_one(sig, "sig")?, borrow_one(ctx, "ctx")?);
    alg.check_public_key(pk.as_slice())?;
    sig::check_context(ctx.as_slice())?;
    let (pk, msg, signature, ctx) = (
        pk.as_slice(),
        msg.as_slice(),
        signature.as_slice(),
        ctx.as_slice(),
    );
    if py.detach(|| no_panic(|| Ok(sig::verify(alg, pk, msg, signature, ctx))))? {
        Ok(())
    } else {
        Err(NativeError::InvalidSignature.into())
    }
}

/// ML-DSA.Sign_internal over a domain-separated M' (conformance testing only).
#[pyfunction]
pub fn sign_internal(
    py: Python<'_>,
    alg: &str,
    sk: &Bound<'_, PyAny>,
    message: &Bound<'_, PyAny>,
    rnd: &Bound<'_, PyAny>,
) -> PyResult<Py<PyBytes>> {
    let alg = Alg::from_name(alg)?;
    let (sk, message, rnd) = (
        borrow_one(sk, "sk")?,
        borrow_one(message, "message")?,
        borrow_one(rnd, "rnd")?,
    );
    let rnd: [u8; RANDOMNESS_LEN] =
        rnd.as_slice()
            .try_into()
            .map_err(|_| NativeError::InvalidLength {
                alg: alg.name(),
                what: "signing randomness",
                expected: RANDOMNESS_LEN,
            })?;
    let (sk, message) = (sk.as_slice(), message.as_slice());
    let signature = py.detach(|| no_panic(|| sig::sign_internal(alg, sk, message, rnd)))?;
    Ok(PyBytes::new(py, &signature).unbind())
}

/// ML-DSA.Verify_internal over a domain-separated M' (conformance testing only).
#[pyfunction]
pub fn verify_internal(
    py: Python<'_>,
    alg: &str,
    pk: &Bound<'_, PyAny>,
    message: &Bound<'_, PyAny>,
    sig: &Bound<'_, PyAny>,
) -> PyResult<bool> {
    let alg = Alg::from_name(alg)?;
    let (pk, message, signature) = (
        borrow_one(pk, "pk")?,
        borrow_one(message, "message")?,
        borrow_one(sig, "sig")?,
    );
    alg.check_public_key(pk.as_slice())?;
    let (pk, message, signature) = (pk.as_slice(), message.as_slice(), signature.as_slice());
    Ok(py.detach(|| no_panic(|| Ok(sig::verify_internal(alg, pk, message, signature))))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn native_errors_map_to_python_exception_types() {
        Python::attach(|py| {
            let value: PyErr = NativeError::ContextTooLong(300).into();
            assert!(value.is_instance_of::<PyValueError>(py));
            assert_eq!(
                value.value(py).to_string(),
                "context is at most 255 bytes long, got 300"
            );
            let internal: PyErr = NativeError::Internal("x".to_owned()).into();
            assert!(internal.is_instance_of::<PyRuntimeError>(py));
            let invalid: PyErr = NativeError::InvalidSignature.into();
            assert!(invalid.is_instance_of::<InvalidSignature>(py));
        });
    }
}
