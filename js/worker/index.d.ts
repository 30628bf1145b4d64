import type { CeramicClientOptions, DocumentState, VerifiedStream, VerifyOptions } from "../ceramic_wasm.js";

/** Options every `CeramicWorker` call takes. */
export interface WorkerCallOptions {
  /** Called with how many of how many events are verified. */
  onProgress?: (done: number, total: number) => void;
  /** Cancels the call: it rejects with `ABORTED` (the worker is stopped; the next call starts a new one). */
  signal?: AbortSignal;
}

/**
 * Verification off the page's main thread: the package in a module Web Worker.
 *
 * ```ts
 * const worker = new CeramicWorker();
 * const v = await worker.verifyStream(cars, { onProgress: (d, t) => bar.value = d / t, signal });
 * ```
 */
export declare class CeramicWorker {
  /** `verifyStream` in the worker (`ethereum` may only be a JSON-RPC URL: a provider object cannot cross to a worker). */
  verifyStream(cars: (Uint8Array | string)[], options?: Omit<VerifyOptions, "onProgress" | "ethereum"> & { ethereum?: string | Record<string, string> } & WorkerCallOptions): Promise<VerifiedStream>;
  /** A verified `loadDocument` in the worker, by a client made with these options (`url` …). */
  loadDocument(streamId: string | { toString(): string }, options: Omit<CeramicClientOptions, "fetch" | "signal" | "ethereum"> & { ethereum?: string | Record<string, string>; verify?: boolean } & WorkerCallOptions): Promise<DocumentState>;
  /** Stop the worker; pending calls reject with `ABORTED`. */
  terminate(): void;
}
