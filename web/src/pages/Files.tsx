import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { FileMetadata, Page } from '../api.ts';
import { ErrorText, Field, Pager } from '../components.tsx';
import { formatBytes, formatTime } from '../format.ts';
import { useFocusOnMount, useCursorPages } from '../hooks.ts';
import { BASE, Link } from '../router.tsx';
import { useSession } from '../session.tsx';

interface Filters {
  name: string;
  tag: string;
  type: string;
  from: string;
  to: string;
}

const none: Filters = { name: '', tag: '', type: '', from: '', to: '' };
const PAGE_SIZE = 20;

/** A day picked in a date field as the UTC bounds of `uploadedAt`. */
export function filesQuery(f: Filters, cursor?: string) {
  return {
    name: f.name.trim() || undefined,
    tag: f.tag.trim() || undefined,
    type: f.type.trim().replace(/^\./, '').toLowerCase() || undefined,
    from: f.from ? `${f.from}T00:00:00.000Z` : undefined,
    to: f.to ? `${f.to}T23:59:59.999Z` : undefined,
    limit: PAGE_SIZE,
    cursor,
  };
}

export function Files() {
  const { api } = useSession();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const [draft, setDraft] = useState<Filters>(none);
  const [applied, setApplied] = useState<Filters>(none);
  // The cursors of the pages before this one, to page back.
  const pages = useCursorPages();
  const { cursor } = pages;
  const [page, setPage] = useState<Page<FileMetadata>>();
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(true);

  const load = useCallback(
    async (filters: Filters, at: string | undefined) => {
      setLoading(true);
      try {
        setPage(await api.listFiles(filesQuery(filters, at)));
        setError(undefined);
      } catch (err) {
        setError(err);
      } finally {
        setLoading(false);
      }
    },
    [api],
  );

  useEffect(() => {
    void load(applied, cursor);
  }, [load, applied, cursor]);

  const search = (e: FormEvent) => {
    e.preventDefault();
    pages.reset();
    setApplied({ ...draft });
  };
  const set = (k: keyof Filters) => (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [k]: e.target.value }));

  return (
    <main id="main">
      <h1 ref={heading} tabIndex={-1}>
        Files
      </h1>
      <search aria-label="Search files">
        <form className="card filters" onSubmit={search}>
          <Field label="Name starts with">{(p) => <input {...p} name="name" value={draft.name} onChange={set('name')} />}</Field>
          <Field label="Tag">{(p) => <input {...p} name="tag" value={draft.tag} onChange={set('tag')} />}</Field>
          <Field label="Type" hint="Extension, such as pdf">
            {(p) => <input {...p} name="type" value={draft.type} onChange={set('type')} />}
          </Field>
          <Field label="Uploaded from">{(p) => <input {...p} type="date" name="from" value={draft.from} onChange={set('from')} />}</Field>
          <Field label="Uploaded to">{(p) => <input {...p} type="date" name="to" value={draft.to} onChange={set('to')} />}</Field>
          <div className="actions">
            <button type="submit">Search</button>
            <button
              type="button"
              className="secondary"
              onClick={() => {
                setDraft(none);
                pages.reset();
                setApplied(none);
              }}
            >
              Clear
            </button>
          </div>
        </form>
      </search>
      <ErrorText error={error} />
      <section aria-labelledby="results" aria-busy={loading}>
        <h2 id="results" className="visually-hidden">
          Results
        </h2>
        {page && page.items.length === 0 ? <p className="muted">No files match.</p> : null}
        {page && page.items.length > 0 ? (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Type</th>
                  <th scope="col">Size</th>
                  <th scope="col">Tags</th>
                  <th scope="col">Uploaded</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((f) => (
                  <tr key={f.fileId}>
                    <td>
                      <Link to={`${BASE}/files/${encodeURIComponent(f.fileId)}`}>{f.fileName}</Link>
                    </td>
                    <td>{f.fileType || '—'}</td>
                    <td>{formatBytes(f.sizeBytes)}</td>
                    <td>{f.tags.join(', ')}</td>
                    <td>{formatTime(f.uploadedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        <Pager pages={pages} nextCursor={page?.nextCursor} busy={loading} />
      </section>
    </main>
  );
}
