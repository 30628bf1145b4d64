use crate::codec::Ipld;
use cid::Cid;

use super::{DataPayload, InitPayload, SignedEvent, TimeEvent};
use crate::codec::{
    dagcbor::decode_ipld, strict_from_ipld, Block, BlockSource, Car, CarLimits, DagCborExt,
    DAG_CBOR, DAG_JOSE,
};
use crate::did::Envelope;
use crate::error::{Error, Result};
use crate::ids::{CommitId, StreamId};

/// An unsigned (deterministic) init event: a dag-cbor `{header, data: null}` block.
#[derive(Debug, Clone, PartialEq)]
pub struct UnsignedInit {
    payload: InitPayload,
    block: Block,
}

impl UnsignedInit {
    /// An unsigned init event for `payload`.
    pub fn new(payload: InitPayload) -> Result<Self> {
        let block = payload.to_block()?;
        Ok(UnsignedInit { payload, block })
    }

    /// The payload.
    pub fn payload(&self) -> &InitPayload {
        &self.payload
    }

    /// The event CID (dag-cbor).
    pub fn cid(&self) -> &Cid {
        &self.block.cid
    }
}

/// The kind of an event, for logs and reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// A signed init event.
    SignedInit,
    /// An unsigned (deterministic) init event.
    UnsignedInit,
    /// A data event.
    Data,
    /// A time (anchor) event.
    Time,
}

impl EventKind {
    /// `"init"`, `"data"` or `"time"` (signed and unsigned inits are both `"init"`).
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::SignedInit | EventKind::UnsignedInit => "init",
            EventKind::Data => "data",
            EventKind::Time => "time",
        }
    }
}

/// Any Ceramic event. The set is closed: ceramic-one knows exactly these four.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A signed init event (list documents, Models).
    SignedInit(Box<SignedEvent<InitPayload>>),
    /// An unsigned, deterministic init event (single and set documents).
    UnsignedInit(Box<UnsignedInit>),
    /// A signed data event (a JSON-Patch update).
    Data(Box<SignedEvent<DataPayload>>),
    /// A time event (an anchor).
    Time(Box<TimeEvent>),
}

/// Fetch a block from `source` and check its hash; a missing block is `MISSING_BLOCK`.
pub(crate) fn fetch(source: &dyn BlockSource, cid: &Cid, what: &str) -> Result<Vec<u8>> {
    let bytes = source.block(cid).ok_or_else(|| {
        Error::MissingBlock(format!(
            "{what} {cid} is not in the CAR or block source",
            cid = crate::codec::cid_text(cid)
        ))
    })?;
    if !source.verified() {
        Block::verify(cid, bytes)?;
    }
    Ok(bytes.to_vec())
}

impl Event {
    /// Decode an event CAR (multibase already removed) under the default limits.
    pub fn decode_car(bytes: &[u8]) -> Result<Event> {
        Self::decode_car_with_limits(bytes, &CarLimits::default())
    }

    /// Decode an event CAR under `limits`. The root is `roots[0]`; blocks are found by CID.
    pub fn decode_car_with_limits(bytes: &[u8], limits: &CarLimits) -> Result<Event> {
        let car = Car::decode_with_limits(bytes, limits)?;
        Self::decode(&car.root()?, &car)
    }

    /// Decode the event whose root block is `root`, reading blocks from `source`.
    ///
    /// The root block and (for signed events) the payload must be canonical DAG-CBOR with
    /// exactly the known fields; for signed events the CACAO named by `cap` must be present.
    pub fn decode(root: &Cid, source: &dyn BlockSource) -> Result<Event> {
        let bytes = fetch(source, root, "event root")?;
        let block = Block { cid: *root, bytes };
        match root.codec() {
            DAG_JOSE => Self::decode_signed(block, source),
            DAG_CBOR => {
                let ipld: Ipld = decode_ipld(&block.bytes)?;
                let is_time = matches!(&ipld, Ipld::Map(m) if m.contains_key("proof"));
                if is_time {
                    Ok(Event::Time(Box::new(TimeEvent::decode(
                        ipld, block, source,
                    )?)))
                } else {
                    let payload: InitPayload =
                        strict_from_ipld(ipld, &block.bytes, "unsigned init event")?;
                    Ok(Event::UnsignedInit(Box::new(UnsignedInit {
                        payload,
                        block,
                    })))
                }
            }
            other => Err(Error::InvalidEvent(format!(
                "event root {root} has codec 0x{other:x}, expected dag-jose or dag-cbor",
                root = crate::codec::cid_text(root)
            ))),
        }
    }

