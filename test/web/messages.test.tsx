// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Message } from '../../web/src/api.ts';
import { MessagePage, mediaProblem } from '../../web/src/pages/MessagePage.tsx';
import { Messages } from '../../web/src/pages/Messages.tsx';
import { FakeXhr, fakeApi, renderSignedIn } from './support.tsx';

afterEach(() => {
  cleanup();
  localStorage.clear();
  vi.unstubAllGlobals();
});

const message = (id: string, over: Partial<Message> = {}): Message => ({
  messageId: id,
  from: '+14155550100',
  to: '+15005550006',
  message: `text ${id}`,
  receivedAt: '2026-11-30T10:00:00.000Z',
  status: 'processed',
  source: 'api',
  processedAt: '2026-11-30T10:00:00.120Z',
  processingMs: 120,
  media: [],
  ...over,
});

const metrics = {
  messages: { totalProcessed: 7, queueSize: 0, avgProcessingMs: 95 },
  notifications: { sentToday: 3, failedLast24h: 1, scheduled: 2 },
  queues: { ingest: { visible: 0, inFlight: 0 } },
};

describe('the Messages page', () => {
  it('filters by from, to and status, pages with the cursor, and shows the figures', async () => {
    const api = fakeApi(({ method, path }) => {
      if (method === 'GET' && path === '/metrics') return { status: 200, body: metrics };
      if (method === 'GET' && path.startsWith('/messages')) {
        const url = new URL(path, 'http://x');
        if (url.searchParams.get('cursor') === 'c2') return { status: 200, body: { items: [message('m3')], limit: 20, offset: 0 } };
        return { status: 200, body: { items: [message('m1'), message('m2')], limit: 20, offset: 0, nextCursor: 'c2' } };
      }
      return undefined;
    });
    renderSignedIn(<Messages />, api.fetchImpl);
    await screen.findByRole('link', { name: 'text m1' });
    expect(screen.getByTestId('metrics').textContent).toContain('95 ms');
    fireEvent.change(screen.getByLabelText('From'), { target: { value: '+14155550100' } });
    fireEvent.change(screen.getByLabelText('Message status'), { target: { value: 'processed' } });
    fireEvent.click(screen.getByRole('button', { name: 'Filter' }));
    await waitFor(() => expect(api.requests.some((r) => r.path === '/messages?from=%2B14155550100&status=processed&limit=20')).toBe(true));
    fireEvent.click(screen.getByRole('button', { name: 'Older' }));
    await screen.findByRole('link', { name: 'text m3' });
    expect(api.requests.at(-1)!.path).toBe('/messages?from=%2B14155550100&status=processed&limit=20&cursor=c2');
    fireEvent.click(screen.getByRole('button', { name: 'Newer' }));
    await screen.findByRole('link', { name: 'text m1' });
  });

  it("posts a message and shows the server's problems by their field", async () => {
    const api = fakeApi(({ method, path }) => {
      if (method === 'GET' && path === '/metrics') return { status: 200, body: metrics };
      if (method === 'GET') return { status: 200, body: { items: [], limit: 20, offset: 0 } };
      if (method === 'POST' && path === '/messages')
        return {
          status: 400,
          body: {
            error: { code: 'VALIDATION_ERROR', message: 'from is not valid.', details: [{ field: 'from', message: 'from must be a valid phone number.' }] },
          },
        };
      return undefined;
    });
    renderSignedIn(<Messages />, api.fetchImpl);
    fireEvent.change(await screen.findByLabelText('From number'), { target: { value: 'abc' } });
    fireEvent.change(screen.getByLabelText('Text'), { target: { value: 'hi' } });
    fireEvent.click(screen.getByRole('button', { name: 'Post message' }));
    await screen.findByText('from must be a valid phone number.');
    expect(api.requests.at(-1)!.body).toEqual({ from: 'abc', to: '+15005550006', message: 'hi' });
  });
});

describe('a message page', () => {
  it('shows the status, the processing time and the images as thumbnails', async () => {
    const media = { mediaId: 'a'.repeat(64), contentType: 'image/png', sizeBytes: 2048, url: 'http://localhost/local/s3/media/a.png?X-Amz-Signature=x' };
    const api = fakeApi(({ method, path }) =>
      method === 'GET' && path === '/messages/m1' ? { status: 200, body: message('m1', { media: [media] }) } : undefined,
    );
    renderSignedIn(<MessagePage messageId="m1" />, api.fetchImpl);
    await screen.findByText('text m1');
    expect(screen.getByTestId('message-status').textContent).toBe('processed');
    expect(screen.getByTestId('processing').textContent).toContain('took 120 ms');
    expect(screen.getByRole('img').getAttribute('src')).toBe(media.url);
  });

  it('refuses a file that is not an image or is too big before sending it', async () => {
    expect(mediaProblem({ type: 'image/png', size: 10 })).toBeUndefined();
    expect(mediaProblem({ type: 'application/pdf', size: 10 })).toMatch(/Only PNG, JPEG, GIF and WebP/);
    expect(mediaProblem({ type: 'image/png', size: 6 * 1024 * 1024 })).toMatch(/at most 5 MB/);
    const api = fakeApi(({ method }) => (method === 'GET' ? { status: 200, body: message('m1') } : undefined));
    renderSignedIn(<MessagePage messageId="m1" />, api.fetchImpl);
    const input = await screen.findByLabelText('Attach an image');
    fireEvent.change(input, { target: { files: [new File(['%PDF'], 'doc.pdf', { type: 'application/pdf' })] } });
    await screen.findByText('Only PNG, JPEG, GIF and WebP images can be attached.');
    expect(api.requests.every((r) => r.method === 'GET')).toBe(true);
  });

  it('attaches an image larger than the API carries through storage with its form, and finds it by its SHA-256', async () => {
    vi.stubGlobal('XMLHttpRequest', FakeXhr);
    const bytes = new Uint8Array(4_500_000).fill(7);
    const mediaId = Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
    const form = {
      uploadId: 'u1',
      url: 'http://localhost/local/s3/bucket',
      fields: { key: 'media-uploads/x/m1/u1', Policy: 'p' },
      expiresAt: '',
      maxBytes: 5_242_880,
    };
    let posted = false;
    const api = fakeApi(({ method, path }) => {
      if (method === 'POST' && path === '/messages/m1/media/uploads') return { status: 201, body: form };
      if (method === 'GET' && path === '/messages/m1/media') {
        const items = posted ? [{ mediaId, contentType: 'image/png', sizeBytes: bytes.length, url: 'http://localhost/local/s3/media/x' }] : [];
        return { status: 200, body: { items } };
      }
      if (method === 'GET' && path === '/messages/m1') return { status: 200, body: message('m1') };
      return undefined;
    });
    renderSignedIn(<MessagePage messageId="m1" />, api.fetchImpl);
    fireEvent.change(await screen.findByLabelText('Attach an image'), { target: { files: [new File([bytes], 'big.png', { type: 'image/png' })] } });
    await waitFor(() => expect(FakeXhr.last?.url).toBe(form.url));
    expect([...FakeXhr.last!.body!.keys()]).toEqual(['key', 'Policy', 'file']);
    posted = true;
    FakeXhr.last!.answer(204);
    await screen.findByText('big.png attached.');
    expect(screen.getByRole('img').getAttribute('alt')).toContain('image/png');
    expect(api.requests.some((r) => r.method === 'POST' && r.path === '/messages/m1/media')).toBe(false);
  });
});
