import { existsSync } from 'node:fs';

/**
 * Where a Chromium for browser tests and the console benchmark is: CHROMIUM_PATH, else Debian's
 * `chromium` package (apt-get install -y chromium; Playwright's own download does not work here).
 */
export function findChromium(): string | undefined {
  return [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p): p is string => !!p && existsSync(p));
}
