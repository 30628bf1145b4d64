import type { EventCache, EventOutbox } from "../ceramic_wasm.js";

/** In memory, for this page or process: at most `maxEntries` events (default 10,000). */
export declare function memoryCache(options?: { maxEntries?: number }): EventCache & { readonly size: number };

/** In IndexedDB, kept across page loads: at most `maxEntries` events (default 100,000). */
export declare function indexedDbCache(options?: { name?: string; maxEntries?: number }): EventCache & { trim(): Promise<void> };

/** An outbox in memory (the client's `outbox` option), for this page or process only. */
export declare function memoryOutbox(): EventOutbox & { readonly size: number };

/** An outbox in IndexedDB: queued writes survive a page reload. */
export declare function indexedDbOutbox(options?: { name?: string }): EventOutbox;
