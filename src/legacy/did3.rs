//! The 3ID DID method (`did:3`, CIP-79): a DID whose keys are the content of a TileDocument
//! (`{publicKeys: {<last 15 chars>: <multibase key>}}`) controlled by a management did:key, so
//! keys rotate by signed updates. A signature by a did:3 names the key version it used
//! (`kid = did:3:<id>?version-id=<anchor CID>#<key>`); it stands while that version is current or
//! was superseded less than 24 hours before the signed commit's anchor — as js-did's `verifyJWS`
//! with js-ceramic's 3id-did-resolver decides.
//!
//! 3IDv1 is `did:3:<StreamID>`; 3IDv0 is `did:3:<CID>` of a 2019 js-ipfs DID document whose
//! signing key names the management did:key of a deterministic tile.

use crate::codec::Ipld;
use crate::codec::{Map, Value};
use crate::json;
use cid::Cid;

use crate::codec::dagcbor::DagCborExt;
use crate::codec::multibase;
use crate::did::{DidKey, PublicKey};
use crate::error::{Error, Result};
use crate::events::json_to_ipld;
use crate::ids::{StreamId, StreamType};

use super::commit::Commit;
use super::state::LegacyState;
use super::tile::{self, did_of, AnchorInfo, DidKeyResolver, KeyResolver};

/// js-did's `revocationPhaseOutSecs`: a superseded key version signs for 24 hours more.
pub const PHASE_OUT_SECS: i64 = 86_400;

/// A did:3 identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Did3 {
    /// 3IDv1: the TileDocument's StreamID.
    V1(StreamId),
    /// 3IDv0: the CID of the legacy DID document.
    V0(Cid),
}

/// Parse `did:3:<id>` (query and fragment ignored). As js-ceramic, an id that parses as a CID is
/// a 3IDv0.
pub fn parse(did: &str) -> Result<Did3> {
    let id = did_of(did).strip_prefix("did:3:").ok_or_else(|| {
        Error::InvalidDid(format!("{} is not a did:3", crate::codec::quoted(did)))
    })?;
    if let Ok(cid) = multibase::parse_cid(id) {
        return Ok(Did3::V0(cid));
    }
    let stream: StreamId = id
        .parse()
        .map_err(|e| Error::InvalidDid(format!("{did}: {e}")))?;
    if stream.stream_type() != StreamType::Tile {
        return Err(Error::InvalidDid(format!("{did}: not a TileDocument")));
    }
    Ok(Did3::V1(stream))
}

/// Which version a DID URL asks for: `versionId`/`version-id` (a commit CID, `0` for the
/// genesis) or `versionTime` (ISO time), else the latest.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Version {
    /// The commit CID (or `0`).
    pub commit: Option<String>,
    /// Unix seconds.
    pub time: Option<i64>,
}

impl Version {
    /// Read a DID URL's query.
    pub fn from_url(url: &str) -> Result<Version> {
        let query = url
            .split_once('?')
            .map(|(_, q)| q.split('#').next().unwrap_or_default())
            .unwrap_or_default();
        let mut v = Version::default();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, val) = pair.split_once('=').unwrap_or((pair, ""));
            match k {
                "versionId" | "version-id" if v.commit.is_none() => v.commit = Some(val.into()),
                "versionTime" => {
                    let (secs, _) = crate::codec::time::parse_rfc3339(val).ok_or_else(|| {
                        Error::InvalidDid(format!(
                            "{url}: versionTime {} is not a time",
                            crate::codec::quoted(val)
                        ))
                    })?;
                    v.time = Some(secs);
                }
                _ => {}
            }
        }
        Ok(v)
    }
}

/// A 3ID's TileDocument log, verified (its controllers are did:keys), with anchor times.
#[derive(Debug, Clone)]
pub struct ThreeId {
    /// `did:3:<id>` as named (v1 StreamID or v0 CID).
    pub did: String,
    log: Vec<Commit>,
    anchors: Vec<Option<AnchorInfo>>,
    latest: LegacyState,
    /// 3IDv0: the keys of the legacy document, used while the tile has none.
    legacy_keys: Option<Map<String, Value>>,
}

impl ThreeId {
    /// A 3IDv1 from its tile's log; `anchors` checks each anchor commit.
    pub fn v1(
        did: &str,
        log: Vec<Commit>,
        anchors: &mut dyn FnMut(&Commit) -> Result<AnchorInfo>,
    ) -> Result<ThreeId> {
        let Did3::V1(stream) = parse(did)? else {
            return Err(Error::InvalidDid(format!("{did} is not a 3IDv1")));
        };
        let genesis = log
            .first()
            .ok_or_else(|| Error::InvalidEvent("an empty 3ID log".into()))?;
        if StreamId::new(StreamType::Tile, genesis.cid) != stream {
            return Err(Error::InvalidEvent(format!(
                "the log's genesis {} is not {did}'s",
                crate::codec::cid_text(&genesis.cid)
            )));
        }
        Self::from_log(did_of(did).to_string(), log, anchors, None)
    }

