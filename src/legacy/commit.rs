//! Legacy commits as js-ceramic stores and serves them. Kinds are told apart by shape, as
//! js-ceramic does (`getCommitData`): a DAG-JOSE envelope is signed (its payload is the body); a
//! body with `proof` is an anchor commit; a body without `prev` is a genesis. Bodies are kept as
//! IPLD maps so that every historical shape (top-level `unique`, `doctype`, `owners`, Caip10Link
//! updates without a header) is read without a schema per era.

use crate::codec::base64::{Base64, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use crate::codec::Ipld;
use crate::codec::{Map, Value};
use cid::Cid;

use crate::codec::dagcbor::{decode_ipld, Block, DagCborExt};
use crate::codec::fields::FromIpld;
use crate::codec::{DAG_CBOR, DAG_JOSE};
use crate::did::jws::{Envelope, JwsSignature};
use crate::error::{Error, Result};
use crate::events::{ipld_to_json, json_to_ipld};

/// One commit of a TileDocument or Caip10Link log, its bytes checked against its CID.
#[derive(Debug, Clone, PartialEq)]
pub struct Commit {
    /// The commit's CID: the envelope's (codec 0x85) when signed, else the body's.
    pub cid: Cid,
    /// The DAG-JOSE envelope of a signed commit.
    pub envelope: Option<Envelope>,
    /// The body: the payload block of a signed commit, or the commit block itself.
    pub body: crate::codec::IpldMap,
    /// The CACAO block a signed commit's `cap` names (did:pkh controllers), when it came along.
    pub cacao: Option<Vec<u8>>,
}

fn bad(msg: impl std::fmt::Display) -> Error {
    Error::InvalidEvent(format!("legacy commit: {msg}"))
}

impl Commit {
    /// A commit from its block and, when it is a DAG-JOSE envelope, its payload block.
    pub fn from_blocks(cid: &Cid, block: &[u8], payload: Option<&[u8]>) -> Result<Commit> {
        Block::verify(cid, block)?;
        match cid.codec() {
            DAG_JOSE => {
                let envelope = Envelope::from_ipld(decode_ipld(block)?, &"JWS envelope")?;
                let payload_cid = envelope.payload_cid()?;
                let payload = payload.ok_or_else(|| {
                    Error::MissingBlock(format!(
                        "payload {payload_cid} of {cid}",
                        payload_cid = crate::codec::cid_text(&payload_cid),
                        cid = crate::codec::cid_text(cid)
                    ))
                })?;
                Block::verify(&payload_cid, payload)?;
                Ok(Commit {
                    cid: *cid,
                    envelope: Some(envelope),
                    body: body_of(decode_ipld(payload)?)?,
                    cacao: None,
                })
            }
            DAG_CBOR => Ok(Commit {
                cid: *cid,
                envelope: None,
                body: body_of(decode_ipld(block)?)?,
                cacao: None,
            }),
            other => Err(bad(format!(
                "{cid}: codec 0x{other:x} is neither dag-cbor nor dag-jose",
                cid = crate::codec::cid_text(cid)
            ))),
        }
    }

    /// A commit in js-ceramic's JSON form (`serializeCommit`, as `GET /api/v0/commits` answers
    /// and `POST /api/v0/commits` takes): `{jws, linkedBlock}` for a signed commit (JWS parts in
    /// base64url, the payload block in standard base64, both unpadded), an anchor commit with its
    /// links as strings, or an unsigned body as is. `cid`, when the node names one, must match.
    pub fn from_api_json(value: &Value, cid: Option<&str>) -> Result<Commit> {
        let obj = value.as_object().ok_or_else(|| bad("not a JSON object"))?;
        let commit = if let Some(jws) = obj.get("jws") {
            let linked = obj
                .get("linkedBlock")
                .and_then(Value::as_str)
                .ok_or_else(|| bad("a signed commit without linkedBlock"))?;
            let payload = b64(STANDARD_NO_PAD, linked, "linkedBlock")?;
            let envelope = envelope_from_json(jws)?;
            let block = envelope.to_dag_cbor()?;
            let cid = Block::new(DAG_JOSE, block.clone()).cid;
            let mut commit = Commit::from_blocks(&cid, &block, Some(&payload))?;
            if let Some(c) = obj.get("cacaoBlock").and_then(Value::as_str) {
                commit.cacao = Some(b64(STANDARD_NO_PAD, c, "cacaoBlock")?);
            }
            if let Some(link) = jws.get("link").and_then(Value::as_str) {
                let payload_cid = commit.payload_cid()?;
                if parse_cid(link)? != payload_cid {
                    return Err(bad(format!(
                        "jws.link {link} is not the payload {payload_cid}",
                        payload_cid = crate::codec::cid_text(&payload_cid)
                    )));
                }
            }
            commit
        } else {
            let body = match json_to_ipld(value) {
                Ipld::Map(mut m) => {
                    // Links travel as strings: `id`, `prev`, `proof` are CIDs in every shape.
                    for key in ["id", "prev", "proof"] {
                        if let Some(Ipld::String(s)) = m.get(key) {
                            let link = parse_cid(s)?;
                            m.insert(key.to_string(), Ipld::Link(link));
                        }
                    }
                    m
                }
                _ => return Err(bad("not a JSON object")),
            };
            let block = Ipld::Map(body.clone()).to_block()?;
            Commit {
                cid: block.cid,
                envelope: None,
                body,
                cacao: None,
            }
        };
        if let Some(claimed) = cid {
            if parse_cid(claimed)? != commit.cid {
                return Err(Error::InvalidCar(format!(
                    "commit {claimed} hashes to {}",
                    crate::codec::cid_text(&commit.cid)
                )));
            }
        }
        Ok(commit)
    }

    /// The JSON form js-ceramic's `/api/v0` takes (`serializeCommit`).
    pub fn to_api_json(&self) -> Result<Value> {
        match &self.envelope {
            Some(env) => {
                let sig = env.signature()?;
                let payload = Ipld::Map(self.body.clone()).to_dag_cbor()?;
                let mut out = crate::json!({
                    "jws": {
                        "payload": URL_SAFE_NO_PAD.encode(&env.payload),
                        "signatures": [{
                            "protected": URL_SAFE_NO_PAD.encode(&sig.protected),
                            "signature": URL_SAFE_NO_PAD.encode(&sig.signature),
                        }],
                        "link": crate::codec::cid_text(&env.payload_cid()?).to_string(),
                    },
                    "linkedBlock": STANDARD_NO_PAD.encode(payload),
                });
                if let Some(c) = &self.cacao {
                    out["cacaoBlock"] = Value::String(STANDARD_NO_PAD.encode(c));
                }
                Ok(out)
            }
            None => {
                let mut out = Vec::new();
                for (k, v) in &self.body {
                    let v = match v {
                        Ipld::Link(c) => Value::String(crate::codec::cid_text(c).to_string()),
                        other => ipld_to_json(other)?,
                    };
                    out.push((k.clone(), v));
                }
                // Sorted once (see `events::ipld_to_json`); an IPLD map's keys are distinct.
                Map::from_entries(out).map(Value::Object).map_err(|k| {
                    Error::InvalidEvent(format!("repeated key {}", crate::codec::quoted(&k)))
                })
            }
        }
    }

    /// The blocks of this commit: the commit block, then the payload block of a signed one.
    pub fn blocks(&self) -> Result<Vec<Block>> {
        let body = Ipld::Map(self.body.clone()).to_block()?;
        Ok(match &self.envelope {
            Some(env) => vec![Block::new(DAG_JOSE, env.to_dag_cbor()?), body],
            None => vec![body],
        })
    }

    /// The payload CID of a signed commit.
    pub fn payload_cid(&self) -> Result<Cid> {
        match &self.envelope {
            Some(env) => env.payload_cid(),
            None => Err(bad(format!(
                "{} is not signed",
                crate::codec::cid_text(&self.cid)
            ))),
        }
    }

    /// `prev`, absent on a genesis.
    pub fn prev(&self) -> Result<Option<Cid>> {
        self.link("prev")
    }

    /// `id` (the genesis CID), absent on genesis and on old anchor commits.
    pub fn id(&self) -> Result<Option<Cid>> {
        self.link("id")
    }

    fn link(&self, key: &str) -> Result<Option<Cid>> {
        match self.body.get(key) {
            None => Ok(None),
            Some(Ipld::Link(c)) => Ok(Some(*c)),
            Some(_) => Err(bad(format!(
                "{}: `{key}` is not a link",
                crate::codec::cid_text(&self.cid)
            ))),
        }
    }

    /// Whether this is an anchor commit (`proof`).
    pub fn is_anchor(&self) -> bool {
        self.envelope.is_none() && self.body.contains_key("proof")
    }

    /// The anchor commit's parts: proof CID and Merkle path.
    pub fn anchor(&self) -> Result<(Cid, String)> {
        let proof = self.link("proof")?.ok_or_else(|| {
            bad(format!(
                "{} has no proof",
                crate::codec::cid_text(&self.cid)
            ))
        })?;
        let path = match self.body.get("path") {
            Some(Ipld::String(p)) => p.clone(),
            None => String::new(),
            Some(_) => {
                return Err(bad(format!(
                    "{}: path is not a string",
                    crate::codec::cid_text(&self.cid)
                )))
            }
        };
        Ok((proof, path))
    }

    /// A body member as JSON (`header`, `data`), `None` when absent.
    pub fn json(&self, key: &str) -> Result<Option<Value>> {
        self.body.get(key).map(ipld_to_json).transpose()
    }
}

fn body_of(ipld: Ipld) -> Result<crate::codec::IpldMap> {
    match ipld {
        Ipld::Map(m) => Ok(m),
        _ => Err(bad("the body is not a map")),
    }
}

fn b64(engine: Base64, s: &str, what: &str) -> Result<Vec<u8>> {
    // Accept padded input too: older nodes and hand-made bodies pad.
    engine
        .decode(s.trim_end_matches('='))
        .map_err(|e| bad(format!("{what}: {e}")))
}

fn parse_cid(s: &str) -> Result<Cid> {
    crate::codec::multibase::parse_cid(s)
}

fn envelope_from_json(jws: &Value) -> Result<Envelope> {
    let text = |v: Option<&Value>, what: &str| -> Result<Vec<u8>> {
        let s = v
            .and_then(Value::as_str)
            .ok_or_else(|| bad(format!("jws.{what} is not a string")))?;
        b64(URL_SAFE_NO_PAD, s, what)
    };
    let signatures = jws
        .get("signatures")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("jws.signatures is not an array"))?
        .iter()
        .map(|s| {
            Ok(JwsSignature {
                header: None,
                protected: text(s.get("protected"), "protected")?,
                signature: text(s.get("signature"), "signature")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Envelope {
        payload: text(jws.get("payload"), "payload")?,
        signatures,
    })
}
