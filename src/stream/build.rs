//! A document's events, built without a node: what the client posts, and what offline apps and
//! wallets sign now and post later. Byte-identical to what the JS SDK builds from the same inputs.

use crate::codec::Value;

use super::diff;
use super::mid::set_unique_candidates;
use crate::error::Result;
use crate::events::{json_to_ipld, DataHeader, DataPayload, Event, InitPayload, UnsignedInit};
use crate::ids::{CommitId, StreamId};

/// The init payload of a new document of a `list` Model: a random `unique` and the content.
pub fn document_init(controller: &str, model: &StreamId, content: &Value) -> Result<InitPayload> {
    Ok(InitPayload::builder(controller, model)
        .random_unique()?
        .data(json_to_ipld(content))
        .build())
}

/// The `unique` of a `set` document: its set fields' values in the Model's field order, joined by
/// `|` as the JS SDK writes them.
pub fn set_unique(values: &[Value]) -> Vec<u8> {
    let fields: Vec<String> = (0..values.len()).map(|i| i.to_string()).collect();
    let content: crate::codec::Map = fields.iter().cloned().zip(values.iter().cloned()).collect();
    set_unique_candidates(&fields, &Value::Object(content)).swap_remove(0)
}

/// The (unsigned, deterministic) init event of `controller`'s document of a `single` Model
/// (`set_values` None) or of a `set` Model with these values: the same inputs always give the same
/// StreamID.
pub fn singleton_init(
    controller: &str,
    model: &StreamId,
    set_values: Option<&[Value]>,
) -> Result<Event> {
    let mut builder = InitPayload::builder(controller, model);
    if let Some(values) = set_values {
        builder = builder.unique(set_unique(values));
    }
    Ok(Event::from(UnsignedInit::new(builder.build())?))
}

/// The data payload that turns content `from` (at `tip`) into `to`: a JSON-Patch, `prev` = tip.
pub fn update_payload(
    tip: &CommitId,
    from: &Value,
    to: &Value,
    should_index: Option<bool>,
) -> DataPayload {
    let payload = DataPayload::new(tip, json_to_ipld(&diff(from, to)));
    match should_index {
        Some(si) => payload.with_header(DataHeader::should_index(si)),
        None => payload,
    }
}