    /// A 3IDv0 from its legacy DID document (whose dag-cbor CID is the DID) and the log of the
    /// deterministic tile of its management key.
    pub fn v0(
        did: &str,
        document: &Value,
        log: Vec<Commit>,
        anchors: &mut dyn FnMut(&Commit) -> Result<AnchorInfo>,
    ) -> Result<ThreeId> {
        let Did3::V0(cid) = parse(did)? else {
            return Err(Error::InvalidDid(format!("{did} is not a 3IDv0")));
        };
        let got = json_to_ipld(document).to_cid()?;
        if got != cid {
            return Err(Error::InvalidDid(format!(
                "the legacy document hashes to {got}, not {did}'s CID",
                got = crate::codec::cid_text(&got)
            )));
        }
        let (key_did, legacy_keys) = v0_keys(document)?;
        let genesis = log
            .first()
            .ok_or_else(|| Error::InvalidEvent("an empty 3ID log".into()))?;
        if !v0_tile_geneses(&key_did)?.contains(&genesis.cid) {
            return Err(Error::InvalidEvent(format!(
                "{} is not the 3ID tile of {key_did}",
                crate::codec::cid_text(&genesis.cid)
            )));
        }
        Self::from_log(did_of(did).to_string(), log, anchors, Some(legacy_keys))
    }

    fn from_log(
        did: String,
        log: Vec<Commit>,
        anchors: &mut dyn FnMut(&Commit) -> Result<AnchorInfo>,
        legacy_keys: Option<Map<String, Value>>,
    ) -> Result<ThreeId> {
        let mut infos = Vec::with_capacity(log.len());
        for c in &log {
            infos.push(if c.is_anchor() {
                Some(anchors(c)?)
            } else {
                None
            });
        }
        let latest = fold_with(&log, &infos)?;
        Ok(ThreeId {
            did,
            log,
            anchors: infos,
            latest,
            legacy_keys,
        })
    }

    /// The latest state of the 3ID's tile.
    pub fn latest(&self) -> &LegacyState {
        &self.latest
    }

    /// The tile's state at `version`: through the named commit, or the last anchor at or before
    /// the time (the genesis if none), or all of it.
    pub fn state_at(&self, version: &Version) -> Result<LegacyState> {
        let end = match (&version.commit, version.time) {
            (Some(c), _) if c == "0" => 1,
            (Some(c), _) => {
                let cid = multibase::parse_cid(c)?;
                self.log
                    .iter()
                    .position(|e| e.cid == cid)
                    .ok_or_else(|| Error::NotFound(format!("{}: no version {c}", self.did)))?
                    + 1
            }
            (None, Some(t)) => self
                .latest
                .log
                .iter()
                .rposition(|e| e.kind == 2 && e.timestamp.is_some_and(|ts| ts <= t))
                .map_or(1, |i| i + 1),
            (None, None) => self.log.len(),
        };
        fold_with(&self.log[..end], &self.anchors[..end])
    }

    /// js-ceramic's resolution: the DID document at `version` (from the version's anchored
    /// content) and its metadata (`updated`/`versionId` from the version's last anchor,
    /// `nextUpdate`/`nextVersionId` from the first later anchor of the latest log).
    pub fn resolve(&self, version: &Version) -> Result<Value> {
        let at = self.state_at(version)?;
        let (updated, version_id) = at
            .log
            .iter()
            .rev()
            .find(|e| e.kind == 2)
            .map_or((None, at.log.first().map(|e| e.cid)), |e| {
                (e.timestamp, Some(e.cid))
            });
        // Anchor entries only: js-ceramic's 2021 states (the fixtures') carry no timestamps on
        // other entries; later ones back-fill them, which would name a data commit instead.
        let next =
            self.latest.log.iter().find(|e| {
                e.kind == 2 && e.timestamp.is_some_and(|t| updated.is_none_or(|u| t > u))
            });
        let mut meta = Map::new();
        if let Some(u) = updated {
            meta.insert("updated".into(), json!(iso(u)));
        }
        if let Some(n) = next.and_then(|n| n.timestamp) {
            meta.insert("nextUpdate".into(), json!(iso(n)));
        }
        if let Some(v) = version_id {
            let v = if at.log.len() == 1 {
                "0".into()
            } else {
                crate::codec::cid_text(&v).to_string()
            };
            meta.insert("versionId".into(), json!(v));
        }
        if let Some(n) = next {
            meta.insert(
                "nextVersionId".into(),
                json!(crate::codec::cid_text(&n.cid).to_string()),
            );
        }
        Ok(json!({
            "didResolutionMetadata": { "contentType": "application/did+json" },
            "didDocument": self.document(&at.content)?,
            "didDocumentMetadata": meta,
        }))
    }

