import { useRef, useState, type DragEvent, type FormEvent } from 'react';
import { ErrorText, Field, NotificationTable } from '../components.tsx';
import { formatBytes } from '../format.ts';
import { useFileNotifications, useFocusOnMount } from '../hooks.ts';
import { BASE, Link } from '../router.tsx';
import { useSession } from '../session.tsx';
import { postToStorage } from '../upload.ts';

type Phase = 'ready' | 'signing' | 'uploading' | 'stored' | 'failed';

interface Item {
  key: string;
  file: File;
  phase: Phase;
  loaded: number;
  error?: string;
  fileId?: string;
}

/** Uploads that run at once; the rest wait their turn. */
const PARALLEL = 3;

export function parseTags(text: string): string[] {
  return [
    ...new Set(
      text
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
    ),
  ];
}

export function Upload() {
  const { api } = useSession();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const [items, setItems] = useState<Item[]>([]);
  const [tags, setTags] = useState('');
  const [dragging, setDragging] = useState(false);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const counter = useRef(0);

  const update = (key: string, change: Partial<Item>) => setItems((all) => all.map((it) => (it.key === key ? { ...it, ...change } : it)));

  const add = (files: FileList | File[]) => {
    const fresh = [...files].map((file) => ({ key: `f${++counter.current}`, file, phase: 'ready' as Phase, loaded: 0 }));
    setItems((all) => [...all, ...fresh]);
  };

  const uploadOne = async (item: Item, tagList: string[]) => {
    update(item.key, { phase: 'signing', error: undefined, loaded: 0 });
    try {
      const presigned = await api.createUpload({
        fileName: item.file.name,
        contentType: item.file.type || 'application/octet-stream',
        size: item.file.size,
        ...(tagList.length ? { tags: tagList } : {}),
      });
      update(item.key, { phase: 'uploading', fileId: presigned.fileId });
      await postToStorage(presigned, item.file, ({ loaded }) => update(item.key, { loaded }));
      update(item.key, { phase: 'stored', loaded: item.file.size });
    } catch (err) {
      update(item.key, { phase: 'failed', error: (err as Error).message });
    }
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const queue = items.filter((it) => it.phase === 'ready' || it.phase === 'failed');
    const tagList = parseTags(tags);
    setBusy(true);
    const workers = Array.from({ length: Math.min(PARALLEL, queue.length) }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) await uploadOne(next, tagList);
    });
    await Promise.all(workers);
    setBusy(false);
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    if (e.dataTransfer.files.length) add(e.dataTransfer.files);
  };

  const pending = items.filter((it) => it.phase === 'ready' || it.phase === 'failed').length;

  return (
    <main id="main">
      <h1 ref={heading} tabIndex={-1}>
        Upload
      </h1>
      <form onSubmit={submit} className="card">
        <fieldset
          aria-label="Files to upload"
          className={`dropzone${dragging ? ' dragging' : ''}`}
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={onDrop}
        >
          <p>Drop files here, or</p>
          <label className="button secondary" htmlFor="upload-files">
            Choose files…
          </label>
          <input
            ref={input}
            id="upload-files"
            className="visually-hidden"
            type="file"
            multiple
            onChange={(e) => {
              if (e.target.files) add(e.target.files);
              e.target.value = '';
            }}
          />
          <p className="muted">Up to 100 MiB each: documents, images, audio, video, archives.</p>
        </fieldset>
        <Field label="Tags" hint="Comma-separated, at most 10 (for example finance, q3). Applied to every file in this batch.">
          {(props) => <input {...props} name="tags" value={tags} onChange={(e) => setTags(e.target.value)} />}
        </Field>
        <button type="submit" disabled={busy || pending === 0}>
          {busy ? 'Uploading…' : pending > 1 ? `Upload ${pending} files` : 'Upload'}
        </button>
      </form>

      {items.length ? (
        <section aria-labelledby="upload-list">
          <h2 id="upload-list">Files</h2>
          <ul className="upload-list">
            {items.map((it) => (
              <UploadRow key={it.key} item={it} onRemove={() => setItems((all) => all.filter((x) => x.key !== it.key))} />
            ))}
          </ul>
        </section>
      ) : null}
    </main>
  );
}

const phaseText: Record<Phase, string> = {
  ready: 'Ready',
  signing: 'Asking for an upload link…',
  uploading: 'Uploading',
  stored: 'Stored',
  failed: 'Failed',
};

function UploadRow({ item, onRemove }: { item: Item; onRemove: () => void }) {
  const percent = item.file.size ? Math.round((item.loaded / item.file.size) * 100) : item.phase === 'stored' ? 100 : 0;
  const labelId = `${item.key}-label`;
  return (
    <li className="upload-item" data-phase={item.phase}>
      <div className="upload-head">
        <strong id={labelId}>{item.file.name}</strong>
        <span className="muted">{formatBytes(item.file.size)}</span>
        <span className="phase">
          {phaseText[item.phase]}
          {item.phase === 'uploading' ? ` ${percent}%` : ''}
        </span>
        {item.phase === 'ready' || item.phase === 'failed' ? (
          <button type="button" className="link" onClick={onRemove} aria-label={`Remove ${item.file.name}`}>
            Remove
          </button>
        ) : null}
      </div>
      <progress aria-labelledby={labelId} max={100} value={percent} />
      {item.error ? <ErrorText error={new Error(item.error)} /> : null}
      {item.phase === 'stored' && item.fileId ? <FileNotifications fileId={item.fileId} /> : null}
    </li>
  );
}

function FileNotifications({ fileId }: { fileId: string }) {
  const { items, waiting, error } = useFileNotifications(fileId);
  return (
    <div className="file-notifications" aria-live="polite">
      <p>
        <Link to={`${BASE}/files/${encodeURIComponent(fileId)}`}>Open the file's page</Link>
      </p>
      <ErrorText error={error} />
      <NotificationTable items={items} empty={waiting ? 'Waiting for notifications…' : 'No rule matched this file, so no notification was made.'} />
    </div>
  );
}
