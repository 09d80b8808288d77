// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { App } from '../../web/src/App.tsx';
import type { Notification, SimulatorMessage } from '../../web/src/api.ts';
import { describeFailure } from '../../web/src/format.ts';
import { mergeNotifications } from '../../web/src/pages/Notifications.tsx';
import { byPhone } from '../../web/src/pages/Phone.tsx';
import { SessionProvider } from '../../web/src/session.tsx';
import { fakeApi, localConfig } from './support.tsx';

beforeEach(() => history.replaceState(null, '', '/'));
afterEach(() => {
  cleanup();
  localStorage.clear();
});

describe('signing in and out', () => {
  it('takes a user name to a token, keeps the session, and forgets it on sign-out', async () => {
    const api = fakeApi(({ method, path, body }) => {
      if (method === 'POST' && path === '/local/token') return { status: 200, body: { token: `token-${(body as { userId: string }).userId}` } };
      return undefined;
    });
    render(
      <SessionProvider config={localConfig} fetchImpl={api.fetchImpl}>
        <App />
      </SessionProvider>,
    );
    await waitFor(() => expect(location.pathname).toBe('/app/sign-in'));
    fireEvent.change(screen.getByLabelText('User name'), { target: { value: ' dana ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    await screen.findByRole('heading', { level: 1, name: 'Upload' });
    expect(location.pathname).toBe('/app/upload');
    expect(JSON.parse(localStorage.getItem('tms.session')!)).toEqual({ userId: 'dana', token: 'token-dana' });
    expect(screen.getByRole('link', { name: 'Upload' }).getAttribute('aria-current')).toBe('page');
    expect(screen.getByRole('link', { name: 'Phone' })).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Sign out' }));
    await screen.findByRole('heading', { name: 'Sign in' });
    expect(localStorage.getItem('tms.session')).toBeNull();
  });

  it("shows the token route's message when it refuses a name", async () => {
    const api = fakeApi(() => ({ status: 400, body: { error: { code: 'VALIDATION_ERROR', message: 'userId may hold letters, digits and . _ @ + - only.' } } }));
    render(
      <SessionProvider config={localConfig} fetchImpl={api.fetchImpl}>
        <App />
      </SessionProvider>,
    );
    fireEvent.change(screen.getByLabelText('User name'), { target: { value: 'a b' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect((await screen.findByRole('alert')).textContent).toContain('userId may hold letters');
  });

  it('ends the session when the API answers 401, saying why', async () => {
    localStorage.setItem('tms.session', JSON.stringify({ userId: 'alice', token: 'stale' }));
    history.replaceState(null, '', '/app/files');
    const api = fakeApi(() => ({ status: 401, body: { error: { code: 'UNAUTHORIZED', message: 'A valid bearer token is required.' } } }));
    render(
      <SessionProvider config={localConfig} fetchImpl={api.fetchImpl}>
        <App />
      </SessionProvider>,
    );
    await screen.findByText('Your session has ended; sign in again.');
  });

  it('hides the phone panel where the simulator does not exist', async () => {
    localStorage.setItem('tms.session', JSON.stringify({ userId: 'alice', token: 't' }));
    history.replaceState(null, '', '/app/phone');
    const api = fakeApi(() => undefined);
    render(
      <SessionProvider config={{ ...localConfig, phone: false }} fetchImpl={api.fetchImpl}>
        <App />
      </SessionProvider>,
    );
    await screen.findByRole('heading', { name: 'Page not found' });
    expect(screen.queryByRole('link', { name: 'Phone' })).toBeNull();
  });
});

const n = (id: string, createdAt: string, status: Notification['status'] = 'pending'): Notification => ({
  notificationId: id,
  fileId: 'f',
  ruleId: 'r',
  channel: 'sms',
  target: '+14155550100',
  status,
  attempts: 1,
  createdAt,
  updatedAt: createdAt,
});

describe('the notification log', () => {
  it('puts fresh copies over old ones and keeps the newest first', () => {
    const merged = mergeNotifications(
      [n('a', '2026-01-01T00:00:01Z'), n('b', '2026-01-01T00:00:02Z')],
      [n('a', '2026-01-01T00:00:01Z', 'delivered'), n('c', '2026-01-01T00:00:03Z')],
    );
    expect(merged.map((x) => `${x.notificationId}:${x.status}`)).toEqual(['c:pending', 'b:pending', 'a:delivered']);
  });

  it('explains error codes in words', () => {
    expect(describeFailure({ status: 'failed', errorCode: '21211' })).toBe("The 'To' number is not a valid phone number. (code 21211)");
    expect(describeFailure({ status: 'failed', errorCode: '99999', errorMessage: 'Odd.' })).toBe('Odd. (code 99999)');
    expect(describeFailure({ status: 'suppressed' })).toContain('opted out');
    expect(describeFailure({ status: 'delivered' })).toBeUndefined();
  });
});

describe('the phone panel', () => {
  it('groups the simulator messages by the phone on the far side', () => {
    const m = (sid: string, from: string, to: string): SimulatorMessage => ({
      sid,
      from,
      to,
      body: sid,
      mediaUrls: [],
      status: 'delivered',
      errorCode: null,
      dateCreated: '',
    });
    const groups = byPhone(
      [m('1', '+15005550006', '+14155550100'), m('2', '+15005550006', 'whatsapp:+14155550100'), m('3', '+15005550006', '+14155550111')],
      new Set(['+15005550006']),
    );
    expect([...groups.entries()].map(([phone, list]) => [phone, list.map((x) => x.sid)])).toEqual([
      ['+14155550100', ['1', '2']],
      ['+14155550111', ['3']],
    ]);
  });
});
