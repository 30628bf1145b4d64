//! The node: a pool of read connections, stateless validation on the request's own thread,
//! and one writer thread that applies events in order with group commit (every event of a batch
//! in its own savepoint, one durable commit, then the 204s).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ceramic_wasm::codec::Ipld;
use ceramic_wasm::codec::{multibase, Block, DagCborExt, DAG_CBOR};
use ceramic_wasm::events::{AnchorProof, Event, InitPayload, RawTimeEvent, TimeEvent};
use ceramic_wasm::ids::{Network, StreamId, StreamType};
use ceramic_wasm::stream::{mid::check_update, Model, ModelDefinition, NativeRegex, StreamState};
use ceramic_wasm::verify::{
    anchor_status, run_ready, verify_event, AnchorStatus, NoRpc, VerifyContext,
};
use cid::Cid;
use rusqlite::{params, Connection, OptionalExtension};
use tokio::sync::oneshot;

use crate::store;

/// An error answered to the client: 400 with a message, or 500.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestError {
    /// HTTP status (400 or 500).
    pub status: u16,
    /// The `message` of the JSON body.
    pub message: String,
    /// The database was busy: worth retrying.
    pub busy: bool,
}

impl IngestError {
    fn bad(message: impl Into<String>) -> Self {
        IngestError {
            status: 400,
            message: message.into(),
            busy: false,
        }
    }

    fn internal(message: impl Into<String>) -> Self {
        IngestError {
            status: 500,
            message: message.into(),
            busy: false,
        }
    }
}

impl From<rusqlite::Error> for IngestError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode::{DiskFull, ReadOnly, SystemIoFailure};
        let code = match &e {
            rusqlite::Error::SqliteFailure(f, _) => Some(f.code),
            _ => None,
        };
        let mut err = match code {
            // The transaction was rolled back: nothing half-written, the event not acknowledged.
            Some(DiskFull) => IngestError {
                status: 507,
                message: format!("the node's store is full (disk or file size limit): {e}"),
                busy: false,
            },
            // A failed write (a full disk under a file-size limit reads as EFBIG, a failing device).
            Some(SystemIoFailure) => IngestError {
                status: 503,
                message: format!("the node's store cannot be written (full or failing disk): {e}"),
                busy: false,
            },
            Some(ReadOnly) => IngestError {
                status: 503,
                message: format!("the node's store is read-only: {e}"),
                busy: false,
            },
            _ => IngestError::internal(format!("database error: {e}")),
        };
        err.busy = is_busy(&e);
        err
    }
}

/// ceramic-one's message prefixes for a core error.
fn rejected(e: ceramic_wasm::Error) -> IngestError {
    let prefix = match e.code() {
        "BAD_SIGNATURE"
        | "UNAUTHORIZED_SIGNER"
        | "UNSUPPORTED_DID"
        | "INVALID_DID"
        | "INVALID_KEY"
        | "INVALID_CAPABILITY"
        | "BAD_CAPABILITY_SIGNATURE" => "Event had invalid signature",
        c if c.starts_with("CAPABILITY_") => "Event had invalid signature",
        "BAD_ANCHOR_PROOF" | "ANCHOR_TX_MISMATCH" | "CHAIN_RPC" => {
            "Failed to validate time event inclusion proof"
        }
        _ => "Event is invalid",
    };
    IngestError::bad(format!("{prefix}: {e} [{}]", e.code()))
}

/// Node settings.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    /// Where the SQLite database lives.
    pub store_dir: PathBuf,
    /// The network (inmemory or local).
    pub network: Network,
    /// Seconds between anchor batches.
    pub anchor_interval: Duration,
    /// Most streams anchored in one batch.
    pub anchor_batch_size: usize,
    /// How long after a write `/streams` and the feed still show the state before it (0: at
    /// once). ceramic-one indexes accepted events asynchronously; this imitates it for tests.
    pub index_delay: Duration,
    /// Anchor on this EVM chain instead of locally (`--evm-*`).
    pub evm: Option<crate::evm::EvmConfig>,
}

impl NodeConfig {
    /// The chain id written into local anchor proofs (never a real chain).
    pub fn chain_id(&self) -> String {
        match self.network {
            Network::Local(id) => format!("local:{id}"),
            _ => "inmemory:0".into(),
        }
    }
}

/// Events written but not yet shown by `/streams` and the feed (`--index-delay-ms`).
#[derive(Default)]
pub struct Indexing {
    delay: Duration,
    /// (shown from, rowid, stream), in rowid order.
    hidden: Mutex<Vec<(Instant, i64, Cid)>>,
}