    fn document(&self, content: &Value) -> Result<Value> {
        let keys = match content.get("publicKeys").and_then(Value::as_object) {
            Some(k) => k,
            None => match &self.legacy_keys {
                Some(k) => k,
                None => return Ok(Value::Null),
            },
        };
        Ok(wrap_document(&self.did, keys))
    }

    /// The key `kid` names, valid for a commit anchored at `at_time`.
    pub fn key(&self, kid: &str, at_time: Option<i64>) -> Result<PublicKey> {
        let version = Version::from_url(kid)?;
        let doc = self.resolve(&version)?;
        let meta = &doc["didDocumentMetadata"];
        let time = |k: &str| {
            meta.get(k)
                .and_then(Value::as_str)
                .and_then(crate::codec::time::parse_rfc3339)
                .map(|(s, _)| s)
        };
        if let Some(next) = time("nextUpdate") {
            match at_time {
                Some(t) if t < next + PHASE_OUT_SECS => {}
                Some(t) => {
                    return Err(Error::UnauthorizedSigner(format!(
                        "{kid}: this key version was superseded at {} and the commit was anchored at {}, past the 24 h phase-out",
                        iso(next),
                        iso(t)
                    )))
                }
                None => {
                    return Err(Error::UnauthorizedSigner(format!(
                        "{kid}: this key version was superseded at {} and the commit is not anchored",
                        iso(next)
                    )))
                }
            }
        }
        if let (Some(updated), Some(t)) = (time("updated"), at_time) {
            if t < updated {
                return Err(Error::UnauthorizedSigner(format!(
                    "{kid}: signature authored before creation of DID version ({} < {})",
                    iso(t),
                    iso(updated)
                )));
            }
        }
        let fragment = kid.rsplit_once('#').map(|(_, f)| f).unwrap_or_default();
        let content = self.state_at(&version)?.content;
        let keys = content
            .get("publicKeys")
            .and_then(Value::as_object)
            .or(self.legacy_keys.as_ref())
            .ok_or_else(|| Error::InvalidDid(format!("{kid}: this version has no keys")))?;
        let value = keys.get(fragment).and_then(Value::as_str).ok_or_else(|| {
            Error::InvalidDid(format!("{kid}: no key {}", crate::codec::quoted(fragment)))
        })?;
        let key = DidKey::parse(&format!("did:key:{value}"))?
            .public_key()
            .clone();
        match key {
            PublicKey::Secp256k1(_) | PublicKey::Ed25519(_) => Ok(key),
            _ => Err(Error::UnsupportedDid(format!("{kid}: not a signing key"))),
        }
    }
}

fn fold_with(log: &[Commit], infos: &[Option<AnchorInfo>]) -> Result<LegacyState> {
    // Each anchor was checked once, when the 3ID was loaded.
    let checked = |c: &Commit| -> Result<AnchorInfo> {
        let i = log.iter().position(|e| e.cid == c.cid);
        Ok(i.and_then(|i| infos.get(i).cloned().flatten())
            .unwrap_or_default())
    };
    tile::fold(log, &mut { checked }, &DidKeyResolver)
}

/// `YYYY-MM-DDTHH:MM:SSZ`.
fn iso(secs: i64) -> String {
    crate::codec::time::format_millis(secs, 0).replace(".000Z", "Z")
}

/// A DID document from a 3ID's `publicKeys` (js-ceramic's `wrapDocument`): secp256k1 keys
/// authenticate, x25519 keys agree keys, others are left out.
pub fn wrap_document(did: &str, keys: &Map<String, Value>) -> Value {
    let (mut methods, mut auth, mut agreement) = (Vec::new(), Vec::new(), Vec::new());
    for (name, value) in keys {
        let Some(bytes) = value
            .as_str()
            .and_then(|v| v.strip_prefix('z'))
            .and_then(|v| multibase::decode_base(multibase::Base::Base58Btc, v).ok())
        else {
            continue;
        };
        let kind = match bytes.first() {
            Some(0xe7) => "EcdsaSecp256k1Signature2019",
            Some(0xec) => "X25519KeyAgreementKey2019",
            _ => continue,
        };
        let entry = json!({
            "id": format!("{did}#{name}"),
            "type": kind,
            "controller": did,
            "publicKeyBase58": multibase::encode(multibase::Base::Base58Btc, bytes.get(2..).unwrap_or_default()).trim_start_matches('z'),
        });
        methods.push(entry.clone());
        if kind.starts_with("Ecdsa") {
            auth.push(entry);
        } else {
            agreement.push(entry);
        }
    }
    json!({
        "id": did,
        "verificationMethod": methods,
        "authentication": auth,
        "keyAgreement": agreement,
    })
}

