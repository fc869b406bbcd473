/** `f` run at most once per process while it succeeds; a failure is forgotten, so the next caller tries again. */
export function onceRetrying<T>(f: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined;
  return () => {
    running ??= f().catch((err: unknown) => {
      running = undefined;
      throw err;
    });
    return running;
  };
}
