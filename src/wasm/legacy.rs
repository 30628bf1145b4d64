//! The original protocol's streams for JavaScript: TileDocuments, Caip10Links and did:3 over
//! js-ceramic's `/api/v0` (thin wrappers over `crate::http::legacy` and `crate::legacy`).

use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::client::JsCeramicClient;
use super::ids::{JsCommitId, JsStreamId};
use super::lazy::retrying;
use super::signer::JsSignerAdapter;
use super::{from_js_json, get, id_arg, to_js_json, JsResult};
use crate::error::Error;
use crate::ids::{CommitId, StreamId, StreamType};
use crate::legacy::did3::Version;
use crate::legacy::{link, tile, LegacyState};

#[wasm_bindgen(typescript_custom_section)]
const LEGACY_TS: &str = r#"
/** A TileDocument or Caip10Link loaded from a js-ceramic node and verified in the page. */
export interface LegacyState {
  streamId: string;
  /** The CommitID loaded, when one was asked for. */
  commitId?: string;
  type: "tile" | "caip10-link";
  /** The content as js-ceramic's handles read it (unanchored changes included). A link's DID. */
  content: unknown;
  /** The content as of the last anchor. */
  anchoredContent: unknown;
  /** `controllers`, `family`, `tags`, `schema`, … (unanchored changes included). */
  metadata: Record<string, unknown>;
  controller: string | null;
  /** 0 genesis, 1 signed/update, 2 anchor; timestamps of the covering anchor (the node's). */
  log: { cid: string; type: 0 | 1 | 2; timestamp?: number }[];
  anchored: boolean;
  verified: true;
  /** Whether the node's state is the one folded here from its log. */
  matchesNode: boolean;
  mismatch?: string;
  /** What was taken on the node's word, with the reason. */
  notChecked: string[];
  /** did:3s whose streams were loaded to check their keys. */
  did3: string[];
  /** The node's state JSON as it answered. */
  nodeState: unknown;
}
"#;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsLegacyState<'a> {
    stream_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    commit_id: Option<String>,
    #[serde(rename = "type")]
    kind: &'static str,
    content: &'a crate::codec::Value,
    anchored_content: &'a crate::codec::Value,
    metadata: &'a crate::codec::Map<String, crate::codec::Value>,
    controller: Option<&'a str>,
    log: Vec<crate::codec::Value>,
    anchored: bool,
    verified: bool,
    matches_node: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    mismatch: Option<&'a str>,
    not_checked: &'a [String],
    did3: &'a [String],
    node_state: &'a crate::codec::Value,
}

fn state_js(
    stream: &StreamId,
    commit: Option<&CommitId>,
    s: &LegacyState,
    mismatch: Option<&str>,
    not_checked: &[String],
    did3: &[String],
    node_state: &crate::codec::Value,
) -> JsResult<JsValue> {
    let json = s.to_json();
    to_js_json(&JsLegacyState {
        stream_id: stream.to_string(),
        commit_id: commit.map(ToString::to_string),
        kind: s.stream_type.name(),
        content: s.current_content(),
        anchored_content: &s.content,
        metadata: s.current_metadata(),
        controller: s.controller(),
        log: json["log"].as_array().cloned().unwrap_or_default(),
        anchored: s.anchored,
        verified: true,
        matches_node: mismatch.is_none(),
        mismatch,
        not_checked,
        did3,
        node_state,
    })
}

/// `args.content` as JSON; `None` when absent.
fn content_arg(args: &JsValue) -> crate::Result<Option<crate::codec::Value>> {
    match get(args, "content") {
        v if v.is_undefined() => Ok(None),
        v => from_js_json(&v, "content", Error::InvalidEvent).map(Some),
    }
}

fn tile_options(args: &JsValue) -> crate::Result<tile::TileOptions> {
    let text = |k: &'static str| get(args, k).as_string();
    let tags = match get(args, "tags") {
        v if v.is_undefined() || v.is_null() => None,
        v => Some(
            crate::codec::json::strings(&from_js_json(&v, "tags", Error::InvalidEvent)?)
                .ok_or_else(|| Error::InvalidEvent("tags: not an array of strings".into()))?,
        ),
    };
    Ok(tile::TileOptions {
        controller: text("controller"),
        family: text("family"),
        tags,
        schema: text("schema"),
        forbid_controller_change: get(args, "forbidControllerChange").as_bool() == Some(true),
        deterministic: get(args, "deterministic").as_bool() == Some(true),
    })
}

