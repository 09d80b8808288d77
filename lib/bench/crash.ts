import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, type ApiClient } from '../local/api-client.ts';
import { killLocalProcesses, startLocalProcess } from '../local/local-process.ts';
import type { BenchResult } from './report.ts';
import { round } from './stats.ts';

const TARGET = '+14155550178';
/** Sends per second while the crash happens: slow enough that it finds sends done, under way and to come. */
const MPS = 5;
/** With nothing new sent for this long after the restart, what is still missing is counted lost. */
const QUIET_MS = 60_000;
/** How long after every upload is texted the notifications may take to read `delivered`. */
const DELIVERY_WAIT_MS = 120_000;

type SimulatedMessage = { sid: string; to: string; body: string };

/** The file name a crash text names: texts sent before the recipient was first told carry the opt-out line after it. */
export const fileNameOf = (body: string) => body.replace(/ Reply STOP to opt out\.$/, '');

/** Distinct message SIDs the Twilio simulator accepted for each upload (the body is its file name). */
async function sidsPerFile(api: ApiClient): Promise<Map<string, Set<string>>> {
  const { items } = (await api.request('GET', '/local/twilio/messages')).body as { items: SimulatedMessage[] };
  const perFile = new Map<string, Set<string>>();
  for (const m of items) {
    if (m.to !== TARGET) continue;
    const sids = perFile.get(fileNameOf(m.body)) ?? new Set<string>();
    sids.add(m.sid);
    perFile.set(fileNameOf(m.body), sids);
  }
  return perFile;
}

/** How many of the user's notifications read each status. */
async function statusCounts(user: ApiClient): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  let cursor: string | null = null;
  do {
    const page = (await user.request('GET', `/notifications?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)).body as {
      items: Array<{ status: string }>;
      nextCursor: string | null;
    };
    for (const n of page.items) counts[n.status] = (counts[n.status] ?? 0) + 1;
    cursor = page.nextCursor;
  } while (cursor);
  return counts;
}

/**
 * Crash safety: `npm start` on saved state gets `uploads` uploads that each match one rule, is
 * killed with SIGKILL once a third of them are texted (the rest queued, being sent, or not yet
 * matched), and restarts on the same state. Counts the uploads never texted and those texted
 * twice (two distinct message SIDs), how long the restart took to text the rest, and how many
 * notifications do not read `delivered` in the end (a final status callback that died with the
 * process is made up by reconciliation, every 10 s under --fast).
 */
export async function crashBenchmark(opts: { uploads: number }): Promise<BenchResult> {
  const started = performance.now();
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-crash-'));
  try {
    const first = await startLocalProcess(['--data-dir', dataDir, '--fast'], { env: { TWILIO_MPS: String(MPS) } });
    const user = first.api.as(await first.api.tokenFor('crash-bench'));
    const rule = await user.request('POST', '/rules', { eventType: 'file_upload', notifyVia: 'sms', target: TARGET, messageTemplate: '{{fileName}}' });
    if (rule.status !== 201) throw new Error(`rule: ${rule.status} ${rule.text}`);

    const names = Array.from({ length: opts.uploads }, (_, i) => `crash-${i}.txt`);
    for (let start = 0; start < names.length; start += 10) {
      await Promise.all(names.slice(start, start + 10).map((fileName) => user.upload({ fileName, contentType: 'text/plain', content: 'c' })));
    }
    await eventually(async () => ((await sidsPerFile(first.api)).size >= opts.uploads / 3 ? true : undefined), 120_000, 'a third of the uploads to be texted');
    const beforeCrash = (await sidsPerFile(first.api)).size;
    await first.kill();

    const restarted = performance.now();
    const second = await startLocalProcess(['--data-dir', dataDir, '--fast'], { port: first.port, env: { TWILIO_MPS: String(MPS) } });
    let perFile = new Map<string, Set<string>>();
    let lastChange = performance.now();
    let lastCount = -1;
    let recoverySeconds: number | undefined;
    let notDelivered = opts.uploads;
    let deliveredSeconds: number | undefined;
    try {
      // Until every upload is texted, or nothing new has been for QUIET_MS.
      while (performance.now() - lastChange < QUIET_MS) {
        perFile = await sidsPerFile(second.api);
        const count = [...perFile.values()].reduce((n, sids) => n + sids.size, 0);
        if (count !== lastCount) [lastCount, lastChange] = [count, performance.now()];
        if (names.every((name) => perFile.has(name))) {
          recoverySeconds = (performance.now() - restarted) / 1000;
          break;
        }
        await new Promise((r) => setTimeout(r, 500));
      }
      const user = second.api.as(await second.api.tokenFor('crash-bench'));
      const waitUntil = performance.now() + DELIVERY_WAIT_MS;
      while (performance.now() < waitUntil) {
        notDelivered = opts.uploads - ((await statusCounts(user)).delivered ?? 0);
        if (notDelivered === 0) {
          deliveredSeconds = (performance.now() - restarted) / 1000;
          break;
        }
        await new Promise((r) => setTimeout(r, 1000));
      }
    } finally {
      await second.stop();
    }
    const lost = names.filter((name) => !perFile.has(name)).length;
    const doubled = [...perFile.values()].filter((sids) => sids.size > 1).length;
    return {
      benchmark: 'crash',
      description: `kill -9 of npm start (--data-dir, --fast, TWILIO_MPS=${MPS}) with ${opts.uploads} uploads in flight, once ${beforeCrash} were texted; then a restart on the same saved state. Lost: never texted (nothing new for ${QUIET_MS / 1000} s); doubled: texted with two distinct message SIDs; not delivered: ${DELIVERY_WAIT_MS / 1000} s after the last was texted.`,
      figures: [
        { name: 'uploads lost', value: lost, unit: 'uploads', goal: '0', met: lost === 0 },
        { name: 'uploads texted twice', value: doubled, unit: 'uploads', goal: '0', met: doubled === 0 },
        { name: 'texted before the crash', value: beforeCrash, unit: 'uploads' },
        { name: 'restart to every upload texted', value: recoverySeconds === undefined ? 'never' : round(recoverySeconds, 1), unit: 's' },
        { name: 'notifications not delivered', value: notDelivered, unit: 'notifications', goal: '0', met: notDelivered === 0 },
        { name: 'restart to every notification delivered', value: deliveredSeconds === undefined ? 'never' : round(deliveredSeconds, 1), unit: 's' },
      ],
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    killLocalProcesses();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
