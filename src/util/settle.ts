/**
 * Promise.all that returns, or throws, only once every promise has settled, and then throws the
 * first failure in the given order (not in time): nothing is left running behind the error, and
 * the message does not depend on which request happened to fail first.
 */
export async function settleAll<T extends readonly unknown[] | []>(work: T): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const settled = await Promise.allSettled(work as readonly unknown[]);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as { -readonly [K in keyof T]: Awaited<T[K]> };
}
