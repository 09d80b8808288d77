import { useEffect, useState, type ChangeEvent } from 'react';
import type { Api, Media, Message } from '../api.ts';
import { ErrorText, StatusBadge } from '../components.tsx';
import { formatBytes, formatTime } from '../format.ts';
import { repeat, useFocusOnMount } from '../hooks.ts';
import { BASE, Link } from '../router.tsx';
import { useSession } from '../session.tsx';
import { postToStorage, type UploadProgress } from '../upload.ts';

const REFRESH_MS = 1_500;
/** What POST /messages/{id}/media takes. */
export const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];
export const MAX_MEDIA_BYTES = 5 * 1024 * 1024;
/**
 * Deployed, the API carries a raw image of up to about 4.4 MB (Lambda's request limit, the body
 * base64-encoded); a larger one goes straight to storage with a form, and is attached from there.
 */
export const RAW_MEDIA_MAX_BYTES = 4 * 1024 * 1024;
/** How long an image posted to storage may take to be checked and attached. */
const ATTACH_WAIT_MS = 30_000;

/** Why a picked file cannot be attached, before sending it; undefined when it may be. */
export function mediaProblem(file: { type: string; size: number }): string | undefined {
  if (file.size > MAX_MEDIA_BYTES) return `The image is ${formatBytes(file.size)}; at most 5 MB can be attached.`;
  if (file.type && !IMAGE_TYPES.includes(file.type)) return 'Only PNG, JPEG, GIF and WebP images can be attached.';
  return undefined;
}

export function MessagePage({ messageId }: { messageId: string }) {
  const { api } = useSession();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const [message, setMessage] = useState<Message>();
  const [error, setError] = useState<unknown>();
  const [progress, setProgress] = useState<{ name: string; loaded: number; total: number }>();
  const [uploadError, setUploadError] = useState<string>();
  const [status, setStatus] = useState('');

  // Read again until the message is processed.
  useEffect(
    () =>
      repeat(REFRESH_MS, async (signal) => {
        try {
          const m = await api.getMessage(messageId, signal);
          setMessage(m);
          setError(undefined);
          return m.status !== 'processed';
        } catch (err) {
          if (!signal.aborted) setError(err);
          return false;
        }
      }),
    [api, messageId],
  );

  const attach = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    e.target.value = '';
    if (!file) return;
    setUploadError(undefined);
    setStatus('');
    const problem = mediaProblem(file);
    if (problem) return setUploadError(problem);
    setProgress({ name: file.name, loaded: 0, total: file.size });
    try {
      const onProgress = (p: UploadProgress) => setProgress({ name: file.name, ...p });
      const media =
        file.size > RAW_MEDIA_MAX_BYTES ? await attachThroughStorage(api, messageId, file, onProgress) : await api.attachMedia(messageId, file, onProgress);
      setMessage((m) => (m ? { ...m, media: [...m.media.filter((x) => x.mediaId !== media.mediaId), media] } : m));
      setStatus(media.deduplicated ? `${file.name} was already stored; the same image is used again.` : `${file.name} attached.`);
    } catch (err) {
      setUploadError((err as Error).message);
    }
  };

  return (
    <main id="main">
      <p>
        <Link to={`${BASE}/messages`}>← Messages</Link>
      </p>
      <h1 ref={heading} tabIndex={-1}>
        Message
      </h1>
      <ErrorText error={error} />
      {message ? (
        <>
          <section className="card" aria-label="Details">
            <p className="bubble">{message.message}</p>
            <dl className="facts">
              <dt>Status</dt>
              <dd data-testid="message-status">
                <StatusBadge status={message.status} />
              </dd>
              <dt>From</dt>
              <dd>{message.from}</dd>
              <dt>To</dt>
              <dd>{message.to}</dd>
              <dt>Came through</dt>
              <dd>{message.source === 'twilio' ? 'Twilio (an inbound text)' : 'the API'}</dd>
              <dt>Received</dt>
              <dd>{formatTime(message.receivedAt)}</dd>
              <dt>Processed</dt>
              <dd data-testid="processing">
                {message.processedAt
                  ? `${formatTime(message.processedAt)}${message.processingMs !== undefined ? ` · took ${message.processingMs} ms` : ''}`
                  : 'not yet'}
              </dd>
            </dl>
          </section>
          <section className="card" aria-labelledby="media-title">
            <h2 id="media-title">Images</h2>
            {message.media.length === 0 ? <p className="muted">No images yet.</p> : null}
            <ul className="thumbs">
              {message.media.map((m) => (
                <Thumb key={m.mediaId} media={m} />
              ))}
            </ul>
            <div className="field">
              <label htmlFor="attach-image">Attach an image</label>
              <input id="attach-image" type="file" accept={IMAGE_TYPES.join(',')} onChange={attach} aria-describedby="attach-hint" />
              <small id="attach-hint" className="hint">
                PNG, JPEG, GIF or WebP, at most 5 MB.
              </small>
            </div>
            {progress ? (
              <div className="upload-progress">
                <span>{progress.name}</span>{' '}
                <progress
                  max={100}
                  value={progress.total ? Math.round((progress.loaded / progress.total) * 100) : 0}
                  aria-label={`Upload of ${progress.name}`}
                />
              </div>
            ) : null}
            {uploadError ? (
              <p className="error" role="alert">
                {uploadError}
              </p>
            ) : null}
            <p role="status" className="status-line">
              {status}
            </p>
          </section>
        </>
      ) : null}
    </main>
  );
}

function Thumb({ media }: { media: Media }) {
  return (
    <li>
      <a href={media.url} target="_blank" rel="noreferrer">
        <img src={media.url} alt={`Attached image, ${media.contentType}, ${formatBytes(media.sizeBytes)}`} loading="lazy" width={120} height={120} />
      </a>
      <small className="muted">
        {media.contentType.replace('image/', '').toUpperCase()} · {formatBytes(media.sizeBytes)}
      </small>
    </li>
  );
}

/**
 * Attaches an image too large for the API: posts it to storage with the message's form, then
 * waits for it among the message's images, found by its SHA-256 (its id). One that never comes
 * was refused: not a whole PNG, JPEG, GIF or WebP image, whatever its name says.
 */
export async function attachThroughStorage(api: Api, messageId: string, file: File, onProgress: (p: UploadProgress) => void): Promise<Media> {
  const form = await api.mediaUploadForm(messageId);
  const [mediaId] = await Promise.all([sha256Hex(file), postToStorage(form, file, onProgress)]);
  const deadline = Date.now() + ATTACH_WAIT_MS;
  for (;;) {
    const media = (await api.listMedia(messageId)).items.find((m) => m.mediaId === mediaId);
    if (media) return media;
    if (Date.now() > deadline) throw new Error(`${file.name} was not attached: it is not a whole PNG, JPEG, GIF or WebP image.`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function sha256Hex(file: Blob): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await file.arrayBuffer()));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}
