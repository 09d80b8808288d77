/**
 * The API reads index.html starts before the app's JavaScript has loaded, so a page's first
 * reads wait on one round trip after the page itself instead of two or three. Each is used
 * once, by the same request with the same token, and all are forgotten as soon as the user
 * moves to another page.
 */
interface Prefetch {
  token: string;
  responses: Record<string, Promise<Response | undefined> | undefined>;
}

declare global {
  interface Window {
    __CONSOLE_PREFETCH__?: Prefetch;
  }
}

/** The answer index.html already asked for, when it asked for exactly this; at most once. */
export function takePrefetched(path: string, token: string | undefined): Promise<Response | undefined> | undefined {
  if (typeof window === 'undefined') return undefined;
  const p = window.__CONSOLE_PREFETCH__;
  const response = p && p.token === token ? p.responses[path] : undefined;
  if (p && response) p.responses[path] = undefined;
  return response;
}

export function forgetPrefetched(): void {
  if (typeof window !== 'undefined') window.__CONSOLE_PREFETCH__ = undefined;
}
