// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { Rules, problemsByField, ruleMatchesName, toInput } from '../../web/src/pages/Rules.tsx';
import { ApiError, type Rule } from '../../web/src/api.ts';
import { fakeApi, renderSignedIn } from './support.tsx';

afterEach(() => {
  cleanup();
  localStorage.clear();
});

const rule: Rule = {
  ruleId: 'r1',
  eventType: 'file_upload',
  fileType: 'pdf',
  fileNameRegex: null,
  minSizeKb: null,
  notifyVia: 'sms',
  target: '+14155550100',
  isActive: true,
  messageTemplate: null,
  createdAt: '2026-11-30T10:00:00.000Z',
  updatedAt: '2026-11-30T10:00:00.000Z',
};

describe('the Rules page', () => {
  it('lists the rules and toggles one with a PATCH of isActive', async () => {
    const api = fakeApi(({ method, path, body }) => {
      if (method === 'GET' && path.startsWith('/rules')) return { status: 200, body: { items: [rule] } };
      if (method === 'PATCH' && path === '/rules/r1') return { status: 200, body: { ...rule, ...(body as object) } };
      return undefined;
    });
    renderSignedIn(<Rules />, api.fetchImpl);
    const toggle = await screen.findByRole('checkbox', { name: 'Active: rule for +14155550100' });
    expect(screen.getByText('When: type pdf')).toBeTruthy();
    fireEvent.click(toggle);
    await screen.findByText('Rule for +14155550100 is now paused.');
    expect(api.requests.at(-1)).toMatchObject({ method: 'PATCH', path: '/rules/r1', body: { isActive: false }, authorization: 'Bearer token-alice' });
  });

  it("shows the server's validation messages by their field, and clears one when its field is edited", async () => {
    const api = fakeApi(({ method, path }) => {
      if (method === 'GET' && path.startsWith('/rules')) return { status: 200, body: { items: [] } };
      if (method === 'POST' && path === '/rules')
        return {
          status: 400,
          body: {
            error: {
              code: 'VALIDATION_ERROR',
              message: 'target must be a valid phone number.',
              details: [{ field: 'target', message: 'target must be a valid phone number in E.164 form.' }],
            },
          },
        };
      return undefined;
    });
    renderSignedIn(<Rules />, api.fetchImpl);
    fireEvent.click(await screen.findByRole('button', { name: 'New rule' }));
    const target = screen.getByLabelText('To');
    fireEvent.change(target, { target: { value: '12' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create rule' }));
    await screen.findByText('target must be a valid phone number in E.164 form.');
    expect(target.getAttribute('aria-invalid')).toBe('true');
    expect(target.getAttribute('aria-describedby')).toContain(document.querySelector('.field-error')!.id);
    expect(api.requests.at(-1)!.body).toEqual({
      eventType: 'file_upload',
      fileType: null,
      fileNameRegex: null,
      minSizeKb: null,
      notifyVia: 'sms',
      target: '12',
      isActive: true,
      messageTemplate: null,
    });
    fireEvent.change(target, { target: { value: '+14155550100' } });
    expect(screen.queryByText('target must be a valid phone number in E.164 form.')).toBeNull();
  });

  it('tests the pattern on sample names with the engine the server uses, and refuses what RE2 cannot run', async () => {
    const api = fakeApi(({ method }) => (method === 'GET' ? { status: 200, body: { items: [] } } : undefined));
    renderSignedIn(<Rules />, api.fetchImpl);
    fireEvent.click(await screen.findByRole('button', { name: 'New rule' }));
    fireEvent.change(screen.getByLabelText('Try it on file names'), { target: { value: 'invoice-1.pdf\nnotes.txt' } });
    fireEvent.change(screen.getByLabelText('File name pattern'), { target: { value: '^invoice-\\d+' } });
    const hits = () => [...document.querySelectorAll('.matches .hit')].map((li) => li.textContent);
    expect(hits()).toEqual([expect.stringContaining('invoice-1.pdf')]);
    fireEvent.change(screen.getByLabelText('File name pattern'), { target: { value: '(a)\\1' } });
    expect(screen.getByText(/fileNameRegex cannot be used/)).toBeTruthy();
    expect(hits()).toEqual([]);
  });

  it('previews the message with its segment count and encoding', async () => {
    const api = fakeApi(({ method }) => (method === 'GET' ? { status: 200, body: { items: [] } } : undefined));
    renderSignedIn(<Rules />, api.fetchImpl);
    fireEvent.click(await screen.findByRole('button', { name: 'New rule' }));
    expect(screen.getByTestId('segments').textContent).toMatch(/^1 segment · GSM-7/);
    fireEvent.change(screen.getByLabelText('Message'), { target: { value: 'x'.repeat(161) } });
    expect(screen.getByTestId('segments').textContent).toMatch(/^2 segments · GSM-7 · 161 septets/);
    fireEvent.change(screen.getByLabelText('Message'), { target: { value: 'Привет {{fileName}}' } });
    expect(screen.getByTestId('segments').textContent).toMatch(/^1 segment · UCS-2/);
    fireEvent.change(screen.getByLabelText('Message'), { target: { value: 'Hi {{name}}' } });
    expect(screen.getByText(/Unknown placeholder \{\{name\}\}/)).toBeTruthy();
  });

  it('lists every sample name in order, a repeated name on a line of its own', async () => {
    const api = fakeApi(({ method }) => (method === 'GET' ? { status: 200, body: { items: [] } } : undefined));
    renderSignedIn(<Rules />, api.fetchImpl);
    fireEvent.click(await screen.findByRole('button', { name: 'New rule' }));
    fireEvent.change(screen.getByLabelText('File type'), { target: { value: 'pdf' } });
    fireEvent.change(screen.getByLabelText('Try it on file names'), { target: { value: 'a.pdf\nb.txt\na.pdf' } });
    const lines = screen.getByRole('list', { name: 'Which sample names the rule matches' }).querySelectorAll('li');
    expect([...lines].map((li) => li.textContent?.replace(/\s+/g, ' ').trim())).toEqual(['✓ a.pdf matches', '✗ b.txt does not match', '✓ a.pdf matches']);
  });

  it('deletes a rule only after a confirmation', async () => {
    const api = fakeApi(({ method, path }) => {
      if (method === 'GET') return { status: 200, body: { items: [rule] } };
      if (method === 'DELETE' && path === '/rules/r1') return { status: 204 };
      return undefined;
    });
    renderSignedIn(<Rules />, api.fetchImpl);
    fireEvent.click(await screen.findByRole('button', { name: 'Delete rule for +14155550100' }));
    expect(api.requests.some((r) => r.method === 'DELETE')).toBe(false);
    // Focus follows the button that replaced the one pressed, and comes back on Keep.
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Confirm delete' }));
    fireEvent.click(screen.getByRole('button', { name: 'Keep' }));
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Delete rule for +14155550100' }));
    fireEvent.click(screen.getByRole('button', { name: 'Delete rule for +14155550100' }));
    fireEvent.click(screen.getByRole('button', { name: 'Confirm delete' }));
    await waitFor(() => expect(screen.getByText('No rules yet.')).toBeTruthy());
  });
});

describe('rule helpers', () => {
  it('sends emptied optional fields as null, which clears them', () => {
    expect(
      toInput({ fileType: ' ', fileNameRegex: '', minSizeKb: '12', notifyVia: 'email', target: ' a@b.co ', isActive: false, messageTemplate: '' }),
    ).toEqual({
      eventType: 'file_upload',
      fileType: null,
      fileNameRegex: null,
      minSizeKb: 12,
      notifyVia: 'email',
      target: 'a@b.co',
      isActive: false,
      messageTemplate: null,
    });
  });

  it('matches a name by extension (any case) and by a pattern searched anywhere', () => {
    expect(ruleMatchesName({ fileType: 'pdf', fileNameRegex: '' }, 'A.PDF')).toBe(true);
    expect(ruleMatchesName({ fileType: 'pdf', fileNameRegex: '' }, 'a.txt')).toBe(false);
    expect(ruleMatchesName({ fileType: '', fileNameRegex: 'port' }, 'report.txt')).toBe(true);
  });

  it('puts problems naming no form field under the form', () => {
    const err = new ApiError(400, 'VALIDATION_ERROR', 'Bad.', [
      { field: 'target', message: 'target bad' },
      { field: 'extra', message: 'Unrecognized key "extra"' },
    ]);
    expect(problemsByField(err, ['target'])).toEqual({ target: ['target bad'], form: ['Unrecognized key "extra"'] });
    expect(problemsByField(new ApiError(409, 'CONFLICT', 'Too many rules.'), ['target'])).toEqual({ form: ['Too many rules.'] });
  });
});
