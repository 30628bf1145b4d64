//! What one client knows of the streams it wrote or loaded, so that it reads its own writes.
//!
//! ceramic-one accepts an event with 204 and indexes it later: for about half a second after a
//! document's init event `/streams/{id}` answers 404, and for about a second after an update it
//! serves the previous tip. A client that asks the node for the state it just wrote would fail or
//! go back in time. So each client keeps, per stream (bounded, least recently used first out), the
//! state it verified or wrote itself; updates build on it, and loads right after an own write wait
//! until the node shows it (see `documents.rs`).
//!
//! Verified Models are kept here too: a Model is immutable, so a page creating many documents
//! fetches and verifies it once.
//!
//! Own code, not an async-mutex crate: the per-stream queue below is the only lock the client
//! needs, it must work without threads in wasm, and it costs a few hundred bytes.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use super::LoadedDocument;
use crate::events::Event;
use crate::ids::StreamId;
use crate::stream::Model;

/// How many streams (and Models) a client remembers.
pub const KNOWN_STREAMS: usize = 256;

/// A stream this client wrote or verified.
#[derive(Debug, Clone)]
pub(crate) struct Known {
    /// The verified state, with the checks that established it; `doc.pending` when its tip is
    /// this client's own write, which the node has not shown yet.
    pub doc: LoadedDocument,
    /// The stream's init event.
    pub init: Event,
    /// The document's Model (None for Model streams).
    pub model: Option<Model>,
}

/// At most [`KNOWN_STREAMS`] entries with their last use. A vector searched from the end, not a
/// hash map: a hash table per value type links ~2 K of wasm each, and a scan of 256 IDs costs
/// about a microsecond beside a node's round trip.
struct Lru<V> {
    map: Vec<(StreamId, u64, V)>,
    tick: u64,
}

impl<V> Default for Lru<V> {
    fn default() -> Self {
        Lru {
            map: Vec::new(),
            tick: 0,
        }
    }
}

impl<V: Clone> Lru<V> {
    fn find(&self, id: &StreamId) -> Option<usize> {
        self.map.iter().rposition(|(k, ..)| k == id)
    }

    fn get(&mut self, id: &StreamId) -> Option<V> {
        self.tick += 1;
        let i = self.find(id)?;
        let e = &mut self.map[i];
        e.1 = self.tick;
        Some(e.2.clone())
    }

    fn put(&mut self, id: StreamId, v: V) {
        self.tick += 1;
        let entry = (id, self.tick, v);
        if let Some(i) = self.find(&id) {
            self.map[i] = entry;
            return;
        }
        if self.map.len() >= KNOWN_STREAMS {
            let oldest = (0..self.map.len()).min_by_key(|&i| self.map[i].1);
            if let Some(i) = oldest {
                self.map.swap_remove(i);
            }
        }
        self.map.push(entry);
    }

    fn remove(&mut self, id: &StreamId) {
        if let Some(i) = self.find(id) {
            self.map.swap_remove(i);
        }
    }
}

/// Waiters for one stream's write turn, first come first served.
#[derive(Default)]
struct Queue {
    /// The ticket holding the turn, if any.
    holder: Option<u64>,
    /// Waiting tickets, in order, with their wakers (a few at most: a `Vec`, not a `VecDeque`,
    /// whose code the wasm would carry for this one use).
    waiting: Vec<(u64, Option<Waker>)>,
}

impl Inner {
    /// Where the stream's write queue is, if it has one.
    fn find_queue(&self, id: StreamId) -> Option<usize> {
        self.queues.iter().position(|(k, _)| *k == id)
    }

    /// The stream's write queue, made empty if it has none.
    fn queue(&mut self, id: StreamId) -> &mut Queue {
        let i = match self.find_queue(id) {
            Some(i) => i,
            None => {
                self.queues.push((id, Queue::default()));
                self.queues.len() - 1
            }
        };
        &mut self.queues[i].1
    }
}

#[derive(Default)]
struct Inner {
    streams: Lru<Known>,
    models: Lru<Model>,
    /// The streams with a write in progress (a few at a time): searched, not hashed, as above.
    queues: Vec<(StreamId, Queue)>,
    next_ticket: u64,
}

/// The per-client memory of streams and Models, shared by clones of a client.
#[derive(Clone, Default)]
pub struct KnownStreams(Arc<Mutex<Inner>>);

impl std::fmt::Debug for KnownStreams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KnownStreams")
    }
}

impl KnownStreams {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn stream(&self, id: &StreamId) -> Option<Known> {
        self.lock().streams.get(id)
    }

    pub(crate) fn put_stream(&self, id: StreamId, known: Known) {
        self.lock().streams.put(id, known);
    }

    /// Forget a stream: its next load asks the node and verifies from the init event.
    pub(crate) fn forget_stream(&self, id: &StreamId) {
        self.lock().streams.remove(id);
    }

