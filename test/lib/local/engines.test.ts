import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngines, type Engines } from '../../../lib/local/engines.ts';

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
