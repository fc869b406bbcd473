/**
 * A strict reader of Ruby's Marshal format 4.8, for what RubyGems' Marshal indexes hold
 * (`specs.4.8.gz`, `quick/Marshal.4.8/*.gemspec.rz`): nil, true, false, fixnums, bignums, floats,
 * strings (with their encoding ivar), symbols and symbol links, arrays, hashes, object links,
 * plain objects (`o`: Gem::Dependency, Gem::Platform), `_dump` objects (`u`: Gem::Specification,
 * Time) and `marshal_dump` objects (`U`: Gem::Version, Gem::Requirement). Classes, modules,
 * regexps, structs and the rest are refused: no RubyGems index holds them.
 *
 * These bytes come from the network, so the reader is bounded: nesting deeper than `maxDepth` is
 * refused (no unbounded recursion); a length or count larger than the bytes left is refused before
 * anything is allocated; a link to an object still being read (a cycle) is refused; so is anything
 * after the value. Nothing is evaluated: classes are names, never looked up. No npm library was
 * fit for this (the README's library list says why: none bounds nesting).
 */

/** Input that is not the Marshal data this reader accepts; the message says what and at which byte. */
export class MarshalError extends Error {
  override name = 'MarshalError';
}

/** A Ruby Symbol (`:runtime`): distinct from a String. */
export class RSymbol {
  constructor(readonly name: string) {}
}

/** A Ruby Hash, as its pairs in order (never a JS object: keys come from the input). */
export class RHash {
  constructor(readonly entries: [MarshalValue, MarshalValue][]) {}
}

/** `o`: an object of a class, by name, with its instance variables (`@name`). */
export class RObject {
  constructor(
    readonly className: string,
    readonly ivars: Map<string, MarshalValue>,
  ) {}
}

/** `u`: an object written by its class's `_dump`: opaque bytes only that class reads (plus ivars, for Time). */
export class RUserDef {
  constructor(
    readonly className: string,
    readonly bytes: Buffer,
    readonly ivars: Map<string, MarshalValue>,
  ) {}
}

/** `U`: an object written by its `marshal_dump`: the value that method returned. */
export class RUserMarshal {
  constructor(
    readonly className: string,
    readonly data: MarshalValue,
  ) {}
}

export type MarshalValue = null | boolean | number | bigint | string | RSymbol | MarshalValue[] | RHash | RObject | RUserDef | RUserMarshal;

export interface MarshalLimits {
  /** Nesting deeper than this is refused. @defaultValue 64 (a gemspec nests about 10 deep) */
  maxDepth?: number;
}

/** A placeholder for an object whose contents are still being read: a link to it is a cycle. */
const PENDING = Symbol('pending');

/** Bignums longer than this (bytes) are refused: no index holds a number of 2,000 digits. */
const MAX_BIGNUM_BYTES = 1024;

const FLOAT = /^-?(?:\d+(?:\.\d+)?(?:e[+-]?\d+)?|inf|nan)$/;

class Reader {
  private pos = 2;
  private readonly symbols: RSymbol[] = [];
  private readonly objects: (MarshalValue | typeof PENDING)[] = [];
  private readonly utf8 = new TextDecoder('utf-8');

  constructor(
    private readonly buf: Buffer,
    private readonly maxDepth: number,
  ) {}

  value(depth: number): MarshalValue {
    if (depth > this.maxDepth) this.fail(`nesting deeper than ${this.maxDepth}`);
    const at = this.pos;
    const tag = this.byte();
    switch (tag) {
      case 0x30:
        return null; // '0'
      case 0x54:
        return true; // 'T'
      case 0x46:
        return false; // 'F'
      case 0x69:
        return this.fixnum(); // 'i'
      case 0x3a:
        return this.symbol(); // ':'
      case 0x3b:
        return this.symlink(); // ';'
      case 0x40:
        return this.link(); // '@'
      case 0x22:
        return this.string(this.register(), undefined); // '"'
      case 0x49:
        return this.withIvars(depth); // 'I'
      case 0x5b:
        return this.array(depth); // '['
      case 0x7b:
        return this.hash(depth); // '{'
      case 0x66:
        return this.float(); // 'f'
      case 0x6c:
        return this.bignum(); // 'l'
      case 0x6f:
        return this.object(depth); // 'o'
      case 0x75:
        return this.userDef(depth, false); // 'u'
      case 0x55:
        return this.userMarshal(depth); // 'U'
      default:
        throw new MarshalError(`type ${describeTag(tag)} at byte ${at}: not something a RubyGems index holds`);
    }
  }

