// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { Notification, Template } from '../../web/src/api.ts';
import { Sends, toSendInput, blankSend } from '../../web/src/pages/Sends.tsx';
import { Settings, toSettingsInput } from '../../web/src/pages/Settings.tsx';
import { Templates } from '../../web/src/pages/Templates.tsx';
import { fakeApi, renderSignedIn } from './support.tsx';

afterEach(() => {
  cleanup();
  localStorage.clear();
});

const template: Template = {
  templateId: 't1',
  name: 'reminder',
  body: 'Hi {{name}}, your visit is at {{time}}.',
  variables: ['name', 'time'],
  createdAt: '2026-11-30T10:00:00.000Z',
  updatedAt: '2026-11-30T10:00:00.000Z',
};

const scheduled: Notification = {
  notificationId: 'n1',
  channel: 'sms',
  target: '+14155550100',
  status: 'scheduled',
  source: 'api',
  body: 'See you soon',
  priority: 1,
  sendAt: '2030-01-01T09:00:00.000Z',
  attempts: 0,
  segments: 1,
  encoding: 'GSM-7',
  history: [{ status: 'scheduled', at: '2026-11-30T10:00:00.000Z' }],
  createdAt: '2026-11-30T10:00:00.000Z',
  updatedAt: '2026-11-30T10:00:00.000Z',
};

