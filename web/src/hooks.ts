import { useEffect, useRef, useState } from 'react';
import { finalStatuses, type Notification } from './api.ts';
import { useSession } from './session.tsx';

/** Pause between reads of a file's notifications while any of them may still change. */
export const REFRESH_MS = 1_500;
/** How long to wait for a first notification before saying none came (no rule may match). */
export const FIRST_NOTIFICATION_WAIT_MS = 30_000;

/**
 * A file's notifications, kept current: read again while none has arrived yet (for a while)
 * or while any is not final. Status changes are not in the long-poll feed, which announces new
 * notifications only, so the page reads them.
 */
export function useFileNotifications(fileId: string | undefined): { items: Notification[]; waiting: boolean; error: unknown } {
  const { api } = useSession();
  const [items, setItems] = useState<Notification[]>([]);
  const [waiting, setWaiting] = useState(true);
  const [error, setError] = useState<unknown>();
  const started = useRef(0);

  useEffect(() => {
    if (!fileId) return;
    started.current = Date.now();
    return repeat(REFRESH_MS, async (signal) => {
      try {
        const page = await api.listNotifications({ fileId, limit: 100 }, signal);
        setItems(page.items);
        setError(undefined);
        const settled = page.items.length > 0 && page.items.every((n) => finalStatuses.has(n.status));
        const gaveUp = page.items.length === 0 && Date.now() - started.current > FIRST_NOTIFICATION_WAIT_MS;
        if (settled || gaveUp) {
          setWaiting(false);
          return false;
        }
      } catch (err) {
        if (!signal.aborted) setError(err);
      }
      return true;
    });
  }, [api, fileId]);

  return { items, waiting, error };
}

/** Moves keyboard focus to the page's heading when the page changes, so screen readers announce it. */
export function useFocusOnMount<T extends HTMLElement>() {
  const ref = useRef<T>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return ref;
}

/**
 * Runs `step` now and again `everyMs` after each run ends, until it answers false or the
 * returned function stops it (an effect's cleanup), which also aborts a run in flight.
 */
export function repeat(everyMs: number, step: (signal: AbortSignal) => Promise<boolean>): () => void {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = async () => {
    const again = await step(controller.signal);
    if (again && !controller.signal.aborted) timer = setTimeout(run, everyMs);
  };
  void run();
  return () => {
    controller.abort();
    if (timer) clearTimeout(timer);
  };
}

/**
 * Paging by opaque cursor: the current page's cursor, and the cursors of the pages before it so
 * the user can go back (a cursor only leads forward).
 */
export function useCursorPages() {
  const [trail, setTrail] = useState<Array<string | undefined>>([]);
  const [cursor, setCursor] = useState<string>();
  return {
    cursor,
    canGoBack: trail.length > 0,
    back: () => {
      setCursor(trail[trail.length - 1]);
      setTrail((t) => t.slice(0, -1));
    },
    forward: (next: string | undefined) => {
      setTrail((t) => [...t, cursor]);
      setCursor(next);
    },
    reset: () => {
      setTrail([]);
      setCursor(undefined);
    },
  };
}
