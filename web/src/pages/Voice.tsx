import { useCallback, useEffect, useState } from 'react';
import type { Page } from '../api.ts';
import { ErrorText, StatusBadge } from '../components.tsx';
import { formatTime } from '../format.ts';
import { useFocusOnMount } from '../hooks.ts';
import { useSession } from '../session.tsx';

export interface Line {
  lineId: string;
  number: string;
  forwardTo: string;
  businessName?: string;
  ringSeconds: number;
  voicemail: boolean;
}
export interface Call {
  callId: string;
  lineId: string;
  from: string;
  status: string;
  dialStatus?: string;
  recordingUrl?: string;
  autoReply?: { notificationId: string; status: string };
  autoReplySkipped?: string;
  startedAt: string;
}
export interface Conversation {
  conversationId: string;
  lineId: string;
  customer: string;
  status: string;
  needsAttention: boolean;
  lastMessageAt: string;
}

/** A line's calls and conversations at a glance: lines, the latest calls, the open conversations. */
export function Voice() {
  const { api } = useSession();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const [lines, setLines] = useState<Line[]>([]);
  const [calls, setCalls] = useState<Call[]>([]);
  const [conversations, setConversations] = useState<Conversation[]>([]);
  const [error, setError] = useState<unknown>();

  const load = useCallback(async () => {
    try {
      const [l, c, v] = await Promise.all([
        api.request<Page<Line>>('GET', '/lines?limit=100'),
        api.request<Page<Call>>('GET', '/calls?limit=50'),
        api.request<Page<Conversation>>('GET', '/conversations?limit=50'),
      ]);
      setLines(l.items);
      setCalls(c.items);
      setConversations(v.items);
      setError(undefined);
    } catch (err) {
      setError(err);
    }
  }, [api]);

  useEffect(() => {
    void load();
  }, [load]);

  const numberOf = (lineId: string) => lines.find((l) => l.lineId === lineId)?.number ?? lineId;

  return (
    <main id="main">
      <h1 ref={heading} tabIndex={-1}>
        Voice
      </h1>
      <p>
        <button type="button" onClick={() => void load()}>
          Refresh
        </button>
      </p>
      <ErrorText error={error} />
      <h2>Lines</h2>
      {lines.length === 0 ? (
        <p>No lines yet: create one with POST /lines.</p>
      ) : (
        <table aria-label="Lines">
          <thead>
            <tr>
              <th>Number</th>
              <th>Business</th>
              <th>Forwards to</th>
              <th>Rings</th>
              <th>Voicemail</th>
            </tr>
          </thead>
          <tbody>
            {lines.map((l) => (
              <tr key={l.lineId}>
                <td>{l.number}</td>
                <td>{l.businessName ?? ''}</td>
                <td>{l.forwardTo}</td>
                <td>{l.ringSeconds} s</td>
                <td>{l.voicemail ? 'on' : 'off'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Calls</h2>
      {calls.length === 0 ? (
        <p>No calls yet.</p>
      ) : (
        <table aria-label="Calls">
          <thead>
            <tr>
              <th>When</th>
              <th>From</th>
              <th>To</th>
              <th>Status</th>
              <th>Auto-reply</th>
            </tr>
          </thead>
          <tbody>
            {calls.map((c) => (
              <tr key={c.callId}>
                <td>{formatTime(c.startedAt)}</td>
                <td>{c.from}</td>
                <td>{numberOf(c.lineId)}</td>
                <td>
                  <StatusBadge status={c.status} />
                  {c.recordingUrl ? (
                    <>
                      {' '}
                      <a href={c.recordingUrl}>voicemail</a>
                    </>
                  ) : null}
                </td>
                <td>{c.autoReply ? c.autoReply.status : (c.autoReplySkipped ?? '')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Conversations</h2>
      {conversations.length === 0 ? (
        <p>No conversations yet.</p>
      ) : (
        <table aria-label="Conversations">
          <thead>
            <tr>
              <th>Customer</th>
              <th>Line</th>
              <th>Status</th>
              <th>Last message</th>
            </tr>
          </thead>
          <tbody>
            {conversations.map((c) => (
              <tr key={c.conversationId}>
                <td>{c.customer}</td>
                <td>{numberOf(c.lineId)}</td>
                <td>
                  <StatusBadge status={c.status} />
                  {c.needsAttention ? ' needs attention' : ''}
                </td>
                <td>{formatTime(c.lastMessageAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
