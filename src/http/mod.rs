//! The node protocol as a transport-agnostic client: requests in, typed answers out.
//!
//! [`Client`] speaks ceramic-one's HTTP API (0.58) over any [`Transport`] (fetch in wasm, a test
//! double or a native HTTP client elsewhere). Statuses map to codes: 400 → `NODE_REJECTED` (with
//! the node's message), 404 → `NOT_FOUND`, 5xx or an unusable answer → `NODE_ERROR`; transports
//! report `NETWORK`, `TIMEOUT` and `ABORTED`. Every call here is idempotent (re-posting an event
//! is a no-op on the node), so network errors, timeouts and 5xx are retried with exponential
//! backoff; 4xx and cancellation never are.

mod documents;
mod known;
#[cfg(feature = "legacy")]
mod legacy;

pub use crate::did::AsyncSigner;
pub use documents::{LoadedDocument, SetValues};
pub use known::{KnownStreams, KNOWN_STREAMS};
#[cfg(feature = "legacy")]
pub use legacy::{compare_with_node, LoadedLegacy};

use std::future::Future;

use crate::codec::Value;
use cid::Cid;

use crate::codec::json_object;

use crate::codec::json::{self, Members};
use crate::codec::multibase;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::ids::{StreamId, StreamType};
use crate::verify::{CachedRpc, EthRpc, EventSource, NoRpc};

/// HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET
    Get,
    /// POST
    Post,
}

/// A request, relative to the node's base URL (`path` starts with `/ceramic/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Method.
    pub method: Method,
    /// Path and query.
    pub path: String,
    /// JSON body.
    pub body: Option<String>,
}

/// An answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// Body bytes.
    pub body: Vec<u8>,
}

/// Sends requests and waits. Implementations map failures to `NETWORK`, `TIMEOUT` or `ABORTED`.
pub trait Transport {
    /// Send `req` to `base_url` + `req.path`.
    fn send(&self, base_url: &str, req: &Request) -> impl Future<Output = Result<Response>>;
    /// Wait `ms` milliseconds (between retries).
    fn sleep(&self, ms: u64) -> impl Future<Output = ()>;
}

/// Retries of failed calls: network errors, timeouts and 5xx only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Extra attempts after the first.
    pub retries: u32,
    /// First delay; doubled each attempt.
    pub base_delay_ms: u64,
    /// Longest delay.
    pub max_delay_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            retries: 2,
            base_delay_ms: 200,
            max_delay_ms: 5_000,
        }
    }
}

impl RetryPolicy {
    /// Whether an error is worth another attempt.
    pub fn retryable(err: &Error) -> bool {
        matches!(
            err,
            Error::Network(_) | Error::Timeout(_) | Error::NodeError(_)
        )
    }

    /// The delay before attempt `n` (1-based retry number).
    pub fn delay(&self, n: u32) -> u64 {
        self.base_delay_ms
            .saturating_mul(1u64 << n.saturating_sub(1).min(20))
            .min(self.max_delay_ms)
    }
}

/// ceramic-one's answer to `GET /ceramic/streams/{id}`, decoded.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeStreamState {
    /// The stream.
    pub id: StreamId,
    /// The tip the node claims.
    pub event_cid: Cid,
    /// The controller the node claims.
    pub controller: String,
    /// The model (`dimensions.model`).
    pub model: Option<StreamId>,
    /// `dimensions.unique` (empty when absent).
    pub unique: Vec<u8>,
    /// `dimensions.context` (empty when absent).
    pub context: Vec<u8>,
    /// `metadata` of the state document.
    pub metadata: Value,
    /// `content` of the state document.
    pub content: Value,
}

/// One event of the feed.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedEvent {
    /// Event CID.
    pub id: Cid,
    /// The event's CAR (with `includeData=full`).
    pub car: Option<Vec<u8>>,
}

/// A page of `GET /ceramic/feed/events`.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedPage {
    /// Events in feed order.
    pub events: Vec<FeedEvent>,
    /// Where to resume.
    pub resume_token: String,
}

