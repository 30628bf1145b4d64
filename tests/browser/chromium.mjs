// Debian's Chromium, headless, through playwright-core (never a downloaded browser).
import { chromium } from "playwright-core";

const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
  "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"];

export function launchChromium() {
  return chromium.launch({ executablePath, args });
}

/** A headless Chromium with the unpacked extension in `dir` loaded, in a fresh profile. */
export function launchWithExtension(dir, userDataDir) {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: [...args, `--disable-extensions-except=${dir}`, `--load-extension=${dir}`],
  });
}
