/**
 * The console's settings travel inside its index.html, in a JSON block the app reads at start
 * (web/src/config.ts), so a first visit waits on no request for them. One build serves every
 * stage: `npm start` fills the block as it serves the page, the stack when it deploys it.
 */
export const CONFIG_BLOCK = /(<script type="application\/json" id="console-config">)([\s\S]*?)(<\/script>)/;

/** JSON safe inside a script element: no `</script>` or `<!--` can close or confuse it. */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

/** The page with `json` (already serialized) in its settings block; throws when the page has none. */
export function inlineConsoleConfig(html: string, json: string): string {
  if (!CONFIG_BLOCK.test(html)) throw new Error('index.html has no <script type="application/json" id="console-config"> block.');
  return html.replace(CONFIG_BLOCK, (_, open: string, _old: string, close: string) => `${open}${json}${close}`);
}

/** The page's inline (classic) scripts, whose hashes the deployed Content-Security-Policy allows. */
export function inlineScripts(html: string): string[] {
  return [...html.matchAll(/<script(?![^>]*\bsrc=)(?![^>]*\btype="(?:module|application\/json)")[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
}
