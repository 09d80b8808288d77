import { withTimeout } from './timeout.ts';

/** A client for driving the system through its HTTP contract, as a user would: tests and benchmarks use it. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private token?: string,
  ) {}

  as(token: string): ApiClient {
    return new ApiClient(this.baseUrl, token);
  }

  /** Sends `body` as JSON, unless it is a string, bytes (sent as they are) or a FormData (multipart). */
  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const raw = body instanceof Uint8Array || body instanceof FormData;
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(body !== undefined && !raw ? { 'content-type': 'application/json' } : {}),
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : raw ? (body as NonNullable<RequestInit['body']>) : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    // biome-ignore lint/suspicious/noExplicitAny: callers read the JSON body of whichever route they called.
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.status, body: json, text, headers: response.headers };
  }

  async tokenFor(userId: string): Promise<string> {
    const { status, body } = await this.request('POST', '/local/token', { userId });
    if (status !== 200) throw new Error(`token: ${status}`);
    return body.token as string;
  }

  /** Requests a presigned POST and uploads `content` with it, as a browser form would. */
  async upload(input: { fileName: string; contentType: string; content: Buffer | string; tags?: string[] }) {
    const content = typeof input.content === 'string' ? Buffer.from(input.content) : input.content;
    const presign = await this.request('POST', '/uploads', {
      fileName: input.fileName,
      contentType: input.contentType,
      size: content.length,
      ...(input.tags ? { tags: input.tags } : {}),
    });
    if (presign.status !== 201) throw new Error(`presign: ${presign.status} ${presign.text}`);
    const stored = await postForm(presign.body, content, input.fileName, input.contentType);
    if (stored.status >= 300) throw new Error(`upload: ${stored.status} ${stored.text}`);
    return presign.body as { fileId: string; url: string; fields: Record<string, string>; expiresAt: string };
  }
}

/**
 * Posts `content` with a presigned form (POST /uploads, POST /messages/{id}/media/uploads) as a
 * browser would: every field, then the file. Answers S3's status and body.
 */
export async function postForm(
  presigned: { url: string; fields: Record<string, string> },
  content: Uint8Array,
  fileName: string,
  contentType = 'application/octet-stream',
): Promise<{ status: number; text: string }> {
  const form = new FormData();
  for (const [k, v] of Object.entries(presigned.fields)) form.append(k, v);
  form.append('file', new Blob([content], { type: contentType }), fileName);
  const stored = await fetch(presigned.url, { method: 'POST', body: form });
  return { status: stored.status, text: await stored.text() };
}

/**
 * Polls `check` until it returns a value, or fails after `timeoutMs`; for eventual outcomes, not
 * timings. A check still unanswered at the deadline fails it too: a request that never gets an
 * answer must not outlast the wait.
 */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await withTimeout(check(), Math.max(0, deadline - Date.now()), 'the last check had no answer by then');
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}
