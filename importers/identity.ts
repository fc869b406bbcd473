/**
 * What every importer checks in what a registry answers, where it first sees it: the answer is
 * about the package asked for (a packument, an index page, a wheel's METADATA, a gemspec, a .deb's
 * control naming another package is refused), and every file it points to is an http(s) URL, as a
 * recipe's sources must be (a `file:///etc/passwd` never reaches a recipe, a cache or a build).
 */
import { UserError } from '../src/errors/index.js';
import { urlProblem } from '../src/recipe/schema.js';

/** `asked` and `got` as a user reads them: `npm package "fx-app"`, `"fx-evil" 6.6.6`. */
export function identityError(asked: string, got: string, url: string, fix: string): UserError {
  return new UserError('EIDENTITY', `asked for ${asked}, ${url} answered with ${got}: refusing it; ${fix}`);
}

/** Refuses a file URL a recipe could not hold (file:, data:, ftp:, ...), naming the package and where it was read. */
export function checkSourceUrl(what: string, url: string, from: string, fix: string): void {
  const why = urlProblem(url);
  if (why !== undefined)
    throw new UserError('ESOURCEURL', `${what}: ${from} gives its file as ${JSON.stringify(url)} (${why}): refusing it; ${fix}`);
}
