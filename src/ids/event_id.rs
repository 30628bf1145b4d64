use std::{fmt, str::FromStr};

use crate::codec::multibase::{self, Base};
use crate::codec::sha2::{sha256, Sha256};
use cid::Cid;

use super::{read_cid, read_varint, write_varint, STREAMID_CODEC};
use crate::error::{Error, Result};

/// Stream-type varint of EventIDs (CIP-124).
const EVENT_ID_TYPE: u64 = 5;

/// A Ceramic network, as carried in EventIDs (CIPs: tables/networkIds.csv).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Network {
    /// `0x00`
    Mainnet,
    /// `0x01`
    TestnetClay,
    /// `0x02`
    DevUnstable,
    /// `0xff`
    InMemory,
    /// `0x1_0000_0000 + id`
    Local(u32),
}

impl Network {
    /// The network id written in EventIDs.
    pub fn id(self) -> u64 {
        match self {
            Network::Mainnet => 0x00,
            Network::TestnetClay => 0x01,
            Network::DevUnstable => 0x02,
            Network::InMemory => 0xff,
            Network::Local(id) => 0x1_0000_0000 + u64::from(id),
        }
    }

    /// The network with this id.
    pub fn from_id(id: u64) -> Result<Self> {
        Ok(match id {
            0x00 => Network::Mainnet,
            0x01 => Network::TestnetClay,
            0x02 => Network::DevUnstable,
            0xff => Network::InMemory,
            _ => match id.checked_sub(0x1_0000_0000).map(u32::try_from) {
                Some(Ok(local)) => Network::Local(local),
                _ => {
                    return Err(Error::InvalidEventId(format!(
                        "unknown network id 0x{id:x}"
                    )))
                }
            },
        })
    }

    /// The name ceramic-one reports in `/ceramic/config/network` (`mainnet`, `testnet-clay`,
    /// `dev-unstable`, `inmemory`, `local-<id>`).
    pub fn name(self) -> String {
        match self {
            Network::Mainnet => "mainnet".into(),
            Network::TestnetClay => "testnet-clay".into(),
            Network::DevUnstable => "dev-unstable".into(),
            Network::InMemory => "inmemory".into(),
            Network::Local(id) => format!("local-{id}"),
        }
    }
}

/// The Recon key of an event, as ceramic-one builds it (rust-ceramic core/src/event_id.rs):
/// `varint(0xce) ‖ varint(5) ‖ varint(network) ‖ last8(sha256(sep_key ‖ sep_value)) ‖
/// last8(sha256(controller)) ‖ last4(init CID bytes) ‖ event CID`. No event height, no `|`
/// between key and value (the deployed code differs from CIP-124 there).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EventId {
    network: Network,
    separator: [u8; 8],
    controller: [u8; 8],
    stream_id: [u8; 4],
    cid: Cid,
}

fn last<const N: usize>(bytes: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    let take = bytes.len().min(N);
    out[N - take..].copy_from_slice(&bytes[bytes.len() - take..]);
    out
}

impl EventId {
    /// The EventID of `event` in the stream whose init event is `init`, controlled by
    /// `controller`, on `network`, with the init header's separator (`sep_key`, usually `"model"`,
    /// and the raw bytes of that header field).
    pub fn new(
        network: Network,
        sep_key: &str,
        sep_value: &[u8],
        controller: &str,
        init: &Cid,
        event: &Cid,
    ) -> Self {
        let mut h = Sha256::new();
        h.update(sep_key.as_bytes());
        h.update(sep_value);
        EventId {
            network,
            separator: last(&h.finalize()),
            controller: last(&sha256(controller.as_bytes())),
            stream_id: last(&crate::codec::cidbytes::cid_bytes(init)),
            cid: *event,
        }
    }

    /// The network.
    pub fn network(&self) -> Network {
        self.network
    }

    /// The event CID.
    pub fn cid(&self) -> &Cid {
        &self.cid
    }

