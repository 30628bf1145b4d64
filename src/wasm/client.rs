use std::cell::RefCell;
use std::rc::Rc;

use super::{from_js_json, get, id_arg, now, promise, to_js_json};
use cid::Cid;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::eth::JsEthRpc;
use super::lazy::{in_part, retrying};
use super::signer::JsSignerAdapter;
use super::transport::FetchTransport;
use super::{JsCommitId, JsEvent, JsRegExpMatcher, JsResult, JsStreamId};
use crate::codec::cidindex::CidIndex;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::http::{Client, FeedEvent, RetryPolicy, Transport};
use crate::ids::StreamId;
use crate::verify::Check;

#[wasm_bindgen(typescript_custom_section)]
const TS_CLIENT: &'static str = r#"
/** Options of `new CeramicClient(…)`. */
export interface CeramicClientOptions {
  /** The node, e.g. `http://127.0.0.1:5101`. */
  url: string;
  /** A `fetch` to use instead of the global one (it receives a `Request`). */
  fetch?: (request: Request) => Promise<Response>;
  /** Per-attempt timeout in ms (default 30 000). */
  timeoutMs?: number;
  /** Retries on network errors, timeouts and 5xx (default 2), with exponential backoff. */
  retries?: number;
  /** Cancels every request of this client. */
  signal?: AbortSignal;
  /**
   * How long a load right after this client's own write waits for the node to show it
   * (default 5000 ms; ceramic-one indexes an accepted event about 0.5–1 s later). Past that the
   * load answers with the state this client wrote and verified itself, marked `pending: true`.
   */
  readYourWritesMs?: number;
  /**
   * Where to check anchors on EVM chains: an EIP-1193 provider (`window.ethereum`, a wallet's or a
   * viem/ethers transport), a JSON-RPC URL, or an object of them by chain (`{ "eip155:1": url }`).
   * Time events on chains without one stay `anchor: "unchecked"` (with the reason in `notChecked`).
   * Lookups are cached for the client's life.
   */
  ethereum?: EthereumProvider | string | Record<string, EthereumProvider | string>;
  /** Anchor contract addresses to accept besides Ceramic's (e.g. on your own chain). */
  anchorContracts?: string[];
  /**
   * `ceramic-wasm/legacy`: an IPFS gateway serving raw blocks (`/ipfs/{cid}?format=raw`), where the
   * proof and Merkle blocks of legacy anchor commits are fetched and checked (js-ceramic's
   * `/api/v0` does not serve them). Without one, legacy anchor timestamps are the node's.
   */
  ipfsGateway?: string;
  /**
   * Where to keep the events this client fetches, by CID, so that later loads (also after a page
   * reload, with a persistent store) ask the node only for what is new: `indexedDbCache()` or
   * `memoryCache()` from `ceramic-wasm/cache`, or any `{ get, set }`. Entries are checked like
   * network answers (content-addressed, verified). Default: in browsers (wherever `indexedDB`
   * exists) one shared IndexedDB store, its code loaded on first use; none in Node. `false`: none.
   */
  cache?: EventCache | false;
  /**
   * Where writes wait when the node cannot take them (offline, or every retry failed):
   * `indexedDbOutbox()` or `memoryOutbox()` from `ceramic-wasm/cache`, or any `{ push, list,
   * remove }`. A queued write resolves as usual (its StreamID or CommitID); its events are posted
   * later, in order, when the browser comes back `online`, before the client's next write, or by
   * `publishPending()`. Default: none (a write that cannot be posted fails).
   */
  outbox?: EventOutbox;
}

/** An ordered store of signed event CARs waiting for the node (`outbox` option). */
export interface EventOutbox {
  /** Append `car` (the event `cid`'s). */
  push(cid: string, car: Uint8Array): void | Promise<void>;
  /** The waiting CARs, oldest first. */
  list(): Uint8Array[] | Promise<Uint8Array[]>;
  /** Remove the event `cid`. */
  remove(cid: string): void | Promise<void>;
}

/** What `publishPending()` did. */
export interface PublishResult {
  /** Events the node took, in order. */
  published: string[];
  /** Events the node refused (removed from the outbox: posting them again cannot help). */
  refused: { cid: string; code: CeramicErrorCode; message: string }[];
  /** Events still waiting (the node could not be reached). */
  remaining: number;
}

/** A store of event CARs by CID (`cache` option). */
export interface EventCache {
  get(key: string): Uint8Array | undefined | Promise<Uint8Array | undefined>;
  set(key: string, value: Uint8Array): void | Promise<void>;
}

/** An EIP-1193 provider: anything with `request({ method, params })`. */
export interface EthereumProvider {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}

/** Options of `loadDocument`. */
export interface LoadDocumentOptions {
  /** Verify every event here (default true); false takes the node's claim, marked unverified. */
  verify?: boolean;
  /** Called after each verified event. */
  onProgress?: (done: number, total: number) => void;
}

/** Options of `subscribe`. */
export interface SubscribeOptions {
  /** Only events of this model's documents. */
  model?: StreamID | string;
  /** A resume token to continue from (default: the start of the feed). */
  resumeAt?: string;
  /** Include each event's CAR (implied by `model`). */
  includeData?: boolean;
  /** How often to poll when there is nothing new (default 1000 ms). */
  pollIntervalMs?: number;
}

