/**
 * PEP 508 environment markers: `python_version < "3.11" and extra == "socks"`. Parsed once into
 * a small AST, evaluated per target interpreter and per set of requested extras.
 */
import { UserError } from '../../src/errors/index.js';
import { normalizePypiName } from '../../src/purl/purl.js';
import { MARKER_VARIABLES, type MarkerEnv, type MarkerVariable } from './environment.js';
import { isValidVersion, parseSpecifierClause, satisfiesClauses } from './versions.js';

export type MarkerOp = '===' | '==' | '!=' | '<=' | '>=' | '<' | '>' | '~=' | 'in' | 'not in';
export type MarkerName = MarkerVariable | 'extra';
export type MarkerOperand = { variable: MarkerName } | { literal: string };
export interface MarkerCompare {
  kind: 'compare';
  left: MarkerOperand;
  op: MarkerOp;
  right: MarkerOperand;
}
/** `and`/`or` of two or more markers; nested groups of the same kind are flattened. */
export interface MarkerGroup {
  kind: 'and' | 'or';
  items: Marker[];
}
export type Marker = MarkerCompare | MarkerGroup;

// Compared as PEP 440 versions when both sides parse; platform_release is a kernel string.
const VERSION_VARIABLES: ReadonlySet<MarkerName> = new Set(['python_version', 'python_full_version', 'implementation_version']);

// PEP 345 spellings still found in old metadata; packaging accepts them too.
const ALIASES: Record<string, MarkerName> = {
  'os.name': 'os_name',
  'sys.platform': 'sys_platform',
  'platform.version': 'platform_version',
  'platform.machine': 'platform_machine',
  'platform.python_implementation': 'platform_python_implementation',
  python_implementation: 'platform_python_implementation',
};

function variableNamed(word: string): MarkerName | undefined {
  if (word === 'extra' || (MARKER_VARIABLES as readonly string[]).includes(word)) return word as MarkerName;
  return ALIASES[word];
}

type Token = { t: 'str'; v: string; at: number } | { t: 'op' | 'word'; v: string; at: number } | { t: '(' | ')' | 'end'; at: number };

const TOKEN = /(")([^"]*)"|(')([^']*)'|(===|==|~=|!=|<=|>=|<|>)|([A-Za-z_][A-Za-z0-9_.]*)|([()])/y;

function tokenize(text: string, fail: (why: string, at: number) => never): Token[] {
  const out: Token[] = [];
  let at = 0;
  for (;;) {
    while (at < text.length && /\s/.test(text[at]!)) at++;
    if (at >= text.length) break;
    TOKEN.lastIndex = at;
    const m = TOKEN.exec(text);
    if (m === null) {
      const c = text[at]!;
      fail(c === '"' || c === "'" ? 'unterminated quoted string' : `unexpected '${c}'`, at);
    }
    if (m[1] !== undefined || m[3] !== undefined) out.push({ t: 'str', v: m[2] ?? m[4]!, at });
    else if (m[5] !== undefined) out.push({ t: 'op', v: m[5], at });
    else if (m[6] !== undefined) out.push({ t: 'word', v: m[6], at });
    else out.push({ t: m[7] as '(' | ')', at });
    at = TOKEN.lastIndex;
  }
  out.push({ t: 'end', at: text.length });
  return out;
}

function describe(tok: Token): string {
  if (tok.t === 'end') return 'the end';
  if (tok.t === 'str') return `'${tok.v}'`;
  return tok.t === 'op' || tok.t === 'word' ? `'${tok.v}'` : `'${tok.t}'`;
}

/** Parse a marker (the part after `;`). A syntax error is a UserError 'EMARKER' naming the text. */
export function parseMarker(text: string): Marker {
  const fail = (why: string, at: number): never => {
    throw new UserError(
      'EMARKER',
      `environment marker '${text.trim()}' is invalid: ${why} at column ${at + 1}; write it as PEP 508 says, e.g. python_version < "3.11"`,
    );
  };
  const toks = tokenize(text, fail);
  let i = 0;
  const peek = (): Token => toks[i]!;
  const isWord = (tok: Token, w: string): boolean => tok.t === 'word' && tok.v === w;

  const group = (kind: 'and' | 'or', items: Marker[]): Marker =>
    items.length === 1 ? items[0]! : { kind, items: items.flatMap((m) => (m.kind === kind ? m.items : [m])) };

  const operand = (): MarkerOperand => {
    const tok = peek();
    if (tok.t === 'str') {
      i++;
      return { literal: tok.v };
    }
    if (tok.t === 'word') {
      const name = variableNamed(tok.v);
      if (name === undefined) fail(`unknown marker variable '${tok.v}'`, tok.at);
      i++;
      return { variable: name! };
    }
    return fail(`expected a marker variable or a quoted string, found ${describe(tok)}`, tok.at);
  };

  const operator = (): MarkerOp => {
    const tok = peek();
    if (tok.t === 'op') {
      i++;
      return tok.v as MarkerOp;
    }
    if (isWord(tok, 'in')) {
      i++;
      return 'in';
    }
    if (isWord(tok, 'not') && isWord(toks[i + 1]!, 'in')) {
      i += 2;
      return 'not in';
    }
    return fail(`expected a comparison (==, <, in, not in ...), found ${describe(tok)}`, tok.at);
  };

  const atom = (): Marker => {
    const tok = peek();
    if (tok.t === '(') {
      i++;
      const inner = or();
      const close = peek();
      if (close.t !== ')') fail(`expected ')', found ${describe(close)}`, close.at);
      i++;
      return inner;
    }
    const left = operand();
    const op = operator();
    const right = operand();
    return { kind: 'compare', left, op, right };
  };

  const and = (): Marker => {
    const items = [atom()];
    while (isWord(peek(), 'and')) {
      i++;
      items.push(atom());
    }
    return group('and', items);
  };

  function or(): Marker {
    const items = [and()];
    while (isWord(peek(), 'or')) {
      i++;
      items.push(and());
    }
    return group('or', items);
  }

  const marker = or();
  const rest = peek();
  if (rest.t !== 'end') fail(`expected 'and', 'or' or the end, found ${describe(rest)}`, rest.at);
  return marker;
}

