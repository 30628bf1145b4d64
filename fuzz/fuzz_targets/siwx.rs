//! SIWE/SIWS message rebuilding from a CACAO's fields, for each chain name, with the issuer's
//! address and with arbitrary text in its place: typed errors only.
#![no_main]
use ceramic_wasm::did::cacao::parse_pkh;
use ceramic_wasm::did::Cacao;
use ceramic_wasm::Error;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(cacao) = Cacao::from_block(data) else {
        return;
    };
    let address = parse_pkh(&cacao.p.iss).map(|p| p.address.to_string());
    for chain in ["Ethereum", "Solana", ""] {
        for addr in [address.as_deref().unwrap_or("0x"), "\n\u{202e}"] {
            if let Err(e) = cacao.siwx_message(chain, addr) {
                assert!(Error::ALL_CODES.contains(&e.code()), "{e:?}");
            }
        }
    }
});
