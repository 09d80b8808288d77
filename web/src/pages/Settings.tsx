import { useEffect, useMemo, useState, type FormEvent } from 'react';
import type { OptOutStatus, Settings as SettingsValue } from '../api.ts';
import { ErrorText, Field, FormProblems, problemsByField } from '../components.tsx';
import { formatTime, withKeys } from '../format.ts';
import { useFocusOnMount } from '../hooks.ts';
import { useSession } from '../session.tsx';

interface Draft {
  quiet: boolean;
  start: string;
  end: string;
  timezone: string;
  dedupWindowSeconds: string;
  footer: string;
}

const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

export function toDraft(s: SettingsValue): Draft {
  return {
    quiet: s.quietHours !== null,
    start: s.quietHours?.start ?? '21:00',
    end: s.quietHours?.end ?? '08:00',
    timezone: s.quietHours?.timezone ?? browserZone(),
    dedupWindowSeconds: String(s.dedupWindowSeconds),
    footer: s.optOutFooter ?? '',
  };
}

/** PUT /settings's body; a number field left as typed lets the server word what is wrong with it. */
export function toSettingsInput(d: Draft): Record<string, unknown> {
  const seconds = d.dedupWindowSeconds.trim();
  return {
    quietHours: d.quiet ? { start: d.start, end: d.end, timezone: d.timezone.trim() } : null,
    dedupWindowSeconds: seconds !== '' && Number.isFinite(Number(seconds)) ? Number(seconds) : seconds,
    optOutFooter: d.footer.trim() ? d.footer : null,
  };
}

const FIELDS = ['quietHours', 'dedupWindowSeconds', 'optOutFooter'] as const;

export function Settings() {
  const { api } = useSession();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const [draft, setDraft] = useState<Draft>();
  const [error, setError] = useState<unknown>();
  const [server, setServer] = useState<Record<string, string[]>>({});
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);
  const zones = useMemo(() => (typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : []), []);

  useEffect(() => {
    api.getSettings().then((s) => setDraft(toDraft(s)), setError);
  }, [api]);

  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setDraft((d) => (d ? { ...d, [k]: v } : d));

  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (!draft) return;
    setBusy(true);
    setServer({});
    setStatus('');
    try {
      const saved = await api.putSettings(toSettingsInput(draft) as Partial<SettingsValue>);
      setDraft(toDraft(saved));
      setStatus(
        saved.quietHours
          ? `Settings saved. Quiet hours: ${saved.quietHours.start}–${saved.quietHours.end} ${saved.quietHours.timezone}.`
          : 'Settings saved. No quiet hours.',
      );
    } catch (err) {
      setServer(problemsByField(err, FIELDS));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main">
      <h1 ref={heading} tabIndex={-1}>
        Settings
      </h1>
      <ErrorText error={error} />
      {draft ? (
        <form className="card rule-form" onSubmit={save} aria-labelledby="settings-title" noValidate>
          <h2 id="settings-title">Sending</h2>
          <FormProblems problems={server.form} />
          <label className="checkbox">
            <input type="checkbox" name="quiet" checked={draft.quiet} onChange={(e) => set('quiet', e.target.checked)} /> Quiet hours
          </label>
          <p className="muted">Messages due inside quiet hours wait until they end, unless their priority is 10 (urgent).</p>
          {draft.quiet ? (
            <div className="grid">
              <Field label="Quiet from" problems={server.quietHours}>
                {(p) => <input {...p} type="time" name="start" value={draft.start} onChange={(e) => set('start', e.target.value)} />}
              </Field>
              <Field label="Quiet until">{(p) => <input {...p} type="time" name="end" value={draft.end} onChange={(e) => set('end', e.target.value)} />}</Field>
              <Field label="Time zone" hint="Of the recipients, unless a send names its own.">
                {(p) => (
                  <input {...p} name="timezone" list="time-zones" spellCheck={false} value={draft.timezone} onChange={(e) => set('timezone', e.target.value)} />
                )}
              </Field>
              <datalist id="time-zones">
                {zones.map((z) => (
                  <option key={z} value={z} />
                ))}
              </datalist>
            </div>
          ) : null}
          <div className="grid">
            <Field
              label="Duplicate window (seconds)"
              hint="The same message to the same number within it is sent once; 0 turns this off."
              problems={server.dedupWindowSeconds}
            >
              {(p) => (
                <input
                  {...p}
                  name="dedupWindowSeconds"
                  inputMode="numeric"
                  value={draft.dedupWindowSeconds}
                  onChange={(e) => set('dedupWindowSeconds', e.target.value)}
                />
              )}
            </Field>
            <Field label="Opt-out line" hint="Added to the first message to a number; empty for none." problems={server.optOutFooter}>
              {(p) => <input {...p} name="optOutFooter" value={draft.footer} onChange={(e) => set('footer', e.target.value)} />}
            </Field>
          </div>
          <div className="actions">
            <button type="submit" disabled={busy}>
              {busy ? 'Saving…' : 'Save settings'}
            </button>
          </div>
          <p role="status" className="status-line">
            {status}
          </p>
        </form>
      ) : null}
      <OptOutLookup />
    </main>
  );
}

function OptOutLookup() {
  const { api } = useSession();
  const [phone, setPhone] = useState('');
  const [result, setResult] = useState<OptOutStatus>();
  const [error, setError] = useState<unknown>();

  const look = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    setResult(undefined);
    try {
      setResult(await api.optOutStatus(phone.trim()));
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section className="card" aria-labelledby="opt-out-title">
      <h2 id="opt-out-title">Opt-outs</h2>
      <search aria-label="Look up a number's opt-out">
        <form className="inline-form" onSubmit={look}>
          <Field label="Phone number" hint="E.164, such as +14155550100.">
            {(p) => <input {...p} name="phone" value={phone} onChange={(e) => setPhone(e.target.value)} />}
          </Field>
          <button type="submit">Look up</button>
        </form>
      </search>
      <ErrorText error={error} />
      {result ? (
        <div data-testid="opt-out-result">
          <p>
            <strong>{result.phone}</strong>{' '}
            {result.optedOut ? <span className="badge badge-suppressed">opted out</span> : <span className="badge badge-delivered">can receive</span>}
          </p>
          {result.history.length === 0 ? (
            <p className="muted">This number has never texted STOP or START.</p>
          ) : (
            <ol className="timeline" aria-label="Opt-out history">
              {withKeys(result.history, (h) => `${h.action}@${h.at}`).map(({ key, item: h }) => (
                <li key={key}>
                  {h.action === 'opt_out' ? 'Opted out' : 'Opted back in'} <span className="muted">({describeSource(h.source)})</span>{' '}
                  <time dateTime={h.at}>{formatTime(h.at)}</time>
                </li>
              ))}
            </ol>
          )}
        </div>
      ) : null}
    </section>
  );
}

function describeSource(source: string): string {
  if (source === 'keyword') return 'texted a keyword';
  if (source === 'twilio_21610') return 'Twilio reported the number unsubscribed (21610)';
  if (source === 'api') return 'set through the API';
  return source;
}
