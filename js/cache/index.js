// `ceramic-wasm/cache`: stores for the client's `cache` option (event CARs by CID). Entries are
// content-addressed and checked by the client on every read, so a store needs no integrity of its
// own; both are size-bounded (the oldest entries go first).

/** `run(mode, f)`: `f(objectStore)` in one transaction of the database `name`, opened once. */
function database(name, store, create) {
  let db;
  const open = () =>
    (db ??= new Promise((resolve, reject) => {
      const req = indexedDB.open(name, 1);
      req.onupgradeneeded = () => create(req.result);
      req.onsuccess = () => {
        // Closed by the browser (storage cleared, version change): open again next time.
        req.result.onclose = () => (db = undefined);
        req.result.onversionchange = () => {
          req.result.close();
          db = undefined;
        };
        resolve(req.result);
      };
      req.onerror = () => {
        db = undefined; // a failed open is tried again by the next call
        reject(req.error);
      };
    }));
  return async (mode, f) => {
    const d = await open();
    return new Promise((resolve, reject) => {
      const tx = d.transaction(store, mode);
      const out = f(tx.objectStore(store));
      tx.oncomplete = () => resolve(out?.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  };
}

/** In memory, for this page or process: at most `maxEntries` events. */
export function memoryCache({ maxEntries = 10000 } = {}) {
  const map = new Map();
  return {
    get(key) {
      const v = map.get(key);
      if (v !== undefined) {
        map.delete(key);
        map.set(key, v);
      }
      return v;
    },
    set(key, value) {
      map.delete(key);
      map.set(key, value);
      while (map.size > maxEntries) map.delete(map.keys().next().value);
    },
    get size() {
      return map.size;
    },
  };
}

/**
 * In IndexedDB (browsers, workers, extensions): kept across page loads. At most `maxEntries`
 * events; when over, the oldest tenth is removed.
 */
export function indexedDbCache({ name = "ceramic-wasm-events", maxEntries = 100000 } = {}) {
  const run = database(name, "events", (db) => db.createObjectStore("events").createIndex("at", "at"));
  let writes = 0;
  // The keys it holds, read once: a miss (every event of a first load) is answered without a
  // transaction, which took ~1 ms each in Chromium (a 1,000-event first load: 3.1 s -> 4.1 s with
  // the store before, BENCHMARKS.md). Entries another tab adds meanwhile are misses here: fetched.
  let keys;
  const known = () => (keys ??= run("readonly", (s) => s.getAllKeys()).then((k) => new Set(k), () => null));
  // Writes are batched: one transaction for what arrives within 30 ms (a load stores an event per
  // round trip; a transaction each cost the first load ~0.4 ms an event, BENCHMARKS.md).
  let queue = new Map();
  let flushing;
  const flush = () => {
    const batch = queue;
    queue = new Map();
    flushing = undefined;
    return run("readwrite", (s) => {
      for (const [key, entry] of batch) s.put(entry, key);
    }).then(async () => {
      const k = await known();
      for (const key of batch.keys()) k?.add(key);
    });
  };
  return {
    async get(key) {
      const queued = queue.get(key);
      if (queued) return queued.car;
      const k = await known();
      if (k && !k.has(key)) return undefined;
      const entry = await run("readonly", (s) => s.get(key)).catch(() => undefined);
      return entry?.car;
    },
    async set(key, car) {
      queue.set(key, { car, at: Date.now() });
      try {
        await (flushing ??= new Promise((r) => setTimeout(r, 30)).then(flush));
      } finally {
        // Also after a failed write (a full quota): trimming is what makes room.
        if (++writes % 256 === 0) await this.trim().catch(() => {});
      }
    },
    /** Remove the oldest entries while there are more than `maxEntries`. */
    async trim() {
      const count = await run("readonly", (s) => s.count());
      if (count <= maxEntries) return;
      let excess = count - maxEntries + Math.ceil(maxEntries / 10);
      await run("readwrite", (s) => {
        s.index("at").openKeyCursor().onsuccess = (e) => {
          const c = e.target.result;
          if (c && excess-- > 0) {
            const gone = c.primaryKey;
            keys?.then((k) => k?.delete(gone));
            s.delete(gone);
            c.continue();
          }
        };
      });
    },
  };
}

/**
 * An outbox in memory (the client's `outbox` option): writes wait here, in order, while the node
 * cannot be reached — for this page or process only.
 */
export function memoryOutbox() {
  const entries = [];
  return {
    push(cid, car) {
      if (!entries.some(([c]) => c === cid)) entries.push([cid, car]);
    },
    list() {
      return entries.map(([, car]) => car);
    },
    remove(cid) {
      const i = entries.findIndex(([c]) => c === cid);
      if (i >= 0) entries.splice(i, 1);
    },
    get size() {
      return entries.length;
    },
  };
}

/**
 * An outbox in IndexedDB: writes wait here, in order, across page reloads, until the client
 * publishes them (when the browser is `online` again, before its next write, or on demand).
 */
export function indexedDbOutbox({ name = "ceramic-wasm-outbox" } = {}) {
  const run = database(name, "outbox", (db) =>
    db.createObjectStore("outbox", { autoIncrement: true }).createIndex("cid", "cid", { unique: true }));
  return {
    async push(cid, car) {
      // The same event twice (a retried write, two calls at once) is kept once, at its first
      // place: looked up and added in one transaction.
      await run("readwrite", (s) => {
        const seen = s.index("cid").getKey(cid);
        seen.onsuccess = () => {
          if (seen.result === undefined) s.add({ cid, car });
        };
      });
    },
    async list() {
      return (await run("readonly", (s) => s.getAll())).map((e) => e.car);
    },
    async remove(cid) {
      const key = await run("readonly", (s) => s.index("cid").getKey(cid));
      if (key !== undefined) await run("readwrite", (s) => s.delete(key));
    },
  };
}
