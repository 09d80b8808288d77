// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { Voice } from '../../web/src/pages/Voice.tsx';
import { fakeApi, renderSignedIn } from './support.tsx';

afterEach(() => {
  cleanup();
  localStorage.clear();
});

describe('the Voice page', () => {
  it('lists lines, calls with their auto-reply and conversations needing attention, and refreshes', async () => {
    let calls = 0;
    const api = fakeApi(({ method, path }) => {
      if (method !== 'GET') return undefined;
      if (path.startsWith('/lines'))
        return {
          status: 200,
          body: { items: [{ lineId: 'L1', number: '+15005550006', forwardTo: '+14155550199', businessName: 'Acme', ringSeconds: 20, voicemail: true }] },
        };
      if (path.startsWith('/calls')) {
        calls += 1;
        return {
          status: 200,
          body: {
            items: [
              {
                callId: 'CA1',
                lineId: 'L1',
                from: '+14155550123',
                status: 'voicemail',
                recordingUrl: 'https://example.com/r',
                autoReply: { notificationId: 'N1', status: 'delivered' },
                startedAt: '2026-11-30T10:00:00.000Z',
              },
            ],
          },
        };
      }
      if (path.startsWith('/conversations')) {
        return {
          status: 200,
          body: {
            items: [
              { conversationId: 'C1', lineId: 'L1', customer: '+14155550123', status: 'open', needsAttention: true, lastMessageAt: '2026-11-30T10:01:00.000Z' },
            ],
          },
        };
      }
      return undefined;
    });
    renderSignedIn(<Voice />, api.fetchImpl);
    const lines = await screen.findByRole('table', { name: 'Lines' });
    expect(lines.textContent).toContain('Acme');
    const table = screen.getByRole('table', { name: 'Calls' });
    expect(table.textContent).toContain('+14155550123');
    expect(table.textContent).toContain('delivered');
    expect(screen.getByRole('link', { name: 'voicemail' }).getAttribute('href')).toBe('https://example.com/r');
    expect(screen.getByRole('table', { name: 'Conversations' }).textContent).toContain('needs attention');
    fireEvent.click(screen.getByRole('button', { name: 'Refresh' }));
    await waitFor(() => expect(calls).toBe(2));
  });
});