function formatOperand(o: MarkerOperand): string {
  if ('variable' in o) return o.variable;
  return o.literal.includes('"') ? `'${o.literal}'` : `"${o.literal}"`;
}

/** The marker as text, in the canonical spelling (`a == "x" and (b or c)`); parses back to the same AST. */
export function formatMarker(m: Marker): string {
  if (m.kind === 'compare') return `${formatOperand(m.left)} ${m.op} ${formatOperand(m.right)}`;
  if (m.kind === 'or') return m.items.map(formatMarker).join(' or ');
  return m.items.map((x) => (x.kind === 'or' ? `(${formatMarker(x)})` : formatMarker(x))).join(' and ');
}

/** Whether the marker tests `extra` anywhere (such a requirement belongs to an extra). */
export function markerMentionsExtra(m: Marker): boolean {
  if (m.kind !== 'compare') return m.items.some(markerMentionsExtra);
  return [m.left, m.right].some((o) => 'variable' in o && o.variable === 'extra');
}

function compareStrings(l: string, op: MarkerOp, r: string, m: MarkerCompare): boolean {
  switch (op) {
    case 'in':
      return r.includes(l);
    case 'not in':
      return !r.includes(l);
    case '==':
    case '===':
      return l === r;
    case '!=':
      return l !== r;
    case '<':
      return l < r;
    case '<=':
      return l <= r;
    case '>':
      return l > r;
    case '>=':
      return l >= r;
    case '~=':
      // PEP 508: an operator with no PEP 440 meaning and no Python string meaning is an error.
      throw new UserError(
        'EMARKER',
        `environment marker '${formatMarker(m)}' is invalid: ~= needs versions on both sides ('${l}', '${r}'); use == or a version`,
      );
  }
}

function evaluateCompare(m: MarkerCompare, env: MarkerEnv, extra: string): boolean {
  const value = (o: MarkerOperand): string => ('literal' in o ? o.literal : o.variable === 'extra' ? extra : env[o.variable]);
  const key = 'variable' in m.left ? m.left.variable : 'variable' in m.right ? m.right.variable : undefined;
  let l = value(m.left);
  let r = value(m.right);
  if (key === 'extra') {
    // PEP 685: extras compare as PEP 503 names do.
    l = normalizePypiName(l);
    r = normalizePypiName(r);
  }
  // As packaging does: the right side makes the clause, the left side is the candidate ('=3' must
  // not turn == into ===; `in` makes no clause, so it stays a string test).
  if (key !== undefined && VERSION_VARIABLES.has(key) && !/^\s*[=<>!~]/.test(r)) {
    const clause = parseSpecifierClause(`${m.op}${r}`);
    if (clause !== null && isValidVersion(l)) return satisfiesClauses(l, [clause], { prereleases: true });
  }
  return compareStrings(l, m.op, r, m);
}

function evaluateWith(m: Marker, env: MarkerEnv, extra: string): boolean {
  if (m.kind === 'compare') return evaluateCompare(m, env, extra);
  if (m.kind === 'and') return m.items.every((x) => evaluateWith(x, env, extra));
  return m.items.some((x) => evaluateWith(x, env, extra));
}

/**
 * Whether the marker holds for one interpreter and one set of requested extras. As pip does, it
 * is evaluated once per requested extra (true if any holds), or with `extra` = '' when none is
 * requested: `extra == "socks"` is then false and `extra != "socks"` true.
 */
export function evaluateMarker(m: Marker, env: MarkerEnv, extras: ReadonlySet<string>): boolean {
  if (extras.size === 0 || !markerMentionsExtra(m)) return evaluateWith(m, env, '');
  return [...extras]
    .map(normalizePypiName)
    .sort()
    .some((e) => evaluateWith(m, env, e));
}