#[wasm_bindgen(js_class = CeramicClient)]
impl JsCeramicClient {
    /// Load a TileDocument or Caip10Link (StreamID, or CommitID for that version) from a
    /// js-ceramic node's `/api/v0` and verify it here: every commit of its log checked
    /// (signatures — did:3 keys at their versions —, link proofs, links), folded, and compared
    /// with the node's state (`matchesNode`, `mismatch`). `notChecked` says what was taken on
    /// the node's word (anchor timestamps: its API serves no proof blocks).
    ///
    /// ```ts
    /// const tile = await legacy.loadLegacy("kjzl6cwe1jw14…");
    /// console.log(tile.content, tile.controller, tile.matchesNode);
    /// ```
    #[wasm_bindgen(js_name = loadLegacy, unchecked_return_type = "Promise<LegacyState>")]
    pub fn load_legacy(
        &self,
        #[wasm_bindgen(js_name = streamId, unchecked_param_type = "StreamID | CommitID | string")]
        id: JsValue,
    ) -> js_sys::Promise {
        let c = self.core();
        retrying(move || {
            let (c, id) = (c.clone(), id.clone());
            async move {
                let id = id_string(&id)?;
                let l = c.load_legacy(&id, super::now()).await?;
                state_js(
                    &l.stream_id,
                    l.commit_id.as_ref(),
                    &l.state,
                    l.mismatch.as_deref(),
                    &l.not_checked,
                    &l.did3,
                    &l.node_state,
                )
            }
        })
    }