/** One entry of a verified log. */
export interface DocumentLogEntry {
  cid: string;
  kind: "init" | "data" | "time";
  /** Unix seconds, for chain-verified time events. */
  anchoredAt?: number;
  /** For time events: the chain (CAIP-2), and for chain-verified ones the block and transaction. */
  chainId?: string;
  block?: number;
  txHash?: string;
}

/** A loaded document or model. */
export interface DocumentState {
  streamId: string;
  /** The CommitID of the tip. */
  commitId: string;
  controller: string;
  model: string;
  /** The document's content (a Model's definition for Models; null before a deterministic document's first update). */
  content: JsonObject | null;
  shouldIndex: boolean;
  log: DocumentLogEntry[];
  /** True only if every event was verified here. */
  verified: boolean;
  anchor: "none" | "local" | "unchecked" | "chain";
  /** Whether the node's claim (tip, controller, content) equals the verified state. */
  matchesNode: boolean;
  checks: Check[];
  notChecked: string[];
  /**
   * True when the node has not shown this client's latest write to the stream yet: the state is
   * the one the client wrote and verified itself (`matchesNode` is false). A later load confirms it.
   */
  pending: boolean;
}

/** What the node claims about a stream (`GET /ceramic/streams/{id}`), unverified. */
export interface NodeStreamState {
  id: string;
  eventCid: string;
  controller: string;
  model?: string;
  metadata: JsonObject;
  content: JsonObject | null;
}

/** JSON values, as documents hold them. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

/** An item of `subscribe()`. */
export interface FeedItem {
  /** The event CID. */
  id: string;
  /** Where to resume after this event. */
  resumeToken: string;
  /** With data (`includeData` or a `model` filter): the stream, kind, model and CAR. */
  streamId?: string;
  kind?: "init" | "data" | "time";
  model?: string;
  car?: Uint8Array;
}
"#;

#[wasm_bindgen]
extern "C" {
    /// `CeramicClientOptions`.
    #[wasm_bindgen(typescript_type = "CeramicClientOptions")]
    pub type JsClientOptions;
    /// `LoadDocumentOptions`.
    #[wasm_bindgen(typescript_type = "LoadDocumentOptions")]
    pub type JsLoadOptions;
    /// `SubscribeOptions`.
    #[wasm_bindgen(typescript_type = "SubscribeOptions")]
    pub type JsSubscribeOptions;
}

/// The caller's event store (`cache` option: `{ get(key), set(key, bytes) }`, each may return a
/// Promise). Its failures are ignored: the node is asked instead.
struct JsEventStore(JsValue);

/// Named, not printed (the traits ask for `Debug`): `JsValue`'s `Debug` links wasm-bindgen's
/// `debugString` into the glue, ~0.5 KB gzip for text nobody reads.
impl std::fmt::Debug for JsEventStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JsEventStore")
    }
}

impl crate::http::EventStore for JsEventStore {
    fn get<'a>(&'a self, cid: &'a Cid) -> crate::http::BoxFuture<'a, Option<Vec<u8>>> {
        Box::pin(async move {
            let f = get(&self.0, "get").dyn_into::<js_sys::Function>().ok()?;
            let r = f
                .call1(&self.0, &crate::codec::cid_text(cid).to_string().into())
                .ok()?;
            let v = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::resolve(&r))
                .await
                .ok()?;
            v.dyn_into::<js_sys::Uint8Array>().ok().map(|a| a.to_vec())
        })
    }

    fn put<'a>(&'a self, cid: &'a Cid, car: &'a [u8]) -> crate::http::BoxFuture<'a, ()> {
        Box::pin(async move {
            let Ok(f) = get(&self.0, "set").dyn_into::<js_sys::Function>() else {
                return;
            };
            if let Ok(r) = f.call2(
                &self.0,
                &crate::codec::cid_text(cid).to_string().into(),
                &js_sys::Uint8Array::from(car),
            ) {
                let _ = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::resolve(&r)).await;
            }
        })
    }
}

thread_local! {
    /// Makes the event store of clients created without a `cache` option (the browser entries
    /// hand one in: IndexedDB, loaded on first use; none in Node).
    static DEFAULT_CACHE: std::cell::RefCell<Option<js_sys::Function>> = const { std::cell::RefCell::new(None) };
}

/// Called once by the package's browser entry modules with the default event store's factory.
#[wasm_bindgen(js_name = __setDefaultCache, skip_typescript)]
pub fn set_default_cache(factory: js_sys::Function) {
    DEFAULT_CACHE.with(|f| *f.borrow_mut() = Some(factory));
}

/// The caller's outbox (`outbox` option: `{ push(cid, car), list(), remove(cid) }`, each may return
/// a Promise). Unlike the event store, its failures are errors: a write must not be lost quietly.
struct JsOutbox(JsValue);

impl std::fmt::Debug for JsOutbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JsOutbox")
    }
}

