use crate::codec::Ipld;
use cid::Cid;
use serde::Serialize;

use crate::codec::fields::{Bytes, Fields, FromIpld};

use crate::error::{Error, Result};
use crate::ids::{StreamId, StreamType};

const DEFAULT_SEP: &str = "model";

/// The header of an init event (rust-ceramic payload/init.rs, ceramic-sdk `InitEventHeader`).
/// Optional fields are omitted when absent; `sep` is kept absent if it was absent, so the CID of
/// such an event does not change, though it reads as `"model"`.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InitHeader {
    /// The controller DIDs (Ceramic uses exactly one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub controllers: Vec<String>,
    /// The separator key; `"model"` in practice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sep: Option<String>,
    /// The model StreamID's bytes (the METAMODEL for Model streams).
    #[serde(with = "serde_bytes")]
    pub model: Vec<u8>,
    /// Indexing hint (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub should_index: Option<bool>,
    /// Unique bytes: 12 random bytes (list), joined set values (set), absent (single).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "serde_bytes")]
    pub unique: Option<Vec<u8>>,
    /// A context StreamID's bytes.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "serde_bytes")]
    pub context: Option<Vec<u8>>,
    /// A pinned model version (rust-ceramic extension).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::codec::cidbytes::opt_link"
    )]
    pub model_version: Option<Cid>,
}

impl InitHeader {
    /// The separator key (`"model"` when absent).
    pub fn sep(&self) -> &str {
        self.sep.as_deref().unwrap_or(DEFAULT_SEP)
    }

    /// The first controller, if any.
    pub fn controller(&self) -> Option<&str> {
        self.controllers.first().map(String::as_str)
    }

    /// The model as a StreamID.
    pub fn model_id(&self) -> Result<StreamId> {
        StreamId::from_bytes(&self.model)
    }

    /// The context as a StreamID, if any.
    pub fn context_id(&self) -> Result<Option<StreamId>> {
        self.context
            .as_deref()
            .map(StreamId::from_bytes)
            .transpose()
    }

    /// The stream type this init event creates: Model when `model` is the METAMODEL, a Model
    /// Instance Document otherwise (as ceramic-one decides it).
    pub fn stream_type(&self) -> StreamType {
        match self.model_id() {
            Ok(model) => StreamType::of_model(&model),
            // Bytes that are not a StreamID cannot be the METAMODEL.
            Err(_) => StreamType::ModelInstanceDocument,
        }
    }
}

/// The payload of an init event: `{header, data}`; `data` is written as `null` when absent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InitPayload {
    /// The header.
    pub header: InitHeader,
    /// The initial content (`None` is written as `null`).
    #[serde(serialize_with = "crate::codec::cidbytes::opt_ipld")]
    pub data: Option<Ipld>,
}

// Read by hand (codec/fields.rs says why), with exactly these fields.
impl FromIpld for InitHeader {
    fn from_ipld(value: Ipld, at: &dyn std::fmt::Display) -> Result<Self> {
        let mut f = Fields::new(value, at)?;
        let header = InitHeader {
            // Absent is none; `null` is refused, as serde's `#[serde(default)] Vec` refused it.
            controllers: match f.take("controllers") {
                None => Vec::new(),
                Some(v) => Vec::from_ipld(v, &format_args!("{at}.controllers"))?,
            },
            sep: f.opt("sep")?,
            model: f.req::<Bytes>("model")?.0,
            should_index: f.opt("shouldIndex")?,
            unique: f.opt::<Bytes>("unique")?.map(|b| b.0),
            context: f.opt::<Bytes>("context")?.map(|b| b.0),
            model_version: f.opt("modelVersion")?,
        };
        f.end()?;
        Ok(header)
    }
}

impl FromIpld for InitPayload {
    fn from_ipld(value: Ipld, at: &dyn std::fmt::Display) -> Result<Self> {
        let mut f = Fields::new(value, at)?;
        let payload = InitPayload {
            header: f.req("header")?,
            data: f.opt("data")?,
        };
        f.end()?;
        Ok(payload)
    }
}

impl InitPayload {
    /// Start building an init payload for `controller` under `model` (a Model's StreamID for
    /// documents, [`StreamId::metamodel`] for Models).
    pub fn builder(controller: impl Into<String>, model: &StreamId) -> InitBuilder {
        InitBuilder {
            header: InitHeader {
                controllers: vec![controller.into()],
                sep: Some(DEFAULT_SEP.into()),
                model: model.to_bytes(),
                should_index: None,
                unique: None,
                context: None,
                model_version: None,
            },
            data: None,
        }
    }
}

