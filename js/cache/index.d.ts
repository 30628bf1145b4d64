import type { EventCache } from "../ceramic_wasm.js";

/** In memory, for this page or process: at most `maxEntries` events (default 10,000). */
export declare function memoryCache(options?: { maxEntries?: number }): EventCache & { readonly size: number };

/** In IndexedDB, kept across page loads: at most `maxEntries` events (default 100,000). */
export declare function indexedDbCache(options?: { name?: string; maxEntries?: number }): EventCache & { trim(): Promise<void> };