/// A client of one node.
#[derive(Debug, Clone)]
pub struct Client<T, R = NoRpc> {
    base_url: String,
    transport: T,
    retry: RetryPolicy,
    known: KnownStreams,
    read_your_writes_ms: u64,
    /// Ethereum providers for checking anchors on chains (shared by `with_transport` views, with
    /// what they have looked up).
    rpc: Option<std::rc::Rc<CachedRpc<R>>>,
    /// Where events already fetched are kept by CID (across page loads, if the store persists).
    events: Option<std::rc::Rc<dyn EventStore>>,
    /// Where signed events wait while the node cannot be reached.
    outbox: Option<std::rc::Rc<dyn Outbox>>,
    /// Refusals met by background publishing, for the next `publish_pending` (shared by views).
    refused: std::rc::Rc<std::cell::RefCell<Vec<(Cid, Error)>>>,
    /// An IPFS gateway serving raw blocks (`/ipfs/{cid}?format=raw`): legacy anchor proofs.
    #[cfg_attr(not(feature = "legacy"), allow(dead_code))]
    ipfs_gateway: Option<String>,
    /// Blocks this client wrote that js-ceramic's `/api/v0` does not serve back (the CACAOs of
    /// legacy commits), by CID (shared by views).
    #[cfg(feature = "legacy")]
    written_blocks: std::rc::Rc<std::cell::RefCell<std::collections::HashMap<Cid, Vec<u8>>>>,
}

/// A boxed future (the store is a trait object: one implementation per client, chosen at run time).
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + 'a>>;

/// A store of event CARs by CID: IndexedDB in a browser, memory, or the caller's. Nothing read
/// from it is trusted: a CAR is decoded strictly (its blocks must hash to their CIDs) and must be
/// the event asked for, and events are verified as if fetched — the store saves requests, not
/// checks. Failures of the store are ignored (the node is asked instead).
pub trait EventStore: std::fmt::Debug {
    /// The CAR stored for `cid`, if any.
    fn get<'a>(&'a self, cid: &'a Cid) -> BoxFuture<'a, Option<Vec<u8>>>;
    /// Keep `car` under `cid`.
    fn put<'a>(&'a self, cid: &'a Cid, car: &'a [u8]) -> BoxFuture<'a, ()>;
}

/// Where this client's signed events wait while the node cannot be reached (offline, or every
/// retry failed): an ordered queue, in IndexedDB in a browser, in memory, or the caller's storage.
/// Its events were signed and checked when written; publishing posts them oldest first.
pub trait Outbox: std::fmt::Debug {
    /// Append an event's CAR.
    fn push<'a>(&'a self, cid: &'a Cid, car: &'a [u8]) -> BoxFuture<'a, Result<()>>;
    /// The waiting events' CARs, oldest first.
    fn list(&self) -> BoxFuture<'_, Result<Vec<Vec<u8>>>>;
    /// Remove an event (published, or refused by the node).
    fn remove<'a>(&'a self, cid: &'a Cid) -> BoxFuture<'a, Result<()>>;
}

/// What publishing the outbox did.
#[derive(Debug, Default)]
pub struct Published {
    /// Events the node took, in order.
    pub published: Vec<Cid>,
    /// Events the node refused (a 4xx: they are removed, since posting them again cannot help).
    pub refused: Vec<(Cid, Error)>,
    /// Events still waiting (the node could not be reached).
    pub remaining: usize,
}

/// How long a load right after an own write waits for the node to show it, by default.
pub const READ_YOUR_WRITES_MS: u64 = 5_000;

/// The root CID of an event CAR from the outbox (written by this client: only read, not checked).
fn car_root(car: &[u8]) -> Result<Cid> {
    crate::codec::Car::decode(car)?
        .roots()
        .first()
        .copied()
        .ok_or_else(|| Error::InvalidCar("an outbox entry without a root".into()))
}

fn node_error(what: &str, e: impl std::fmt::Display) -> Error {
    Error::NodeError(format!("{what}: {e}"))
}