    /// Binary form.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64);
        write_varint(&mut out, STREAMID_CODEC);
        write_varint(&mut out, EVENT_ID_TYPE);
        write_varint(&mut out, self.network.id());
        out.extend_from_slice(&self.separator);
        out.extend_from_slice(&self.controller);
        out.extend_from_slice(&self.stream_id);
        crate::codec::cidbytes::write_cid(&mut out, &self.cid);
        out
    }

    /// Parse the binary form.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let e = Error::InvalidEventId;
        let (codec, rest) = read_varint(bytes, "codec", e)?;
        if codec != STREAMID_CODEC {
            return Err(e(format!("codec 0x{codec:x} is not streamid (0xce)")));
        }
        let (ty, rest) = read_varint(rest, "type", e)?;
        if ty != EVENT_ID_TYPE {
            return Err(e(format!("type {ty} is not the EventID type (5)")));
        }
        let (net, rest) = read_varint(rest, "network", e)?;
        let network = Network::from_id(net)?;
        if rest.len() < 20 {
            return Err(e(
                "too short for separator, controller and stream bytes".into()
            ));
        }
        let (fixed, rest) = rest.split_at(20);
        let (cid, rest) = read_cid(rest, e)?;
        if !rest.is_empty() {
            return Err(e("trailing bytes after the event CID".into()));
        }
        Ok(EventId {
            network,
            separator: last(&fixed[..8]),
            controller: last(&fixed[8..16]),
            stream_id: last(&fixed[16..20]),
            cid,
        })
    }

    /// Lower-case hex of the binary form.
    pub fn to_hex(&self) -> String {
        hex_lower(&self.to_bytes())
    }
}

fn hex_lower(bytes: &[u8]) -> String {
    multibase::encode(Base::Base16Lower, bytes)[1..].to_string()
}

impl fmt::Display for EventId {
    /// Multibase base16 (`f` + lower-case hex): a form `GET /ceramic/events/{id}` accepts.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "f{}", self.to_hex())
    }
}

impl FromStr for EventId {
    type Err = Error;

    /// Accepts plain hex (ceramic-one's upper-case log form, or lower case) and any multibase.
    fn from_str(s: &str) -> Result<Self> {
        let s = s.trim();
        if s.len() % 2 == 0 && !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit()) {
            let lower = s.to_ascii_lowercase();
            if let Ok(bytes) = multibase::decode_base(Base::Base16Lower, &lower) {
                return EventId::from_bytes(&bytes);
            }
        }
        let bytes = multibase::decode(s)
            .map_err(|e| Error::InvalidEventId(format!("{}: {e}", crate::codec::quoted(s))))?;
        EventId::from_bytes(&bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::StreamId;

    fn blessing(network: Network) -> EventId {
        EventId::new(
            network,
            "model",
            &StreamId::metamodel().to_bytes(),
            "did:key:z6MkgSV3tAuw7gUWqKCUY7ae6uWNxqYgdwPhUJbJhF9EFXm9",
            &Cid::try_from("bagcqceraplay4erv6l32qrki522uhiz7rf46xccwniw7ypmvs3cvu2b3oulq")
                .unwrap(),
            &Cid::try_from("bafyreihu557meceujusxajkaro3epfe6nnzjgbjaxsapgtml7ox5ezb5qy").unwrap(),
        )
    }

    #[test]
    fn rust_ceramic_blessing_vector() {
        let id = blessing(Network::Mainnet);
        assert_eq!(id.to_hex(), "ce010500ba25076d730241e745cc7c072ff729ea683b751701711220f4ef7ec208944d257025408bb647949e6b72930520bc80f34d8bfbafd2643d86");
        assert_eq!(EventId::from_bytes(&id.to_bytes()).unwrap(), id);
        assert_eq!(id.to_string().parse::<EventId>().unwrap(), id);
        assert_eq!(id.to_hex().to_uppercase().parse::<EventId>().unwrap(), id);
        assert!(blessing(Network::Local(0xce4a441c))
            .to_hex()
            .starts_with("ce01059c88a9f21c"));
    }

    #[test]
    fn networks_round_trip() {
        for n in [
            Network::Mainnet,
            Network::TestnetClay,
            Network::DevUnstable,
            Network::InMemory,
            Network::Local(0),
            Network::Local(u32::MAX),
        ] {
            assert_eq!(Network::from_id(n.id()).unwrap(), n);
            let id = blessing(n);
            assert_eq!(EventId::from_bytes(&id.to_bytes()).unwrap().network(), n);
        }
        assert!(Network::from_id(3).is_err());
        assert!(Network::from_id(0x2_0000_0000).is_err());
    }

    #[test]
    fn rejects_bad_bytes() {
        let b = blessing(Network::Mainnet).to_bytes();
        for cut in [0, 1, 3, 10, 24, b.len() - 1] {
            assert_eq!(
                EventId::from_bytes(&b[..cut]).unwrap_err().code(),
                "INVALID_EVENT_ID"
            );
        }
        let mut extra = b.clone();
        extra.push(0);
        assert!(EventId::from_bytes(&extra).is_err());
        assert_eq!(
            "xyz".parse::<EventId>().unwrap_err().code(),
            "INVALID_EVENT_ID"
        );
    }
}