  end(): void {
    if (this.pos !== this.buf.length) this.fail(`${this.buf.length - this.pos} bytes after the end of the value`);
  }

  private fail(why: string): never {
    throw new MarshalError(`${why} (at byte ${this.pos} of ${this.buf.length})`);
  }

  private byte(): number {
    if (this.pos >= this.buf.length) this.fail('truncated: the data ends inside a value');
    return this.buf[this.pos++] as number;
  }

  /** Ruby's w_long: 0; 1..4 little-endian bytes follow (negated: -1..-4); else the byte itself offset by 5. */
  private fixnum(): number {
    const c = (this.byte() << 24) >> 24;
    if (c === 0) return 0;
    if (c > 4) return c - 5;
    if (c < -4) return c + 5;
    const n = Math.abs(c);
    let x = 0;
    for (let i = 0; i < n; i++) x += this.byte() * 2 ** (8 * i);
    return c > 0 ? x : x - 2 ** (8 * n);
  }

  /** A count of items each taking at least `minBytes`: refused when the bytes left cannot hold them. */
  private count(what: string, minBytes: number): number {
    const n = this.fixnum();
    if (n < 0) this.fail(`a negative ${what}`);
    if (n * minBytes > this.buf.length - this.pos) this.fail(`truncated: a ${what} of ${n} with ${this.buf.length - this.pos} bytes left`);
    return n;
  }

  private bytes(): Buffer {
    const n = this.count('byte length', 1);
    this.pos += n;
    return this.buf.subarray(this.pos - n, this.pos);
  }

  private register(): number {
    this.objects.push(PENDING);
    return this.objects.length - 1;
  }

  private done<T extends MarshalValue>(index: number, v: T): T {
    this.objects[index] = v;
    return v;
  }

  private symbol(): RSymbol {
    const s = new RSymbol(this.utf8.decode(this.bytes()));
    this.symbols.push(s);
    return s;
  }

  private symlink(): RSymbol {
    const i = this.fixnum();
    const s = this.symbols[i];
    if (s === undefined) this.fail(`a link to symbol ${i} of ${this.symbols.length}`);
    return s;
  }

  /** A symbol where a name must be: a class name, an ivar name. */
  private name(what: string): string {
    const tag = this.byte();
    if (tag === 0x3a) return this.symbol().name;
    if (tag === 0x3b) return this.symlink().name;
    return this.fail(`${what} is a ${describeTag(tag)}, not a symbol`);
  }

  private link(): MarshalValue {
    const i = this.fixnum();
    if (i < 0 || i >= this.objects.length) this.fail(`a link to object ${i} of ${this.objects.length}`);
    const v = this.objects[i] as MarshalValue | typeof PENDING;
    if (v === PENDING) this.fail(`a link to object ${i}, which contains it (a cycle)`);
    return v;
  }

  /** A String's bytes, decoded by its encoding ivar: `E` true is UTF-8; none, `E` false or another is read byte for byte. */
  private string(index: number, encoding: 'utf8' | 'latin1' | undefined): string {
    const b = this.bytes();
    return this.done(index, encoding === 'utf8' ? this.utf8.decode(b) : b.toString('latin1'));
  }

