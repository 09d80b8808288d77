import { useEffect, useMemo, useState, type FormEvent } from 'react';
import type { SimulatorMessage } from '../api.ts';
import { ErrorText, Field } from '../components.tsx';
import { formatTime } from '../format.ts';
import { repeat, useFocusOnMount } from '../hooks.ts';
import { useSession } from '../session.tsx';

const REFRESH_MS = 1_500;

/** The simulator's messages by the phone on the far side: the recipient of what was sent, the sender of what came in. */
export function byPhone(messages: SimulatorMessage[], ourNumbers: ReadonlySet<string>): Map<string, SimulatorMessage[]> {
  const groups = new Map<string, SimulatorMessage[]>();
  for (const m of messages) {
    const phone = ourNumbers.has(m.from) || !ourNumbers.has(m.to) ? m.to : m.from;
    const key = phone.replace(/^whatsapp:/, '');
    groups.set(key, [...(groups.get(key) ?? []), m]);
  }
  return groups;
}

export function Phone() {
  const { api, config } = useSession();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const ourNumber = config.twilioNumber ?? '+15005550006';
  const [messages, setMessages] = useState<SimulatorMessage[]>([]);
  const [inbound, setInbound] = useState<Array<{ from: string; to: string; body: string; at: string; status: number }>>([]);
  const [error, setError] = useState<unknown>();
  const [from, setFrom] = useState('');
  const [body, setBody] = useState('STOP');
  const [sent, setSent] = useState('');
  const [callAnswer, setCallAnswer] = useState('no-answer');
  const [callVoicemail, setCallVoicemail] = useState(true);
  const [called, setCalled] = useState('');

  // Plays a call from the phone to the system's number through the voice webhooks (POST /local/twilio/calls).
  const placeCall = async (e: FormEvent) => {
    e.preventDefault();
    setCalled('');
    try {
      const played = await api.request<{ callSid: string; dialStatus: string | null }>('POST', '/local/twilio/calls', {
        from: from.trim(),
        to: ourNumber,
        answer: callAnswer,
        voicemail: callVoicemail,
      });
      setCalled(`Called ${ourNumber} from ${from.trim()}: ${played.dialStatus ?? 'not put through'} (${played.callSid}).`);
      setError(undefined);
    } catch (err) {
      setError(err);
    }
  };

  useEffect(
    () =>
      repeat(REFRESH_MS, async (signal) => {
        try {
          setMessages((await api.simulatorMessages(signal)).items);
          setError(undefined);
        } catch (err) {
          if (!signal.aborted) setError(err);
        }
        return true;
      }),
    [api],
  );

  const phones = useMemo(() => byPhone(messages, new Set([ourNumber])), [messages, ourNumber]);

  const text = async (e: FormEvent, words = body) => {
    e.preventDefault();
    setSent('');
    try {
      const { status } = await api.simulateInbound({ from: from.trim(), to: ourNumber, body: words });
      setInbound((all) => [...all, { from: from.trim(), to: ourNumber, body: words, at: new Date().toISOString(), status }]);
      setSent(status === 200 ? `Texted "${words}" from ${from.trim()}.` : `The system answered the text with HTTP ${status}.`);
      setError(undefined);
    } catch (err) {
      setError(err);
    }
  };

  return (
    <main id="main">
      <h1 ref={heading} tabIndex={-1}>
        Phone
      </h1>
      <p className="muted">Local only: what the Twilio simulator sent, by recipient, and a phone to text the system's number ({ourNumber}) from.</p>
      <form className="card phone-form" onSubmit={(e) => text(e)}>
        <Field label="From phone number" hint="E.164, such as +14155550100 (a rule's target).">
          {(p) => <input {...p} name="from" required inputMode="tel" value={from} onChange={(e) => setFrom(e.target.value)} />}
        </Field>
        <Field label="Text">{(p) => <input {...p} name="body" value={body} onChange={(e) => setBody(e.target.value)} />}</Field>
        <div className="actions">
          <button type="submit" disabled={!from.trim()}>
            Send text
          </button>
          {['STOP', 'START', 'HELP'].map((word) => (
            <button key={word} type="button" className="secondary" disabled={!from.trim()} onClick={(e) => text(e, word)}>
              Text {word}
            </button>
          ))}
        </div>
        <p role="status" className="status-line">
          {sent}
        </p>
      </form>
      <form className="card phone-form" aria-label="Place a call" onSubmit={(e) => placeCall(e)}>
        <Field label="The forwarded phone">
          {(p) => (
            <select {...p} name="answer" value={callAnswer} onChange={(e) => setCallAnswer(e.target.value)}>
              {['answered', 'no-answer', 'busy', 'failed', 'canceled'].map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </select>
          )}
        </Field>
        <label>
          <input type="checkbox" checked={callVoicemail} onChange={(e) => setCallVoicemail(e.target.checked)} /> Leave a voicemail when offered
        </label>
        <div className="actions">
          <button type="submit" disabled={!from.trim()}>
            Place a call
          </button>
        </div>
        <p role="status" className="status-line">
          {called}
        </p>
      </form>
      <ErrorText error={error} />
      <section aria-labelledby="phones">
        <h2 id="phones">Phones</h2>
        {phones.size === 0 ? <p className="muted">The simulator has not sent anything yet.</p> : null}
        <div className="phones">
          {[...phones.entries()].map(([phone, list]) => (
            <article key={phone} className="card phone" aria-label={`Messages with ${phone}`}>
              <header>
                <h3>{phone}</h3>
                <button type="button" className="link" onClick={() => setFrom(phone)}>
                  Text from this phone
                </button>
              </header>
              <ol className="thread">
                {[
                  ...list.map((m) => ({ key: m.sid, mine: false, body: m.body, at: m.dateCreated, status: m.status, errorCode: m.errorCode })),
                  ...inbound
                    .filter((i) => i.from === phone)
                    .map((i, n) => ({ key: `in-${n}`, mine: true, body: i.body, at: i.at, status: 'sent by phone', errorCode: null })),
                ]
                  .sort((a, b) => Date.parse(a.at) - Date.parse(b.at))
                  .map((m) => (
                    <li key={m.key} className={m.mine ? 'out' : 'in'}>
                      <p>{m.body}</p>
                      <small className="muted">
                        {formatTime(m.at)} · {m.status}
                        {m.errorCode ? ` · error ${m.errorCode}` : ''}
                      </small>
                    </li>
                  ))}
              </ol>
            </article>
          ))}
        </div>
      </section>
    </main>
  );
}