/// A 3IDv0 document's management did:key and its keys in 3ID form. The signing key is
/// compressed as js-ceramic's `compressKey` does: its parity test runs on a hex string, so the
/// prefix is always `02` (both of its test vectors have an even y).
pub fn v0_keys(document: &Value) -> Result<(String, Map<String, Value>)> {
    let keys = document
        .get("publicKey")
        .and_then(Value::as_array)
        .ok_or_else(|| Error::InvalidDid("a 3IDv0 document without publicKey".into()))?;
    let find = |suffix: &str| {
        keys.iter().find(|k| {
            k.get("id")
                .and_then(Value::as_str)
                .is_some_and(|id| id.ends_with(suffix))
        })
    };
    let hex = find("#signingKey")
        .and_then(|k| k.get("publicKeyHex"))
        .and_then(Value::as_str)
        .ok_or_else(|| Error::InvalidDid("a 3IDv0 document without a signing key".into()))?;
    let raw = crate::did::siwx::decode_hex(hex)
        .filter(|r| r.len() == 65 && r.first() == Some(&4))
        .ok_or_else(|| {
            Error::InvalidKey("3IDv0 signing key is not an uncompressed point".into())
        })?;
    let mut compressed = vec![0x02];
    compressed.extend_from_slice(raw.get(1..33).unwrap_or_default());
    let signing = DidKey::from_public_key(PublicKey::Secp256k1(compressed));
    let mut out = Map::new();
    let fp = signing.fingerprint().to_string();
    out.insert(last15(&fp), Value::String(fp));
    if let Some(b64) = find("#encryptionKey")
        .and_then(|k| k.get("publicKeyBase64"))
        .and_then(Value::as_str)
    {
        let raw = crate::codec::base64::STANDARD
            .decode(b64)
            .map_err(|e| Error::InvalidKey(format!("3IDv0 encryption key: {e}")))?;
        let mut bytes = vec![0xec, 0x01];
        bytes.extend_from_slice(&raw);
        let fp = multibase::encode(multibase::Base::Base58Btc, &bytes);
        out.insert(last15(&fp), Value::String(fp));
    }
    Ok((signing.as_str().to_string(), out))
}

fn last15(s: &str) -> String {
    s.get(s.len().saturating_sub(15)..).unwrap_or(s).to_string()
}

/// The genesis CIDs a 3IDv0's tile may have: `{header: {controllers, family: "3id"}}` as
/// js-ceramic derives it today, and the same with the top-level `unique: "0"` it wrote before
/// 2021-03-25 (js-ceramic#1148), which the recorded v0 tiles have.
pub fn v0_tile_geneses(key_did: &str) -> Result<Vec<Cid>> {
    let header = Ipld::Map(
        [
            (
                "controllers".to_string(),
                Ipld::List(vec![Ipld::String(key_did.into())]),
            ),
            ("family".to_string(), Ipld::String("3id".into())),
        ]
        .into(),
    );
    let now = Ipld::Map([("header".to_string(), header.clone())].into());
    let then = Ipld::Map(
        [
            ("header".to_string(), header),
            ("unique".to_string(), Ipld::String("0".into())),
        ]
        .into(),
    );
    Ok(vec![now.to_cid()?, then.to_cid()?])
}

/// did:key and did:3 keys, the 3IDs loaded beforehand.
#[derive(Debug, Default, Clone)]
pub struct Did3Resolver {
    ids: Vec<ThreeId>,
    now: Option<i64>,
}

impl Did3Resolver {
    /// With these 3IDs known.
    pub fn new(ids: Vec<ThreeId>) -> Self {
        Did3Resolver { ids, now: None }
    }

    /// Knowing the current time (unix seconds): CACAOs under unanchored commits are checked at it.
    pub fn with_now(mut self, now: i64) -> Self {
        self.now = Some(now);
        self
    }

    /// Add a 3ID.
    pub fn add(&mut self, id: ThreeId) {
        self.ids.push(id);
    }

    /// The 3ID of `did`, if loaded.
    pub fn get(&self, did: &str) -> Option<&ThreeId> {
        let did = did_of(did);
        self.ids.iter().find(|i| i.did == did)
    }
}

impl KeyResolver for Did3Resolver {
    fn key(&self, kid: &str, at_time: Option<i64>) -> Result<PublicKey> {
        let did = did_of(kid);
        if did.starts_with("did:3:") {
            let id = self.get(did).ok_or_else(|| {
                Error::UnsupportedDid(format!("{did}: this 3ID's stream was not loaded"))
            })?;
            return id.key(kid, at_time);
        }
        DidKeyResolver.key(kid, at_time)
    }

    fn now(&self) -> Option<i64> {
        self.now
    }
}
