use wasm_bindgen::prelude::*;

use super::JsResult;
use crate::ids::{CommitId, StreamId, StreamType};

/// A stream's identity (CIP-59), e.g. `kjzl6kcym7w8y…`.
///
/// ```ts
/// const id = StreamID.fromString("kjzl6kcym7w8y7nzgytqayf6aro12zt0mm01n6ydjomyvvklcspx9kr6gpbwd09");
/// id.typeName; // "MID"
/// ```
#[wasm_bindgen(js_name = StreamID)]
#[derive(Clone)]
pub struct JsStreamId(pub(crate) StreamId);

#[wasm_bindgen(js_class = StreamID)]
impl JsStreamId {
    /// A StreamID of stream type `type` (0–4) over the genesis CID string `cid`.
    ///
    /// ```ts
    /// const id = new StreamID(3, "bagcqcera…");
    /// ```
    #[wasm_bindgen(constructor)]
    pub fn new(r#type: u32, cid: &str) -> JsResult<JsStreamId> {
        let t = StreamType::from_code(r#type.into())?;
        let cid = crate::codec::multibase::parse_cid(cid)?;
        Ok(JsStreamId(StreamId::new(t, cid)))
    }

    /// Parse `k…`, any multibase, `ceramic://…` or `/ceramic/…`.
    ///
    /// ```ts
    /// StreamID.fromString("ceramic://kjzl6…");
    /// ```
    #[wasm_bindgen(js_name = fromString)]
    pub fn from_string(s: &str) -> JsResult<JsStreamId> {
        Ok(JsStreamId(s.parse()?))
    }

    /// Parse the binary form.
    ///
    /// ```ts
    /// StreamID.fromBytes(id.bytes);
    /// ```
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(bytes: &[u8]) -> JsResult<JsStreamId> {
        Ok(JsStreamId(StreamId::from_bytes(bytes)?))
    }

    /// The stream type code.
    ///
    /// ```ts
    /// id.type; // 3
    /// ```
    #[wasm_bindgen(getter, js_name = type)]
    pub fn stream_type(&self) -> u32 {
        // Stream type codes are 0..=4.
        self.0.stream_type().code() as u32
    }

    /// The stream type name (`tile`, `caip10-link`, `model`, `MID`, `UNLOADABLE`).
    ///
    /// ```ts
    /// id.typeName; // "MID"
    /// ```
    #[wasm_bindgen(getter, js_name = typeName)]
    pub fn type_name(&self) -> String {
        self.0.stream_type().name().into()
    }

    /// The genesis CID as a string.
    ///
    /// ```ts
    /// id.cid; // "bagcqcera…"
    /// ```
    #[wasm_bindgen(getter)]
    pub fn cid(&self) -> String {
        crate::codec::cid_text(self.0.cid()).to_string()
    }

    /// The binary form.
    ///
    /// ```ts
    /// const bytes: Uint8Array = id.bytes;
    /// ```
    #[wasm_bindgen(getter)]
    pub fn bytes(&self) -> Vec<u8> {
        self.0.to_bytes()
    }

    /// The base36 `k…` string.
    ///
    /// ```ts
    /// String(id);
    /// ```
    #[wasm_bindgen(js_name = toString)]
    pub fn to_string_js(&self) -> String {
        self.0.to_string()
    }

    /// `ceramic://k…`
    ///
    /// ```ts
    /// id.toUrl();
    /// ```
    #[wasm_bindgen(js_name = toUrl)]
    pub fn to_url(&self) -> String {
        self.0.to_url()
    }

    /// Whether two StreamIDs are the same.
    ///
    /// ```ts
    /// a.equals(b);
    /// ```
    pub fn equals(&self, other: &JsStreamId) -> bool {
        self.0 == other.0
    }
}

/// A version of a stream: StreamID plus commit (event) CID.
///
/// ```ts
/// const c = CommitID.fromString("k3y52l7qbv1frxwipl4hp7e6jlu4f6u8upm2xv0irmedfkm5cnutmezzi3u7mytj4");
/// c.isGenesis; // true
/// ```
#[wasm_bindgen(js_name = CommitID)]
#[derive(Clone)]
pub struct JsCommitId(pub(crate) CommitId);

#[wasm_bindgen(js_class = CommitID)]
impl JsCommitId {
    /// The version of `streamId` at the event `commit` (a CID string).
    ///
    /// ```ts
    /// new CommitID(streamId, "bagcqcera…");
    /// ```
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(js_name = streamId)] stream_id: &JsStreamId,
        commit: &str,
    ) -> JsResult<JsCommitId> {
        let cid = crate::codec::multibase::parse_cid(commit)?;
        Ok(JsCommitId(CommitId::new(stream_id.0, cid)))
    }

    /// Parse `k…`, any multibase, the URL forms or the legacy `<StreamID>?commit=<cid>` form.
    ///
    /// ```ts
    /// CommitID.fromString("kjzl6…?commit=0");
    /// ```
    #[wasm_bindgen(js_name = fromString)]
    pub fn from_string(s: &str) -> JsResult<JsCommitId> {
        Ok(JsCommitId(s.parse()?))
    }

    /// Parse the binary form.
    ///
    /// ```ts
    /// CommitID.fromBytes(c.bytes);
    /// ```
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(bytes: &[u8]) -> JsResult<JsCommitId> {
        Ok(JsCommitId(CommitId::from_bytes(bytes)?))
    }

    /// The stream.
    ///
    /// ```ts
    /// c.baseID.toString();
    /// ```
    #[wasm_bindgen(getter, js_name = baseID)]
    pub fn base_id(&self) -> JsStreamId {
        JsStreamId(*self.0.stream_id())
    }

    /// The commit CID (the genesis CID for the genesis version).
    ///
    /// ```ts
    /// c.commit; // "bagcqcera…"
    /// ```
    #[wasm_bindgen(getter)]
    pub fn commit(&self) -> String {
        crate::codec::cid_text(&self.0.commit()).to_string()
    }

    /// Whether this is the genesis version.
    ///
    /// ```ts
    /// c.isGenesis;
    /// ```
    #[wasm_bindgen(getter, js_name = isGenesis)]
    pub fn is_genesis(&self) -> bool {
        self.0.is_genesis()
    }

    /// The binary form.
    ///
    /// ```ts
    /// c.bytes;
    /// ```
    #[wasm_bindgen(getter)]
    pub fn bytes(&self) -> Vec<u8> {
        self.0.to_bytes()
    }

    /// The base36 `k…` string.
    ///
    /// ```ts
    /// String(c);
    /// ```
    #[wasm_bindgen(js_name = toString)]
    pub fn to_string_js(&self) -> String {
        self.0.to_string()
    }
}
