import { useEffect, useState } from 'react';
import type { FileMetadata } from '../api.ts';
import { ErrorText, NotificationTable } from '../components.tsx';
import { formatBytes, formatTime } from '../format.ts';
import { useFileNotifications, useFocusOnMount } from '../hooks.ts';
import { BASE, Link } from '../router.tsx';
import { useSession } from '../session.tsx';

export function FilePage({ fileId }: { fileId: string }) {
  const { api } = useSession();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const [file, setFile] = useState<FileMetadata>();
  const [error, setError] = useState<unknown>();
  const live = useFileNotifications(fileId);

  useEffect(() => {
    const controller = new AbortController();
    api.getFile(fileId, controller.signal).then(setFile, (err: unknown) => {
      if ((err as Error).name !== 'AbortError') setError(err);
    });
    return () => controller.abort();
  }, [api, fileId]);

  return (
    <main id="main">
      <p>
        <Link to={`${BASE}/files`}>← All files</Link>
      </p>
      <h1 ref={heading} tabIndex={-1}>
        {file?.fileName ?? 'File'}
      </h1>
      <ErrorText error={error} />
      {file ? (
        <section className="card">
          <dl className="facts">
            <dt>Type</dt>
            <dd>
              {file.fileType || '—'} <span className="muted">({file.contentType})</span>
            </dd>
            <dt>Size</dt>
            <dd>{formatBytes(file.sizeBytes)}</dd>
            <dt>Tags</dt>
            <dd>{file.tags.length ? file.tags.join(', ') : '—'}</dd>
            <dt>Uploaded</dt>
            <dd>{formatTime(file.uploadedAt)}</dd>
          </dl>
          <a className="button" href={file.downloadUrl} download={file.fileName}>
            Download
          </a>
          <small className="hint"> The link works for a short while; reload the page for a fresh one.</small>
        </section>
      ) : null}
      <section aria-labelledby="file-notifications" aria-live="polite">
        <h2 id="file-notifications">Notifications</h2>
        <ErrorText error={live.error} />
        <NotificationTable
          timeline
          items={live.items}
          empty={live.waiting ? 'Waiting for notifications…' : 'No rule matched this file, so no notification was made.'}
        />
      </section>
    </main>
  );
}
