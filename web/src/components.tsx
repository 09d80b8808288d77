import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { ApiError, type Channel, type Notification } from './api.ts';
import { describeFailure, formatTime, withKeys } from './format.ts';
import { BASE, Link } from './router.tsx';

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${status}`}>{status}</span>;
}

export function ErrorText({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  return (
    <p className="error" role="alert">
      {message}
    </p>
  );
}

/** A labelled control with its hint and its problems tied to it for screen readers. */
export function Field({
  label,
  hint,
  problems = [],
  children,
}: {
  label: string;
  hint?: ReactNode;
  problems?: string[];
  children: (props: { id: string; 'aria-describedby'?: string; 'aria-invalid'?: boolean }) => ReactNode;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint ? hintId : '', problems.length ? errorId : ''].filter(Boolean).join(' ');
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({ id, ...(describedBy ? { 'aria-describedby': describedBy } : {}), ...(problems.length ? { 'aria-invalid': true } : {}) })}
      {hint ? (
        <small id={hintId} className="hint">
          {hint}
        </small>
      ) : null}
      {problems.length ? (
        <small id={errorId} className="field-error">
          {problems.join(' ')}
        </small>
      ) : null}
    </div>
  );
}

/** A notification's statuses in order, each with its time. */
export function Timeline({ history }: { history: NonNullable<Notification['history']> }) {
  return (
    <ol className="timeline" aria-label="Status timeline">
      {withKeys(history, (h) => `${h.status}@${h.at}`).map(({ key, item: h }) => (
        <li key={key}>
          <StatusBadge status={h.status} /> <time dateTime={h.at}>{formatTime(h.at)}</time>
          {h.errorCode ? <span className="muted"> · code {h.errorCode}</span> : null}
        </li>
      ))}
    </ol>
  );
}

export function NotificationTable({
  items,
  showFile = false,
  timeline = false,
  empty,
}: {
  items: Notification[];
  showFile?: boolean;
  timeline?: boolean;
  empty: ReactNode;
}) {
  if (items.length === 0) return <p className="muted">{empty}</p>;
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Status</th>
            <th scope="col">To</th>
            <th scope="col">Channel</th>
            {showFile ? <th scope="col">File</th> : null}
            {timeline ? null : <th scope="col">Created</th>}
            {timeline ? null : <th scope="col">Updated</th>}
            <th scope="col">Details</th>
            {timeline ? <th scope="col">Timeline</th> : null}
          </tr>
        </thead>
        <tbody>
          {items.map((n) => (
            <tr key={n.notificationId} data-status={n.status}>
              <td>
                <StatusBadge status={n.status} />
              </td>
              <td>{n.target}</td>
              <td>{n.channel}</td>
              {showFile ? <td>{n.fileId ? <Link to={`${BASE}/files/${encodeURIComponent(n.fileId)}`}>open file</Link> : '—'}</td> : null}
              {timeline ? null : <td>{formatTime(n.createdAt)}</td>}
              {timeline ? null : <td>{formatTime(n.updatedAt)}</td>}
              <td>
                {describeFailure(n) ?? (n.messageSid ? <code title="Twilio message SID">{n.messageSid}</code> : '')}
                {n.attempts > 1 ? <span className="muted"> · {n.attempts} attempts</span> : null}
                {n.segments ? (
                  <span className="muted">
                    {' '}
                    · {n.segments} segment{n.segments === 1 ? '' : 's'}, {n.encoding}
                  </span>
                ) : null}
              </td>
              {timeline ? <td>{n.history?.length ? <Timeline history={n.history} /> : '—'}</td> : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The server's validation problems, by field; those naming no field of the form go under "form". */
export function problemsByField(err: unknown, fields: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (!(err instanceof ApiError)) return out;
  const problems = err.fieldProblems();
  for (const p of problems) {
    const field = p.field.split('.')[0] ?? '';
    const key = fields.includes(field) ? field : 'form';
    const messages = out[key] ?? [];
    messages.push(p.message);
    out[key] = messages;
  }
  if (problems.length === 0) out.form = [err.message];
  return out;
}

/** A form's problems that name none of its fields. */
export function FormProblems({ problems }: { problems?: string[] }) {
  return problems?.length ? <ErrorText error={new Error(problems.join(' '))} /> : null;
}

/** Previous and next page buttons over a cursor trail (see useCursorPages). */
export function Pager({
  pages,
  nextCursor,
  busy = false,
  labels = ['Previous', 'Next'],
}: {
  pages: { canGoBack: boolean; back: () => void; forward: (next: string | undefined) => void };
  nextCursor: string | undefined;
  busy?: boolean;
  labels?: [string, string];
}) {
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" className="secondary" disabled={!pages.canGoBack || busy} onClick={pages.back}>
        {labels[0]}
      </button>
      <button type="button" className="secondary" disabled={!nextCursor || busy} onClick={() => pages.forward(nextCursor)}>
        {labels[1]}
      </button>
    </nav>
  );
}

export const channelLabel = (c: Channel): string => (c === 'sms' ? 'SMS' : c === 'mms' ? 'MMS' : c === 'whatsapp' ? 'WhatsApp' : 'Email');

/**
 * A Delete button that asks once more before it acts. The button the user pressed gives way to
 * the next one, so focus follows it (to "Confirm delete", and back to "Delete" on "Keep"): a
 * keyboard user stays where they were instead of being dropped at the top of the page.
 */
export function ConfirmDelete({ label, onDelete }: { label: string; onDelete: () => void }) {
  const [confirming, setConfirming] = useState(false);
  const moved = useRef(false);
  const confirm = useRef<HTMLButtonElement>(null);
  const ask = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!moved.current) return;
    (confirming ? confirm : ask).current?.focus();
  }, [confirming]);
  const choose = (next: boolean) => {
    moved.current = true;
    setConfirming(next);
  };
  return confirming ? (
    <>
      <button ref={confirm} type="button" className="danger" onClick={onDelete}>
        Confirm delete
      </button>
      <button type="button" className="secondary" onClick={() => choose(false)}>
        Keep
      </button>
    </>
  ) : (
    <button ref={ask} type="button" className="secondary" onClick={() => choose(true)} aria-label={label}>
      Delete
    </button>
  );
}
