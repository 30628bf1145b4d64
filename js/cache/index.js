// `ceramic-wasm/cache`: stores for the client's `cache` option (event CARs by CID). Entries are
// content-addressed and checked by the client on every read, so a store needs no integrity of its
// own; both are size-bounded (the oldest entries go first).

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
  let db;
  const open = () =>
    (db ??= new Promise((resolve, reject) => {
      const req = indexedDB.open(name, 1);
      req.onupgradeneeded = () => req.result.createObjectStore("events").createIndex("at", "at");
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    }));
  const run = async (mode, f) => {
    const d = await open();
    return new Promise((resolve, reject) => {
      const tx = d.transaction("events", mode);
      const out = f(tx.objectStore("events"));
      tx.oncomplete = () => resolve(out?.result);
      tx.onerror = () => reject(tx.error);
    });
  };
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
      await (flushing ??= new Promise((r) => setTimeout(r, 30)).then(flush));
      if (++writes % 256 === 0) await this.trim();
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
