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

type SimulatedMessage = { sid: string; to: string; body: string };

/** Distinct message SIDs the Twilio simulator accepted for each upload (the body is its file name). */
async function sidsPerFile(api: ApiClient): Promise<Map<string, Set<string>>> {
  const { items } = (await api.request('GET', '/local/twilio/messages')).body as { items: SimulatedMessage[] };
  const perFile = new Map<string, Set<string>>();
  for (const m of items) {
    if (m.to !== TARGET) continue;
    const sids = perFile.get(m.body) ?? new Set<string>();
    sids.add(m.sid);
    perFile.set(m.body, sids);
  }
  return perFile;
}

/**
 * Crash safety: `npm start` on saved state gets `uploads` uploads that each match one rule, is
 * killed with SIGKILL once a third of them are texted (the rest queued, being sent, or not yet
 * matched), and restarts on the same state. Counts the uploads never texted and those texted
 * twice (two distinct message SIDs), and how long the restart took to text the rest.
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
    } finally {
      await second.stop();
    }
    const lost = names.filter((name) => !perFile.has(name)).length;
    const doubled = [...perFile.values()].filter((sids) => sids.size > 1).length;
    return {
      benchmark: 'crash',
      description: `kill -9 of npm start (--data-dir, --fast, TWILIO_MPS=${MPS}) with ${opts.uploads} uploads in flight, once ${beforeCrash} were texted; then a restart on the same saved state. Lost: never texted (nothing new for ${QUIET_MS / 1000} s); doubled: texted with two distinct message SIDs.`,
      figures: [
        { name: 'uploads lost', value: lost, unit: 'uploads', goal: '0', met: lost === 0 },
        { name: 'uploads texted twice', value: doubled, unit: 'uploads', goal: '0', met: doubled === 0 },
        { name: 'texted before the crash', value: beforeCrash, unit: 'uploads' },
        { name: 'restart to every upload texted', value: recoverySeconds === undefined ? 'never' : round(recoverySeconds, 1), unit: 's' },
      ],
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    killLocalProcesses();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
