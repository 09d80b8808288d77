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

/** Stands in for the browser's XMLHttpRequest, so a test can play upload progress and the answer. */
export class FakeXhr {
  static last: FakeXhr | undefined;
  upload = new EventTarget();
  private events = new EventTarget();
  status = 0;
  responseText = '';
  method = '';
  url = '';
  body: FormData | undefined;
  constructor() {
    FakeXhr.last = this;
  }
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  addEventListener(type: string, listener: EventListener) {
    this.events.addEventListener(type, listener);
  }
  send(body: FormData) {
    this.body = body;
  }
  abort() {
    this.events.dispatchEvent(new Event('abort'));
  }
  progress(loaded: number, total: number) {
    this.upload.dispatchEvent(Object.assign(new Event('progress'), { lengthComputable: true, loaded, total }));
  }
  answer(status: number, text = '') {
    this.status = status;
    this.responseText = text;
    this.events.dispatchEvent(new Event('load'));
  }
}
