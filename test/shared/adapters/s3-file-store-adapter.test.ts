import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { S3FileStore } from '../../../shared/adapters/s3-file-store-adapter.ts';
import type { S3UploadSigner } from '../../../shared/adapters/s3-upload-signer-adapter.ts';
import type { PresignedUpload } from '../../../shared/ports.ts';
import { startTestEngines, type TestEngines } from '../../support/engines.ts';

let env: TestEngines;
let store: S3FileStore;
let signer: S3UploadSigner;

beforeAll(async () => {
  env = await startTestEngines();
  store = env.adapters.fileStore;
  signer = env.adapters.uploadSigner;
});

afterAll(async () => {
  await env?.stop();
});

const newKey = () => `uploads/user-${randomUUID()}/${randomUUID()}`;

/** Posts the form as a browser would: every signed field, then the file last. */
async function postForm(presigned: PresignedUpload, content: Buffer, contentType: string): Promise<Response> {
  const form = new FormData();
  for (const [name, value] of Object.entries(presigned.fields)) form.append(name, value);
  form.append('file', new Blob([new Uint8Array(content)], { type: contentType }), 'upload.bin');
  return fetch(presigned.url, { method: 'POST', body: form });
}

function policyOf(presigned: PresignedUpload): { expiration: string; conditions: unknown[] } {
  return JSON.parse(Buffer.from(presigned.fields.Policy ?? '', 'base64').toString('utf8')) as { expiration: string; conditions: unknown[] };
}

describe('S3UploadSigner.presignUpload', () => {
  it('signs a POST for the given key and content type, with a policy', async () => {
    const key = newKey();
    const before = Date.now();
    const presigned = await signer.presignUpload({ key, contentType: 'application/pdf', maxBytes: 2048, expiresInSeconds: 300 });

    expect(presigned.url).toBe(`${env.engines.awsEndpoint}/${env.resources.bucket}`);
    expect(presigned.fields).toMatchObject({ key, 'Content-Type': 'application/pdf', bucket: env.resources.bucket });
    expect(presigned.fields.Policy).toEqual(expect.any(String));
    expect(presigned.fields['X-Amz-Signature']).toMatch(/^[0-9a-f]{64}$/);
    const expiresAt = Date.parse(presigned.expiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 300_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 300_000);
  });

  it('makes size, content type and key conditions of the signed policy', async () => {
    const key = newKey();
    const presigned = await signer.presignUpload({ key, contentType: 'image/png', maxBytes: 12_345, expiresInSeconds: 60 });
    const policy = policyOf(presigned);

    expect(policy.conditions).toContainEqual(['content-length-range', 1, 12_345]);
    expect(policy.conditions).toContainEqual(['eq', '$Content-Type', 'image/png']);
    expect(policy.conditions).toContainEqual({ key });
    expect(policy.conditions).toContainEqual({ bucket: env.resources.bucket });
    const expiration = Date.parse(policy.expiration);
    expect(Math.abs(expiration - (Date.now() + 60_000))).toBeLessThan(5_000);
  });

  it('lets a multipart POST with the signed fields store the object', async () => {
    const key = newKey();
    const content = Buffer.from('%PDF-1.7 hello');
    const presigned = await signer.presignUpload({ key, contentType: 'application/pdf', maxBytes: 1024, expiresInSeconds: 300 });

    const response = await postForm(presigned, content, 'application/pdf');

    expect(response.status).toBeLessThan(300);
    expect(await store.head(key)).toEqual({ sizeBytes: content.length, contentType: 'application/pdf', eTag: expect.stringMatching(/^[^"]+$/) });
  });
});

describe('S3FileStore.head', () => {
  it('reports nothing for a missing object', async () => {
    expect(await store.head(newKey())).toBeUndefined();
  });

  it('reports the stored object’s own size and content type', async () => {
    const key = newKey();
    const content = Buffer.alloc(3000, 7);
    await postForm(await signer.presignUpload({ key, contentType: 'image/png', maxBytes: 10_000, expiresInSeconds: 300 }), content, 'image/png');
    expect(await store.head(key)).toEqual({ sizeBytes: 3000, contentType: 'image/png', eTag: expect.stringMatching(/^[^"]+$/) });
  });
});

describe('S3FileStore.presignDownload', () => {
  it('signs a GET that returns the stored bytes and expires', async () => {
    const key = newKey();
    const content = Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256));
    await postForm(
      await signer.presignUpload({ key, contentType: 'application/octet-stream', maxBytes: 1024, expiresInSeconds: 300 }),
      content,
      'application/octet-stream',
    );

    const url = await store.presignDownload(key, 'résumé 2026.bin', 900);

    const parsed = new URL(url);
    expect(parsed.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(parsed.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    expect(parsed.searchParams.get('response-content-disposition')).toBe(`attachment; filename*=UTF-8''${encodeURIComponent('résumé 2026.bin')}`);
    const download = await fetch(url);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(content);
  });

  it('pins a link to an ETag: it serves the object while the ETag holds, and S3 refuses it otherwise', async () => {
    const key = newKey();
    await postForm(await signer.presignUpload({ key, contentType: 'text/plain', maxBytes: 1024, expiresInSeconds: 300 }), Buffer.from('first'), 'text/plain');
    const eTag = (await store.head(key))?.eTag;
    expect(eTag).toBeDefined();

    const url = await store.presignDownload(key, 'a.txt', 900, eTag);

    expect(new URL(url).searchParams.get('X-Amz-SignedHeaders')).toContain('if-match');
    const pinned = await fetch(url, { headers: { 'if-match': `"${eTag}"` } });
    expect(pinned.status).toBe(200);
    expect(await pinned.text()).toBe('first');
    await postForm(await signer.presignUpload({ key, contentType: 'text/plain', maxBytes: 1024, expiresInSeconds: 300 }), Buffer.from('second'), 'text/plain');
    expect((await fetch(url, { headers: { 'if-match': `"${eTag}"` } })).status).toBe(412);
  });
});