describe('the Templates page', () => {
  it("finds the variables as the text is typed, previews the message, and shows the server's problems by their field", async () => {
    const api = fakeApi(({ method, path }) => {
      if (method === 'GET' && path.startsWith('/templates')) return { status: 200, body: { items: [] } };
      if (method === 'POST' && path === '/templates')
        return {
          status: 409,
          body: {
            error: {
              code: 'NAME_TAKEN',
              message: 'You already have a template named "reminder".',
              details: [{ field: 'name', message: 'That name is taken.' }],
            },
          },
        };
      return undefined;
    });
    renderSignedIn(<Templates />, api.fetchImpl);
    fireEvent.click(await screen.findByRole('button', { name: 'New template' }));
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'reminder' } });
    fireEvent.change(screen.getByLabelText('Template text'), { target: { value: 'Hi {{name}}, at {{time}}' } });
    expect(screen.getByLabelText('Sample name')).toBeTruthy();
    expect(screen.getByLabelText('Sample time')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Sample name'), { target: { value: 'Ana' } });
    expect(document.querySelector('.preview .bubble')!.textContent).toBe('Hi Ana, at {{time}}');
    expect(screen.getByTestId('segments').textContent).toMatch(/^1 segment · GSM-7/);
    fireEvent.change(screen.getByLabelText('Template text'), { target: { value: 'Hi {{1x}}' } });
    expect(screen.getByText(/is not a variable name/)).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Template text'), { target: { value: 'Hi {{name}}' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create template' }));
    await screen.findByText('That name is taken.');
    expect(screen.getByLabelText('Name').getAttribute('aria-invalid')).toBe('true');
    expect(api.requests.at(-1)).toMatchObject({ method: 'POST', body: { name: 'reminder', body: 'Hi {{name}}', description: null } });
  });

  it('edits a template with a PATCH and shows it saved', async () => {
    const api = fakeApi(({ method, path, body }) => {
      if (method === 'GET') return { status: 200, body: { items: [template] } };
      if (method === 'PATCH' && path === '/templates/t1') return { status: 200, body: { ...template, ...(body as object), variables: ['name'] } };
      return undefined;
    });
    renderSignedIn(<Templates />, api.fetchImpl);
    fireEvent.click(await screen.findByRole('button', { name: 'Edit template reminder' }));
    fireEvent.change(screen.getByLabelText('Template text'), { target: { value: 'Bye {{name}}' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save template' }));
    await screen.findByText('Template "reminder" saved.');
    expect(api.requests.at(-1)).toMatchObject({ method: 'PATCH', body: { body: 'Bye {{name}}' } });
  });
});

describe('the Sends page', () => {
  it("shows a chosen template's variables as fields and sends them with the template", async () => {
    const api = fakeApi(({ method, path, body }) => {
      if (method === 'GET' && path.startsWith('/templates')) return { status: 200, body: { items: [template] } };
      if (method === 'GET' && path.startsWith('/notifications')) return { status: 200, body: { items: [] } };
      if (method === 'POST' && path === '/notifications')
        return {
          status: 201,
          body: { ...scheduled, notificationId: 'n2', status: 'pending', sendAt: undefined, body: 'Hi Ana, your visit is at 9:00.', ...(body as object) },
        };
      return undefined;
    });
    renderSignedIn(<Sends />, api.fetchImpl);
    await screen.findByRole('option', { name: 'reminder' });
    fireEvent.change(screen.getByLabelText('To'), { target: { value: '+14155550100' } });
    fireEvent.change(screen.getByLabelText('Template'), { target: { value: 't1' } });
    fireEvent.change(screen.getByLabelText('name'), { target: { value: 'Ana' } });
    fireEvent.change(screen.getByLabelText('time'), { target: { value: '9:00' } });
    expect(document.querySelector('.preview .bubble')!.textContent).toBe('Hi Ana, your visit is at 9:00.');
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    await screen.findByText('Sent to +14155550100.');
    const post = api.requests.find((r) => r.method === 'POST')!;
    expect(post.body).toEqual({ to: '+14155550100', channel: 'sms', templateId: 't1', variables: { name: 'Ana', time: '9:00' } });
  });

  it('cancels a scheduled send and reschedules another', async () => {
    let current = scheduled;
    const api = fakeApi(({ method, path, body }) => {
      if (method === 'GET' && path.startsWith('/templates')) return { status: 200, body: { items: [] } };
      if (method === 'GET' && path.startsWith('/notifications')) return { status: 200, body: { items: [current] } };
      if (method === 'PATCH' && path === '/notifications/n1') {
        current = { ...current, ...(body as object) };
        return { status: 200, body: current };
      }
      if (method === 'DELETE' && path === '/notifications/n1') {
        current = { ...current, status: 'canceled' };
        return { status: 200, body: current };
      }
      return undefined;
    });
    renderSignedIn(<Sends />, api.fetchImpl);
    fireEvent.click(await screen.findByRole('button', { name: 'Reschedule the send to +14155550100' }));
    fireEvent.change(screen.getByLabelText('New time'), { target: { value: '2031-02-03T04:05' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save time' }));
    await screen.findByText(/Send to \+14155550100 moved to/);
    const patch = api.requests.find((r) => r.method === 'PATCH')!;
    expect(patch.body).toEqual({ sendAt: new Date('2031-02-03T04:05').toISOString() });
    fireEvent.click(screen.getByRole('button', { name: 'Cancel the send to +14155550100' }));
    await screen.findByText('Send to +14155550100 canceled.');
    await waitFor(() => expect(document.querySelector('[data-notification-id="n1"]')!.getAttribute('data-status')).toBe('canceled'));
    expect(screen.queryByRole('button', { name: 'Cancel the send to +14155550100' })).toBeNull();
  });

  it('builds the body: media only for MMS, a time as ISO, priority only when not the default', () => {
    const base = { ...blankSend, to: ' +14155550100 ', body: 'hello', mediaFileId: 'f1' };
    expect(toSendInput(base, undefined)).toEqual({ to: '+14155550100', channel: 'sms', body: 'hello' });
    expect(toSendInput({ ...base, channel: 'mms', priority: '10', sendAt: '2030-01-01T09:00', timezone: 'Europe/Paris' }, undefined)).toEqual({
      to: '+14155550100',
      channel: 'mms',
      body: 'hello',
      mediaFileIds: ['f1'],
      priority: 10,
      sendAt: new Date('2030-01-01T09:00').toISOString(),
      timezone: 'Europe/Paris',
    });
  });

  it("puts the server's problems by their fields", async () => {
    const api = fakeApi(({ method, path }) => {
      if (method === 'GET') return { status: 200, body: { items: [] } };
      if (method === 'POST' && path === '/notifications')
        return {
          status: 400,
          body: {
            error: { code: 'VALIDATION_ERROR', message: 'to is not valid.', details: [{ field: 'to', message: 'to must be a phone number in E.164 form.' }] },
          },
        };
      return undefined;
    });
    renderSignedIn(<Sends />, api.fetchImpl);
    fireEvent.change(await screen.findByLabelText('To'), { target: { value: '12' } });
    fireEvent.change(screen.getByLabelText('Message'), { target: { value: 'hello' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    await screen.findByText('to must be a phone number in E.164 form.');
    expect(screen.getByLabelText('To').getAttribute('aria-invalid')).toBe('true');
  });
});

describe('the Settings page', () => {
  it("saves quiet hours with their time zone, and looks up a number's opt-out history", async () => {
    const api = fakeApi(({ method, path, body }) => {
      if (method === 'GET' && path === '/settings')
        return { status: 200, body: { quietHours: null, dedupWindowSeconds: 60, optOutFooter: ' Reply STOP to opt out.' } };
      if (method === 'PUT' && path === '/settings') return { status: 200, body };
      if (method === 'GET' && path === '/opt-outs/%2B14155550100')
        return {
          status: 200,
          body: { phone: '+14155550100', optedOut: true, history: [{ action: 'opt_out', source: 'keyword', at: '2026-11-30T10:00:00.000Z' }] },
        };
      return undefined;
    });
    renderSignedIn(<Settings />, api.fetchImpl);
    fireEvent.click(await screen.findByLabelText('Quiet hours'));
    fireEvent.change(screen.getByLabelText('Quiet from'), { target: { value: '22:00' } });
    fireEvent.change(screen.getByLabelText('Quiet until'), { target: { value: '07:30' } });
    fireEvent.change(screen.getByLabelText('Time zone'), { target: { value: 'America/New_York' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    await screen.findByText('Settings saved. Quiet hours: 22:00–07:30 America/New_York.');
    expect(api.requests.find((r) => r.method === 'PUT')!.body).toEqual({
      quietHours: { start: '22:00', end: '07:30', timezone: 'America/New_York' },
      dedupWindowSeconds: 60,
      optOutFooter: ' Reply STOP to opt out.',
    });

    fireEvent.change(screen.getByLabelText('Phone number'), { target: { value: '+14155550100' } });
    fireEvent.click(screen.getByRole('button', { name: 'Look up' }));
    const result = await screen.findByTestId('opt-out-result');
    expect(within(result).getByText('opted out')).toBeTruthy();
    expect(within(result).getByRole('list', { name: 'Opt-out history' }).textContent).toContain('texted a keyword');
  });

  it('sends no quiet hours as null, and a number field as typed for the server to judge', () => {
    expect(toSettingsInput({ quiet: false, start: '21:00', end: '08:00', timezone: 'UTC', dedupWindowSeconds: 'soon', footer: '' })).toEqual({
      quietHours: null,
      dedupWindowSeconds: 'soon',
      optOutFooter: null,
    });
  });
});
