// Starts ceramic-devnode (the binary cargo built) on 127.0.0.1:0 with a temporary store.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

const root = new URL("../..", import.meta.url).pathname;

// Cargo's target directory, wherever CARGO_TARGET_DIR or .cargo/config.toml put it.
function targetDir() {
  const meta = execFileSync("cargo", ["metadata", "--format-version", "1", "--no-deps", "--manifest-path", join(root, "Cargo.toml")], { encoding: "utf8" });
  return JSON.parse(meta).target_directory;
}

export function devnodeBinary() {
  const target = process.env.DEVNODE_BIN ? null : targetDir();
  const candidates = [process.env.DEVNODE_BIN, target && join(target, "debug/ceramic-devnode"), target && join(target, "release/ceramic-devnode")];
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