impl Indexing {
    /// Nothing hidden when `delay` is zero.
    pub fn new(delay: Duration) -> Self {
        Indexing {
            delay,
            hidden: Mutex::default(),
        }
    }

    fn hide(&self, rowid: i64, stream_cid: Cid) {
        if !self.delay.is_zero() {
            let mut h = self.hidden.lock().unwrap_or_else(|p| p.into_inner());
            h.push((Instant::now() + self.delay, rowid, stream_cid));
        }
    }

    fn still_hidden(&self) -> std::sync::MutexGuard<'_, Vec<(Instant, i64, Cid)>> {
        let mut h = self.hidden.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        h.retain(|(until, _, _)| *until > now);
        h
    }

    /// The feed shows rows below this rowid (`i64::MAX` when nothing is hidden).
    pub fn feed_limit(&self) -> i64 {
        self.still_hidden()
            .iter()
            .map(|(_, r, _)| *r)
            .min()
            .unwrap_or(i64::MAX)
    }

    /// The first hidden rowid of a stream, if any of its events is hidden.
    pub fn stream_limit(&self, stream_cid: &Cid) -> Option<i64> {
        self.still_hidden()
            .iter()
            .filter(|(_, _, s)| s == stream_cid)
            .map(|(_, r, _)| *r)
            .min()
    }
}

/// Read connections, handed out round-robin.
pub struct ReadPool {
    conns: Vec<Mutex<Connection>>,
    next: AtomicUsize,
}

impl ReadPool {
    fn open(dir: &std::path::Path, n: usize) -> store::DbResult<Self> {
        let conns = (0..n)
            .map(|_| store::open_reader(dir).map(Mutex::new))
            .collect::<Result<_, _>>()?;
        Ok(ReadPool {
            conns,
            next: AtomicUsize::new(0),
        })
    }

    /// Run `f` with a read connection (blocking: call from a blocking task).
    pub fn with<T>(&self, f: impl FnOnce(&Connection) -> T) -> T {
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.conns.len();
        let guard = self.conns[i].lock().unwrap_or_else(|p| p.into_inner());
        f(&guard)
    }
}

enum Cmd {
    Insert {
        prepared: Box<Prepared>,
        reply: oneshot::Sender<Result<(), IngestError>>,
    },
    Anchor {
        reply: Option<oneshot::Sender<Result<usize, IngestError>>>,
    },
    /// EVM anchoring, step 1: the batch and its Merkle tree.
    Plan {
        reply: oneshot::Sender<Result<Option<Plan>, IngestError>>,
    },
    /// EVM anchoring, step 3 (after the transaction is confirmed): the time events.
    Write {
        plan: Box<(Plan, AnchorProof)>,
        reply: oneshot::Sender<Result<usize, IngestError>>,
    },
}

/// An anchor batch: the stream tips, the Merkle root over them and each tip's path and nodes.
pub struct Plan {
    pending: Vec<(Cid, Cid)>,
    root: Cid,
    paths: LeafPaths,
}

/// The node's shared handle.
pub struct Node {
    /// Settings.
    pub config: NodeConfig,
    /// Read connections.
    pub reads: ReadPool,
    /// What `/streams` and the feed do not show yet.
    pub indexing: std::sync::Arc<Indexing>,
    writer: Mutex<Option<mpsc::SyncSender<Cmd>>>,
    writer_thread: Mutex<Option<std::thread::JoinHandle<()>>>,
    /// One anchor batch on a chain at a time.
    anchoring: tokio::sync::Mutex<()>,
}

/// A validated event, ready for the writer.
struct Prepared {
    event: Event,
    car: Vec<u8>,
    model: Option<Model>,
}

fn now_secs() -> i64 {
    now_millis() / 1000
}

fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

impl Node {
    /// Open the store and start the writer thread.
    pub fn open(config: NodeConfig) -> store::DbResult<Node> {
        std::fs::create_dir_all(&config.store_dir).map_err(|e| {
            rusqlite::Error::InvalidPath(format!("{}: {e}", config.store_dir.display()).into())
        })?;
        let write_conn = store::open(&config.store_dir)?;
        let reads = ReadPool::open(&config.store_dir, 4)?;
        let (tx, rx) = mpsc::sync_channel(4096);
        let cfg = config.clone();
        let indexing = std::sync::Arc::new(Indexing::new(config.index_delay));
        let hidden = indexing.clone();
        let handle = std::thread::Builder::new()
            .name("devnode-writer".into())
            .spawn(move || {
                Writer {
                    conn: write_conn,
                    cache: HashMap::new(),
                    config: cfg,
                    indexing: hidden,
                }
                .run(rx)
            })
            .map_err(|e| rusqlite::Error::InvalidPath(format!("writer thread: {e}").into()))?;
        Ok(Node {
            config,
            reads,
            indexing,
            writer: Mutex::new(Some(tx)),
            writer_thread: Mutex::new(Some(handle)),
            anchoring: tokio::sync::Mutex::new(()),
        })
    }

