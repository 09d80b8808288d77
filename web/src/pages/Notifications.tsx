import { useEffect, useRef, useState } from 'react';
import { finalStatuses, notificationStatuses, type Notification } from '../api.ts';
import { ErrorText, Field, NotificationTable } from '../components.tsx';
import { REFRESH_MS, useFocusOnMount } from '../hooks.ts';
import { useSession } from '../session.tsx';

/** Seconds each long poll may wait for news. */
const LONGPOLL_SECONDS = 20;
const PAGE_SIZE = 50;

/** Puts fresh copies over old ones and keeps the newest first. */
export function mergeNotifications(current: Notification[], fresh: Notification[]): Notification[] {
  const byId = new Map(current.map((n) => [n.notificationId, n]));
  for (const n of fresh) byId.set(n.notificationId, n);
  return [...byId.values()].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : b.notificationId.localeCompare(a.notificationId)));
}

export function Notifications() {
  const { api } = useSession();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const [status, setStatus] = useState('');
  const [items, setItems] = useState<Notification[]>([]);
  const [nextCursor, setNextCursor] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [live, setLive] = useState(false);
  const itemsRef = useRef(items);
  itemsRef.current = items;

  // The first page, then: new notifications from the long-poll feed, and fresh copies of any
  // shown one still in flight (status changes are not in the feed).
  useEffect(() => {
    const controller = new AbortController();
    const { signal } = controller;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const filter = status || undefined;

    const first = api.listNotifications({ status: filter, limit: PAGE_SIZE }, signal).then((page) => {
      setItems(page.items);
      setNextCursor(page.nextCursor);
      setError(undefined);
    });

    const follow = async () => {
      let since: string | undefined;
      while (!signal.aborted) {
        try {
          const answer = await api.longpollNotifications({ since, timeout: since ? LONGPOLL_SECONDS : 0 }, signal);
          setLive(true);
          if (since && answer.items.length) {
            const wanted = answer.items.filter((n) => !filter || n.status === filter);
            setItems((all) => mergeNotifications(all, wanted));
          }
          since = answer.cursor;
        } catch (err) {
          if (signal.aborted) return;
          setLive(false);
          setError(err);
          await new Promise((r) => setTimeout(r, 5_000));
        }
      }
    };

    const refresh = async () => {
      const inFlight = itemsRef.current.some((n) => !finalStatuses.has(n.status));
      if (inFlight) {
        try {
          const page = await api.listNotifications({ status: filter, limit: PAGE_SIZE }, signal);
          setItems((all) =>
            mergeNotifications(filter ? all.filter((n) => n.status === filter) : all, page.items).filter((n) => !filter || n.status === filter),
          );
        } catch {
          // The next round tries again; the long poll reports lasting trouble.
        }
      }
      if (!signal.aborted) timer = setTimeout(refresh, REFRESH_MS);
    };

    first.then(
      () => {
        void follow();
        timer = setTimeout(refresh, REFRESH_MS);
      },
      (err: unknown) => {
        if (!signal.aborted) setError(err);
      },
    );
    return () => {
      controller.abort();
      if (timer) clearTimeout(timer);
    };
  }, [api, status]);

  const more = async () => {
    try {
      const page = await api.listNotifications({ status: status || undefined, limit: PAGE_SIZE, cursor: nextCursor });
      setItems((all) => mergeNotifications(all, page.items));
      setNextCursor(page.nextCursor);
    } catch (err) {
      setError(err);
    }
  };

  return (
    <main id="main">
      <h1 ref={heading} tabIndex={-1}>
        Notifications
      </h1>
      <div className="toolbar">
        <Field label="Status">
          {(p) => (
            <select {...p} name="status" value={status} onChange={(e) => setStatus(e.target.value)}>
              <option value="">All</option>
              {notificationStatuses.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          )}
        </Field>
        <p className={`live${live ? ' on' : ''}`} role="status">
          {live ? 'Live: new notifications appear as they are made.' : 'Connecting…'}
        </p>
      </div>
      <ErrorText error={error} />
      <section aria-label="Notification log" aria-live="polite">
        <NotificationTable items={items} showFile empty={status ? `No ${status} notifications.` : 'No notifications yet: upload a file that a rule matches.'} />
      </section>
      {nextCursor ? (
        <button type="button" className="secondary" onClick={more}>
          Older notifications
        </button>
      ) : null}
    </main>
  );
}
