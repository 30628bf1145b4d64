// `ceramic-wasm/worker`: verification off the page's main thread. A `CeramicWorker` runs the
// package in a module Web Worker (spawned on first use); each call resolves with what the same
// call resolves with on the page, reports progress, and is cancelled by an AbortSignal (the worker
// is stopped — a running verification cannot be interrupted otherwise — and a fresh one starts
// on the next call).
import { CeramicError } from "../ceramic-error.js";

export class CeramicWorker {
  #worker = null;
  #pending = new Map();
  #next = 0;

  #spawn() {
    if (this.#worker) return this.#worker;
    const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
    worker.onmessage = ({ data }) => {
      const call = this.#pending.get(data.id);
      if (!call) return;
      if (data.progress) return call.onProgress?.(...data.progress);
      this.#pending.delete(data.id);
      call.cleanup();
      if (data.error) call.reject(new CeramicError(data.error.code, data.error.message));
      else call.resolve(data.result);
    };
    worker.onerror = (e) => this.#fail("PART_NOT_LOADED", `the worker failed: ${e.message ?? "error"}`);
    return (this.#worker = worker);
  }

  #fail(code, message) {
    this.#worker?.terminate();
    this.#worker = null;
    const calls = [...this.#pending.values()];
    this.#pending.clear();
    for (const call of calls) {
      call.cleanup();
      call.reject(new CeramicError(code, message));
    }
  }

  #call(op, args, { onProgress, signal } = {}) {
    if (signal?.aborted) return Promise.reject(new CeramicError("ABORTED", "aborted: the call was cancelled"));
    const worker = this.#spawn();
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      const abort = () => this.#fail("ABORTED", "aborted: the call was cancelled");
      signal?.addEventListener("abort", abort, { once: true });
      const cleanup = () => signal?.removeEventListener("abort", abort);
      this.#pending.set(id, { resolve, reject, onProgress, cleanup });
      worker.postMessage({ id, op, args });
    });
  }

  /** `verifyStream(cars, options)` in the worker. */
  verifyStream(cars, { onProgress, signal, ...options } = {}) {
    return this.#call("verifyStream", [cars, options], { onProgress, signal });
  }

  /** `new CeramicClient(clientOptions).loadDocument(streamId, { verify })` in the worker. */
  loadDocument(streamId, { onProgress, signal, verify, ...clientOptions } = {}) {
    return this.#call("loadDocument", [String(streamId), { clientOptions, verify }], { onProgress, signal });
  }

  /** Stop the worker; pending calls reject with `ABORTED`. */
  terminate() {
    this.#fail("ABORTED", "aborted: the worker was terminated");
  }
}