    fn send(&self, cmd: Cmd) -> Result<(), IngestError> {
        let guard = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let tx = guard
            .as_ref()
            .ok_or_else(|| IngestError::internal("the node is shutting down"))?;
        tx.send(cmd)
            .map_err(|_| IngestError::internal("the writer stopped"))
    }

    /// Validate and store one event (a multibase CAR). Idempotent.
    pub async fn post_event(self: &std::sync::Arc<Self>, data: String) -> Result<(), IngestError> {
        let node = self.clone();
        let prepared = tokio::task::spawn_blocking(move || node.prepare(&data))
            .await
            .map_err(|e| IngestError::internal(format!("validation task failed: {e}")))??;
        let Some(p) = prepared else { return Ok(()) };
        let (reply, rx) = oneshot::channel();
        self.send(Cmd::Insert {
            prepared: Box::new(p),
            reply,
        })?;
        rx.await
            .map_err(|_| IngestError::internal("the writer dropped the request"))?
    }

    /// Anchor the pending streams now; returns how many time events were written.
    pub async fn anchor_now(&self) -> Result<usize, IngestError> {
        if let Some(evm) = &self.config.evm {
            return self.anchor_on_chain(evm).await;
        }
        let (reply, rx) = oneshot::channel();
        self.send(Cmd::Anchor { reply: Some(reply) })?;
        rx.await
            .map_err(|_| IngestError::internal("the writer dropped the request"))?
    }

    /// The anchor timer's tick: a local batch without waiting, or one on the chain (waited for,
    /// so that batches never overlap).
    pub async fn anchor_tick(&self) {
        if self.config.evm.is_none() {
            let _ = self.send(Cmd::Anchor { reply: None });
            return;
        }
        if let Err(e) = self.anchor_now().await {
            tracing::warn!(
                "anchoring on the chain failed, retried next interval: {}",
                e.message
            );
        }
    }

    /// One batch on the EVM chain: plan it (writer), send and confirm the transaction (here, no
    /// lock held), write the time events (writer) for the tips that have not moved since.
    async fn anchor_on_chain(&self, evm: &crate::evm::EvmConfig) -> Result<usize, IngestError> {
        let _one_at_a_time = self.anchoring.lock().await;
        let (reply, rx) = oneshot::channel();
        self.send(Cmd::Plan { reply })?;
        let dropped = || IngestError::internal("the writer dropped the request");
        let Some(plan) = rx.await.map_err(|_| dropped())?? else {
            return Ok(0);
        };
        let digest: [u8; 32] = plan
            .root
            .hash()
            .digest()
            .try_into()
            .map_err(|_| IngestError::internal("the Merkle root is not a 32-byte digest"))?;
        let tx_hash = crate::evm::anchor(evm, &digest)
            .await
            .map_err(IngestError::internal)?;
        let mh = cid::multihash::Multihash::<64>::wrap(0x1b, &tx_hash)
            .map_err(|e| IngestError::internal(e.to_string()))?;
        let proof = AnchorProof {
            chain_id: format!("eip155:{}", evm.chain_id),
            root: plan.root,
            tx_hash: Cid::new_v1(0x93, mh),
            tx_type: Some("f(bytes32)".into()),
        };
        tracing::info!(
            tx = hex::encode(tx_hash),
            chain = evm.chain_id,
            "anchored on chain"
        );
        let (reply, rx) = oneshot::channel();
        self.send(Cmd::Write {
            plan: Box::new((plan, proof)),
            reply,
        })?;
        rx.await.map_err(|_| dropped())?
    }

