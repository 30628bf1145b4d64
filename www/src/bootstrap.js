// The wasm package loads asynchronously: everything else is in index.js.
import("./index.js").catch((e) => {
  document.getElementById("node-status").textContent = `Could not load ceramic-wasm: ${e}`;
});
