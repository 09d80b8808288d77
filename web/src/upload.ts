import type { PresignedUpload } from './api.ts';

export interface UploadProgress {
  loaded: number;
  total: number;
}

/** Why storage refused an upload, in words: S3 answers XML such as <Error><Code>…</Code><Message>…</Message></Error>. */
export function describeStorageError(status: number, body: string): string {
  const code = xmlText(/<Code>([^<]*)<\/Code>/.exec(body)?.[1]);
  const message = xmlText(/<Message>([^<]*)<\/Message>/.exec(body)?.[1]);
  if (code === 'EntityTooLarge') return 'The file is larger than the upload allows.';
  if (code === 'AccessDenied' && /expired/i.test(message ?? '')) return 'The upload link expired before the file was sent; upload it again.';
  if (code === 'AccessDenied') return `Storage refused the upload${message ? `: ${message}` : ''}.`;
  if (code) return `Storage refused the upload (${code}${message ? `: ${message}` : ''}).`;
  return `Storage answered ${status}; the file was not stored.`;
}

/** An XML text node's characters, entities decoded. */
function xmlText(text: string | undefined): string | undefined {
  return text?.replace(/&(lt|gt|amp|quot|apos);/g, (_, name: string) => ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" })[name]!);
}

/**
 * Sends a file with a presigned POST (every policy field, then the file as `file`) through
 * XMLHttpRequest, whose upload events give real progress, as fetch cannot.
 */
export function postToStorage(
  presigned: Pick<PresignedUpload, 'url' | 'fields'>,
  file: Blob,
  onProgress: (p: UploadProgress) => void,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    for (const [name, value] of Object.entries(presigned.fields)) form.append(name, value);
    form.append('file', file);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', presigned.url);
    xhr.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable) onProgress({ loaded: Math.min(e.loaded, file.size), total: file.size });
    });
    xhr.addEventListener('load', () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress({ loaded: file.size, total: file.size });
        resolve();
      } else reject(new Error(describeStorageError(xhr.status, xhr.responseText)));
    });
    xhr.addEventListener('error', () => reject(new Error('The upload failed on the network; check the connection and try again.')));
    xhr.addEventListener('abort', () => reject(new DOMException('The upload was canceled.', 'AbortError')));
    signal?.addEventListener('abort', () => xhr.abort());
    xhr.send(form);
  });
}

/**
 * Sends a file as the raw body of a POST to the API (with the caller's headers), through
 * XMLHttpRequest for real upload progress; answers the status and the parsed JSON body.
 */
export function postFileWithProgress(
  url: string,
  file: Blob,
  headers: Record<string, string>,
  onProgress: (p: UploadProgress) => void,
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable) onProgress({ loaded: Math.min(e.loaded, file.size), total: file.size });
    });
    xhr.addEventListener('load', () => {
      let body: unknown;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : undefined;
      } catch {
        body = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300) onProgress({ loaded: file.size, total: file.size });
      resolve({ status: xhr.status, body });
    });
    xhr.addEventListener('error', () => reject(new Error('The upload failed on the network; check the connection and try again.')));
    xhr.send(file);
  });
}