    /// Stop the writer after it has finished what it was given.
    pub fn shutdown(&self) {
        self.writer.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(h) = self
            .writer_thread
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            let _ = h.join();
        }
    }

    /// Everything that needs no write lock: decoding, signatures, capabilities, rules.
    fn prepare(&self, data: &str) -> Result<Option<Prepared>, IngestError> {
        // ceramic-one words it "Invalid event data: multibase error: <multibase's message>".
        let car = multibase::decode(data).map_err(|e| {
            let detail = match e {
                ceramic_wasm::Error::InvalidMultibase(m) => m,
                other => other.to_string(),
            };
            IngestError::bad(format!("Invalid event data: multibase error: {detail}"))
        })?;
        let event = Event::decode_car(&car).map_err(|e| {
            IngestError::bad(format!(
                "Event data could not be parsed: {e} [{}]",
                e.code()
            ))
        })?;
        // Reads are idempotent: a busy database is retried a few times before it is an error.
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.prepare_read(&event, &car) {
                Err(e) if e.busy && attempt < 5 => {
                    std::thread::sleep(Duration::from_millis(20 * attempt as u64))
                }
                other => return other,
            }
        }
    }

    fn prepare_read(&self, event: &Event, car: &[u8]) -> Result<Option<Prepared>, IngestError> {
        let (event, car) = (event.clone(), car.to_vec());
        self.reads.with(|conn| -> Result<Option<Prepared>, IngestError> {
            if store::has_event(conn, &event.cid())? {
                return Ok(None);
            }
            let init = if event.init_payload().is_some() {
                event.clone()
            } else {
                let stream_cid = event.stream_cid();
                let bytes = store::event_car(conn, &stream_cid)?.ok_or_else(|| {
                    IngestError::bad(format!(
                        "Failed to parse EventID from event CAR file data: cannot find init event block {stream_cid}"
                    ))
                })?;
                Event::decode_car(&bytes).map_err(|e| IngestError::internal(format!("stored init event: {e}")))?
            };
            let stream = init.stream_id().ok_or_else(|| IngestError::internal("init event without StreamID"))?;
            let model = match stream.stream_type() {
                StreamType::ModelInstanceDocument => load_model(conn, &init)?,
                _ => None,
            };
            if model.is_none() && stream.stream_type() == StreamType::ModelInstanceDocument {
                // As ceramic-one's API: accepted; its aggregator validates once it has the Model.
                tracing::warn!(%stream, "the document's Model is not on this node: document rules not checked");
            }
            let matcher = NativeRegex;
            let mut ctx = VerifyContext::new(now_secs(), &matcher);
            ctx.model = model.as_ref();
            run_ready(verify_event(&event, &init, &ctx, None::<&NoRpc>)).map_err(rejected)?;
            Ok(Some(Prepared { event, car, model }))
        })
    }
}

/// The Model a document names, from its stored state (`None` if this node does not have it).
fn load_model(conn: &Connection, init: &Event) -> Result<Option<Model>, IngestError> {
    let header = &init
        .init_payload()
        .ok_or_else(|| IngestError::internal("not an init event"))?
        .header;
    let id = header
        .model_id()
        .map_err(|e| rejected(ceramic_wasm::Error::MidModelType(e.to_string())))?;
    if id.stream_type() != StreamType::Model {
        return Err(rejected(ceramic_wasm::Error::MidModelType(format!(
            "{id} is not a Model StreamID"
        ))));
    }
    let Some(row) = store::stream(conn, id.cid())? else {
        return Ok(None);
    };
    let state: ceramic_wasm::codec::Value =
        serde_json::from_str(&row.state).map_err(|e| IngestError::internal(e.to_string()))?;
    let definition = ModelDefinition::from_json(&state["content"]).map_err(rejected)?;
    Ok(Some(Model { id, definition }))
}

/// A stream as the writer tracks it.
#[derive(Clone)]
struct Entry {
    state: StreamState,
    init: InitPayload,
    deterministic: bool,
    data_seen: usize,
}

fn anchor_of(t: &TimeEvent) -> AnchorStatus {
    run_ready(anchor_status(t, None::<&NoRpc>)).unwrap_or(AnchorStatus::Unchecked {
        chain_id: t.proof().chain_id.clone(),
    })
}

struct Writer {
    conn: Connection,
    cache: HashMap<Cid, Entry>,
    config: NodeConfig,
    indexing: std::sync::Arc<Indexing>,
}

impl Writer {
    fn run(mut self, rx: mpsc::Receiver<Cmd>) {
        while let Ok(first) = rx.recv() {
            let mut batch = vec![first];
            while batch.len() < 512 {
                match rx.try_recv() {
                    Ok(c) => batch.push(c),
                    Err(_) => break,
                }
            }
            self.apply_batch(batch);
        }
        tracing::info!("writer stopped");
    }

