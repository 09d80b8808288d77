// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseTags, Upload } from '../../web/src/pages/Upload.tsx';
import { s3ErrorXml } from '../../lib/local/s3-error.ts';
import { describeStorageError, postToStorage } from '../../web/src/upload.ts';
import { FakeXhr, fakeApi, renderSignedIn } from './support.tsx';

beforeEach(() => vi.stubGlobal('XMLHttpRequest', FakeXhr));
afterEach(() => {
  cleanup();
  localStorage.clear();
  vi.unstubAllGlobals();
});

describe('postToStorage', () => {
  it('posts every policy field, then the file, and reports progress', async () => {
    const seen: number[] = [];
    const file = new File(['x'.repeat(100)], 'a.txt', { type: 'text/plain' });
    const done = postToStorage({ url: 'http://s3.test/bucket', fields: { key: 'k', Policy: 'p' } }, file, (p) => seen.push(p.loaded));
    const xhr = FakeXhr.last!;
    expect([xhr.method, xhr.url]).toEqual(['POST', 'http://s3.test/bucket']);
    expect([...xhr.body!.keys()]).toEqual(['key', 'Policy', 'file']);
    xhr.progress(40, 100);
    xhr.answer(204);
    await done;
    expect(seen).toEqual([40, 100]);
  });

  it("turns storage's refusals into sentences", async () => {
    const file = new File(['x'], 'a.txt');
    const done = postToStorage({ url: 'http://s3.test/b', fields: {} }, file, () => {});
    FakeXhr.last!.answer(403, '<Error><Code>AccessDenied</Code><Message>Invalid according to Policy: Policy expired.</Message></Error>');
    await expect(done).rejects.toThrow('The upload link expired before the file was sent; upload it again.');
    expect(describeStorageError(400, '<Error><Code>EntityTooLarge</Code></Error>')).toBe('The file is larger than the upload allows.');
    expect(describeStorageError(500, '')).toBe('Storage answered 500; the file was not stored.');
  });

  it('shows the words the local S3 refuses a policy breach with, as S3 gives them', () => {
    const condition = s3ErrorXml(
      { status: 403, code: 'AccessDenied', message: 'Invalid according to Policy: Policy Condition failed: ["eq", "$Content-Type", "a&b/pdf"]' },
      'R1',
    );
    expect(describeStorageError(403, condition)).toBe(
      'Storage refused the upload: Invalid according to Policy: Policy Condition failed: ["eq", "$Content-Type", "a&b/pdf"].',
    );
    const tooLarge = s3ErrorXml({ status: 400, code: 'EntityTooLarge', message: 'Your proposed upload exceeds the maximum allowed size' }, 'R2');
    expect(describeStorageError(400, tooLarge)).toBe('The file is larger than the upload allows.');
  });
});

describe('the Upload page', () => {
  it('asks for an upload link per file with the tags, and shows the progress bar move', async () => {
    const api = fakeApi(({ method, path }) => {
      if (method === 'POST' && path === '/uploads')
        return { status: 201, body: { fileId: 'f1', url: '/local/s3/bucket', fields: { key: 'k' }, expiresAt: '' } };
      if (method === 'GET' && path.startsWith('/notifications')) return { status: 200, body: { items: [] } };
      return undefined;
    });
    renderSignedIn(<Upload />, api.fetchImpl);
    const file = new File(['x'.repeat(1000)], 'q3.pdf', { type: 'application/pdf' });
    fireEvent.change(screen.getByLabelText('Choose files…'), { target: { files: [file] } });
    fireEvent.change(screen.getByLabelText('Tags'), { target: { value: 'finance, q3, finance' } });
    fireEvent.click(screen.getByRole('button', { name: 'Upload' }));
    await waitFor(() => expect(FakeXhr.last?.url).toBe('/local/s3/bucket'));
    expect(api.requests[0]).toMatchObject({
      method: 'POST',
      path: '/uploads',
      body: { fileName: 'q3.pdf', contentType: 'application/pdf', size: 1000, tags: ['finance', 'q3'] },
    });
    const bar = screen.getByRole('progressbar', { name: 'q3.pdf' });
    FakeXhr.last!.progress(250, 1000);
    await waitFor(() => expect(bar.getAttribute('value')).toBe('25'));
    expect(screen.getByText('Uploading 25%')).toBeTruthy();
    FakeXhr.last!.answer(204);
    await screen.findByText('Stored');
    await screen.findByText('Waiting for notifications…');
  });

  it("shows the API's reason when it refuses a file, and uploads nothing", async () => {
    const api = fakeApi(() => ({
      status: 400,
      body: { error: { code: 'VALIDATION_ERROR', message: 'size must be at most 104857600 bytes (100 MiB).' } },
    }));
    renderSignedIn(<Upload />, api.fetchImpl);
    fireEvent.change(screen.getByLabelText('Choose files…'), { target: { files: [new File(['x'], 'big.bin')] } });
    fireEvent.click(screen.getByRole('button', { name: 'Upload' }));
    expect((await screen.findByRole('alert')).textContent).toBe('size must be at most 104857600 bytes (100 MiB).');
    expect(screen.getByText('Failed')).toBeTruthy();
    expect(api.requests[0]!.body).toMatchObject({ contentType: 'application/octet-stream' });
  });

  it('reads tags as a comma-separated list without blanks or repeats', () => {
    expect(parseTags(' a, b ,,a ')).toEqual(['a', 'b']);
  });
});
