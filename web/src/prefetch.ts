/**
 * A list request index.html starts before the app's JavaScript has loaded, so the first page
 * waits on one round trip after the page itself instead of two. It is used once, by the same
 * request with the same token, and forgotten as soon as the user moves to another page.
 */
interface Prefetch {
  path: string;
  token: string;
  response: Promise<Response | undefined>;
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
  if (!p || p.path !== path || p.token !== token) return undefined;
  window.__CONSOLE_PREFETCH__ = undefined;
  return p.response;
}

export function forgetPrefetched(): void {
  if (typeof window !== 'undefined') window.__CONSOLE_PREFETCH__ = undefined;
}