    /// The stream's entry, if the node has not shown this client's last write to it yet.
    pub(crate) fn pending(&self, id: &StreamId) -> Option<Known> {
        self.stream(id).filter(|k| k.doc.pending)
    }

    pub(crate) fn model(&self, id: &StreamId) -> Option<Model> {
        self.lock().models.get(id)
    }

    pub(crate) fn put_model(&self, model: Model) {
        self.lock().models.put(model.id, model);
    }

    /// Wait for this stream's write turn: writes of one stream from one client happen in the
    /// order they were asked for. The turn passes on when the returned guard is dropped.
    pub(crate) fn turn(&self, id: StreamId) -> Turn {
        let mut inner = self.lock();
        inner.next_ticket += 1;
        let ticket = inner.next_ticket;
        let q = inner.queue(id);
        if q.holder.is_none() && q.waiting.is_empty() {
            q.holder = Some(ticket);
        } else {
            q.waiting.push((ticket, None));
        }
        Turn {
            known: self.clone(),
            id,
            ticket,
            done: false,
        }
    }
}

/// A place in a stream's write queue; resolves to a [`TurnGuard`] when it is this one's turn.
/// Dropping it (a cancelled call) leaves the queue without holding anyone up.
pub(crate) struct Turn {
    known: KnownStreams,
    id: StreamId,
    ticket: u64,
    done: bool,
}

/// Holds a stream's write turn until dropped.
pub(crate) struct TurnGuard {
    known: KnownStreams,
    id: StreamId,
    ticket: u64,
}

impl Future for Turn {
    type Output = TurnGuard;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<TurnGuard> {
        let mut inner = self.known.lock();
        let q = inner.queue(self.id);
        if q.holder == Some(self.ticket) {
            drop(inner);
            self.done = true;
            return Poll::Ready(TurnGuard {
                known: self.known.clone(),
                id: self.id,
                ticket: self.ticket,
            });
        }
        if let Some(w) = q.waiting.iter_mut().find(|(t, _)| *t == self.ticket) {
            w.1 = Some(cx.waker().clone());
        }
        Poll::Pending
    }
}

fn release(known: &KnownStreams, id: StreamId, ticket: u64) {
    let mut inner = known.lock();
    let Some(at) = inner.find_queue(id) else {
        return;
    };
    let q = &mut inner.queues[at].1;
    q.waiting.retain(|(t, _)| *t != ticket);
    if q.holder == Some(ticket) {
        q.holder = None;
        if !q.waiting.is_empty() {
            let (next, waker) = q.waiting.remove(0);
            q.holder = Some(next);
            if let Some(w) = waker {
                w.wake();
            }
        }
    }
    if q.holder.is_none() && q.waiting.is_empty() {
        inner.queues.swap_remove(at);
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        if !self.done {
            release(&self.known, self.id, self.ticket);
        }
    }
}

impl Drop for TurnGuard {
    fn drop(&mut self) {
        release(&self.known, self.id, self.ticket);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Waker;

    fn poll<F: Future + Unpin>(f: &mut F) -> Poll<F::Output> {
        Pin::new(f).poll(&mut Context::from_waker(Waker::noop()))
    }

    #[test]
    fn turns_are_taken_in_order_and_cancelled_waiters_step_aside() {
        let k = KnownStreams::default();
        let id = StreamId::metamodel();
        let mut a = k.turn(id);
        let mut b = k.turn(id);
        let mut c = k.turn(id);
        let ga = match poll(&mut a) {
            Poll::Ready(g) => g,
            Poll::Pending => panic!("the first caller waits for nobody"),
        };
        assert!(poll(&mut b).is_pending());
        assert!(poll(&mut c).is_pending());
        drop(b); // cancelled while waiting
        drop(ga);
        let gc = match poll(&mut c) {
            Poll::Ready(g) => g,
            Poll::Pending => panic!("c is next once a is done and b gave up"),
        };
        let mut d = k.turn(id);
        assert!(poll(&mut d).is_pending());
        drop(gc);
        assert!(poll(&mut d).is_ready());
    }

    #[test]
    fn remembers_a_bounded_number_of_streams() {
        let mut lru = Lru::default();
        let ids: Vec<StreamId> = (0..=KNOWN_STREAMS as u16)
            .map(|i| {
                let mh = cid::multihash::Multihash::<64>::wrap(0x12, &i.to_be_bytes()).unwrap();
                StreamId::new(crate::ids::StreamType::Model, cid::Cid::new_v1(0x71, mh))
            })
            .collect();
        for (i, id) in ids.iter().enumerate() {
            lru.put(*id, i);
            if i == 5 {
                // Touch the first so that the second is the least recently used.
                assert_eq!(lru.get(&ids[0]), Some(0));
            }
        }
        assert_eq!(lru.map.len(), KNOWN_STREAMS);
        assert_eq!(lru.get(&ids[0]), Some(0));
        assert_eq!(lru.get(&ids[1]), None);
    }
}