    fn apply_batch(&mut self, batch: Vec<Cmd>) {
        // Plans only read: answered first, each from its own snapshot.
        let (plans, batch): (Vec<Cmd>, Vec<Cmd>) = batch
            .into_iter()
            .partition(|c| matches!(c, Cmd::Plan { .. }));
        for cmd in plans {
            if let Cmd::Plan { reply } = cmd {
                let r = self
                    .conn
                    .transaction()
                    .map_err(IngestError::from)
                    .and_then(|tx| plan(&tx, &self.config));
                let _ = reply.send(r);
            }
        }
        if batch.is_empty() {
            return;
        }
        // A batch that meets SQLITE_BUSY is rolled back and tried again before anyone is answered.
        let mut attempt = 0;
        let (outcome, staged, results) = loop {
            attempt += 1;
            let mut staged: HashMap<Cid, Entry> = HashMap::new();
            let mut results: Vec<(Result<(), IngestError>, usize)> =
                Vec::with_capacity(batch.len());
            let outcome = (|| -> rusqlite::Result<()> {
                // The write lock up front: a deferred transaction that reads first cannot wait
                // for it later (SQLite answers BUSY at once when such an upgrade conflicts).
                let tx = self
                    .conn
                    .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                for cmd in &batch {
                    let r = match cmd {
                        Cmd::Insert { prepared, .. } => {
                            let p = prepared.as_ref();
                            let r = insert(
                                &tx,
                                &mut staged,
                                &self.cache,
                                &p.event,
                                &p.car,
                                p.model.as_ref(),
                            );
                            if let Ok(Some(rowid)) = r {
                                // Hidden before the commit makes it readable.
                                self.indexing.hide(rowid, p.event.stream_cid());
                            }
                            (r.map(|_| ()), 0)
                        }
                        Cmd::Anchor { .. } => {
                            let r = anchor(&tx, &mut staged, &self.cache, &self.config);
                            let n = *r.as_ref().unwrap_or(&0);
                            (r.map(|_| ()), n)
                        }
                        // Plans were answered before the batch (they only read).
                        Cmd::Plan { .. } => (Ok(()), 0),
                        Cmd::Write { plan, .. } => {
                            let r = write_time_events(
                                &tx,
                                &mut staged,
                                &self.cache,
                                &plan.0,
                                &plan.1,
                                true,
                            );
                            let n = *r.as_ref().unwrap_or(&0);
                            (r.map(|_| ()), n)
                        }
                    };
                    if matches!(&r.0, Err(e) if e.busy) {
                        return Err(rusqlite::Error::SqliteFailure(
                            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
                            Some("database is locked".into()),
                        ));
                    }
                    results.push(r);
                }
                tx.commit()
            })();
            let busy = matches!(&outcome, Err(e) if is_busy(e));
            if !busy || attempt >= 5 {
                break (outcome, staged, results);
            }
            tracing::warn!(attempt, "database busy: retrying the batch");
            std::thread::sleep(Duration::from_millis(20 * attempt as u64));
        };
        match outcome {
            Ok(()) => {
                self.cache.extend(staged);
                for (cmd, (r, n)) in batch.into_iter().zip(results) {
                    reply(cmd, r, n);
                }
            }
            Err(e) => {
                tracing::error!("commit failed: {e}");
                self.cache.clear();
                // A full or read-only store keeps its own status (507, 503) and says so.
                let err = IngestError::from(e);
                for cmd in batch {
                    let each = IngestError {
                        status: err.status,
                        message: format!("database commit failed: {}", err.message),
                        busy: err.busy,
                    };
                    reply(cmd, Err(each), 0);
                }
            }
        }
    }
}

fn reply(cmd: Cmd, r: Result<(), IngestError>, n: usize) {
    match cmd {
        Cmd::Insert { reply, .. } => {
            let _ = reply.send(r);
        }
        Cmd::Anchor { reply: Some(reply) } => {
            let _ = reply.send(r.map(|_| n));
        }
        Cmd::Anchor { reply: None } => {}
        Cmd::Write { reply, .. } => {
            let _ = reply.send(r.map(|_| n));
        }
        Cmd::Plan { .. } => {}
    }
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::DatabaseBusy)
}

/// The stream entry from the batch, the cache, or the stored events.
fn entry(
    conn: &Connection,
    staged: &HashMap<Cid, Entry>,
    cache: &HashMap<Cid, Entry>,
    stream_cid: &Cid,
) -> Result<Option<Entry>, IngestError> {
    if let Some(e) = staged.get(stream_cid).or_else(|| cache.get(stream_cid)) {
        return Ok(Some(e.clone()));
    }
    let cars = store::stream_cars(conn, stream_cid, i64::MAX)?;
    fold(&cars)
}

