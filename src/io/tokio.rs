//! The tokio layer (feature `tokio`).