/// Builds an [`InitPayload`] field by field.
#[derive(Debug, Clone)]
pub struct InitBuilder {
    header: InitHeader,
    data: Option<Ipld>,
}

impl InitBuilder {
    /// Set the unique bytes.
    pub fn unique(mut self, unique: impl Into<Vec<u8>>) -> Self {
        self.header.unique = Some(unique.into());
        self
    }

    /// Set 12 random unique bytes (what list documents use).
    pub fn random_unique(self) -> Result<Self> {
        Ok(self.unique(random_unique_bytes()?))
    }

    /// Set the context stream.
    pub fn context(mut self, context: &StreamId) -> Self {
        self.header.context = Some(context.to_bytes());
        self
    }

    /// Set the indexing hint.
    pub fn should_index(mut self, should_index: bool) -> Self {
        self.header.should_index = Some(should_index);
        self
    }

    /// Pin a model version.
    pub fn model_version(mut self, version: Cid) -> Self {
        self.header.model_version = Some(version);
        self
    }

    /// Set the initial content.
    pub fn data(mut self, data: Ipld) -> Self {
        self.data = Some(data);
        self
    }

    /// The payload.
    pub fn build(self) -> InitPayload {
        InitPayload {
            header: self.header,
            data: self.data,
        }
    }
}

/// 12 random bytes for a `unique`, from a pool the platform's secure source fills 32 at a time:
/// each call to it crosses into JS (`crypto.getRandomValues`, in Node ~8 µs: a tenth of building
/// and signing an init event, BENCHMARKS.md). The bytes are public (they go into the event) and
/// each is handed out once.
fn random_unique_bytes() -> Result<[u8; 12]> {
    std::thread_local! {
        static POOL: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    POOL.with(|pool| {
        let mut pool = pool.borrow_mut();
        if pool.len() < 12 {
            pool.resize(12 * 32, 0);
            getrandom::fill(&mut pool).map_err(|e| Error::Random(e.to_string()))?;
        }
        let rest = pool.len() - 12;
        let mut out = [0u8; 12];
        out.copy_from_slice(&pool[rest..]);
        pool.truncate(rest);
        Ok(out)
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn pooled_unique_bytes_are_never_served_twice() {
        let drawn: std::collections::HashSet<[u8; 12]> = (0..200)
            .map(|_| super::random_unique_bytes().unwrap())
            .collect();
        assert_eq!(drawn.len(), 200); // across several refills of the 32-value pool
    }

    /// Verdicts the serde-derived reader gave: `controllers: null` and a tag-42 link that is no
    /// CID are INVALID_EVENT (not NOT_CANONICAL or INVALID_CBOR).
    #[test]
    fn payload_shape_errors_keep_their_codes() {
        use crate::codec::Ipld;
        use crate::codec::{decode_strict, DagCborExt};
        let header = |controllers: Ipld| {
            Ipld::Map(crate::codec::IpldMap::from([
                ("controllers".to_string(), controllers),
                ("model".to_string(), Ipld::Bytes(vec![0xce, 0x01, 0x02])),
            ]))
        };
        let payload = |h: Ipld| Ipld::Map(crate::codec::IpldMap::from([("header".to_string(), h)]));
        let null = payload(header(Ipld::Null)).to_dag_cbor().unwrap();
        let e = decode_strict::<super::InitPayload>(&null, "p").unwrap_err();
        assert_eq!(e.code(), "INVALID_EVENT", "{e}");
        // {header: …, data: <tag 42 over h'00ff'>}: the link's bytes are no CID.
        let one = payload(header(Ipld::List(vec![]))).to_dag_cbor().unwrap();
        assert_eq!(one[0], 0xa1);
        // A map of two: "data" (shorter, so first) then the same "header" entry.
        let mut bytes = vec![
            0xa2, 0x64, b'd', b'a', b't', b'a', 0xd8, 0x2a, 0x42, 0x00, 0xff,
        ];
        bytes.extend_from_slice(&one[1..]);
        let e = decode_strict::<super::InitPayload>(&bytes, "p").unwrap_err();
        assert_eq!(e.code(), "INVALID_EVENT", "{e}");
    }
}
