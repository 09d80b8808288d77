import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import type { ConsoleConfig } from '../../web/src/config.ts';
import { SessionProvider } from '../../web/src/session.tsx';

export type Handler = (req: { method: string; path: string; body: unknown }) => { status: number; body?: unknown } | undefined;

/** A fetch that answers from `handler` and records every request, standing in for the API in component tests. */
export function fakeApi(handler: Handler) {
  const requests: Array<{ method: string; path: string; body: unknown; authorization?: string }> = [];
  const fetchImpl = (async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(String(input), 'http://console.test');
    const method = init.method ?? 'GET';
    const body = typeof init.body === 'string' ? JSON.parse(init.body) : undefined;
    const headers = (init.headers ?? {}) as Record<string, string>;
    requests.push({ method, path: url.pathname + url.search, body, authorization: headers.authorization });
    const answer = handler({ method, path: url.pathname + url.search, body }) ?? {
      status: 404,
      body: { error: { code: 'NOT_FOUND', message: `No route for ${method} ${url.pathname}.` } },
    };
    return new Response(answer.body === undefined ? null : JSON.stringify(answer.body), {
      status: answer.status,
      headers: { 'content-type': 'application/json' },
    });
  }) as typeof fetch;
  return { fetchImpl, requests };
}

export const localConfig: ConsoleConfig = { apiBaseUrl: '', auth: 'local', phone: true, twilioNumber: '+15005550006' };

export function renderSignedIn(ui: ReactElement, fetchImpl: typeof fetch, config: ConsoleConfig = localConfig) {
  localStorage.setItem('tms.session', JSON.stringify({ userId: 'alice', token: 'token-alice' }));
  return render(
    <SessionProvider config={config} fetchImpl={fetchImpl}>
      {ui}
    </SessionProvider>,
  );
}
