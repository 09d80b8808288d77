import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { messageStatuses, type MessagePage, type Metrics } from '../api.ts';
import { ErrorText, Field, Pager, FormProblems, problemsByField, StatusBadge } from '../components.tsx';
import { formatTime } from '../format.ts';
import { repeat, useFocusOnMount, useCursorPages } from '../hooks.ts';
import { BASE, Link } from '../router.tsx';
import { useSession } from '../session.tsx';

interface Filters {
  from: string;
  to: string;
  status: string;
}

const none: Filters = { from: '', to: '', status: '' };
const PAGE_SIZE = 20;
const REFRESH_MS = 2_000;

export function messagesQuery(f: Filters, cursor?: string) {
  return { from: f.from.trim() || undefined, to: f.to.trim() || undefined, status: f.status || undefined, limit: PAGE_SIZE, cursor };
}

export function Messages() {
  const { api } = useSession();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const [draft, setDraft] = useState<Filters>(none);
  const [applied, setApplied] = useState<Filters>(none);
  const pages = useCursorPages();
  const { cursor } = pages;
  const [page, setPage] = useState<MessagePage>();
  const [error, setError] = useState<unknown>();
  const [version, setVersion] = useState(0);

  // This page, read again while a message on it is still on its way to processed.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` is read nowhere on purpose: a posted message bumps it to read the page again.
  useEffect(
    () =>
      repeat(REFRESH_MS, async (signal) => {
        try {
          const answer = await api.listMessages(messagesQuery(applied, cursor), signal);
          setPage(answer);
          setError(undefined);
          return answer.items.some((m) => m.status !== 'processed');
        } catch (err) {
          if (!signal.aborted) setError(err);
          return false;
        }
      }),
    [api, applied, cursor, version],
  );

  const search = (e: FormEvent) => {
    e.preventDefault();
    pages.reset();
    setApplied({ ...draft });
  };
  const set = (k: keyof Filters) => (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [k]: e.target.value }));

  return (
    <main id="main">
      <h1 ref={heading} tabIndex={-1}>
        Messages
      </h1>
      <MetricsPanel refreshKey={version} />
      <PostMessage onPosted={() => setVersion((v) => v + 1)} />
      <search aria-label="Filter messages">
        <form className="card filters" onSubmit={search}>
          <Field label="From">{(p) => <input {...p} name="from" value={draft.from} onChange={set('from')} />}</Field>
          <Field label="To">{(p) => <input {...p} name="to" value={draft.to} onChange={set('to')} />}</Field>
          <Field label="Message status">
            {(p) => (
              <select {...p} name="status" value={draft.status} onChange={set('status')}>
                <option value="">Any</option>
                {messageStatuses.map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <div className="actions">
            <button type="submit">Filter</button>
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
      <section aria-labelledby="message-results">
        <h2 id="message-results" className="visually-hidden">
          Messages, newest first
        </h2>
        {page && page.items.length === 0 ? <p className="muted">No messages match.</p> : null}
        {page && page.items.length > 0 ? (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Message</th>
                  <th scope="col">Status</th>
                  <th scope="col">From</th>
                  <th scope="col">To</th>
                  <th scope="col">Received</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((m) => (
                  <tr key={m.messageId} data-status={m.status}>
                    <td className="message-cell">
                      <Link to={`${BASE}/messages/${encodeURIComponent(m.messageId)}`}>{m.message}</Link>
                      {m.media.length ? (
                        <span className="muted">
                          {' '}
                          · {m.media.length} image{m.media.length === 1 ? '' : 's'}
                        </span>
                      ) : null}
                    </td>
                    <td>
                      <StatusBadge status={m.status} />
                    </td>
                    <td>{m.from}</td>
                    <td>{m.to}</td>
                    <td>{formatTime(m.receivedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        <Pager pages={pages} nextCursor={page?.nextCursor} labels={['Newer', 'Older']} />
      </section>
    </main>
  );
}

function PostMessage({ onPosted }: { onPosted: (messageId: string) => void }) {
  const { api, config } = useSession();
  const [draft, setDraft] = useState({ from: '', to: config.twilioNumber ?? '', message: '' });
  const [server, setServer] = useState<Record<string, string[]>>({});
  const [status, setStatus] = useState('');
  const set = (k: keyof typeof draft) => (e: { target: { value: string } }) => {
    setDraft((d) => ({ ...d, [k]: e.target.value }));
    setServer(({ [k]: _dropped, ...rest }) => rest);
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setServer({});
    setStatus('');
    try {
      const answer = await api.postMessage({ from: draft.from.trim(), to: draft.to.trim(), message: draft.message });
      setStatus(answer.duplicate ? 'The same message was posted moments ago; it is stored once.' : 'Message received; it is being processed.');
      setDraft((d) => ({ ...d, message: '' }));
      onPosted(answer.messageId);
    } catch (err) {
      setServer(problemsByField(err, ['from', 'to', 'message']));
    }
  };

  return (
    <details className="card">
      <summary>Post a message</summary>
      <form className="rule-form" onSubmit={submit} aria-label="Post a message" noValidate>
        <FormProblems problems={server.form} />
        <div className="grid">
          <Field label="From number" hint="E.164, such as +14155550100." problems={server.from}>
            {(p) => <input {...p} name="from" value={draft.from} onChange={set('from')} />}
          </Field>
          <Field label="To number" problems={server.to}>
            {(p) => <input {...p} name="to" value={draft.to} onChange={set('to')} />}
          </Field>
        </div>
        <Field label="Text" hint={`${[...draft.message].length}/160 characters.`} problems={server.message}>
          {(p) => <textarea {...p} name="message" rows={2} value={draft.message} onChange={set('message')} />}
        </Field>
        <div className="actions">
          <button type="submit">Post message</button>
        </div>
        <p role="status" className="status-line">
          {status}
        </p>
      </form>
    </details>
  );
}

export function MetricsPanel({ refreshKey = 0 }: { refreshKey?: number }) {
  const { api } = useSession();
  const [metrics, setMetrics] = useState<Metrics>();
  const [error, setError] = useState<unknown>();
  const load = useCallback(
    (signal?: AbortSignal) =>
      api.metrics(signal).then(
        (m) => {
          setMetrics(m);
          setError(undefined);
        },
        (err) => {
          if (!signal?.aborted) setError(err);
        },
      ),
    [api],
  );
  // biome-ignore lint/correctness/useExhaustiveDependencies: `refreshKey` is read nowhere on purpose: the page bumps it when a message is posted, to read the figures again.
  useEffect(() => {
    const controller = new AbortController();
    void load(controller.signal);
    return () => controller.abort();
  }, [load, refreshKey]);

  if (error) return <ErrorText error={error} />;
  if (!metrics) return null;
  const figures: Array<[string, string]> = [
    ['Messages processed', String(metrics.messages.totalProcessed)],
    ['Waiting to be processed', String(metrics.messages.queueSize)],
    ['Average processing', metrics.messages.avgProcessingMs === null ? '—' : `${metrics.messages.avgProcessingMs} ms`],
    ['Sent today', String(metrics.notifications.sentToday)],
    ['Failed, last 24 h', String(metrics.notifications.failedLast24h)],
    ['Waiting to send', String(metrics.notifications.scheduled)],
  ];
  return (
    <section className="card" aria-labelledby="metrics-title">
      <div className="metrics-head">
        <h2 id="metrics-title">Figures</h2>
        <button type="button" className="secondary small" onClick={() => load()}>
          Refresh
        </button>
      </div>
      <dl className="metrics" data-testid="metrics">
        {figures.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      <details>
        <summary>Queues</summary>
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Queue</th>
                <th scope="col">Waiting</th>
                <th scope="col">In flight</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(metrics.queues).map(([name, q]) => (
                <tr key={name}>
                  <td>{name}</td>
                  <td>{q.visible}</td>
                  <td>{q.inFlight}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </section>
  );
}
