// @vitest-environment happy-dom
/// <reference types="vite/client" />
import { afterEach, describe, expect, it } from 'vitest';
import { Api } from '../../web/src/api.ts';
import { readConfig } from '../../web/src/config.ts';
import { navigate } from '../../web/src/router.tsx';

afterEach(() => {
  window.__CONSOLE_PREFETCH__ = undefined;
  document.head.innerHTML = '';
});

function apiWith(token: string) {
  const fetched: string[] = [];
  const api = new Api({
    baseUrl: '',
    getToken: () => token,
    fetch: (async (input: RequestInfo | URL) => {
      fetched.push(String(input));
      return Response.json({ items: ['fetched'] });
    }) as typeof fetch,
  });
  return { api, fetched };
}

const prefetch = (path: string, token: string) => {
  window.__CONSOLE_PREFETCH__ = { token, responses: { [path]: Promise.resolve(Response.json({ items: ['prefetched'] })) } };
};

describe("the first page's list, asked for by index.html", () => {
  it('answers the same request with the same token once, then the API answers', async () => {
    prefetch('/files?limit=20', 'token-a');
    const { api, fetched } = apiWith('token-a');
    expect(await api.listFiles({ limit: 20 })).toEqual({ items: ['prefetched'] });
    expect(fetched).toEqual([]);
    expect(await api.listFiles({ limit: 20 })).toEqual({ items: ['fetched'] });
    expect(fetched).toEqual(['/files?limit=20']);
  });

  it('is not used for another request, another token, or once the user has moved on', async () => {
    prefetch('/files?limit=20', 'token-a');
    expect(await apiWith('token-a').api.listFiles({ limit: 20, name: 'x' })).toEqual({ items: ['fetched'] });
    expect(await apiWith('token-b').api.listFiles({ limit: 20 })).toEqual({ items: ['fetched'] });
    navigate('/app/rules');
    expect(await apiWith('token-a').api.listFiles({ limit: 20 })).toEqual({ items: ['fetched'] });
  });

  it('falls back to a request of its own when the early one failed on the network', async () => {
    window.__CONSOLE_PREFETCH__ = { token: 'token-a', responses: { '/files?limit=20': Promise.resolve(undefined) } };
    const { api, fetched } = apiWith('token-a');
    expect(await api.listFiles({ limit: 20 })).toEqual({ items: ['fetched'] });
    expect(fetched).toHaveLength(1);
  });
});

describe("the console's settings", () => {
  it("are read from index.html's settings block", () => {
    document.head.innerHTML = '<script type="application/json" id="console-config">{"apiBaseUrl":"https://api.example.com/","auth":"cognito"}</script>';
    expect(readConfig()).toMatchObject({ apiBaseUrl: 'https://api.example.com', auth: 'cognito', phone: false });
  });

  it('default to the local sign-in when the block is empty', () => {
    document.head.innerHTML = '<script type="application/json" id="console-config">{}</script>';
    expect(readConfig()).toMatchObject({ apiBaseUrl: '', auth: 'local' });
  });
});

describe("index.html's early requests", () => {
  it('are exactly the first API reads of the page they are made for, so the page takes them', async () => {
    const { cleanup, waitFor } = await import('@testing-library/react');
    const { fakeApi, renderSignedIn } = await import('./support.tsx');
    const html = (await import('../../web/index.html?raw')).default;
    const first = Object.fromEntries(
      [...html.matchAll(/'(\/app\/\w+)': \['(\w+)', ([^\]]*)\]/g)].map((m) => [
        m[1]!,
        { page: m[2]!, paths: [...m[3]!.matchAll(/'([^']+)'/g)].map((p) => p[1]!) },
      ]),
    );
    const pages: Record<string, () => Promise<() => React.JSX.Element>> = {
      '/app/files': async () => (await import('../../web/src/pages/Files.tsx')).Files,
      '/app/rules': async () => (await import('../../web/src/pages/Rules.tsx')).Rules,
      '/app/notifications': async () => (await import('../../web/src/pages/Notifications.tsx')).Notifications,
      '/app/sends': async () => (await import('../../web/src/pages/Sends.tsx')).Sends,
      '/app/templates': async () => (await import('../../web/src/pages/Templates.tsx')).Templates,
      '/app/messages': async () => (await import('../../web/src/pages/Messages.tsx')).Messages,
      '/app/settings': async () => (await import('../../web/src/pages/Settings.tsx')).Settings,
      '/app/voice': async () => (await import('../../web/src/pages/Voice.tsx')).Voice,
      '/app/phone': async () => (await import('../../web/src/pages/Phone.tsx')).Phone,
    };
    expect(Object.keys(first).sort()).toEqual(Object.keys(pages).sort());
    const metrics = {
      messages: { totalProcessed: 0, queueSize: 0, avgProcessingMs: null },
      notifications: { sentToday: 0, failedLast24h: 0, scheduled: 0 },
      queues: {},
    };
    const settings = { quietHours: null, dedupWindowSeconds: 60, optOutFooter: null };
    for (const [path, load] of Object.entries(pages)) {
      const Page = await load();
      expect(first[path]!.page).toBe(Page.name);
      // The long poll would answer at once and be asked again at once: it waits after a failure instead.
      const api = fakeApi(({ path: asked }) => ({
        status: asked.startsWith('/notifications/longpoll') ? 503 : 200,
        body: asked === '/metrics' ? metrics : asked === '/settings' ? settings : { items: [], limit: 20, offset: 0, cursor: '' },
      }));
      renderSignedIn(<Page />, api.fetchImpl);
      for (const read of first[path]!.paths) await waitFor(() => expect(api.requests.map((r) => r.path)).toContain(read));
      cleanup();
      localStorage.clear();
    }
  });
});
