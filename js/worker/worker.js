// The worker side of `ceramic-wasm/worker`: the package's web build in a module worker. Each
// request runs here, off the page's thread; progress and results go back as messages.
import init, { CeramicClient, verifyStream } from "../web/index.js";

const ready = init();

function failure(e) {
  return { code: e?.code ?? "PART_NOT_LOADED", message: e?.message ?? String(e) };
}

self.onmessage = async ({ data: { id, op, args } }) => {
  const progress = (done, total) => self.postMessage({ id, progress: [done, total] });
  try {
    await ready;
    let result;
    if (op === "verifyStream") {
      const [cars, options] = args;
      result = await verifyStream(cars, { ...options, onProgress: progress });
    } else if (op === "loadDocument") {
      const [streamId, { clientOptions, verify }] = args;
      result = await new CeramicClient(clientOptions).loadDocument(streamId, { verify, onProgress: progress });
    } else {
      throw new Error(`unknown operation ${op}`);
    }
    self.postMessage({ id, result });
  } catch (e) {
    self.postMessage({ id, error: failure(e) });
  }
};
