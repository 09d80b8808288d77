import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../../lib/local/api-client.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../lib/local/engines.ts';
import { startLocalRuntime, type LocalRuntime } from '../../../lib/local/runtime.ts';
import { postPolicyRefusal, postPolicySignature } from '../../../lib/local/s3-post-policy.ts';

let runtime: LocalRuntime;
let user: ApiClient;
let s3: S3Client;

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, logLevel: 'SILENT' });
  user = new ApiClient(runtime.url).as(await runtime.token('uploader'));
  s3 = new S3Client({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: runtime.engines.awsEndpoint, forcePathStyle: true });
});

afterAll(async () => {
  s3?.destroy();
  await runtime?.stop();
});

interface Presigned {
  fileId: string;
  url: string;
  fields: Record<string, string>;
}

async function presign(size = 10): Promise<Presigned> {
  const { status, body } = await user.request('POST', '/uploads', { fileName: 'report.pdf', contentType: 'application/pdf', size });
  expect(status).toBe(201);
  return body;
}

/** Posts the form as a browser would: the fields, then the file. */
async function post(presigned: Presigned, content: Buffer, change: (fields: Record<string, string>) => Record<string, string> = (f) => f) {
  const form = new FormData();
  for (const [name, value] of Object.entries(change({ ...presigned.fields }))) form.append(name, value);
  form.append('file', new Blob([content], { type: 'application/pdf' }), 'report.pdf');
  const response = await fetch(presigned.url, { method: 'POST', body: form });
  return { status: response.status, text: await response.text() };
}

async function stored(key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: runtime.resources.bucket, Key: key }));
    return true;
  } catch {
    return false;
  }
}

const xmlError = (code: string, message: string | RegExp) =>
  expect.stringMatching(
    new RegExp(
      `<Error><Code>${code}</Code><Message>${typeof message === 'string' ? message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : message.source}</Message>`,
    ),
  );

describe('the local S3 enforces a presigned POST’s policy as S3 does', () => {
  it('stores an upload that keeps to its policy (control)', async () => {
    const presigned = await presign(10);
    expect((await post(presigned, Buffer.alloc(10, 1))).status).toBe(204);
    expect(await stored(presigned.fields.key!)).toBe(true);
  });

  it('refuses a file larger than the policy allows: 400 EntityTooLarge, nothing stored', async () => {
    const presigned = await presign(10);
    const answer = await post(presigned, Buffer.alloc(11, 1));
    expect(answer).toEqual({ status: 400, text: xmlError('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size') });
    expect(await stored(presigned.fields.key!)).toBe(false);
  });

  it('refuses another Content-Type: 403 AccessDenied naming the failed condition, nothing stored', async () => {
    const presigned = await presign(10);
    const answer = await post(presigned, Buffer.alloc(10, 1), (f) => ({ ...f, 'Content-Type': 'text/html' }));
    expect(answer).toEqual({
      status: 403,
      text: xmlError('AccessDenied', 'Invalid according to Policy: Policy Condition failed: ["eq", "$Content-Type", "application/pdf"]'),
    });
    expect(await stored(presigned.fields.key!)).toBe(false);
  });

  it('refuses another key: 403 AccessDenied, neither key stored', async () => {
    const presigned = await presign(10);
    const otherKey = `${presigned.fields.key}-other`;
    const answer = await post(presigned, Buffer.alloc(10, 1), (f) => ({ ...f, key: otherKey }));
    expect(answer).toEqual({ status: 403, text: xmlError('AccessDenied', /Invalid according to Policy: Policy Condition failed: \["eq", "\$key", ".+"\]/) });
    expect(await stored(otherKey)).toBe(false);
    expect(await stored(presigned.fields.key!)).toBe(false);
  });

  it('refuses a zeroed signature: 403 SignatureDoesNotMatch', async () => {
    const presigned = await presign(10);
    const answer = await post(presigned, Buffer.alloc(10, 1), (f) => ({ ...f, 'X-Amz-Signature': '0'.repeat(64) }));
    expect(answer.status).toBe(403);
    expect(answer.text).toContain('<Code>SignatureDoesNotMatch</Code>');
    expect(await stored(presigned.fields.key!)).toBe(false);
  });

  it('refuses a field the policy does not cover: 403 AccessDenied', async () => {
    const presigned = await presign(10);
    const answer = await post(presigned, Buffer.alloc(10, 1), (f) => ({ ...f, 'x-amz-meta-owner': 'mallory' }));
    expect(answer).toEqual({ status: 403, text: xmlError('AccessDenied', 'Invalid according to Policy: Extra input fields: x-amz-meta-owner') });
  });
});

describe('postPolicyRefusal', () => {
  const credential = 'local/20300101/us-east-1/s3/aws4_request';
  const policyOf = (expiration: string) =>
    Buffer.from(JSON.stringify({ expiration, conditions: [{ bucket: 'b' }, { key: 'k' }, { 'X-Amz-Credential': credential }] })).toString('base64');
  const upload = (policy: string) => ({
    bucket: 'b',
    fileSize: 1,
    fields: { key: 'k', Policy: policy, 'X-Amz-Credential': credential, 'X-Amz-Signature': postPolicySignature('local', credential, policy) },
  });

  it('refuses a policy past its expiration: 403 AccessDenied "Policy expired."', () => {
    const policy = policyOf('2030-01-01T00:05:00.000Z');
    expect(postPolicyRefusal(upload(policy), 'local', new Date('2030-01-01T00:04:59.000Z'))).toBeUndefined();
    expect(postPolicyRefusal(upload(policy), 'local', new Date('2030-01-01T00:05:01.000Z'))).toEqual({
      status: 403,
      code: 'AccessDenied',
      message: 'Invalid according to Policy: Policy expired.',
    });
  });

  it('refuses a policy signed with another secret', () => {
    const policy = policyOf('2030-01-01T00:05:00.000Z');
    const forged = { ...upload(policy), fields: { ...upload(policy).fields, 'X-Amz-Signature': postPolicySignature('guess', credential, policy) } };
    expect(postPolicyRefusal(forged, 'local', new Date('2030-01-01T00:00:00.000Z'))).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
  });
});
