//! Arbitrary bytes after the handshake, in arbitrary chunks, to a server
//! connection; see `connection_oracle.rs` for what is checked.
#![no_main]
use libfuzzer_sys::fuzz_target;

mod connection_oracle;

fuzz_target!(|case: connection_oracle::Case| {
    connection_oracle::run(wsmachine::Role::Server, case);
});
