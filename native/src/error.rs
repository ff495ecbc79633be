//! The one error type of the native core; `py.rs` maps it onto Python exceptions.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NativeError {
    UnknownAlgorithm(String),
    /// A key, seed or randomness of the wrong size for its parameter set.
    InvalidLength {
        alg: &'static str,
        what: &'static str,
        expected: usize,
    },
    ContextTooLong(usize),
    /// Parallel inputs (messages, signatures, keys) that do not line up.
    LengthMismatch {
        left: &'static str,
        right: &'static str,
        left_len: usize,
        right_len: usize,
    },
    InvalidThreadCount(String),
    InvalidSignature,
    Random(String),
    /// A failure inside the ML-DSA core that inputs of the right size cannot cause.
    Internal(String),
}

impl fmt::Display for NativeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownAlgorithm(name) => write!(
                f,
                "unknown ML-DSA parameter set {name:?}; expected ML-DSA-44, ML-DSA-65 or ML-DSA-87"
            ),
            Self::InvalidLength {
                alg,
                what,
                expected,
            } => write!(f, "{alg} {what} is {expected} bytes long"),
            Self::ContextTooLong(len) => {
                write!(f, "context is at most 255 bytes long, got {len}")
            }
            Self::LengthMismatch {
                left,
                right,
                left_len,
                right_len,
            } => write!(
                f,
                "{left} and {right} must have the same length ({left_len} != {right_len})"
            ),
            Self::InvalidThreadCount(why) => write!(f, "invalid thread count: {why}"),
            Self::InvalidSignature => f.write_str("signature verification failed"),
            Self::Random(why) => write!(f, "OS random number generator failed: {why}"),
            Self::Internal(why) => write!(f, "internal ML-DSA error: {why}"),
        }
    }
}

impl std::error::Error for NativeError {}

impl From<getrandom::Error> for NativeError {
    fn from(err: getrandom::Error) -> Self {
        Self::Random(err.to_string())
    }
}

impl From<rayon::ThreadPoolBuildError> for NativeError {
    fn from(err: rayon::ThreadPoolBuildError) -> Self {
        Self::InvalidThreadCount(err.to_string())
    }
}
