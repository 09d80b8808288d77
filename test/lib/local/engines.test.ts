import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../../lib/local/api-client.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startEngines, type Engines } from '../../../lib/local/engines.ts';

let engines: Engines;

beforeAll(async () => {
  engines = await startEngines();
});

afterAll(async () => {
  await engines?.stop();
});

/** Whether a TCP connection to host:port is accepted. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** This machine's addresses on its network interfaces, loopback excepted. */
const externalAddresses = () =>
  Object.values(networkInterfaces())
    .flat()
    .filter((a) => a !== undefined && !a.internal && a.family === 'IPv4')
    .map((a) => a!.address);

describe('startEngines', () => {
  it('binds every embedded engine to loopback only: reachable on 127.0.0.1, not on the machine’s network addresses', async () => {
    const ports = [new URL(engines.awsEndpoint).port, new URL(engines.dynamoEndpoint).port].map(Number);
    for (const port of ports) {
      expect(await accepts('127.0.0.1', port)).toBe(true);
      for (const address of externalAddresses()) expect(await accepts(address, port), `${address}:${port}`).toBe(false);
    }
  });
});

/** Whether a process is still there (one that has ended but is not yet reaped counts as gone). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

describe('the DynamoDB engine in a child process (npm start)', () => {
  it('serves on loopback, ends when the runtime stops it, and stops at once if it has ended already', async () => {
    const own = await startEngines({ dynamoProcess: true });
    const pid = own.dynamoProcessId!;
    expect(alive(pid)).toBe(true);
    expect(await accepts('127.0.0.1', Number(new URL(own.dynamoEndpoint).port))).toBe(true);
    await own.stop();
    expect(alive(pid)).toBe(false);
    await own.stop();

    const killed = await startEngines({ dynamoProcess: true });
    process.kill(killed.dynamoProcessId!, 'SIGKILL');
    await eventually(async () => (alive(killed.dynamoProcessId!) ? undefined : true));
    await killed.stop();
  });

  it('ends with a runtime killed with kill -9, so that a restart on the same state finds its store free', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'engine-child-'));
    let pid: number | undefined;
    try {
      // A process that starts the engines on saved state, prints the engine's process id, and waits to be killed.
      const runtime = spawn(
        process.execPath,
        [
          '--import',
          import.meta.resolve('tsx'),
          '--input-type=module',
          '-e',
          `const { startEngines } = await import(${JSON.stringify(import.meta.resolve('../../../lib/local/engines.ts'))});
           const engines = await startEngines({ dataDir: process.argv[1], dynamoProcess: true });
           console.log(engines.dynamoProcessId);
           setInterval(() => {}, 1000);`,
          dataDir,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      pid = await new Promise<number>((resolve, reject) => {
        runtime.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
        runtime.once('exit', (code) => reject(new Error(`exited ${code} before starting its engines`)));
      });
      expect(alive(pid)).toBe(true);
      runtime.kill('SIGKILL');
      await eventually(async () => (alive(pid!) ? undefined : true), 10_000, 'the engine to end with its runtime');

      const again = await startEngines({ dataDir, dynamoProcess: true });
      try {
        const client = new DynamoDBClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: again.dynamoEndpoint });
        await expect(client.send(new ListTablesCommand({}))).resolves.toMatchObject({ TableNames: expect.any(Array) });
        client.destroy();
      } finally {
        await again.stop();
      }
    } finally {
      if (pid !== undefined && alive(pid)) process.kill(pid, 'SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