impl JsOutbox {
    /// `outbox[method](...args)`, awaited. (Plain loops and one error path here and below: this
    /// adapter is in every page's download, iterator adapters cost bytes.)
    async fn call(&self, method: &'static str, args: js_sys::Array) -> crate::Result<JsValue> {
        let r = match get(&self.0, method).dyn_into::<js_sys::Function>() {
            Ok(f) => match f.apply(&self.0, &args) {
                Ok(r) => wasm_bindgen_futures::JsFuture::from(js_sys::Promise::resolve(&r)).await,
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        };
        r.map_err(|e| Error::Network(format!("outbox.{method}: {}", super::transport_message(&e))))
    }
}

impl crate::http::Outbox for JsOutbox {
    fn push<'a>(
        &'a self,
        cid: &'a Cid,
        car: &'a [u8],
    ) -> crate::http::BoxFuture<'a, crate::Result<()>> {
        Box::pin(async move {
            let args = js_sys::Array::of2(
                &crate::codec::cid_text(cid).to_string().into(),
                &js_sys::Uint8Array::from(car),
            );
            self.call("push", args).await.map(|_| ())
        })
    }

    fn list(&self) -> crate::http::BoxFuture<'_, crate::Result<Vec<Vec<u8>>>> {
        Box::pin(async move {
            let items = js_sys::Array::from(&self.call("list", js_sys::Array::new()).await?);
            let mut out = Vec::with_capacity(items.length() as usize);
            for car in items.iter() {
                match car.dyn_into::<js_sys::Uint8Array>() {
                    Ok(a) => out.push(a.to_vec()),
                    Err(_) => {
                        return Err(Error::Network("outbox.list() must give Uint8Arrays".into()))
                    }
                }
            }
            Ok(out)
        })
    }

    fn remove<'a>(&'a self, cid: &'a Cid) -> crate::http::BoxFuture<'a, crate::Result<()>> {
        Box::pin(async move {
            let args = js_sys::Array::of1(&crate::codec::cid_text(cid).to_string().into());
            self.call("remove", args).await.map(|_| ())
        })
    }
}

thread_local! {
    /// The clients with an outbox, held weakly, that the one `online` listener publishes for.
    static OUTBOX_CLIENTS: RefCell<Vec<std::rc::Weak<Inner>>> = const { RefCell::new(Vec::new()) };
}