/// Map a non-2xx answer to an error, keeping the node's message.
pub fn status_error(resp: &Response) -> Error {
    let text = crate::codec::text_or_hex(&resp.body);
    let message = crate::codec::json::parse_str(&text)
        .ok()
        .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_string))
        .unwrap_or(text);
    match resp.status {
        400 => Error::NodeRejected(message),
        404 => Error::NotFound(message),
        // Timeouts and rate limits pass; other 4xx (401, 403, 409, 413 from a proxy's body limit…)
        // will not change by asking again: refused, not retried.
        s @ (401..=403 | 405..=407 | 409..=428 | 430..=499) => {
            Error::NodeRejected(format!("HTTP {s}: {message}"))
        }
        s => Error::NodeError(format!("HTTP {s}: {message}")),
    }
}

/// A node's JSON answer; its members are read with [`Members`].
fn parse(resp: &Response, what: &str) -> Result<Value> {
    crate::codec::json::parse_slice(&resp.body).map_err(|e| node_error(what, e))
}

/// The members of a node's JSON answer (`NODE_ERROR` when it is not an object).
fn members<'a>(v: &'a Value, what: &'a str) -> Result<Members<'a>> {
    Members::of(v, what).map_err(|e| node_error(what, e))
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl<T: Transport> Client<T> {
    /// A client of the node at `base_url` (e.g. `http://127.0.0.1:5101`; a trailing `/` or
    /// `/ceramic` is tolerated).
    pub fn new(base_url: &str, transport: T) -> Self {
        let base = base_url.trim_end_matches('/');
        let base = base.strip_suffix("/ceramic").unwrap_or(base);
        Client {
            base_url: base.to_string(),
            transport,
            retry: RetryPolicy::default(),
            known: KnownStreams::default(),
            read_your_writes_ms: READ_YOUR_WRITES_MS,
            rpc: None,
            events: None,
            outbox: None,
            refused: Default::default(),
            ipfs_gateway: None,
            #[cfg(feature = "legacy")]
            written_blocks: Default::default(),
        }
    }

    /// With Ethereum providers: time events on the chains `rpc` serves are checked on chain
    /// (their answers cached for the client's life); others stay `Unchecked`.
    pub fn with_eth_rpc<R: EthRpc>(self, rpc: R) -> Client<T, R> {
        Client {
            base_url: self.base_url,
            transport: self.transport,
            retry: self.retry,
            known: self.known,
            read_your_writes_ms: self.read_your_writes_ms,
            rpc: Some(std::rc::Rc::new(CachedRpc::new(rpc))),
            events: self.events,
            outbox: self.outbox,
            refused: self.refused,
            ipfs_gateway: self.ipfs_gateway,
            #[cfg(feature = "legacy")]
            written_blocks: self.written_blocks,
        }
    }
}

impl<T: Transport, R: EthRpc> Client<T, R> {
    /// With a store of the events it fetches (see [`EventStore`]).
    pub fn with_event_store(mut self, store: std::rc::Rc<dyn EventStore>) -> Self {
        self.events = Some(store);
        self
    }

    /// With an outbox: writes the node cannot take now (offline, retries exhausted) are kept
    /// there and published later, in order ([`Client::publish_pending`]).
    pub fn with_outbox(mut self, outbox: std::rc::Rc<dyn Outbox>) -> Self {
        self.outbox = Some(outbox);
        self
    }

    /// With an IPFS gateway serving raw blocks (the trustless gateway API, `GET
    /// /ipfs/{cid}?format=raw`): the proof and Merkle blocks of legacy streams' anchor commits are
    /// fetched there and checked (each block against its CID), since js-ceramic's `/api/v0` does
    /// not serve them.
    pub fn with_ipfs_gateway(mut self, url: &str) -> Self {
        self.ipfs_gateway = Some(url.trim_end_matches('/').to_string());
        self
    }

    /// With another retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// With another bound on how long a load right after this client's own write waits for the
    /// node to show it (0: answer at once with the client's own state, marked `pending`).
    pub fn with_read_your_writes_ms(mut self, ms: u64) -> Self {
        self.read_your_writes_ms = ms;
        self
    }

    /// The same client (node, settings, and what it knows of streams) over another transport,
    /// e.g. one whose requests a given signal cancels.
    pub fn with_transport<U>(&self, transport: U) -> Client<U, R> {
        Client {
            base_url: self.base_url.clone(),
            transport,
            retry: self.retry,
            known: self.known.clone(),
            read_your_writes_ms: self.read_your_writes_ms,
            rpc: self.rpc.clone(),
            events: self.events.clone(),
            outbox: self.outbox.clone(),
            refused: self.refused.clone(),
            ipfs_gateway: self.ipfs_gateway.clone(),
            #[cfg(feature = "legacy")]
            written_blocks: self.written_blocks.clone(),
        }
    }

    /// The retry policy.
    pub fn retry(&self) -> RetryPolicy {
        self.retry
    }

    /// The node's base URL.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// Send with retries; non-2xx answers become errors.
    pub async fn call(&self, req: Request) -> Result<Response> {
        self.send_retrying(&self.base_url, &req, status_error).await
    }

    /// Send `req` to `base` with the client's retry policy; a non-2xx answer becomes `error`'s
    /// error, retried when [`RetryPolicy::retryable`] says so.
    pub(crate) async fn send_retrying(
        &self,
        base: &str,
        req: &Request,
        error: impl Fn(&Response) -> Error,
    ) -> Result<Response> {
        let mut attempt = 0;
        loop {
            let err = match self.transport.send(base, req).await {
                Ok(resp) if (200..300).contains(&resp.status) => return Ok(resp),
                Ok(resp) => error(&resp),
                Err(e) => e,
            };
            if attempt >= self.retry.retries || !RetryPolicy::retryable(&err) {
                return Err(err);
            }
            attempt += 1;
            self.transport.sleep(self.retry.delay(attempt)).await;
        }
    }

    async fn get(&self, path: String) -> Result<Response> {
        self.call(Request {
            method: Method::Get,
            path,
            body: None,
        })
        .await
    }

    async fn post(&self, path: &str, body: Option<Value>) -> Result<Response> {
        self.call(Request {
            method: Method::Post,
            path: path.to_string(),
            body: body.map(|b| json::text(&b)),
        })
        .await
    }

    /// `GET /ceramic/liveness`.
    pub async fn liveness(&self) -> Result<()> {
        self.get("/ceramic/liveness".into()).await.map(|_| ())
    }

    /// The node's version (`GET /ceramic/version`).
    pub async fn version(&self) -> Result<String> {
        let v = parse(&self.get("/ceramic/version".into()).await?, "version")?;
        members(&v, "version")?
            .string("version")
            .map_err(|e| node_error("version", e))
    }

    /// The node's network name (`GET /ceramic/config/network`).
    pub async fn network(&self) -> Result<String> {
        let v = parse(
            &self.get("/ceramic/config/network".into()).await?,
            "network",
        )?;
        members(&v, "network")?
            .string("name")
            .map_err(|e| node_error("network", e))
    }

    /// Post an event CAR (`POST /ceramic/events`, sent as `m` base64 like the JS SDK).
    pub async fn post_event_car(&self, car: &[u8]) -> Result<()> {
        self.post(
            "/ceramic/events",
            Some(Value::Object(json_object([(
                "data",
                Value::String(multibase::encode_car(car)),
            )]))),
        )
        .await
        .map(|_| ())
    }

    /// Post an event. With an outbox, events still waiting there are published first (a write
    /// never overtakes an earlier one), and an event the node cannot take now (network errors,
    /// timeouts, 5xx after the retries) is queued rather than failed; an event the node refuses
    /// (4xx) fails as without one. An outbox that cannot be read does not hold up the write.
    pub async fn post_event(&self, event: &Event) -> Result<()> {
        let car = event.encode_car()?;
        let Some(outbox) = &self.outbox else {
            return self.post_event_car(&car).await;
        };
        if let Ok(p) = self.publish(&mut |_, _| {}, false).await {
            if p.remaining > 0 {
                return outbox.push(&event.cid(), &car).await;
            }
        }
        match self.post_event_car(&car).await {
            Err(e) if RetryPolicy::retryable(&e) => outbox.push(&event.cid(), &car).await,
            r => r,
        }
    }

    /// The CIDs of the events waiting in the outbox, oldest first (none without an outbox).
    pub async fn pending_events(&self) -> Result<Vec<Cid>> {
        let Some(outbox) = &self.outbox else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for car in outbox.list().await? {
            out.push(car_root(&car)?);
        }
        Ok(out)
    }

    /// Post the outbox's events, oldest first, until the node cannot be reached; `progress` is
    /// called with (done, total) after each. The result's `refused` also holds the refusals met
    /// by publishing in the background (before a write, on `online`) since the last call.
    pub async fn publish_pending(
        &self,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Published> {
        self.publish(progress, true).await
    }

    /// Publish the outbox, one publish at a time (the METAMODEL's turn is the outbox's: no stream
    /// update takes it). A refused event takes the events queued after it on the same stream
    /// with it (they follow it), and the client forgets that stream's state (it held the refused
    /// write). Refusals are kept for the next `publish_pending` unless `drain`.
    pub(crate) async fn publish(
        &self,
        progress: &mut dyn FnMut(usize, usize),
        drain: bool,
    ) -> Result<Published> {
        let mut out = Published::default();
        let Some(outbox) = &self.outbox else {
            return Ok(out);
        };
        let _turn = self.known.turn(StreamId::metamodel()).await;
        let cars = outbox.list().await?;
        let total = cars.len();
        // Streams whose earlier event the node refused: a few at most, so a vector (a hash set
        // would link its own table code).
        let mut dead: Vec<Cid> = Vec::new();
        for (i, car) in cars.iter().enumerate() {
            // An entry that does not read (not this client's writing) is left in place.
            let Ok(cid) = car_root(car) else {
                out.remaining += 1;
                continue;
            };
            let stream = Event::decode_car(car).ok().map(|e| e.stream_cid());
            let posted = if stream.is_some_and(|s| dead.contains(&s)) {
                Err(Error::NodeRejected(
                    "it follows an event of its stream that the node refused".into(),
                ))
            } else {
                self.post_event_car(car).await
            };
            match posted {
                Ok(()) => out.published.push(cid),
                Err(e @ Error::NodeRejected(_)) => {
                    if let Some(s) = stream {
                        dead.push(s);
                        for t in [StreamType::ModelInstanceDocument, StreamType::Model] {
                            self.known.forget_stream(&StreamId::new(t, s));
                        }
                    }
                    out.refused.push((cid, e));
                }
                Err(e) if RetryPolicy::retryable(&e) => {
                    out.remaining += total - i;
                    break;
                }
                // Cancelled, or an answer that says nothing about the event: stop, keep it all.
                Err(e) => {
                    self.refused.borrow_mut().append(&mut out.refused);
                    return Err(e);
                }
            }
            // A failed removal only means the event is posted again later (harmless: it is
            // content-addressed and the node keeps one copy).
            let _ = outbox.remove(&cid).await;
            progress(i + 1, total);
        }
        if drain {
            let mut earlier = std::mem::take(&mut *self.refused.borrow_mut());
            earlier.append(&mut out.refused);
            out.refused = earlier;
        } else {
            self.refused.borrow_mut().append(&mut out.refused);
        }
        Ok(out)
    }

    /// An event's CAR bytes (`GET /ceramic/events/{cid}`).
    pub async fn get_event_car(&self, cid: &Cid) -> Result<Vec<u8>> {
        let r = self
            .get(format!(
                "/ceramic/events/{cid}",
                cid = crate::codec::cid_text(cid)
            ))
            .await?;
        let e = parse(&r, "event")?;
        let data = members(&e, "event")?
            .string("data")
            .map_err(|err| node_error("event", err))?;
        multibase::decode(&data).map_err(|err| node_error("event data", err))
    }

    /// An event, strictly decoded, checked to be the one asked for (trust no node). From the
    /// client's event store when it has it (checked the same way), else from the node (then kept).
    pub async fn get_event(&self, cid: &Cid) -> Result<Event> {
        if let Some(store) = &self.events {
            if let Some(car) = store.get(cid).await {
                match Event::decode_car(&car) {
                    Ok(event) if event.cid() == *cid => return Ok(event),
                    // Not that event (a damaged or planted entry): ask the node.
                    _ => {}
                }
            }
        }
        let car = self.get_event_car(cid).await?;
        let event = Event::decode_car(&car)?;
        if event.cid() != *cid {
            return Err(Error::NodeMismatch(format!(
                "asked for event {cid}, the node sent {}",
                crate::codec::cid_text(&event.cid()),
                cid = crate::codec::cid_text(cid)
            )));
        }
        if let Some(store) = &self.events {
            store.put(cid, &car).await;
        }
        Ok(event)
    }

    /// What the node concludes about a stream (`GET /ceramic/streams/{id}`). Not verified: see
    /// the document functions for verified loading.
    pub async fn stream_state(&self, id: &StreamId) -> Result<NodeStreamState> {
        let r = self.get(format!("/ceramic/streams/{id}")).await?;
        let v = parse(&r, "stream state")?;
        let s = members(&v, "stream state")?;
        let dims = s
            .req("dimensions")
            .and_then(|d| Members::of(d, "stream state.dimensions"));
        let dims = dims.map_err(|e| node_error("stream state", e))?;
        let text = |m: &Members, k: &str| m.string(k).map_err(|e| node_error("stream state", e));
        let opt_text = |k: &str| {
            dims.opt_string(k)
                .map_err(|e| node_error("stream state", e))
        };
        let bytes = |v: Option<String>| -> Result<Vec<u8>> {
            match v {
                None => Ok(Vec::new()),
                Some(v) => multibase::decode(&v).map_err(|e| node_error("dimension", e)),
            }
        };
        let model = bytes(opt_text("model")?)?;
        let doc: Value = crate::codec::json::parse_slice(
            &multibase::decode(&text(&s, "data")?).map_err(|e| node_error("state data", e))?,
        )
        .map_err(|e| node_error("state data", e))?;
        Ok(NodeStreamState {
            id: text(&s, "id")?
                .parse()
                .map_err(|e| node_error("stream id", e))?,
            event_cid: multibase::parse_cid(&text(&s, "event_cid")?)
                .map_err(|e| node_error("event_cid", e))?,
            controller: text(&s, "controller")?,
            model: if model.is_empty() {
                None
            } else {
                Some(StreamId::from_bytes(&model).map_err(|e| node_error("model", e))?)
            },
            unique: bytes(opt_text("unique")?)?,
            context: bytes(opt_text("context")?)?,
            metadata: doc.get("metadata").cloned().unwrap_or(Value::Null),
            content: doc.get("content").cloned().unwrap_or(Value::Null),
        })
    }

    /// A page of the node's event feed from `resume_at` (`"0"` for the start).
    pub async fn feed(&self, resume_at: &str, limit: u32, include_data: bool) -> Result<FeedPage> {
        let path = format!(
            "/ceramic/feed/events?resumeAt={}&limit={limit}&includeData={}",
            percent_encode(resume_at),
            if include_data { "full" } else { "none" }
        );
        let v = parse(&self.get(path).await?, "feed")?;
        let f = members(&v, "feed")?;
        let feed_error = |e| node_error("feed", e);
        let events = f
            .array("events")
            .map_err(feed_error)?
            .iter()
            .map(|e| {
                let e = Members::of(e, "feed event").map_err(feed_error)?;
                Ok(FeedEvent {
                    id: multibase::parse_cid(&e.string("id").map_err(feed_error)?)
                        .map_err(|err| node_error("feed event id", err))?,
                    car: e
                        .opt_string("data")
                        .map_err(feed_error)?
                        .map(|d| multibase::decode(&d).map_err(|err| node_error("feed data", err)))
                        .transpose()?,
                })
            })
            .collect::<Result<_>>()?;
        Ok(FeedPage {
            events,
            resume_token: f.string("resumeToken").map_err(feed_error)?,
        })
    }

    /// The feed position "from now on" (`GET /ceramic/feed/resumeToken`).
    pub async fn resume_token(&self) -> Result<String> {
        let v = parse(
            &self.get("/ceramic/feed/resumeToken".into()).await?,
            "resume token",
        )?;
        members(&v, "resume token")?
            .string("resumeToken")
            .map_err(|e| node_error("resume token", e))
    }

    /// Ask the node to sync a model's documents (`POST /ceramic/interests`).
    pub async fn register_interest(&self, model: &StreamId) -> Result<()> {
        self.post(
            "/ceramic/interests",
            Some(Value::Object(json_object([
                ("sep", Value::String("model".into())),
                ("sepValue", Value::String(model.to_string())),
            ]))),
        )
        .await
        .map(|_| ())
    }
}

impl<T: Transport, R: EthRpc> EventSource for Client<T, R> {
    async fn event(&self, cid: &Cid) -> Result<Event> {
        self.get_event(cid).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    /// Answers from a script; records the delays slept.
    struct Script {
        answers: RefCell<Vec<Result<Response>>>,
        slept: RefCell<Vec<u64>>,
        sent: RefCell<Vec<Request>>,
    }

    impl Transport for &Script {
        async fn send(&self, base: &str, req: &Request) -> Result<Response> {
            assert_eq!(base, "http://node");
            self.sent.borrow_mut().push(req.clone());
            self.answers.borrow_mut().remove(0)
        }
        async fn sleep(&self, ms: u64) {
            self.slept.borrow_mut().push(ms);
        }
    }

    fn script(answers: Vec<Result<Response>>) -> Script {
        Script {
            answers: RefCell::new(answers),
            slept: RefCell::default(),
            sent: RefCell::default(),
        }
    }

    fn ok(body: &str) -> Result<Response> {
        Ok(Response {
            status: 200,
            body: body.as_bytes().to_vec(),
        })
    }

    #[test]
    fn retries_only_what_may_succeed_later() {
        let s = script(vec![
            Err(Error::Network("refused".into())),
            Ok(Response {
                status: 503,
                body: b"busy".to_vec(),
            }),
            ok(r#"{"version":"0.58.0"}"#),
        ]);
        let c = Client::new("http://node/ceramic/", &s);
        assert_eq!(crate::verify::run_ready(c.version()).unwrap(), "0.58.0");
        assert_eq!(*s.slept.borrow(), vec![200, 400]);

        let s = script(vec![Ok(Response {
            status: 400,
            body: br#"{"message":"Event had invalid signature: x"}"#.to_vec(),
        })]);
        let c = Client::new("http://node", &s);
        let e = crate::verify::run_ready(c.post_event_car(&[1, 2])).unwrap_err();
        assert_eq!(
            (
                e.code(),
                e.to_string().contains("Event had invalid signature: x")
            ),
            ("NODE_REJECTED", true)
        );
        assert!(s.slept.borrow().is_empty());
        assert!(s.sent.borrow()[0]
            .body
            .as_deref()
            .unwrap()
            .starts_with(r#"{"data":"m"#));

        let s = script(vec![Ok(Response {
            status: 404,
            body: b"Event not found : x".to_vec(),
        })]);
        let e =
            crate::verify::run_ready(Client::new("http://node", &s).get_event_car(&Cid::default()))
                .unwrap_err();
        assert_eq!(
            (e.code(), e.to_string()),
            ("NOT_FOUND", "not found: Event not found : x".to_string())
        );

        let s = script(vec![
            Err(Error::Timeout("5 s".into())),
            Err(Error::Timeout("5 s".into())),
            Err(Error::Timeout("5 s".into())),
        ]);
        let e = crate::verify::run_ready(Client::new("http://node", &s).liveness()).unwrap_err();
        assert_eq!(e.code(), "TIMEOUT");
        assert_eq!(s.sent.borrow().len(), 3);

        let s = script(vec![Err(Error::Aborted("by caller".into()))]);
        let e = crate::verify::run_ready(Client::new("http://node", &s).liveness()).unwrap_err();
        assert_eq!((e.code(), s.sent.borrow().len()), ("ABORTED", 1));

        let s = script(vec![ok("not json")]);
        assert_eq!(
            crate::verify::run_ready(Client::new("http://node", &s).network())
                .unwrap_err()
                .code(),
            "NODE_ERROR"
        );
    }

    #[test]
    fn backoff_is_capped() {
        let p = RetryPolicy {
            retries: 10,
            base_delay_ms: 100,
            max_delay_ms: 1000,
        };
        assert_eq!(
            (1..=6).map(|n| p.delay(n)).collect::<Vec<_>>(),
            vec![100, 200, 400, 800, 1000, 1000]
        );
    }
}
