import { randomBytes } from 'node:crypto';
import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import { postPolicyRefusal, s3ErrorXml, type S3Refusal } from './s3-post-policy.ts';

/** Where the local front hands S3 requests to the embedded S3: the handlers' S3 endpoint is `<front>/local/s3`. */
export const S3_PROXY_PREFIX = '/local/s3';

/** A browser upload larger than this is refused before it is read (the upload API allows 100 MiB). */
const MAX_POST_BYTES = 101 * 1024 * 1024;

export interface S3ProxyOptions {
  /** The secret the presigned POST policies are signed with (the local credentials'). */
  secretAccessKey?: string;
  now?: () => Date;
}

/**
 * Streams a request under /local/s3 to the embedded S3 and its answer back. The handlers' S3
 * endpoint points here, so the presigned upload and download URLs they hand out are on the
 * front's own origin: a browser at http://localhost:<PORT>/ uploads to them with progress
 * events without the CORS the embedded S3 does not speak (the deployed bucket has CORS rules).
 * The embedded S3 checks no signature, so a browser upload (a multipart POST to the bucket) is
 * checked here against its policy first, and refused as S3 would refuse it.
 */
export function proxyToS3(s3Endpoint: string, req: IncomingMessage, res: ServerResponse, opts: S3ProxyOptions = {}): void {
  const path = (req.url ?? '/').slice(S3_PROXY_PREFIX.length) || '/';
  const bucket = /^\/([^/?]+)\/?(?:\?|$)/.exec(path)?.[1];
  const isBrowserUpload = req.method === 'POST' && bucket !== undefined && /^multipart\/form-data/i.test(req.headers['content-type'] ?? '');
  if (opts.secretAccessKey !== undefined && isBrowserUpload) {
    checkedUpload(s3Endpoint, req, res, path, bucket!, opts.secretAccessKey, opts.now ?? (() => new Date())).catch(() => {
      if (!res.headersSent)
        sendS3Error(res, { status: 400, code: 'MalformedPOSTRequest', message: 'The body of your POST request is not well-formed multipart/form-data.' });
      else res.end();
    });
    return;
  }
  if (missesSignedHeader(req, path)) {
    sendS3Error(res, {
      status: 403,
      code: 'SignatureDoesNotMatch',
      message: 'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    });
    return;
  }
  const upstream = forward(s3Endpoint, req, res, path);
  req.pipe(upstream);
}

/**
 * A presigned request that signed a header it does not send: S3's signature check fails on it.
 * The embedded S3 checks no signature; this is what a download link pinned to an ETag
 * (`If-Match`, signed) relies on, so a plain GET of it is refused here as S3 refuses it.
 */
function missesSignedHeader(req: IncomingMessage, path: string): boolean {
  const signed = new URL(path, 'http://s3.local').searchParams.get('X-Amz-SignedHeaders');
  if (!signed) return false;
  return signed.split(';').some((name) => name !== 'host' && req.headers[name.toLowerCase()] === undefined);
}

function forward(s3Endpoint: string, req: IncomingMessage, res: ServerResponse, path: string, headers = req.headers) {
  const target = new URL(s3Endpoint);
  const upstream = request(
    { hostname: target.hostname, port: target.port, method: req.method, path, headers: { ...headers, host: target.host } },
    (answer: IncomingMessage) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/xml' });
    res.end('<Error><Code>BadGateway</Code><Message>The embedded S3 did not answer.</Message></Error>');
  });
  return upstream;
}

async function checkedUpload(
  s3Endpoint: string,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  bucket: string,
  secretAccessKey: string,
  now: () => Date,
): Promise<void> {
  const body = await readAll(req, MAX_POST_BYTES);
  if (!body) {
    sendS3Error(res, { status: 400, code: 'EntityTooLarge', message: 'Your proposed upload exceeds the maximum allowed size' });
    return;
  }
  const form = await new Response(body, { headers: { 'content-type': req.headers['content-type'] ?? '' } }).formData();
  const fields: Record<string, string> = {};
  let fileSize = -1;
  for (const [name, value] of form) {
    if (typeof value === 'string') fields[name] = value;
    else if (name.toLowerCase() === 'file') fileSize = value.size;
  }
  if (fileSize < 0) {
    sendS3Error(res, { status: 400, code: 'InvalidArgument', message: 'POST requires exactly one file upload per request.' });
    return;
  }
  const refusal = postPolicyRefusal({ bucket, fields, fileSize }, secretAccessKey, now());
  if (refusal) {
    sendS3Error(res, refusal);
    return;
  }
  const headers = { ...req.headers, 'content-length': String(body.length) };
  delete headers['transfer-encoding'];
  forward(s3Endpoint, req, res, path, headers).end(body);
}

function readAll(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.destroy();
        resolve(undefined);
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendS3Error(res: ServerResponse, refusal: S3Refusal): void {
  const requestId = randomBytes(8).toString('hex').toUpperCase();
  res.writeHead(refusal.status, { 'content-type': 'application/xml', 'x-amz-request-id': requestId });
  res.end(s3ErrorXml(refusal, requestId));
}
