import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';
import { mapLimit } from '../../shared/domain/map-limit.ts';
import { ApiClient } from '../local/api-client.ts';
import { findChromium } from '../local/chromium.ts';
import { projectRoot, startLocalRuntime } from '../local/runtime.ts';
import type { BenchResult, Figure } from './report.ts';
import { round, summarize } from './stats.ts';

const INITIAL_JS_BUDGET_KB = 150;
const READY_BUDGET_MS = 1_000;
const CHAIN_BUDGET = 2;
/** Visits traced for their request chains, apart from the timed ones. */
const TRACED_VISITS = 3;

/** A URL's path, with a built file's content hash left out: /assets/index.js. */
const shortPath = (url: string) => new URL(url).pathname.replace(/-[\w-]{8}\.(js|css)$/, '.$1');
const median = (values: number[]) => round(summarize(values).median, 0);
const longestOf = (chains: string[][]) => chains.reduce((a, b) => (b.length > a.length ? b : a), []);

/** The JavaScript a first visit loads before anything lazy: index.html's module script and its preloads. */
function initialJs(dir: string): { files: string[]; gzipBytes: number; rawBytes: number } {
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  const files = [...html.matchAll(/<(?:script[^>]+type="module"[^>]*src|link[^>]+rel="modulepreload"[^>]*href)="\/([^"]+\.js)"/g)].map((m) => m[1]!);
  let gzipBytes = 0;
  let rawBytes = 0;
  for (const file of files) {
    const bytes = readFileSync(join(dir, file));
    rawBytes += bytes.length;
    gzipBytes += gzipSync(bytes, { level: 9 }).length;
  }
  return { files, gzipBytes, rawBytes };
}

/** Longest chain of requests in which each starts only after the one before it has finished. */
export function longestChain(requests: ReadonlyArray<{ start: number; end: number }>): number {
  return chainOf(requests).length;
}

/** That chain itself, first request first. */
export function chainOf<T extends { start: number; end: number }>(requests: readonly T[]): T[] {
  const sorted = [...requests].sort((a, b) => a.start - b.start);
  const depth: number[] = [];
  const before: number[] = [];
  sorted.forEach((r, i) => {
    let best = 0;
    before[i] = -1;
    for (let j = 0; j < i; j++) {
      if (sorted[j]!.end <= r.start && depth[j]! > best) {
        best = depth[j]!;
        before[i] = j;
      }
    }
    depth[i] = best + 1;
  });
  if (sorted.length === 0) return [];
  let at = depth.indexOf(Math.max(...depth));
  const chain: T[] = [];
  for (; at >= 0; at = before[at]!) chain.unshift(sorted[at]!);
  return chain;
}

/** A request and what started it, as Chromium's DevTools protocol reports it (Network.requestWillBeSent). */
export interface InitiatedRequest {
  url: string;
  /** When it was sent, in ms since the epoch. */
  at?: number;
  /** The document or script that asked for it: the parser's document, or the top frame of the calling script. */
  initiatorUrl?: string;
}

/**
 * The longest chain of requests that each needed the one before (the document → its script →
 * the API call that script makes), by what started each: two requests that merely ran one after
 * the other are not a chain. Answers the chain, first request first.
 */
export function dependencyChain(requests: readonly InitiatedRequest[]): string[] {
  const chainTo = new Map<string, string[]>();
  let longest: string[] = [];
  for (const r of requests) {
    const before = r.initiatorUrl && r.initiatorUrl !== r.url ? (chainTo.get(r.initiatorUrl) ?? []) : [];
    const chain = [...before, r.url];
    if (!chainTo.has(r.url)) chainTo.set(r.url, chain);
    if (chain.length > longest.length) longest = chain;
  }
  return longest;
}