/// Publish this client's outbox whenever the browser says it is `online` again. One listener for
/// the page (added with the first client), clients held weakly and dropped from the list once gone.
fn publish_when_online(inner: &Rc<Inner>) {
    let first = OUTBOX_CLIENTS.with(|c| {
        let mut c = c.borrow_mut();
        c.retain(|w| w.strong_count() > 0);
        c.push(Rc::downgrade(inner));
        !ONLINE_LISTENER.with(|l| l.replace(true))
    });
    if !first {
        return;
    }
    let on_online = Closure::<dyn FnMut()>::new(|| {
        let live: Vec<Rc<Inner>> = OUTBOX_CLIENTS.with(|c| {
            let mut c = c.borrow_mut();
            c.retain(|w| w.strong_count() > 0);
            c.iter().filter_map(std::rc::Weak::upgrade).collect()
        });
        for client in live {
            wasm_bindgen_futures::spawn_local(async move {
                let _ = client.publish(&mut |_, _| {}, false).await;
            });
        }
    });
    let add = js_sys::Reflect::get(&js_sys::global(), &"addEventListener".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    if let Some(add) = add {
        let _ = add.call2(&js_sys::global(), &"online".into(), on_online.as_ref());
    }
    // The page's one listener lives as long as the page.
    on_online.forget();
}

thread_local! {
    static ONLINE_LISTENER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The core client over fetch, with the caller's Ethereum providers.
pub(super) type Inner = Client<FetchTransport, JsEthRpc>;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DocumentState {
    stream_id: String,
    commit_id: String,
    controller: String,
    model: String,
    content: crate::codec::Value,
    should_index: bool,
    log: Vec<LogEntry>,
    verified: bool,
    anchor: crate::verify::AnchorLevel,
    matches_node: bool,
    checks: Vec<Check>,
    not_checked: Vec<String>,
    pending: bool,
}

fn log_entry(e: &crate::stream::LogEntry) -> LogEntry {
    use crate::verify::AnchorStatus as A;
    let (chain_id, block, tx_hash) = match &e.anchor {
        Some(A::Chain {
            chain_id,
            block,
            tx_hash,
            ..
        }) => (Some(chain_id.clone()), Some(*block), Some(tx_hash.clone())),
        Some(A::Local { chain_id } | A::Unchecked { chain_id }) => {
            (Some(chain_id.clone()), None, None)
        }
        None => (None, None, None),
    };
    LogEntry {
        cid: crate::codec::cid_text(&e.cid).to_string(),
        kind: e.kind,
        anchored_at: e.anchored_at,
        chain_id,
        block,
        tx_hash,
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogEntry {
    cid: String,
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    anchored_at: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    chain_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    block: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tx_hash: Option<String>,
}

/// A client of a Ceramic node (ceramic-one or ceramic-devnode) that signs in the page and
/// verifies what it loads.
///
/// ```ts
/// const client = new CeramicClient({ url: "http://127.0.0.1:5101" });
/// const modelId = await client.createModel({ definition, signer });
/// ```
#[wasm_bindgen(js_name = CeramicClient)]
pub struct JsCeramicClient {
    inner: Rc<Inner>,
}

#[cfg(feature = "legacy")]
impl JsCeramicClient {
    /// The core client (for the other modules' methods of `CeramicClient`).
    pub(super) fn core(&self) -> Rc<Inner> {
        self.inner.clone()
    }
}

#[wasm_bindgen(js_class = CeramicClient)]
impl JsCeramicClient {
    /// A client of the node at `options.url`.
    ///
    /// ```ts
    /// new CeramicClient({ url: "http://127.0.0.1:5101", timeoutMs: 10_000, retries: 3 });
    /// ```
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsClientOptions) -> JsResult<JsCeramicClient> {
        let o: JsValue = options.into();
        let url = get(&o, "url")
            .as_string()
            .ok_or_else(|| Error::Network("options.url must be a string".into()))?;
        let fetch = get(&o, "fetch").dyn_into::<js_sys::Function>().ok();
        let timeout_ms = match get(&o, "timeoutMs").as_f64() {
            Some(t) if t > 0.0 => Some(t as u32),
            Some(_) => None,
            None => Some(30_000),
        };
        let retries = get(&o, "retries").as_f64().map_or(2, |r| r.max(0.0) as u32);
        let signal = get(&o, "signal").dyn_into::<web_sys::AbortSignal>().ok();
        let transport = FetchTransport {
            fetch,
            timeout_ms,
            signal,
        };
        let retry = RetryPolicy {
            retries,
            ..RetryPolicy::default()
        };
        let ryw = get(&o, "readYourWritesMs")
            .as_f64()
            .map_or(crate::http::READ_YOUR_WRITES_MS, |v| v.max(0.0) as u64);
        let rpc = JsEthRpc::from_options(
            &get(&o, "ethereum"),
            &get(&o, "anchorContracts"),
            transport.clone(),
        )?;
        let mut client = Client::new(&url, transport)
            .with_retry(retry)
            .with_read_your_writes_ms(ryw)
            .with_eth_rpc(rpc);
        if let Some(gateway) = get(&o, "ipfsGateway").as_string() {
            client = client.with_ipfs_gateway(&gateway);
        }
        let mut cache = get(&o, "cache");
        if cache.is_undefined() {
            cache = DEFAULT_CACHE.with(|f| {
                f.borrow()
                    .as_ref()
                    .and_then(|f| f.call0(&JsValue::UNDEFINED).ok())
                    .unwrap_or(JsValue::UNDEFINED)
            });
        }
        if !cache.is_undefined() && !cache.is_null() && cache != JsValue::FALSE {
            if !get(&cache, "get").is_function() || !get(&cache, "set").is_function() {
                return Err(Error::Network(
                    "options.cache must have get(key) and set(key, bytes) (e.g. indexedDbCache())"
                        .into(),
                )
                .into());
            }
            client = client.with_event_store(Rc::new(JsEventStore(cache)));
        }
        let outbox = get(&o, "outbox");
        let has_outbox = !outbox.is_undefined() && !outbox.is_null() && outbox != JsValue::FALSE;
        if has_outbox {
            if ["push", "list", "remove"]
                .iter()
                .any(|m| !get(&outbox, m).is_function())
            {
                return Err(Error::Network(
                    "options.outbox must have push, list and remove (e.g. indexedDbOutbox())"
                        .into(),
                )
                .into());
            }
            client = client.with_outbox(Rc::new(JsOutbox(outbox)));
        }
        let inner = Rc::new(client);
        if has_outbox {
            publish_when_online(&inner);
            // A client that writes offline may need the lazily loaded part then (a CACAO
            // session's signature, a schema's patterns): fetched now, while the page is online.
            // A failure is left for the call that needs the part to report.
            let _ = promise(async {
                let _ = super::lazy::load().await;
                Ok(JsValue::UNDEFINED)
            });
        }
        Ok(JsCeramicClient { inner })
    }

    /// The same client, for calls that `signal` cancels (per-call cancellation): requests in
    /// flight, and waits for the node to show this client's writes, are aborted and reject with
    /// `ABORTED`. It shares what the client knows of its own writes.
    ///
    /// ```ts
    /// const ctrl = new AbortController();
    /// const state = await client.withSignal(ctrl.signal).loadDocument(doc);
    /// ```
    #[wasm_bindgen(js_name = withSignal)]
    pub fn with_signal(&self, signal: web_sys::AbortSignal) -> JsCeramicClient {
        let mut transport = self.inner.transport().clone();
        transport.signal = Some(signal);
        JsCeramicClient {
            inner: Rc::new(self.inner.with_transport(transport)),
        }
    }

    /// The node's version.
    ///
    /// ```ts
    /// await client.version(); // "0.58.0"
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Promise<string>")]
    pub fn version(&self) -> js_sys::Promise {
        let c = self.inner.clone();
        promise(async move { Ok(c.version().await?.into()) })
    }

    /// The node's network name.
    ///
    /// ```ts
    /// await client.network(); // "inmemory"
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Promise<string>")]
    pub fn network(&self) -> js_sys::Promise {
        let c = self.inner.clone();
        promise(async move { Ok(c.network().await?.into()) })
    }

    /// Resolves when the node answers its liveness probe.
    ///
    /// ```ts
    /// await client.liveness();
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn liveness(&self) -> js_sys::Promise {
        let c = self.inner.clone();
        promise(async move {
            c.liveness().await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Create a Model (`{definition, signer}`); resolves to its StreamID.
    ///
    /// ```ts
    /// const modelId = await client.createModel({ definition, signer });
    /// ```
    #[wasm_bindgen(js_name = createModel, unchecked_return_type = "Promise<StreamID>")]
    pub fn create_model(
        &self,
        #[wasm_bindgen(unchecked_param_type = "{ definition: object; signer: Signer }")]
        args: JsValue,
    ) -> js_sys::Promise {
        let c = self.inner.clone();
        retrying(move || {
            let (c, args) = (c.clone(), args.clone());
            async move {
                let definition: crate::codec::Value =
                    from_js_json(&get(&args, "definition"), "definition", Error::InvalidModel)?;
                let signer = JsSignerAdapter::new(get(&args, "signer"))?;
                signer.prepare().await?;
                let id = c
                    .create_model(&definition, &signer, now(), &JsRegExpMatcher::default())
                    .await?;
                Ok(JsStreamId(id).into())
            }
        })
    }

    /// Create a document of a `list` Model (`{model, content, signer}`); the content is checked
    /// against the Model first. Resolves to the document's StreamID.
    ///
    /// ```ts
    /// const doc = await client.createDocument({ model: modelId, content: { title: "hi" }, signer });
    /// ```
    #[wasm_bindgen(js_name = createDocument, unchecked_return_type = "Promise<StreamID>")]
    pub fn create_document(
        &self,
        #[wasm_bindgen(
            unchecked_param_type = "{ model: StreamID | string; content: object; signer: Signer }"
        )]
        args: JsValue,
    ) -> js_sys::Promise {
        let c = self.inner.clone();
        retrying(move || {
            let (c, args) = (c.clone(), args.clone());
            async move {
                let model = id_arg::<StreamId>(&get(&args, "model"))?;
                let content: crate::codec::Value =
                    from_js_json(&get(&args, "content"), "content", Error::SchemaViolation)?;
                let signer = JsSignerAdapter::new(get(&args, "signer"))?;
                signer.prepare().await?;
                let id = c
                    .create_document(
                        &model,
                        &content,
                        &signer,
                        now(),
                        &JsRegExpMatcher::default(),
                    )
                    .await?;
                Ok(JsStreamId(id).into())
            }
        })
    }

    /// The deterministic document of a `single` Model, or of a `set` Model with `setValues`,
    /// for the signer's controller (or `controller`). Nothing is signed: the same inputs always
    /// give the same StreamID.
    ///
    /// ```ts
    /// const profile = await client.createSingleton({ model: profileModel, signer });
    /// ```
    #[wasm_bindgen(js_name = createSingleton, unchecked_return_type = "Promise<StreamID>")]
    pub fn create_singleton(
        &self,
        #[wasm_bindgen(
            unchecked_param_type = "{ model: StreamID | string; signer?: Signer; controller?: string; setValues?: unknown[] }"
        )]
        args: JsValue,
    ) -> js_sys::Promise {
        let c = self.inner.clone();
        retrying(move || {
            let (c, args) = (c.clone(), args.clone());
            async move {
                let (model, controller, set_values) = super::offline::singleton_args(&args)?;
                let id = c
                    .create_singleton(
                        &model,
                        &controller,
                        set_values.as_ref(),
                        now(),
                        &JsRegExpMatcher::default(),
                    )
                    .await?;
                Ok(JsStreamId(id).into())
            }
        })
    }

    /// Replace a document's content (`{streamId, content, signer, shouldIndex?}`): the JSON-Patch
    /// from its verified state is signed and posted. Resolves to the new CommitID.
    ///
    /// ```ts
    /// const next = await client.updateDocument({ streamId: doc, content: { title: "new" }, signer });
    /// ```
    #[wasm_bindgen(js_name = updateDocument, unchecked_return_type = "Promise<CommitID>")]
    pub fn update_document(
        &self,
        #[wasm_bindgen(
            unchecked_param_type = "{ streamId: StreamID | string; content: object; signer: Signer; shouldIndex?: boolean }"
        )]
        args: JsValue,
    ) -> js_sys::Promise {
        let c = self.inner.clone();
        retrying(move || {
            let (c, args) = (c.clone(), args.clone());
            async move {
                let stream = id_arg::<StreamId>(&get(&args, "streamId"))?;
                let content: crate::codec::Value =
                    from_js_json(&get(&args, "content"), "content", Error::SchemaViolation)?;
                let signer = JsSignerAdapter::new(get(&args, "signer"))?;
                signer.prepare().await?;
                let should_index = get(&args, "shouldIndex").as_bool();
                let commit = c
                    .update_document(
                        &stream,
                        &content,
                        &signer,
                        should_index,
                        now(),
                        &JsRegExpMatcher::default(),
                    )
                    .await?;
                Ok(JsCommitId(commit).into())
            }
        })
    }

    /// Load a document or model. With `verify: true` (the default) every event from the node's
    /// claimed tip back to the init event is fetched and verified here, the state is folded here,
    /// and `matchesNode` says whether the node's claim agrees. Throws the failing check's code.
    ///
    /// ```ts
    /// const state = await client.loadDocument(doc, { verify: true, onProgress: (d, t) => {} });
    /// ```
    #[wasm_bindgen(js_name = loadDocument, unchecked_return_type = "Promise<DocumentState>")]
    pub fn load_document(
        &self,
        #[wasm_bindgen(js_name = streamId, unchecked_param_type = "StreamID | string")]
        stream_id: JsValue,
        options: Option<JsLoadOptions>,
    ) -> js_sys::Promise {
        let c = self.inner.clone();
        let options: JsValue = options.map_or(JsValue::UNDEFINED, Into::into);
        retrying(move || {
            let (c, stream_id, options) = (c.clone(), stream_id.clone(), options.clone());
            async move {
                let stream = id_arg::<StreamId>(&stream_id)?;
                let verify = get(&options, "verify").as_bool().unwrap_or(true);
                let progress = get(&options, "onProgress")
                    .dyn_into::<js_sys::Function>()
                    .ok();
                let matcher = JsRegExpMatcher::default();
                let d = c
                    .load_document(
                        &stream,
                        verify,
                        now(),
                        &matcher,
                        &mut super::progress_sink(progress),
                    )
                    .await?;
                let s = &d.state;
                to_js_json(&DocumentState {
                    stream_id: s.stream_id.to_string(),
                    commit_id: s.commit_id().to_string(),
                    controller: s.controller.clone(),
                    model: s.model.to_string(),
                    content: s.content.clone(),
                    should_index: s.should_index,
                    log: s.log.iter().map(log_entry).collect(),
                    verified: d.verified,
                    anchor: d.anchor,
                    matches_node: d.matches_node,
                    checks: d.checks,
                    not_checked: d.not_checked,
                    pending: d.pending,
                })
            }
        })
    }

    /// Post an event (CAR bytes, a multibase string, or an `Event`). Idempotent.
    ///
    /// ```ts
    /// await client.postEvent(car);
    /// ```
    #[wasm_bindgen(js_name = postEvent, unchecked_return_type = "Promise<void>")]
    pub fn post_event(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | string | Event")] car: JsValue,
    ) -> js_sys::Promise {
        let c = self.inner.clone();
        promise(async move {
            let bytes = match js_sys::Reflect::get(&car, &"toCar".into())
                .ok()
                .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
            {
                Some(f) => js_sys::Uint8Array::from(f.call0(&car)?).to_vec(),
                None => super::events::car_bytes(car)?,
            };
            c.post_event_car(&bytes).await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Fetch an event by CID; it is decoded strictly and checked to be that CID.
    ///
    /// ```ts
    /// const ev = await client.getEvent("bagcqcera…");
    /// ```
    #[wasm_bindgen(js_name = getEvent, unchecked_return_type = "Promise<Event>")]
    pub fn get_event(&self, cid: String) -> js_sys::Promise {
        let c = self.inner.clone();
        promise(async move {
            let cid = crate::codec::multibase::parse_cid(&cid)?;
            Ok(JsEvent(c.get_event(&cid).await?).into())
        })
    }

    /// What the node claims about a stream (unverified; see `loadDocument`).
    ///
    /// ```ts
    /// const claim = await client.getStreamState(doc);
    /// ```
    #[wasm_bindgen(js_name = getStreamState, unchecked_return_type = "Promise<NodeStreamState>")]
    pub fn get_stream_state(
        &self,
        #[wasm_bindgen(js_name = streamId, unchecked_param_type = "StreamID | string")]
        stream_id: JsValue,
    ) -> js_sys::Promise {
        let c = self.inner.clone();
        promise(async move {
            let s = c.stream_state(&id_arg::<StreamId>(&stream_id)?).await?;
            #[derive(Serialize)]
            #[serde(rename_all = "camelCase")]
            struct Out {
                id: String,
                event_cid: String,
                controller: String,
                #[serde(skip_serializing_if = "Option::is_none")]
                model: Option<String>,
                metadata: crate::codec::Value,
                content: crate::codec::Value,
            }
            to_js_json(&Out {
                id: s.id.to_string(),
                event_cid: crate::codec::cid_text(&s.event_cid).to_string(),
                controller: s.controller,
                model: s.model.map(|m| m.to_string()),
                metadata: s.metadata,
                content: s.content,
            })
        })
    }

    /// Ask the node to sync a model's documents.
    ///
    /// ```ts
    /// await client.registerInterest(modelId);
    /// ```
    #[wasm_bindgen(js_name = registerInterest, unchecked_return_type = "Promise<void>")]
    pub fn register_interest(
        &self,
        #[wasm_bindgen(unchecked_param_type = "StreamID | string")] model: JsValue,
    ) -> js_sys::Promise {
        let c = self.inner.clone();
        promise(in_part(async move {
            c.register_interest(&id_arg::<StreamId>(&model)?).await?;
            Ok(JsValue::UNDEFINED)
        }))
    }

    /// The CIDs of the writes waiting in the outbox, oldest first.
    ///
    /// ```ts
    /// const waiting = await client.pendingWrites(); // ["bagcqcera…", …]
    /// ```
    #[wasm_bindgen(js_name = pendingWrites, unchecked_return_type = "Promise<string[]>")]
    pub fn pending_writes(&self) -> js_sys::Promise {
        let c = self.inner.clone();
        promise(async move {
            let out = js_sys::Array::new();
            for cid in c.pending_events().await? {
                out.push(&crate::codec::cid_text(&cid).to_string().into());
            }
            Ok(out.into())
        })
    }

    /// Post the outbox's writes, oldest first, until the node cannot be reached.
    ///
    /// ```ts
    /// const { published, refused, remaining } = await client.publishPending({ onProgress: (d, t) => {} });
    /// ```
    #[wasm_bindgen(js_name = publishPending, unchecked_return_type = "Promise<PublishResult>")]
    pub fn publish_pending(
        &self,
        #[wasm_bindgen(
            unchecked_param_type = "{ onProgress?: (done: number, total: number) => void }"
        )]
        options: JsValue,
    ) -> js_sys::Promise {
        let c = self.inner.clone();
        let on_progress = get(&options, "onProgress")
            .dyn_into::<js_sys::Function>()
            .ok();
        promise(async move {
            let r = c
                .publish_pending(&mut |done, total| {
                    if let Some(f) = &on_progress {
                        let _ = f.call2(
                            &JsValue::NULL,
                            &(done as f64).into(),
                            &(total as f64).into(),
                        );
                    }
                })
                .await?;
            let set = |o: &js_sys::Object, k: &str, v: &JsValue| {
                let _ = js_sys::Reflect::set(o, &k.into(), v);
            };
            let (published, refused) = (js_sys::Array::new(), js_sys::Array::new());
            for cid in &r.published {
                published.push(&crate::codec::cid_text(cid).to_string().into());
            }
            for (cid, e) in &r.refused {
                let item = js_sys::Object::new();
                set(
                    &item,
                    "cid",
                    &crate::codec::cid_text(cid).to_string().into(),
                );
                set(&item, "code", &e.code().into());
                set(&item, "message", &e.to_string().into());
                refused.push(&item);
            }
            let out = js_sys::Object::new();
            set(&out, "published", &published);
            set(&out, "refused", &refused);
            set(&out, "remaining", &(r.remaining as f64).into());
            Ok(out.into())
        })
    }

    /// The feed position "from now on".
    ///
    /// ```ts
    /// const token = await client.resumeToken();
    /// ```
    #[wasm_bindgen(js_name = resumeToken, unchecked_return_type = "Promise<string>")]
    pub fn resume_token(&self) -> js_sys::Promise {
        let c = self.inner.clone();
        promise(async move { Ok(c.resume_token().await?.into()) })
    }

    /// Follow the node's event feed as an async iterator, polling with backoff. With `model`,
    /// only events of that model's documents; `resumeAt` continues from a saved token.
    ///
    /// ```ts
    /// for await (const ev of client.subscribe({ model: modelId })) { console.log(ev.id); }
    /// ```
    #[wasm_bindgen(unchecked_return_type = "AsyncIterableIterator<FeedItem>")]
    pub fn subscribe(&self, options: Option<JsSubscribeOptions>) -> JsResult<JsValue> {
        let options: JsValue = options.map_or(JsValue::UNDEFINED, Into::into);
        let model = match get(&options, "model") {
            v if v.is_undefined() || v.is_null() => None,
            v => Some(id_arg::<StreamId>(&v)?),
        };
        let state = Rc::new(RefCell::new(Subscription {
            resume: get(&options, "resumeAt")
                .as_string()
                .unwrap_or_else(|| "0".into()),
            include_data: get(&options, "includeData").as_bool().unwrap_or(false)
                || model.is_some(),
            model,
            poll_ms: get(&options, "pollIntervalMs")
                .as_f64()
                .map_or(1000, |v| v.max(10.0) as u64),
            buffer: Vec::new(),
            models: CidIndex::default(),
            model_ids: Vec::new(),
            closed: false,
        }));
        let client = self.inner.clone();
        let iter = js_sys::Object::new();
        let (s, c) = (state.clone(), client);
        let next = Closure::<dyn FnMut() -> js_sys::Promise>::new(move || {
            let (s, c) = (s.clone(), c.clone());
            promise(async move {
                // The feed's loop (`next_item`) is in the lazily loaded part: a part that cannot
                // be fetched is waited out like a node that cannot be reached, with the same
                // backoff, for four more tries (~7.5 s); then, or when the caller aborts, or
                // without a loader, the call rejects with the load's error.
                let mut backoff = 0u64;
                let mut tries = 0;
                while let Err(e) = super::lazy::load().await {
                    tries += 1;
                    if tries > 4 || !super::lazy::has_loader() || c.transport().user_aborted() {
                        return Err(e);
                    }
                    backoff = (backoff * 2).clamp(500, 30_000);
                    c.transport().sleep(backoff).await;
                    if s.borrow().closed {
                        return Ok(iter_result(JsValue::UNDEFINED, true));
                    }
                }
                in_part(async move { next_item(&c, &s).await }).await
            })
        });
        let s2 = state;
        let ret = Closure::<dyn FnMut() -> js_sys::Promise>::new(move || {
            s2.borrow_mut().closed = true;
            promise(async move { Ok(iter_result(JsValue::UNDEFINED, true)) })
        });
        js_sys::Reflect::set(&iter, &"next".into(), &next.into_js_value())?;
        js_sys::Reflect::set(&iter, &"return".into(), &ret.into_js_value())?;
        let this = iter.clone();
        let itself = Closure::<dyn FnMut() -> JsValue>::new(move || this.clone().into());
        js_sys::Reflect::set(
            &iter,
            &js_sys::Symbol::async_iterator(),
            &itself.into_js_value(),
        )?;
        Ok(iter.into())
    }
}

struct Subscription {
    resume: String,
    include_data: bool,
    model: Option<StreamId>,
    poll_ms: u64,
    /// Items fetched and not yet taken, oldest first (at most a page of the feed).
    buffer: Vec<JsValue>,
    /// Stream CID → its model's place in `model_ids`, learned from init events (the map type
    /// the verifier and CAR reader use too: one hash table's code in the wasm).
    models: CidIndex,
    /// The models seen (a few).
    model_ids: Vec<StreamId>,
    closed: bool,
}

fn iter_result(value: JsValue, done: bool) -> JsValue {
    let o = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&o, &"value".into(), &value);
    let _ = js_sys::Reflect::set(&o, &"done".into(), &JsValue::from_bool(done));
    o.into()
}

