/**
 * Rejects when the promise outlives `ms`; by default with Lambda's own words, as it ends an
 * invocation that runs past its timeout.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, message = `Task timed out after ${ms / 1000} seconds`): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