    fn decode_signed(block: Block, source: &dyn BlockSource) -> Result<Event> {
        let envelope = Envelope::decode(&block.bytes)?;
        let payload_cid = envelope.payload_cid()?;
        let payload_bytes = fetch(source, &payload_cid, "signed payload")?;
        let cacao_block = match envelope.header()?.cap_cid()? {
            Some(cap) => Some(Block {
                cid: cap,
                bytes: fetch(source, &cap, "CACAO")?,
            }),
            None => None,
        };
        let payload_block = Block {
            cid: payload_cid,
            bytes: payload_bytes,
        };
        // A payload with an `id` is a data payload, else an init payload.
        let ipld: Ipld = decode_ipld(&payload_block.bytes)?;
        if matches!(&ipld, Ipld::Map(m) if m.contains_key("id")) {
            let payload = strict_from_ipld(ipld, &payload_block.bytes, "data payload")?;
            Ok(Event::Data(Box::new(SignedEvent::from_parts(
                envelope,
                block,
                payload,
                payload_block,
                cacao_block,
            ))))
        } else {
            let payload = strict_from_ipld(ipld, &payload_block.bytes, "init payload")?;
            Ok(Event::SignedInit(Box::new(SignedEvent::from_parts(
                envelope,
                block,
                payload,
                payload_block,
                cacao_block,
            ))))
        }
    }

    /// The blocks of this event, in the order the network writes them.
    pub fn blocks(&self) -> Vec<&Block> {
        match self {
            Event::SignedInit(e) => e.blocks().collect(),
            Event::Data(e) => e.blocks().collect(),
            Event::UnsignedInit(e) => vec![&e.block],
            Event::Time(e) => e.blocks().collect(),
        }
    }

    /// The event as a CAR: one root (the event CID) and its blocks in network order.
    pub fn to_car(&self) -> Car {
        Car::new(vec![self.cid()], self.blocks().into_iter().cloned())
    }

    /// The event's CAR bytes.
    pub fn encode_car(&self) -> Result<Vec<u8>> {
        let mut blocks = self.blocks();
        // Each CID once, as `Car::new` keeps them (an event has a handful of blocks).
        let mut seen = Vec::with_capacity(blocks.len());
        blocks.retain(|b| {
            let new = !seen.contains(&b.cid);
            seen.push(b.cid);
            new
        });
        crate::codec::car::write_car(&[self.cid()], blocks.into_iter())
    }

    /// The event CID (its root block's).
    pub fn cid(&self) -> Cid {
        match self {
            Event::SignedInit(e) => *e.cid(),
            Event::Data(e) => *e.cid(),
            Event::UnsignedInit(e) => *e.cid(),
            Event::Time(e) => *e.cid(),
        }
    }

    /// The kind.
    pub fn kind(&self) -> EventKind {
        match self {
            Event::SignedInit(_) => EventKind::SignedInit,
            Event::UnsignedInit(_) => EventKind::UnsignedInit,
            Event::Data(_) => EventKind::Data,
            Event::Time(_) => EventKind::Time,
        }
    }

    /// The CID of the stream's init event (the event's own CID for init events).
    pub fn stream_cid(&self) -> Cid {
        match self {
            Event::SignedInit(_) | Event::UnsignedInit(_) => self.cid(),
            Event::Data(e) => e.payload().id,
            Event::Time(e) => e.event().id,
        }
    }

    /// The event this one follows (none for init events).
    pub fn prev(&self) -> Option<Cid> {
        match self {
            Event::SignedInit(_) | Event::UnsignedInit(_) => None,
            Event::Data(e) => Some(e.payload().prev),
            Event::Time(e) => Some(e.event().prev),
        }
    }

    /// The init payload, for init events.
    pub fn init_payload(&self) -> Option<&InitPayload> {
        match self {
            Event::SignedInit(e) => Some(e.payload()),
            Event::UnsignedInit(e) => Some(e.payload()),
            Event::Data(_) | Event::Time(_) => None,
        }
    }

    /// The StreamID an init event creates (Model if its model is the METAMODEL, else MID).
    pub fn stream_id(&self) -> Option<StreamId> {
        self.init_payload()
            .map(|p| StreamId::new(p.header.stream_type(), self.cid()))
    }

    /// This event's CommitID in `stream` (checked to be the stream the event belongs to).
    pub fn commit_id(&self, stream: &StreamId) -> Result<CommitId> {
        if self.stream_cid() != *stream.cid() {
            return Err(Error::InvalidEvent(format!(
                "event {} belongs to stream CID {}, not {stream}",
                crate::codec::cid_text(&self.cid()),
                crate::codec::cid_text(&self.stream_cid())
            )));
        }
        Ok(CommitId::new(*stream, self.cid()))
    }
}

impl From<SignedEvent<InitPayload>> for Event {
    fn from(e: SignedEvent<InitPayload>) -> Self {
        Event::SignedInit(Box::new(e))
    }
}

impl From<SignedEvent<DataPayload>> for Event {
    fn from(e: SignedEvent<DataPayload>) -> Self {
        Event::Data(Box::new(e))
    }
}

impl From<UnsignedInit> for Event {
    fn from(e: UnsignedInit) -> Self {
        Event::UnsignedInit(Box::new(e))
    }
}

impl From<TimeEvent> for Event {
    fn from(e: TimeEvent) -> Self {
        Event::Time(Box::new(e))
    }
}