/// A stream's entry folded from its stored events (`None` without any).
fn fold(cars: &[Vec<u8>]) -> Result<Option<Entry>, IngestError> {
    let mut events = cars.iter().map(|c| Event::decode_car(c));
    let Some(init) = events.next() else {
        return Ok(None);
    };
    let init = init.map_err(|e| IngestError::internal(format!("stored event: {e}")))?;
    let payload = init
        .init_payload()
        .cloned()
        .ok_or_else(|| IngestError::internal("first stored event is not an init"))?;
    let mut e = Entry {
        state: StreamState::from_init(&init).map_err(|e| IngestError::internal(e.to_string()))?,
        init: payload,
        deterministic: matches!(init, Event::UnsignedInit(_)),
        data_seen: 0,
    };
    for ev in events {
        let ev = ev.map_err(|e| IngestError::internal(format!("stored event: {e}")))?;
        let anchor = match &ev {
            Event::Time(t) => Some(anchor_of(t)),
            _ => None,
        };
        e.data_seen += usize::from(matches!(ev, Event::Data(_)));
        e.state
            .apply(&ev, anchor)
            .map_err(|err| IngestError::internal(format!("stored log: {err}")))?;
    }
    Ok(Some(e))
}

/// A stream as `/streams` shows it while some of its events are still being "indexed": folded
/// from its events stored before rowid `before` (`None` when not even its init event is shown).
pub fn visible_stream(
    conn: &Connection,
    stream_cid: &Cid,
    before: i64,
) -> Result<Option<store::StreamRow>, IngestError> {
    let cars = store::stream_cars(conn, stream_cid, before)?;
    let Some(e) = fold(&cars)? else {
        return Ok(None);
    };
    let h = &e.init.header;
    Ok(Some(store::StreamRow {
        stream_id: e.state.stream_id.to_string(),
        controller: e.state.controller.clone(),
        model: h.model.clone(),
        unique: h.unique.clone(),
        context: h.context.clone(),
        tip: e.state.tip,
        state: state_json(&e.state),
    }))
}

/// ceramic-one's state document, `{"metadata":{…},"content":…}` in that key order.
fn state_json(state: &StreamState) -> String {
    format!(
        r#"{{"metadata":{{"shouldIndex":{}}},"content":{}}}"#,
        state.should_index, state.content
    )
}

/// Apply one event inside its own savepoint; the staged entry is kept only if it succeeds.
fn insert(
    tx: &rusqlite::Transaction<'_>,
    staged: &mut HashMap<Cid, Entry>,
    cache: &HashMap<Cid, Entry>,
    event: &Event,
    car: &[u8],
    model: Option<&Model>,
) -> Result<Option<i64>, IngestError> {
    let cid = event.cid();
    if store::has_event(tx, &cid)? {
        return Ok(None);
    }
    let stream_cid = event.stream_cid();
    let next = match event.init_payload() {
        Some(init) => Entry {
            state: StreamState::from_init(event).map_err(rejected)?,
            init: init.clone(),
            deterministic: matches!(event, Event::UnsignedInit(_)),
            data_seen: 0,
        },
        None => {
            let mut e = entry(tx, staged, cache, &stream_cid)?.ok_or_else(|| {
                IngestError::bad(format!(
                    "Failed to parse EventID from event CAR file data: cannot find init event block {stream_cid}"
                ))
            })?;
            if let Err(err) = e.state.check_link(event) {
                return Err(match err {
                    ceramic_wasm::Error::BrokenLink(_) => IngestError::bad(format!(
                        "Failed to insert event as `prev` event was missing [{}]",
                        err.code()
                    )),
                    other => IngestError::bad(format!(
                        "Event does not follow the stream tip (ceramic-devnode keeps one branch): {other} [{}]",
                        other.code()
                    )),
                });
            }
            let before = e.state.content.clone();
            let anchor = match event {
                Event::Time(t) => Some(anchor_of(t)),
                _ => None,
            };
            e.state.apply(event, anchor).map_err(rejected)?;
            if let (Event::Data(d), Some(model)) = (event, model) {
                check_update(
                    &e.init,
                    model,
                    d.payload(),
                    &before,
                    &e.state.content,
                    e.deterministic && e.data_seen == 0,
                    &NativeRegex,
                )
                .map_err(rejected)?;
            }
            e.data_seen += usize::from(matches!(event, Event::Data(_)));
            e
        }
    };
    // Each event in its own savepoint: a failure rolls back this event only, not the batch.
    tx.execute_batch("SAVEPOINT event")?;
    let rowid = match write_event(tx, event, car, &next) {
        Ok(rowid) => {
            tx.execute_batch("RELEASE event")?;
            rowid
        }
        Err(e) => {
            tx.execute_batch("ROLLBACK TO event; RELEASE event")?;
            return Err(e.into());
        }
    };
    staged.insert(stream_cid, next);
    Ok(Some(rowid))
}

