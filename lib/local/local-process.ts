// `npm start` as a child process, for what only a real process shows: its command line, its
// banner, a clean stop and a kill -9 (the end-to-end tests and the crash benchmark).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ApiClient, eventually } from './api-client.ts';
import { projectRoot } from './runtime.ts';
import { withTimeout } from './timeout.ts';

const tsx = join(projectRoot, 'node_modules/.bin/tsx');
const running = new Set<ChildProcess>();

/** A loopback port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** Runs a command-line entry to its end: its exit code and everything it printed. */
export async function runToEnd(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  return promisify(execFile)(tsx, args, { cwd: projectRoot, env: { ...process.env, ...env }, timeout: 60_000 }).then(
    (r) => ({ code: 0, out: r.stdout, err: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout, err: e.stderr }),
  );
}

export interface LocalProcess {
  api: ApiClient;
  port: number;
  output: () => string;
  /** Ctrl+C: a clean shutdown. */
  stop: () => Promise<void>;
  /** kill -9: the process ends mid-work, as on a crash. */
  kill: () => Promise<void>;
}

/** Starts `bin/local.ts` as `npm start` does, and waits for its banner and /health. */
export async function startLocalProcess(args: string[], opts: { port?: number; env?: NodeJS.ProcessEnv } = {}): Promise<LocalProcess> {
  const listenOn = opts.port ?? (await freePort());
  const child = spawn(tsx, ['bin/local.ts', '--port', String(listenOn), ...args], {
    cwd: projectRoot,
    env: { ...process.env, PORT: undefined, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: tsx runs the runtime in a child, and a crash takes both.
    detached: true,
  });
  running.add(child);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const api = new ApiClient(`http://localhost:${listenOn}`);
  const withOutput = (err: Error) => {
    throw new Error(`${err.message}; it printed:\n${output}`);
  };
  await eventually(async () => ((await api.request('GET', '/health')).status === 200 ? true : undefined), 30_000, 'the local runtime to answer /health').catch(
    withOutput,
  );
  await eventually(async () => (output.includes('Press Ctrl+C') ? true : undefined), 30_000, 'the start banner').catch(withOutput);
  const stop = async () => {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    try {
      await withTimeout(exited, 30_000);
    } catch {
      process.kill(-child.pid!, 'SIGKILL');
      await exited;
      throw new Error(`The local runtime did not stop within 30 s of SIGTERM; it printed:\n${output}`);
    } finally {
      running.delete(child);
    }
  };
  const kill = async () => {
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(-child.pid!, 'SIGKILL');
    await exited;
    running.delete(child);
    // The runtime's own process (tsx's child) is gone once nothing holds its port.
    await eventually(
      async () => ((await fetch(`http://127.0.0.1:${listenOn}/health`).catch(() => undefined)) ? undefined : true),
      10_000,
      'the killed runtime to be gone',
    );
  };
  return { api, port: listenOn, output: () => output, stop, kill };
}

/** Ends every process started here and left running. */
export function killLocalProcesses(): void {
  for (const child of running) process.kill(-child.pid!, 'SIGKILL');
}
