import { describe, expect, it } from 'vitest';
import { eventually } from '../../../lib/local/api-client.ts';

describe('eventually', () => {
  it('returns the first value a check gives', async () => {
    let calls = 0;
    expect(await eventually(async () => (++calls === 3 ? 'ready' : undefined), 5_000, 'the third call')).toBe('ready');
    expect(calls).toBe(3);
  });

  it('fails at its deadline even when a check never answers, and says so', async () => {
    await expect(eventually(() => new Promise<undefined>(() => {}), 300, 'an answer')).rejects.toThrow(
      'Timed out waiting for an answer: Error: the last check had no answer by then',
    );
  });

  it('names the last error a failing check threw', async () => {
    await expect(
      eventually(
        async () => {
          throw new Error('connection refused');
        },
        250,
        'the server',
      ),
    ).rejects.toThrow('Timed out waiting for the server: Error: connection refused');
  });
});
