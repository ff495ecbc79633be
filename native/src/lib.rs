//! `streams._native`: ML-DSA (FIPS 204) batch signing and verification for qrstream.

pub mod awslc;
pub mod batch;
pub mod error;
mod py;
pub mod sig;

use pyo3::prelude::*;

#[pymodule(gil_used = false)]
mod _native {
    #[pymodule_export]
    use crate::py::{
        keypair, parameter_sizes, sign, sign_internal, sign_many, simd_backend, verify,
        verify_internal, verify_many,
    };

    use pyo3::prelude::*;

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add("__version__", env!("CARGO_PKG_VERSION"))
    }
}
