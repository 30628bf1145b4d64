//! Our SHA-256 and SHA-512 (hash/, `codec::sha2`) against the `sha2` crate: every length from 0 to
//! 600 bytes (each padding case, one to five blocks), and random inputs fed in random pieces.
#![cfg(not(target_arch = "wasm32"))]

use ceramic_wasm::codec::sha2::{sha256, sha512, Sha256, Sha512};
use proptest::prelude::*;
use sha2::Digest;

#[test]
fn every_length_to_600_bytes() {
    let data: Vec<u8> = (0..600u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    for n in 0..=600 {
        let d = &data[..n];
        assert_eq!(
            sha256(d),
            <[u8; 32]>::from(sha2::Sha256::digest(d)),
            "sha256, {n} bytes"
        );
        assert_eq!(
            sha512(d),
            <[u8; 64]>::from(sha2::Sha512::digest(d)),
            "sha512, {n} bytes"
        );
    }
}

#[test]
fn fips_180_examples() {
    assert_eq!(
        hex::encode(sha256(b"abc")),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(
        hex::encode(sha512(b"abc")),
        "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
         2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
    );
}

proptest! {
    #[test]
    fn pieces_hash_as_the_whole(data in proptest::collection::vec(any::<u8>(), 0..2000),
                                cuts in proptest::collection::vec(any::<usize>(), 0..8)) {
        let mut at: Vec<usize> = cuts.iter().map(|c| c % (data.len() + 1)).collect();
        at.sort_unstable();
        let (mut a, mut b, mut last) = (Sha256::new(), Sha512::new(), 0);
        for &c in &at {
            a.update(&data[last..c]);
            b.update(&data[last..c]);
            last = c;
        }
        a.update(&data[last..]);
        b.update(&data[last..]);
        prop_assert_eq!(a.finalize(), <[u8; 32]>::from(sha2::Sha256::digest(&data)));
        prop_assert_eq!(b.finalize(), <[u8; 64]>::from(sha2::Sha512::digest(&data)));
    }
}
