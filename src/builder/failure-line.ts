/**
 * The line of a failed build's log that says why it failed. The last line rarely does: Node ends an
 * uncaught exception with "Node.js v20.x", node-gyp with "gyp ERR! not ok", and the cause (a
 * compiler error, a download the sandbox refused) sits above a stack trace and a summary.
 */

/** What a build prints when it tries the network, which the sandbox does not have. */
const NETWORK =
  /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ENETUNREACH|EHOSTUNREACH|getaddrinfo|fetch failed|Failed to download|request to \S+ failed|Could not resolve host|Temporary failure in name resolution|Network is unreachable|unable to resolve host/i;
/** A network line that names what was fetched. */
const NAMED = /https?:\/\/|getaddrinfo \w+ \S|resolve host/;
/** The first compiler or linker error is the cause; later ones and make's summary follow from it. */
const COMPILER = /^\S+:\d+(:\d+)?: (fatal )?error: |^\S*\bld: cannot find |undefined reference to |^collect2: error: /;
/** A thrown error's message (`Error: ...`, `TypeError: ...`), also after a tool's prefix (`gyp ERR! stack Error: ...`). */
const THROWN = /(^|\s)[A-Z]?\w*(Error|Exception)(\s\[\w+\])?: \S/;
const ERRORISH = /\berror\b|ERR!|\bfailed\b|\bfatal\b/i;
const WARNING = /\bwarn(ing)?\b/i;

/** Lines that never say why: stack frames, version trailers, the environment dumps of node-gyp and node-pre-gyp. */
const NOISE = [
  /^at\s/,
  /^Node\.js v\d/,
  /^\^+$/,
  /^[{}[\]()]+,?$/,
  /^(errno|code|syscall|hostname|status|signal|pid|output|stdout|stderr|address|port): /,
  /(gyp ERR!|\[error\]|npm ERR!) (stack\s+at\s|System |command |cwd |node -v |node-gyp -v |node-pre-gyp -v |not ok|A complete log)/,
  /(gyp ERR!|\[error\]) (stack|build error|configure error|install error)\s*$/,
  /^make(\[\d+\])?: \*\*\*/,
];

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;
const MAX = 300;

function clean(line: string): string {
  const l = line.replace(ANSI, '').trim();
  return l.length > MAX ? `${l.slice(0, MAX - 3)}...` : l;
}

/** What a failed build's `log` says about why, in one line; a refused download says the build needs the network. */
export function failureLine(log: string): string {
  const lines = log
    .split('\n')
    .map(clean)
    .filter((l) => l !== '');
  const useful = lines.filter((l) => !NOISE.some((n) => n.test(l)));
  const compiler = useful.find((l) => COMPILER.test(l));
  if (compiler !== undefined) return compiler;
  // A warned download that a fallback went past (prebuild-install || node-gyp rebuild) is not the cause.
  const refused = useful.filter((l) => NETWORK.test(l) && !WARNING.test(l));
  // "TypeError: fetch failed" says less than its cause's "getaddrinfo EAI_AGAIN <host>" below it.
  const network = refused.find((l) => NAMED.test(l)) ?? refused[0];
  if (network !== undefined) return `${network}: this build needs the network, which builds never have`;
  const found = useful.find((l) => THROWN.test(l)) ?? useful.find((l) => ERRORISH.test(l) && !WARNING.test(l));
  return found ?? useful.at(-1) ?? lines.at(-1) ?? '(no output)';
}
