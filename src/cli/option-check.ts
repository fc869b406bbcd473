/** A flag's value checker for commander: `(value) => value`, or a UsageError naming the flag. */
export const check =
  <T>(name: string, fn: (source: string, value: string) => T) =>
  (value: string): T =>
    fn(name, value);
/** The same for a repeatable flag: every value checked, collected in order. */
export const repeated =
  (name: string, fn: (source: string, value: string) => string) =>
  (value: string, prev: string[] = []): string[] => [...prev, fn(name, value)];