fn write_event(
    tx: &rusqlite::Transaction<'_>,
    event: &Event,
    car: &[u8],
    next: &Entry,
) -> rusqlite::Result<i64> {
    let (cid, stream_cid) = (event.cid(), event.stream_cid());
    tx.execute(
        "INSERT INTO events (cid, stream_cid, kind, car) VALUES (?1, ?2, ?3, ?4)",
        params![
            cid.to_bytes(),
            stream_cid.to_bytes(),
            event.kind().as_str(),
            car
        ],
    )?;
    let rowid = tx.last_insert_rowid();
    let h = &next.init.header;
    tx.execute(
        "INSERT INTO streams (stream_cid, stream_id, controller, model, unique_value, context, tip, state)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT(stream_cid) DO UPDATE SET tip = excluded.tip, state = excluded.state",
        params![
            stream_cid.to_bytes(),
            next.state.stream_id.to_string(),
            next.state.controller,
            h.model,
            h.unique,
            h.context,
            cid.to_bytes(),
            state_json(&next.state)
        ],
    )?;
    if matches!(event, Event::Time(_)) {
        tx.execute(
            "DELETE FROM anchor_requests WHERE stream_cid = ?1",
            [stream_cid.to_bytes()],
        )?;
    } else {
        tx.execute(
            "INSERT INTO anchor_requests (stream_cid, tip, requested_at) VALUES (?1, ?2, ?3)
             ON CONFLICT(stream_cid) DO UPDATE SET tip = excluded.tip, requested_at = excluded.requested_at",
            params![stream_cid.to_bytes(), cid.to_bytes(), now_millis()],
        )?;
    }
    Ok(rowid)
}

/// A binary Merkle tree over `leaves`: nodes `[left, right]` (right `null` when odd). Returns
/// the root and, per leaf, its path and the nodes from the root down to its parent.
/// Per leaf: its path from the root and the nodes from the root down to its parent.
type LeafPaths = Vec<(String, Vec<Block>)>;

fn merkle(leaves: &[Cid]) -> ceramic_wasm::Result<(Cid, LeafPaths)> {
    // Each item: its CID, and for every leaf below it: (leaf index, path below, nodes below).
    type Item = (Cid, Vec<(usize, Vec<&'static str>, Vec<Block>)>);
    let mut level: Vec<Item> = leaves
        .iter()
        .enumerate()
        .map(|(i, c)| (*c, vec![(i, vec![], vec![])]))
        .collect();
    while level.len() > 1 {
        let mut next = Vec::with_capacity(level.len().div_ceil(2));
        let mut it = level.into_iter();
        while let Some((lcid, lleaves)) = it.next() {
            let right = it.next();
            let node = Ipld::List(vec![
                Ipld::Link(lcid),
                right.as_ref().map_or(Ipld::Null, |(c, _)| Ipld::Link(*c)),
            ]);
            let block = Block::new(DAG_CBOR, node.to_dag_cbor()?);
            let mut below = Vec::new();
            for (side, leaves) in [("0", Some(lleaves)), ("1", right.map(|r| r.1))] {
                for (i, mut path, mut nodes) in leaves.into_iter().flatten() {
                    path.insert(0, side);
                    nodes.insert(0, block.clone());
                    below.push((i, path, nodes));
                }
            }
            next.push((block.cid, below));
        }
        level = next;
    }
    let (root, mut per_leaf) = level
        .pop()
        .unwrap_or_else(|| unreachable!("at least one leaf"));
    per_leaf.sort_by_key(|(i, _, _)| *i);
    Ok((
        root,
        per_leaf
            .into_iter()
            .map(|(_, p, n)| (p.join("/"), n))
            .collect(),
    ))
}

/// The next anchor batch: every pending stream tip (up to the batch size) that has been quiet
/// for an interval, and the Merkle tree over them; `None` when there is nothing to anchor.
fn plan(conn: &Connection, config: &NodeConfig) -> Result<Option<Plan>, IngestError> {
    // Only tips that have been quiet for an interval: anchoring a stream that is being written
    // would make the writer's next event (whose `prev` is its own last event) a fork, which the
    // conflict rule would then discard. Every tip is still anchored within two intervals.
    let quiet_since = now_millis() - config.anchor_interval.as_millis() as i64;
    let pending: Vec<(Cid, Cid)> = {
        let mut st = conn.prepare_cached(
            "SELECT a.stream_cid, a.tip FROM anchor_requests a JOIN streams s
             ON s.stream_cid = a.stream_cid AND s.tip = a.tip
             WHERE a.requested_at <= ?2
             ORDER BY a.requested_at, a.stream_cid LIMIT ?1",
        )?;
        let rows = st.query_map(params![config.anchor_batch_size as i64, quiet_since], |r| {
            Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Vec<u8>>(1)?))
        })?;
        rows.filter_map(|r| r.ok())
            .filter_map(|(s, t)| {
                Some((
                    Cid::try_from(s.as_slice()).ok()?,
                    Cid::try_from(t.as_slice()).ok()?,
                ))
            })
            .collect()
    };
    if pending.is_empty() {
        return Ok(None);
    }
    let tips: Vec<Cid> = pending.iter().map(|(_, t)| *t).collect();
    let (root, paths) = merkle(&tips).map_err(|e| IngestError::internal(e.to_string()))?;
    Ok(Some(Plan {
        pending,
        root,
        paths,
    }))
}