/**
 * Runs in the page before its own scripts: the time, on the page's clock (ms since the navigation
 * began), of the first frame painted with `selector` in it, kept in `window.__shownPaintedAt` and
 * handed to `window.__consoleBenchPainted` when the driver exposed it. The frame that paints a
 * change starts with the animation frame after it; a task queued from that callback runs once it
 * is painted. Taken in the page and handed out through a binding, so the driver neither polls the
 * page nor loads its own script into it while the page is still loading.
 */
export function paintedMark(selector: string): string {
  return `(() => {
  const mark = () => {
    if (!document.querySelector(${JSON.stringify(selector)})) return false;
    requestAnimationFrame(() => setTimeout(() => {
      window.__shownPaintedAt = performance.now();
      window.__consoleBenchPainted?.(window.__shownPaintedAt);
    }, 0));
    return true;
  };
  const observer = new MutationObserver(() => { if (mark()) observer.disconnect(); });
  observer.observe(document, { childList: true, subtree: true });
})();`;
}

/** Where a visit's time went, from the page's own timeline (ms since the navigation began). */
interface Timeline {
  documentAnswered: number;
  scriptLoaded: number;
  scriptRun: number;
  firstReadAnswered: number;
}

const timelineScript = `(() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const resources = performance.getEntriesByType('resource');
  const end = (test) => Math.max(0, ...resources.filter((r) => test(new URL(r.name).pathname)).map((r) => r.responseEnd));
  return {
    documentAnswered: nav.responseEnd,
    scriptLoaded: end((p) => p.startsWith('/assets/index-') && p.endsWith('.js')),
    scriptRun: nav.domContentLoadedEventEnd,
    firstReadAnswered: end((p) => p === '/files'),
  };
})()`;

/**
 * The console's weight and speed: the gzipped JavaScript a first visit loads (budget 150 KB), and,
 * in Chromium against a local runtime, the time from navigation to the first frame painted with
 * the Files page's list (budget 1 s), with the longest chain of requests that wait on one another before it.
 */