async fn model_of(c: &Inner, s: &RefCell<Subscription>, event: &Event) -> Result<Option<StreamId>> {
    let stream = event.stream_cid();
    {
        let s = s.borrow();
        if let Some(i) = s.models.get(&stream) {
            return Ok(s.model_ids.get(i).copied());
        }
    }
    let model = match event.init_payload() {
        Some(p) => p.header.model_id().ok(),
        None => c
            .get_event(&stream)
            .await
            .ok()
            .and_then(|i| i.init_payload().and_then(|p| p.header.model_id().ok())),
    };
    if let Some(m) = model {
        let mut s = s.borrow_mut();
        let i = match s.model_ids.iter().position(|x| *x == m) {
            Some(i) => i,
            None => {
                s.model_ids.push(m);
                s.model_ids.len() - 1
            }
        };
        s.models.insert_new(stream, i);
    }
    Ok(model)
}

async fn item(
    c: &Inner,
    s: &RefCell<Subscription>,
    e: FeedEvent,
    token: &str,
) -> Result<Option<JsValue>> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Item {
        id: String,
        resume_token: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        stream_id: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        kind: Option<&'static str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        model: Option<String>,
    }
    let mut out = Item {
        id: crate::codec::cid_text(&e.id).to_string(),
        resume_token: token.to_string(),
        stream_id: None,
        kind: None,
        model: None,
    };
    let mut car = None;
    if let Some(bytes) = e.car {
        let event = Event::decode_car(&bytes)?;
        let model = model_of(c, s, &event).await?;
        let wanted = s.borrow().model;
        if wanted.is_some() && wanted != model {
            return Ok(None);
        }
        let kind = event.kind().as_str();
        let stream = model.map(|m| {
            StreamId::new(crate::ids::StreamType::of_model(&m), event.stream_cid()).to_string()
        });
        out = Item {
            stream_id: stream,
            kind: Some(kind),
            model: model.map(|m| m.to_string()),
            ..out
        };
        car = Some(bytes);
    }
    let v = to_js_json(&out).map_err(|_| Error::Encode("feed item".into()))?;
    if let Some(bytes) = car {
        let _ = js_sys::Reflect::set(
            &v,
            &"car".into(),
            &js_sys::Uint8Array::from(bytes.as_slice()),
        );
    }
    Ok(Some(v))
}