/// Anchor every pending stream tip (up to the batch size) with one local proof.
fn anchor(
    tx: &rusqlite::Transaction<'_>,
    staged: &mut HashMap<Cid, Entry>,
    cache: &HashMap<Cid, Entry>,
    config: &NodeConfig,
) -> Result<usize, IngestError> {
    let Some(plan) = plan(tx, config)? else {
        return Ok(0);
    };
    // A local "transaction": keccak-256 over the root, as an eth-tx CID. No chain holds it; the
    // chain id says so, and verifiers report these anchors as local.
    let digest: [u8; 32] = <sha3::Keccak256 as sha3::Digest>::digest(plan.root.to_bytes()).into();
    let mh = cid::multihash::Multihash::<64>::wrap(0x1b, &digest)
        .map_err(|e| IngestError::internal(e.to_string()))?;
    let proof = AnchorProof {
        chain_id: config.chain_id(),
        root: plan.root,
        tx_hash: Cid::new_v1(0x93, mh),
        tx_type: Some("f(bytes32)".into()),
    };
    let written = write_time_events(tx, staged, cache, &plan, &proof, false)?;
    tracing::info!(streams = written, root = %plan.root, "anchored locally");
    Ok(written)
}

/// The time events of `plan` under `proof`. With `only_unmoved`, a stream whose tip changed
/// since the plan is left for the next batch (its time event would fork the stream).
fn write_time_events(
    tx: &rusqlite::Transaction<'_>,
    staged: &mut HashMap<Cid, Entry>,
    cache: &HashMap<Cid, Entry>,
    plan: &Plan,
    proof: &AnchorProof,
    only_unmoved: bool,
) -> Result<usize, IngestError> {
    let proof_cid = proof
        .to_cid()
        .map_err(|e| IngestError::internal(e.to_string()))?;
    let mut written = 0;
    for ((stream_cid, tip), (path, witness)) in plan.pending.iter().zip(&plan.paths) {
        if only_unmoved {
            let current: Option<Vec<u8>> = tx
                .query_row(
                    "SELECT tip FROM streams WHERE stream_cid = ?1",
                    params![stream_cid.to_bytes()],
                    |r| r.get(0),
                )
                .optional()?;
            if current.as_deref() != Some(&tip.to_bytes()[..]) {
                tracing::info!(%stream_cid, "moved on while anchoring: next batch");
                continue;
            }
        }
        let raw = RawTimeEvent {
            id: *stream_cid,
            prev: *tip,
            proof: proof_cid,
            path: path.clone(),
        };
        let event = Event::from(
            TimeEvent::new(raw, proof.clone(), witness.clone())
                .map_err(|e| IngestError::internal(e.to_string()))?,
        );
        let car = event
            .encode_car()
            .map_err(|e| IngestError::internal(e.to_string()))?;
        match insert(tx, staged, cache, &event, &car, None) {
            Ok(_) => written += 1,
            Err(e) => tracing::warn!("anchoring {stream_cid}: {}", e.message),
        }
    }
    Ok(written)
}

/// The StreamID of a stored stream, for the API.
pub fn parse_stream_id(s: &str) -> Result<StreamId, ceramic_wasm::Error> {
    s.parse()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merkle_paths_lead_to_their_leaves() {
        for n in 1..=9usize {
            let leaves: Vec<Cid> = (0..n)
                .map(|i| ceramic_wasm::codec::sha256_cid(DAG_CBOR, &[i as u8]))
                .collect();
            let (root, paths) = merkle(&leaves).unwrap();
            assert_eq!(paths.len(), n);
            for (leaf, (path, witness)) in leaves.iter().zip(&paths) {
                let mut at = root;
                if path.is_empty() {
                    assert_eq!(root, *leaf);
                    continue;
                }
                for (seg, block) in path.split('/').zip(witness) {
                    assert_eq!(block.cid, at);
                    let Ipld::List(node) =
                        ceramic_wasm::codec::dagcbor::decode_ipld(&block.bytes).unwrap()
                    else {
                        panic!()
                    };
                    let Ipld::Link(c) = node[seg.parse::<usize>().unwrap()] else {
                        panic!()
                    };
                    at = c;
                }
                assert_eq!(at, *leaf, "n={n} path={path}");
            }
        }
    }
}
