/**
 * The checks S3 makes on a browser-based upload (a presigned POST), done locally because the
 * embedded S3 stores whatever it is sent: the policy's SigV4 signature, its expiry, every
 * condition (bucket, key, exact fields, prefixes, content-length-range), and no field the
 * policy does not cover. A refusal carries the status, code and message S3 answers with.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { S3Refusal } from './s3-error.ts';

export { s3ErrorXml, type S3Refusal } from './s3-error.ts';

export interface PostUpload {
  bucket: string;
  /** The form's fields except the file, names as sent. */
  fields: Record<string, string>;
  fileSize: number;
}

type Condition = Record<string, string> | [string, string | number, string | number];

/** Fields S3 does not require a policy condition for. */
const EXEMPT = new Set(['policy', 'x-amz-signature', 'file', 'x-amz-security-token']);

const denied = (message: string): S3Refusal => ({ status: 403, code: 'AccessDenied', message });
const conditionFailed = (condition: unknown) =>
  denied(`Invalid according to Policy: Policy Condition failed: ${JSON.stringify(condition).replace(/,/g, ', ')}`);

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** The SigV4 signature of a POST policy: the policy's base64 text signed with the day's key. */
export function postPolicySignature(secretAccessKey: string, credential: string, policyBase64: string): string {
  const [, date = '', region = '', service = ''] = credential.split('/');
  const key = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), region), service), 'aws4_request');
  return createHmac('sha256', key).update(policyBase64, 'utf8').digest('hex');
}

/** Why S3 would refuse this upload, or undefined when it would store it. */
export function postPolicyRefusal(upload: PostUpload, secretAccessKey: string, now: Date = new Date()): S3Refusal | undefined {
  const fields = new Map(Object.entries(upload.fields).map(([name, value]) => [name.toLowerCase(), value]));
  const policyBase64 = fields.get('policy');
  const signature = fields.get('x-amz-signature') ?? '';
  const credential = fields.get('x-amz-credential') ?? '';
  if (!policyBase64) return denied('Access Denied');
  if (!fields.has('key'))
    return {
      status: 400,
      code: 'InvalidArgument',
      message: "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.",
    };

  const expected = Buffer.from(postPolicySignature(secretAccessKey, credential, policyBase64));
  const given = Buffer.from(signature.toLowerCase());
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return {
      status: 403,
      code: 'SignatureDoesNotMatch',
      message: 'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    };
  }

  let policy: { expiration?: string; conditions?: Condition[] };
  try {
    policy = JSON.parse(Buffer.from(policyBase64, 'base64').toString('utf8'));
  } catch {
    return { status: 400, code: 'InvalidPolicyDocument', message: 'Invalid Policy: Invalid JSON.' };
  }
  const expiresAt = Date.parse(policy.expiration ?? '');
  if (!Number.isFinite(expiresAt)) return { status: 400, code: 'InvalidPolicyDocument', message: 'Invalid Policy: Policy missing expiration.' };
  if (expiresAt <= now.getTime()) return denied('Invalid according to Policy: Policy expired.');

  const covered = new Set<string>(['bucket']);
  for (const condition of policy.conditions ?? []) {
    if (Array.isArray(condition)) {
      const [operator, first, second] = condition;
      if (String(operator).toLowerCase() === 'content-length-range') {
        if (upload.fileSize > Number(second)) return { status: 400, code: 'EntityTooLarge', message: 'Your proposed upload exceeds the maximum allowed size' };
        if (upload.fileSize < Number(first))
          return { status: 400, code: 'EntityTooSmall', message: 'Your proposed upload is smaller than the minimum allowed size' };
        continue;
      }
      const name = String(first).replace(/^\$/, '').toLowerCase();
      covered.add(name);
      const actual = name === 'bucket' ? upload.bucket : (fields.get(name) ?? '');
      const ok = String(operator).toLowerCase() === 'starts-with' ? actual.startsWith(String(second)) : actual === String(second);
      if (!ok) return conditionFailed(condition);
      continue;
    }
    for (const [rawName, value] of Object.entries(condition)) {
      const name = rawName.toLowerCase();
      covered.add(name);
      const actual = name === 'bucket' ? upload.bucket : fields.get(name);
      if (actual !== value) return conditionFailed(['eq', `$${rawName}`, value]);
    }
  }
  const extra = [...fields.keys()].filter((name) => !EXEMPT.has(name) && !name.startsWith('x-ignore-') && !covered.has(name));
  if (extra.length > 0) return denied(`Invalid according to Policy: Extra input fields: ${extra.join(', ')}`);
  return undefined;
}