export async function consoleBenchmark(opts: { files: number; visits: number }): Promise<BenchResult> {
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'console-bench-'));
  try {
    await build({ configFile: join(projectRoot, 'web/vite.config.ts'), logLevel: 'silent', build: { outDir: dir, emptyOutDir: true } });
    const js = initialJs(dir);
    const kb = js.gzipBytes / 1024;
    const figures: Figure[] = [
      {
        name: 'initial JavaScript, gzipped',
        value: round(kb, 1),
        unit: 'KB',
        spread: `${round(js.rawBytes / 1024, 1)} KB raw in ${js.files.length} file(s)`,
        goal: `≤ ${INITIAL_JS_BUDGET_KB}`,
        met: kb <= INITIAL_JS_BUDGET_KB,
      },
    ];

    const chromiumPath = findChromium();
    if (!chromiumPath) {
      figures.push({ name: 'console ready (Files list painted)', value: 'not measured: no Chromium (apt-get install -y chromium)', unit: '' });
    } else {
      const runtime = await startLocalRuntime({ port: 0, consoleDir: dir, logLevel: 'ERROR' });
      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
      try {
        const api = new ApiClient(runtime.url);
        const token = await api.tokenFor('console-bench');
        const user = api.as(token);
        const uploaded = await mapLimit(
          Array.from({ length: opts.files }, (_, i) => i),
          4,
          // The setup is not what is measured: an upload the per-user rate limit turns away, or that
          // outlived its function's timeout on a busy machine, is tried again a second later.
          async (i) => {
            for (let attempt = 1; ; attempt++) {
              try {
                return await user.upload({ fileName: `report-${i}.txt`, contentType: 'text/plain', content: `file ${i}`, tags: ['bench'] });
              } catch (err) {
                if (attempt >= 5 || !/^presign: (429|502|503)\b/.test((err as Error).message)) throw err;
                await new Promise((r) => setTimeout(r, 1_000));
              }
            }
          },
        );
        const post = async (path: string, body: unknown) =>
          (await (
            await fetch(`${runtime.url}${path}`, {
              method: 'POST',
              headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
              body: JSON.stringify(body),
            })
          ).json()) as Record<string, string>;
        // Something on every page, so each shows data once its reads are answered.
        const posted = await post('/messages', { from: '+14155550101', to: '+15005550006', message: 'bench' });
        await post('/templates', { name: 'bench', body: 'Hi {{name}}' });
        await post('/notifications', { to: '+14155550102', body: 'bench', sendAt: new Date(Date.now() + 86_400_000).toISOString() });
        await post('/rules', { eventType: 'file_upload', notifyVia: 'sms', target: '+14155550103', fileType: 'bench' });
        /**
         * One first visit: a fresh context (nothing cached, as a user's first visit), the time its
         * data was first painted, and, when traced, what each request waited on. Tracing (a DevTools
         * session and request events handled in this process, beside the runtime) is left out of
         * the visits that are timed.
         */
        const visit = async (path = '/app/files', shown = 'tbody tr', trace = false) => {
          const context = await browser.newContext();
          await context.addInitScript(`localStorage.setItem('tms.session', ${JSON.stringify(JSON.stringify({ userId: 'console-bench', token }))})`);
          await context.addInitScript(paintedMark(shown));
          let painted: (at: number) => void = () => {};
          const paintedAt = new Promise<number>((resolve) => {
            painted = resolve;
          });
          await context.exposeFunction('__consoleBenchPainted', (at: number) => painted(at));
          const page = await context.newPage();
          const initiated: Array<InitiatedRequest & { at: number }> = [];
          const requests: Array<{ url: string; start: number; end: number }> = [];
          if (trace) {
            const cdp = await context.newCDPSession(page);
            cdp.on('Network.requestWillBeSent', (e) => {
              const frames = e.initiator.stack?.callFrames ?? [];
              const initiatorUrl = e.initiator.type === 'script' ? frames[0]?.url || e.initiator.url : e.initiator.url;
              initiated.push({ url: e.request.url, at: e.wallTime * 1000, ...(initiatorUrl ? { initiatorUrl } : {}) });
            });
            await cdp.send('Network.enable');
            page.on('requestfinished', (request) => {
              const t = request.timing();
              requests.push({ url: request.url(), start: t.startTime, end: t.startTime + t.responseEnd });
            });
          }
          await page.goto(`${runtime.url}${path}`, { waitUntil: 'commit' });
          const ready = await Promise.race([
            paintedAt,
            new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${path} showed no ${shown} within 30 s`)), 30_000).unref()),
          ]);
          const shownAt = Date.now();
          const timeline = (await page.evaluate(timelineScript)) as Timeline;
          await context.close();
          // What the page asked for before it showed its data; later ones (a poll's next round) are not in its way.
          // The live feed's next round (a long poll with a cursor, which waits for news) is not a read the page waits on either.
          const waitedOn = initiated.filter((r) => r.at <= shownAt && !/\/notifications\/longpoll\?.*\bsince=/.test(r.url));
          return { ready, timeline, requests, initiated: waitedOn };
        };
        await visit(); // The browser's own first-use costs are not the console's.
        const loadBefore = loadavg()[0]!;
        const readyMs: number[] = [];
        const timelines: Timeline[] = [];
        for (let i = 0; i < opts.visits; i++) {
          const { ready, timeline } = await visit();
          readyMs.push(ready);
          timelines.push(timeline);
        }
        const loadAfter = loadavg()[0]!;
        const chains: string[][] = [];
        const dependencies: string[][] = [];
        const apiRequests: number[] = [];
        for (let i = 0; i < TRACED_VISITS; i++) {
          const { requests, initiated } = await visit('/app/files', 'tbody tr', true);
          dependencies.push(dependencyChain(initiated).map(shortPath));
          chains.push(chainOf(requests).map((r) => shortPath(r.url)));
          apiRequests.push(requests.filter((r) => /^\/(files|rules|notifications|uploads)\b/.test(new URL(r.url).pathname)).length);
        }
        // Every other page once: the longest chain of requests that wait on one another before it shows its data.
        const fileId = (uploaded[0] as { fileId: string }).fileId;
        const otherPages: Array<[string, string]> = [
          ['/app/rules', 'li.rule'],
          ['/app/notifications', 'tbody tr'],
          [`/app/files/${fileId}`, 'dl'],
          ['/app/sends', 'li.send'],
          ['/app/templates', '[data-template-id]'],
          ['/app/messages', 'section[aria-labelledby="message-results"] tbody tr'],
          [`/app/messages/${posted.messageId}`, '[data-testid="message-status"]'],
          ['/app/settings', 'form'],
        ];
        const perPage: Array<{ path: string; chain: string[] }> = [];
        for (const [path, shown] of otherPages) {
          const { initiated } = await visit(path, shown, true);
          perPage.push({ path, chain: dependencyChain(initiated).map(shortPath) });
        }
        const worst = perPage.reduce((a, b) => (b.chain.length > a.chain.length ? b : a));
        const s = summarize(readyMs);
        figures.push(
          {
            name: 'console ready (Files list painted), first visit',
            value: round(s.median, 0),
            unit: 'ms',
            spread: `p95 ${round(s.p95, 0)}, min ${round(s.min, 0)}, max ${round(s.max, 0)} over ${s.n} visits, ${opts.files} files; load average ${round(loadBefore, 1)} → ${round(loadAfter, 1)} on ${cpus().length} cores`,
            goal: `≤ ${READY_BUDGET_MS}`,
            met: s.p95 <= READY_BUDGET_MS,
          },
          {
            name: 'where a first visit of the Files page spends its time (medians, ms since the navigation began)',
            value: round(s.median, 0),
            unit: 'ms',
            spread: [
              `page answered ${median(timelines.map((t) => t.documentAnswered))}`,
              `main script loaded ${median(timelines.map((t) => t.scriptLoaded))}`,
              `and run (DOMContentLoaded) ${median(timelines.map((t) => t.scriptRun))}`,
              `GET /files answered ${median(timelines.map((t) => t.firstReadAnswered))}`,
              `list painted ${round(s.median, 0)}`,
            ].join(', '),
          },
          {
            name: 'longest request chain before the list (document included), each request waiting on the one that started it',
            value: Math.max(...dependencies.map((c) => c.length)),
            unit: 'round trips',
            spread: `longest: ${longestOf(dependencies).join(' → ')}`,
            goal: `≤ ${CHAIN_BUDGET}`,
            met: Math.max(...dependencies.map((c) => c.length)) <= CHAIN_BUDGET,
          },
          {
            name: 'longest request chain on any other page, by what started each request',
            value: worst.chain.length,
            unit: 'round trips',
            spread: `${perPage.map((p) => `${p.path.replace(/\/[0-9A-Z]{26}$/, '/<id>')} ${p.chain.length}`).join(', ')}; longest: ${worst.chain.join(' → ')}`,
            goal: `≤ ${CHAIN_BUDGET}`,
            met: worst.chain.length <= CHAIN_BUDGET,
          },
          {
            name: 'longest run of requests before the list in which each began after the one before ended (document included)',
            value: Math.max(...chains.map((c) => c.length)),
            unit: 'requests',
            spread: `API requests before the list: ${Math.max(...apiRequests)}; longest: ${longestOf(chains).join(' → ')} (timing alone: on a loaded machine, requests that do not wait on one another can still fall one after the other)`,
          },
        );
      } finally {
        await browser.close();
        await runtime.stop();
      }
    }
    return {
      benchmark: 'console',
      description:
        "The web console: the gzipped JavaScript of a first visit (index.html's module script and preloads), and in Chromium against a warm local runtime, the time from navigation to the first frame painted with the Files page's list, taken by the page's own clock, on a fresh browser context (nothing cached) each visit.",
      figures,
      seconds: round((performance.now() - started) / 1000, 1),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
