import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { cancelableStatuses } from '../../../shared/domain/notification-status.ts';
import { channels, type Channel, type FileMetadata, type Notification, type SendInput, type Template } from '../api.ts';
import { channelLabel, ErrorText, Field, FormProblems, problemsByField, StatusBadge, Timeline } from '../components.tsx';
import { SmsPreview } from '../sms-preview.tsx';
import { describeFailure, formatTime } from '../format.ts';
import { repeat, useFocusOnMount } from '../hooks.ts';
import { useSession } from '../session.tsx';
import { fillTemplate } from '../template-preview.ts';

export interface SendDraft {
  to: string;
  channel: Channel;
  templateId: string;
  body: string;
  variables: Record<string, string>;
  mediaFileId: string;
  sendAt: string;
  priority: string;
  timezone: string;
}

export const blankSend: SendDraft = {
  to: '',
  channel: 'sms',
  templateId: '',
  body: '',
  variables: {},
  mediaFileId: '',
  sendAt: '',
  priority: '1',
  timezone: '',
};

/** A datetime-local value (the browser's zone) as an ISO time, or the text as typed for the server to judge. */
export function localToIso(value: string): string {
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? value : at.toISOString();
}

/** An ISO time as a datetime-local value in the browser's zone. */
export function isoToLocal(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** POST /notifications's body: the template's variables only with a template, media only for MMS. */
export function toSendInput(d: SendDraft, template: Template | undefined): SendInput {
  const priority = Number(d.priority);
  return {
    to: d.to.trim(),
    channel: d.channel,
    ...(d.templateId
      ? { templateId: d.templateId, variables: Object.fromEntries((template?.variables ?? []).map((name) => [name, d.variables[name] ?? ''])) }
      : { body: d.body }),
    ...(d.channel === 'mms' && d.mediaFileId ? { mediaFileIds: [d.mediaFileId] } : {}),
    ...(d.sendAt ? { sendAt: localToIso(d.sendAt) } : {}),
    ...(d.priority.trim() !== '' && priority !== 1 ? { priority } : {}),
    ...(d.timezone.trim() ? { timezone: d.timezone.trim() } : {}),
  };
}

const FIELDS = ['to', 'channel', 'body', 'templateId', 'variables', 'mediaFileIds', 'sendAt', 'priority', 'timezone'] as const;
const PAGE_SIZE = 20;
/** How often the list is read again while a send in it may still change. */
const REFRESH_MS = 2_000;
const settled = new Set(['delivered', 'undelivered', 'failed', 'suppressed', 'canceled', 'read']);

export function Sends() {
  const { api } = useSession();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const [sends, setSends] = useState<Notification[]>([]);
  const [nextCursor, setNextCursor] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [status, setStatus] = useState('');
  const [version, setVersion] = useState(0);

  // The first page, read again while any send on it may still move on.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` is read nowhere on purpose: a new or changed send bumps it to start this read-and-poll loop over.
  useEffect(
    () =>
      repeat(REFRESH_MS, async (signal) => {
        try {
          const page = await api.listNotifications({ source: 'api', limit: PAGE_SIZE }, signal);
          setSends((all) => [...page.items, ...all.slice(PAGE_SIZE).filter((n) => !page.items.some((p) => p.notificationId === n.notificationId))]);
          setNextCursor((c) => c ?? page.nextCursor);
          setError(undefined);
          return page.items.some((n) => !settled.has(n.status));
        } catch (err) {
          if (!signal.aborted) setError(err);
          return !signal.aborted;
        }
      }),
    [api, version],
  );

  const more = async () => {
    try {
      const page = await api.listNotifications({ source: 'api', limit: PAGE_SIZE, cursor: nextCursor });
      setSends((all) => [...all, ...page.items]);
      setNextCursor(page.nextCursor);
    } catch (err) {
      setError(err);
    }
  };

  const replace = (n: Notification) => setSends((all) => all.map((x) => (x.notificationId === n.notificationId ? n : x)));

  return (
    <main id="main">
      <h1 ref={heading} tabIndex={-1}>
        Sends
      </h1>
      <p className="muted">Messages sent through the API: now, or scheduled for later.</p>
      <SendForm
        onSent={(n) => {
          setSends((all) => [n, ...all.filter((x) => x.notificationId !== n.notificationId)]);
          setStatus(
            n.duplicate
              ? `Already sent to ${n.target} moments ago; not sent twice.`
              : n.status === 'scheduled'
                ? `Scheduled for ${n.target} at ${formatTime(n.sendAt ?? n.createdAt)}.`
                : `Sent to ${n.target}.`,
          );
          setVersion((v) => v + 1);
        }}
      />
      <p role="status" className="status-line">
        {status}
      </p>
      <ErrorText error={error} />
      <section aria-labelledby="send-list">
        <h2 id="send-list">Your sends</h2>
        {sends.length === 0 ? <p className="muted">Nothing sent yet.</p> : null}
        <ul className="rule-list">
          {sends.map((n) => (
            <SendRow
              key={n.notificationId}
              send={n}
              onChanged={(changed, message) => {
                replace(changed);
                setStatus(message);
                setVersion((v) => v + 1);
              }}
              onError={setError}
            />
          ))}
        </ul>
        {nextCursor ? (
          <button type="button" className="secondary" onClick={more}>
            More sends
          </button>
        ) : null}
      </section>
    </main>
  );
}

function SendRow({ send, onChanged, onError }: { send: Notification; onChanged: (n: Notification, message: string) => void; onError: (err: unknown) => void }) {
  const { api } = useSession();
  const [rescheduling, setRescheduling] = useState(false);
  const [when, setWhen] = useState(send.sendAt ? isoToLocal(send.sendAt) : '');
  const [problem, setProblem] = useState<string>();
  const cancelable = (cancelableStatuses as readonly string[]).includes(send.status);

  const cancel = async () => {
    try {
      onChanged(await api.cancelNotification(send.notificationId), `Send to ${send.target} canceled.`);
    } catch (err) {
      onError(err);
    }
  };
  const reschedule = async (e: FormEvent) => {
    e.preventDefault();
    setProblem(undefined);
    try {
      const n = await api.rescheduleNotification(send.notificationId, localToIso(when));
      setRescheduling(false);
      onChanged(n, `Send to ${send.target} moved to ${formatTime(n.sendAt ?? '')}.`);
    } catch (err) {
      setProblem((err as Error).message);
    }
  };

  return (
    <li className="card rule send" data-status={send.status} data-notification-id={send.notificationId}>
      <div className="rule-main">
        <span>
          <StatusBadge status={send.status} /> <strong>{send.target}</strong> <span className="muted">· {send.channel.toUpperCase()}</span>
          {send.priority !== undefined && send.priority !== 1 ? <span className="muted"> · priority {send.priority}</span> : null}
        </span>
        {send.body ? <span className="bubble small-bubble">{send.body}</span> : null}
        <span className="muted">
          {send.status === 'scheduled' && send.sendAt ? `Due ${formatTime(send.sendAt)} · ` : ''}created {formatTime(send.createdAt)}
          {send.segments ? ` · ${send.segments} segment${send.segments === 1 ? '' : 's'}, ${send.encoding}` : ''}
        </span>
        {describeFailure(send) ? <span className="error-text">{describeFailure(send)}</span> : null}
        {send.history?.length ? (
          <details>
            <summary>History</summary>
            <Timeline history={send.history} />
          </details>
        ) : null}
        {rescheduling ? (
          <form className="inline-form" onSubmit={reschedule} aria-label={`Reschedule the send to ${send.target}`}>
            <Field label="New time" problems={problem ? [problem] : []}>
              {(p) => <input {...p} type="datetime-local" value={when} onChange={(e) => setWhen(e.target.value)} />}
            </Field>
            <button type="submit">Save time</button>
            <button type="button" className="secondary" onClick={() => setRescheduling(false)}>
              Keep
            </button>
          </form>
        ) : null}
      </div>
      <div className="rule-actions">
        {send.status === 'scheduled' && !rescheduling ? (
          <button type="button" className="secondary" onClick={() => setRescheduling(true)} aria-label={`Reschedule the send to ${send.target}`}>
            Reschedule
          </button>
        ) : null}
        {cancelable ? (
          <button type="button" className="danger" onClick={cancel} aria-label={`Cancel the send to ${send.target}`}>
            Cancel send
          </button>
        ) : null}
      </div>
    </li>
  );
}

export function SendForm({ onSent }: { onSent: (n: Notification) => void }) {
  const { api } = useSession();
  const [draft, setDraft] = useState<SendDraft>(blankSend);
  const [templates, setTemplates] = useState<Template[]>([]);
  const [files, setFiles] = useState<FileMetadata[]>();
  const [server, setServer] = useState<Record<string, string[]>>({});
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof SendDraft>(k: K, v: SendDraft[K]) => {
    setDraft((d) => ({ ...d, [k]: v }));
    setServer(({ [k]: _dropped, ...rest }) => rest);
  };

  useEffect(() => {
    api.listTemplates({ limit: 100 }).then(
      (page) => setTemplates(page.items),
      () => setTemplates([]),
    );
  }, [api]);
  // Files to attach, read when MMS is chosen.
  const wantsFiles = draft.channel === 'mms' && files === undefined;
  const loadFiles = useCallback(
    () =>
      api.listFiles({ limit: 20 }).then(
        (page) => setFiles(page.items),
        () => setFiles([]),
      ),
    [api],
  );
  useEffect(() => {
    if (wantsFiles) void loadFiles();
  }, [wantsFiles, loadFiles]);

  const template = templates.find((t) => t.templateId === draft.templateId);
  const body = template ? fillTemplate(template.body, draft.variables) : draft.body;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setServer({});
    try {
      const sent = await api.sendNotification(toSendInput(draft, template));
      onSent(sent);
      // The next message often goes to the same number the same way.
      setDraft((d) => ({ ...blankSend, to: d.to, channel: d.channel }));
    } catch (err) {
      setServer(problemsByField(err, FIELDS));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card rule-form" onSubmit={submit} aria-labelledby="send-form-title" noValidate>
      <h2 id="send-form-title">Send a message</h2>
      <FormProblems problems={server.form} />
      <div className="grid">
        <Field label="To" hint={draft.channel === 'email' ? 'An email address.' : 'A phone number in E.164 form, such as +14155550100.'} problems={server.to}>
          {(p) => <input {...p} name="to" value={draft.to} onChange={(e) => set('to', e.target.value)} />}
        </Field>
        <Field label="Channel" problems={server.channel}>
          {(p) => (
            <select {...p} name="channel" value={draft.channel} onChange={(e) => set('channel', e.target.value as Channel)}>
              {channels.map((c) => (
                <option key={c} value={c}>
                  {channelLabel(c)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Template" hint="Or write the message below." problems={server.templateId}>
          {(p) => (
            <select {...p} name="templateId" value={draft.templateId} onChange={(e) => set('templateId', e.target.value)}>
              <option value="">No template</option>
              {templates.map((t) => (
                <option key={t.templateId} value={t.templateId}>
                  {t.name}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      {template ? (
        <fieldset className="variables">
          <legend>Variables of “{template.name}”</legend>
          {template.variables.length === 0 ? <p className="muted">This template has none.</p> : null}
          {server.variables ? <p className="field-error">{server.variables.join(' ')}</p> : null}
          <div className="grid">
            {template.variables.map((name) => (
              <Field key={name} label={name}>
                {(p) => (
                  <input
                    {...p}
                    name={`variables.${name}`}
                    value={draft.variables[name] ?? ''}
                    onChange={(e) => set('variables', { ...draft.variables, [name]: e.target.value })}
                  />
                )}
              </Field>
            ))}
          </div>
        </fieldset>
      ) : (
        <Field label="Message" hint="At most 1,600 characters." problems={server.body}>
          {(p) => <textarea {...p} name="body" rows={3} value={draft.body} onChange={(e) => set('body', e.target.value)} />}
        </Field>
      )}
      {draft.channel === 'mms' ? (
        <Field label="Picture" hint="One of your uploaded files, sent as the message's media." problems={server.mediaFileIds}>
          {(p) => (
            <select {...p} name="mediaFileId" value={draft.mediaFileId} onChange={(e) => set('mediaFileId', e.target.value)}>
              <option value="">None</option>
              {(files ?? []).map((f) => (
                <option key={f.fileId} value={f.fileId}>
                  {f.fileName}
                </option>
              ))}
            </select>
          )}
        </Field>
      ) : null}
      <div className="grid">
        <Field label="Send at" hint="Empty to send now; your browser's time." problems={server.sendAt}>
          {(p) => <input {...p} type="datetime-local" name="sendAt" value={draft.sendAt} onChange={(e) => set('sendAt', e.target.value)} />}
        </Field>
        <Field label="Priority" hint="0–10; 5 and up go first, 10 ignores quiet hours." problems={server.priority}>
          {(p) => <input {...p} type="number" min={0} max={10} name="priority" value={draft.priority} onChange={(e) => set('priority', e.target.value)} />}
        </Field>
        <Field label="Recipient's time zone" hint="Optional, for quiet hours, such as America/New_York." problems={server.timezone}>
          {(p) => <input {...p} name="timezone" value={draft.timezone} onChange={(e) => set('timezone', e.target.value)} />}
        </Field>
      </div>
      {body ? <SmsPreview body={body} note=" (before the opt-out line a first message to a number gets)" /> : null}
      <div className="actions">
        <button type="submit" disabled={busy}>
          {busy ? 'Sending…' : draft.sendAt ? 'Schedule' : 'Send'}
        </button>
      </div>
    </form>
  );
}