  /** `I`: a String, a Symbol or a `_dump` object followed by instance variables (a String's encoding, Time's zone). */
  private withIvars(depth: number): MarshalValue {
    const tag = this.byte();
    if (tag === 0x75) return this.userDef(depth, true);
    if (tag === 0x3a) {
      const s = this.symbol();
      this.ivars(depth);
      return s;
    }
    if (tag !== 0x22) this.fail(`instance variables on a ${describeTag(tag)}`);
    const index = this.register();
    const start = this.pos;
    this.bytes();
    const ivars = this.ivars(depth);
    const end = this.pos;
    const e = ivars.get('E');
    const enc = ivars.get('encoding');
    const utf8 = e === true || (typeof enc === 'string' && /^utf-?8$/i.test(enc));
    this.pos = start;
    const s = this.string(index, utf8 ? 'utf8' : 'latin1');
    this.pos = end;
    return s;
  }

  private ivars(depth: number): Map<string, MarshalValue> {
    const n = this.count('instance variable count', 2);
    const out = new Map<string, MarshalValue>();
    for (let i = 0; i < n; i++) {
      const key = this.name('an instance variable name');
      out.set(key.startsWith('@') ? key.slice(1) : key, this.value(depth + 1));
    }
    return out;
  }

  private array(depth: number): MarshalValue[] {
    const index = this.register();
    const n = this.count('array length', 1);
    const out: MarshalValue[] = [];
    for (let i = 0; i < n; i++) out.push(this.value(depth + 1));
    return this.done(index, out);
  }

  private hash(depth: number): RHash {
    const index = this.register();
    const n = this.count('hash size', 2);
    const out: [MarshalValue, MarshalValue][] = [];
    for (let i = 0; i < n; i++) out.push([this.value(depth + 1), this.value(depth + 1)]);
    return this.done(index, new RHash(out));
  }

  private float(): number {
    const index = this.register();
    const s = this.bytes().toString('latin1');
    if (!FLOAT.test(s)) this.fail(`not a float: ${JSON.stringify(s.slice(0, 40))}`);
    return this.done(index, s === 'inf' ? Infinity : s === '-inf' ? -Infinity : s === 'nan' ? NaN : Number(s));
  }

  private bignum(): bigint {
    const index = this.register();
    const sign = this.byte();
    if (sign !== 0x2b && sign !== 0x2d) this.fail('a bignum sign that is neither + nor -');
    const words = this.count('bignum length', 2);
    if (words * 2 > MAX_BIGNUM_BYTES) this.fail(`a bignum of ${words * 2} bytes`);
    let x = 0n;
    for (let i = words * 2 - 1; i >= 0; i--) x = (x << 8n) | BigInt(this.buf[this.pos + i] as number);
    this.pos += words * 2;
    return this.done(index, sign === 0x2d ? -x : x);
  }

  private object(depth: number): RObject {
    const className = this.name('a class name');
    const index = this.register();
    return this.done(index, new RObject(className, this.ivars(depth)));
  }

  /** `u`: Ruby registers it after its bytes and ivars (whose strings come first in the object table). */
  private userDef(depth: number, hasIvars: boolean): RUserDef {
    const className = this.name('a class name');
    const bytes = this.bytes();
    const ivars = hasIvars ? this.ivars(depth) : new Map<string, MarshalValue>();
    return this.done(this.register(), new RUserDef(className, bytes, ivars));
  }

  private userMarshal(depth: number): RUserMarshal {
    const className = this.name('a class name');
    const index = this.register();
    return this.done(index, new RUserMarshal(className, this.value(depth + 1)));
  }
}

function describeTag(tag: number): string {
  return tag >= 0x21 && tag < 0x7f ? `'${String.fromCharCode(tag)}'` : `0x${tag.toString(16).padStart(2, '0')}`;
}

/** The one value of a Marshal 4.8 stream (`Marshal.dump`'s output); MarshalError on anything else. */
export function readMarshal(buf: Buffer, limits: MarshalLimits = {}): MarshalValue {
  if (buf.length < 3) throw new MarshalError(`truncated: ${buf.length} bytes is no Marshal data`);
  if (buf[0] !== 4 || buf[1] !== 8) throw new MarshalError(`not Marshal 4.8 data (it starts with 0x${buf.subarray(0, 2).toString('hex')})`);
  const r = new Reader(buf, limits.maxDepth ?? 64);
  const v = r.value(0);
  r.end();
  return v;
}
