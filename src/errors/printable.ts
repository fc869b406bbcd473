/**
 * Text that came from outside (a spec, a URL, a file name, a registry's message) made safe to
 * print on a terminal: control characters become visible escapes, so a spec holding `ESC[2J`
 * cannot clear the screen nor a `\r` overwrite the line it sits in, and URL credentials become ***.
 * Printable Unicode (accents, CJK, emoji) is kept as it is.
 */

const NAMED: Record<string, string> = { '\0': '\\0', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** C0 controls: JSON.stringify escapes them in strings itself, and its layout is made of `\n`. */
const C0 = '\\u0000-\\u001f';
/**
 * DEL and C1 controls; the Unicode line separators, and the bidirectional overrides and isolates,
 * which break or reorder what a terminal shows.
 */
const C1_AND_LAYOUT = '\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069';
/** Lone surrogates: not text, and broken on some terminals (JSON.stringify escapes them itself). */
const LONE_SURROGATE = '[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]';

const UNSAFE = new RegExp(`[${C0}${C1_AND_LAYOUT}]|${LONE_SURROGATE}`, 'g');
/** What is left unsafe in JSON.stringify's output. */
const JSON_UNSAFE = new RegExp(`[${C1_AND_LAYOUT}]`, 'g');

const hex = (code: number, width: number): string => code.toString(16).padStart(width, '0');
const uEscape = (c: string): string => `\\u${hex(c.charCodeAt(0), 4)}`;

/** Every unsafe character as an escape: `\0`, `\t`, `\n`, `\r`, `\x1b`, `\u202e`. */
export function escapeControls(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const named = NAMED[c];
    if (named !== undefined) return named;
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${hex(code, 2)}` : uEscape(c);
  });
}

/**
 * JSON text (JSON.stringify's) with what a terminal still acts on as `\u` escapes: the same JSON
 * value, safe to print.
 */
export function escapeJsonUnsafe(json: string): string {
  return json.replace(JSON_UNSAFE, uEscape);
}

/**
 * `scheme://user:secret@host` anywhere in the text: the authority runs to the first `/`, `?`, `#`,
 * space or quote, and its userinfo to the last `@` in it (as URL parsers read it), so an `@` in a path
 * (`/@types/node`) is no userinfo.
 */
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#"<>`]*)@/gi;

/**
 * The credentials of every URL in the text replaced by `***`: a password (`user:***@`, the user name
 * says which account), and a user name alone (`***@`: tokens travel as user names).
 */
export function redactUrls(text: string): string {
  return text.replace(USERINFO, (whole, scheme: string, userinfo: string) => {
    if (userinfo === '') return whole;
    const colon = userinfo.indexOf(':');
    return `${scheme}${colon < 0 ? '' : userinfo.slice(0, colon + 1)}***@`;
  });
}

/**
 * What any text goes through before bale prints it. Escaping comes first, so a password cannot
 * hide from redaction behind a control character.
 */
export function printable(text: string): string {
  return redactUrls(escapeControls(text));
}

/** Several lines, each made printable: the line breaks are kept, anything else escaped. */
export function printableLines(text: string): string {
  return text.split('\n').map(printable).join('\n');
}