    /// Create a TileDocument on a js-ceramic node (`{content, signer, family?, tags?, schema?,
    /// controller?, forbidControllerChange?, deterministic?}`): signed by `signer` when it has
    /// content, unsigned when `content` is null (then `deterministic` tiles have a StreamID
    /// anyone can recompute). Resolves to its StreamID.
    ///
    /// ```ts
    /// const id = await legacy.createTile({ content: { hello: "world" }, signer, family: "notes" });
    /// ```
    #[wasm_bindgen(js_name = createTile, unchecked_return_type = "Promise<StreamID>")]
    pub fn create_tile(
        &self,
        #[wasm_bindgen(
            unchecked_param_type = "{ content: object | null; signer?: Signer; controller?: string; family?: string; tags?: string[]; schema?: string; forbidControllerChange?: boolean; deterministic?: boolean }"
        )]
        args: JsValue,
    ) -> js_sys::Promise {
        let c = self.core();
        super::promise(async move {
            let content = content_arg(&args)?.unwrap_or(crate::codec::Value::Null);
            let opts = tile_options(&args)?;
            let signer = get(&args, "signer");
            let genesis = if signer.is_undefined() || signer.is_null() {
                let controller = opts.controller.clone().ok_or_else(|| {
                    Error::InvalidEvent("a tile needs a signer or a controller".into())
                })?;
                if !content.is_null() {
                    return Err(Error::Signer(
                        "a tile with content is signed: give a signer".into(),
                    )
                    .into());
                }
                tile::unsigned_genesis(&controller, &opts)?
            } else {
                let signer = JsSignerAdapter::new(signer)?;
                signer.prepare().await?;
                tile::create(&signer, &content, &opts).await?
            };
            let (id, _) = c.legacy_create(StreamType::Tile, &genesis, true).await?;
            Ok(JsStreamId(id).into())
        })
    }

    /// Update a TileDocument (`{streamId, content?, controller?, signer}`): its state is loaded
    /// and verified, the JSON-Patch to `content` (and a new `controller`, to rotate keys) signed
    /// and applied. Resolves to the new CommitID.
    ///
    /// ```ts
    /// const next = await legacy.updateTile({ streamId: id, content: { hello: "again" }, signer });
    /// ```
    #[wasm_bindgen(js_name = updateTile, unchecked_return_type = "Promise<CommitID>")]
    pub fn update_tile(
        &self,
        #[wasm_bindgen(
            unchecked_param_type = "{ streamId: StreamID | string; content?: object; controller?: string; signer: Signer }"
        )]
        args: JsValue,
    ) -> js_sys::Promise {
        let c = self.core();
        retrying(move || {
            let (c, args) = (c.clone(), args.clone());
            async move {
                let stream = id_arg::<StreamId>(&get(&args, "streamId"))?;
                let content = content_arg(&args)?;
                let mut header = crate::codec::Map::new();
                if let Some(ctl) = get(&args, "controller").as_string() {
                    header.insert("controllers".into(), crate::json!([ctl]));
                }
                let signer = JsSignerAdapter::new(get(&args, "signer"))?;
                signer.prepare().await?;
                let commit = c
                    .update_tile(&stream, &signer, content.as_ref(), header, super::now())
                    .await?;
                Ok(JsCommitId(commit).into())
            }
        })
    }

    /// Create the Caip10Link of a blockchain account (`eip155:1:0x…`, `solana:…:…`): an unsigned
    /// genesis anyone can recompute. Resolves to its StreamID.
    ///
    /// ```ts
    /// const linkId = await legacy.createCaip10Link("eip155:1:0xab16a96d359ec26a11e2c2b3d8f8b8942d5bfcdb");
    /// ```
    #[wasm_bindgen(js_name = createCaip10Link, unchecked_return_type = "Promise<StreamID>")]
    pub fn create_caip10_link(&self, account: String) -> js_sys::Promise {
        let c = self.core();
        super::promise(async move {
            let genesis = link::genesis(&account)?;
            let (id, _) = c
                .legacy_create(StreamType::Caip10Link, &genesis, false)
                .await?;
            Ok(JsStreamId(id).into())
        })
    }

    /// Link a Caip10Link's account to a DID (`{streamId, proof}`): `proof` is a LinkProof the
    /// account's wallet signed (see `caip10LinkMessage`); it is checked here — the signature,
    /// the account, not older than the link's last update — then applied. Resolves to the
    /// CommitID.
    ///
    /// ```ts
    /// const message = caip10LinkMessage(did, Math.floor(Date.now() / 1000));
    /// const signature = await ethereum.request({ method: "personal_sign", params: [message, address] });
    /// await legacy.updateCaip10Link({ streamId: linkId, proof: { version: 2, type: "ethereum-eoa", message, signature, account, timestamp } });
    /// ```
    #[wasm_bindgen(js_name = updateCaip10Link, unchecked_return_type = "Promise<CommitID>")]
    pub fn update_caip10_link(
        &self,
        #[wasm_bindgen(unchecked_param_type = "{ streamId: StreamID | string; proof: object }")]
        args: JsValue,
    ) -> js_sys::Promise {
        let c = self.core();
        retrying(move || {
            let (c, args) = (c.clone(), args.clone());
            async move {
                let stream = id_arg::<StreamId>(&get(&args, "streamId"))?;
                let proof: crate::codec::Value =
                    from_js_json(&get(&args, "proof"), "proof", Error::InvalidEvent)?;
                Ok(JsCommitId(c.update_link(&stream, &proof, super::now()).await?).into())
            }
        })
    }

    /// Resolve a did:3 (a 3IDv1; `?versionId=`, `?version-id=` or `?versionTime=` for a past
    /// version) from its stream, verified here: `{didResolutionMetadata, didDocument,
    /// didDocumentMetadata}` as js-ceramic's resolver answers.
    ///
    /// ```ts
    /// const { didDocument } = await legacy.resolveDid3("did:3:kjzl6cwe1jw14…");
    /// ```
    #[wasm_bindgen(js_name = resolveDid3, unchecked_return_type = "Promise<object>")]
    pub fn resolve_did3(&self, did: String) -> js_sys::Promise {
        let c = self.core();
        retrying(move || {
            let (c, did) = (c.clone(), did.clone());
            async move {
                let three = c.load_3id(&did).await?;
                to_js_json(&three.resolve(&Version::from_url(&did)?)?)
            }
        })
    }
}

fn id_string(v: &JsValue) -> crate::Result<String> {
    match v.as_string() {
        Some(s) => Ok(s),
        None => id_arg::<StreamId>(v)
            .map(|s| s.to_string())
            .or_else(|_| id_arg::<CommitId>(v).map(|c| c.to_string())),
    }
}

/// The message a wallet signs to link its account to `did` (js-ceramic's `getConsentMessage`).
///
/// ```ts
/// const message = caip10LinkMessage("did:key:z6Mk…", Math.floor(Date.now() / 1000));
/// ```
#[wasm_bindgen(js_name = caip10LinkMessage)]
pub fn caip10_link_message(did: String, timestamp: f64) -> String {
    link::consent_message(&did, timestamp as i64)
}