async fn next_item(c: &Inner, s: &Rc<RefCell<Subscription>>) -> JsResult<JsValue> {
    let mut backoff = 0u64;
    loop {
        if s.borrow().closed {
            return Ok(iter_result(JsValue::UNDEFINED, true));
        }
        {
            let mut b = s.borrow_mut();
            if !b.buffer.is_empty() {
                let v = b.buffer.remove(0);
                return Ok(iter_result(v, false));
            }
        }
        let (resume, include) = {
            let b = s.borrow();
            (b.resume.clone(), b.include_data)
        };
        match c.feed(&resume, 100, include).await {
            Ok(page) => {
                backoff = 0;
                let empty = page.events.is_empty();
                let n = page.events.len();
                for (i, e) in page.events.into_iter().enumerate() {
                    // Each item carries the token to resume after it.
                    let token = if i + 1 == n {
                        page.resume_token.clone()
                    } else {
                        resume.clone()
                    };
                    if let Some(v) = item(c, s, e, &token).await? {
                        s.borrow_mut().buffer.push(v);
                    }
                }
                s.borrow_mut().resume = page.resume_token;
                if empty {
                    let ms = s.borrow().poll_ms;
                    c.transport().sleep(ms).await;
                }
            }
            Err(Error::Network(_) | Error::Timeout(_) | Error::NodeError(_)) => {
                backoff = (backoff * 2).clamp(500, 30_000);
                c.transport().sleep(backoff).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
}
