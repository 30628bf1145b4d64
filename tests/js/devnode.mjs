// Starts ceramic-devnode (the binary cargo built) on 127.0.0.1:0 with a temporary store.
import { spawn } from "node:child_process";
import { mkdtempSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

const root = new URL("../..", import.meta.url).pathname;

export function devnodeBinary() {
  const candidates = [process.env.DEVNODE_BIN, join(root, "target/debug/ceramic-devnode"), join(root, "target/release/ceramic-devnode")];
  const bin = candidates.find((p) => p && existsSync(p));
  if (!bin) throw new Error("build ceramic-devnode first (cargo build -p ceramic-devnode)");
  return bin;
}

export async function startDevnode(args = []) {
  const store = mkdtempSync(join(tmpdir(), "devnode-"));
  const child = spawn(devnodeBinary(), ["--bind-address", "127.0.0.1:0", "--store-dir", store, ...args], {
    env: { ...process.env, RUST_LOG: "warn" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const line = await new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout });
    rl.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`ceramic-devnode exited with ${code}`)));
  });
  const url = line.trim().split(" ").pop();
  return {
    url,
    async stop() {
      child.kill("SIGKILL");
      await new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
      rmSync(store, { recursive: true, force: true });
    },
  };
}
