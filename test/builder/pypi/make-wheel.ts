/**
 * Zips and wheels for the tests, written by the real thing: Python's zipfile module (python3 on
 * the PATH), with RECORD hashed by Python's hashlib and written by its csv module, so the code
 * under test is checked against an independent implementation. Hostile zips (symlinks, absolute
 * names, an encrypted flag, duplicates) are written the same way.
 */
import { execFileSync } from 'node:child_process';

export interface ZipEntrySpec {
  name: string;
  data?: string | Buffer;
  /** Full st_mode, type bits included (0o100755, 0o120777...); stored in the external attributes. */
  mode?: number;
  /** Compression: deflate by default. */
  method?: 'stored' | 'deflated' | 'bzip2';
  /** Replaces the external attributes after writing (zipfile would set 0600 for 0). */
  externalAttr?: number;
  /** Adds an Info-ZIP Unicode Path extra field (0x7075) giving this name. */
  unicodePath?: string;
  /** Sets the "encrypted" flag in the central directory (the data stays plain). */
  encryptedFlag?: boolean;
  /** Writes zip64 extra fields for this entry even though it is small. */
  zip64?: boolean;
}

export interface RecordSpec {
  /** Where RECORD goes, e.g. `demo-1.0.dist-info/RECORD`. */
  path: string;
  /** Paths to leave out of RECORD. */
  omit?: string[];
  /** Paths whose hash column is replaced by this text. */
  hashes?: Record<string, string>;
  /** Rows added as they are (path, hash, size). */
  extra?: [string, string, string][];
}

const WRITER = String.raw`
import base64, csv, hashlib, io, json, struct, sys, warnings, zipfile, zlib
METHODS = {'stored': zipfile.ZIP_STORED, 'deflated': zipfile.ZIP_DEFLATED, 'bzip2': zipfile.ZIP_BZIP2}
warnings.simplefilter('ignore')  # duplicate names are written on purpose
spec = json.load(sys.stdin)
out = io.BytesIO()
with zipfile.ZipFile(out, 'w') as zf:
    rows = []
    for e in spec['entries']:
        data = base64.b64decode(e['data'])
        zi = zipfile.ZipInfo(e['name'], date_time=(2020, 1, 1, 0, 0, 0))
        zi.create_system = 3
        if e.get('mode') is not None:
            zi.external_attr = e['mode'] << 16
        zi.compress_type = METHODS[e.get('method') or 'deflated']
        if e.get('unicodePath') is not None:
            field = struct.pack('<BI', 1, zlib.crc32(e['name'].encode())) + e['unicodePath'].encode()
            zi.extra = struct.pack('<HH', 0x7075, len(field)) + field
        with zf.open(zi, 'w', force_zip64=bool(e.get('zip64'))) as f:
            f.write(data)
        if e.get('externalAttr') is not None:
            zi.external_attr = e['externalAttr']
        if e.get('encryptedFlag'):
            zi.flag_bits |= 0x1  # only the central directory, written at close, says so
        if not e['name'].endswith('/'):
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()
            rows.append([e['name'], 'sha256=' + digest, str(len(data))])
    rec = spec.get('record')
    if rec:
        omit = set(rec.get('omit', []))
        hashes = rec.get('hashes', {})
        text = io.StringIO()
        w = csv.writer(text, lineterminator='\n')
        for r in rows:
            if r[0] in omit:
                continue
            w.writerow([r[0], hashes.get(r[0], r[1]), r[2]])
        for r in rec.get('extra', []):
            w.writerow(r)
        w.writerow([rec['path'], '', ''])
        zf.writestr(zipfile.ZipInfo(rec['path'], date_time=(2020, 1, 1, 0, 0, 0)), text.getvalue())
sys.stdout.buffer.write(out.getvalue())
`;

/** A zip of these entries, in this order, with a RECORD of them last when `record` is given. */
export function makeZip(entries: ZipEntrySpec[], record?: RecordSpec): Buffer {
  const spec = {
    entries: entries.map((e) => ({ ...e, data: Buffer.from(e.data ?? '').toString('base64') })),
    record: record ?? null,
  };
  return execFileSync('python3', ['-c', WRITER], { input: JSON.stringify(spec), maxBuffer: 256 * 1024 * 1024 });
}

export interface WheelSpec {
  name: string;
  version: string;
  /** Files by path inside the wheel (package files, `.data/...`, extra dist-info files). */
  files: ZipEntrySpec[];
  entryPoints?: string;
  /** WHEEL's text; null leaves it out. Default: Wheel-Version 1.0, Root-Is-Purelib true. */
  wheel?: string | null;
  /** Overrides the dist-info directory's stem (`<name>-<version>`). */
  distInfoStem?: string;
  record?: Omit<RecordSpec, 'path'>;
}

/** The dist-info stem a build backend writes: the name with runs of -_. as `_`. */
export function distInfoStem(name: string, version: string): string {
  return `${name.replace(/[-_.]+/g, '_')}-${version}`;
}

/** A wheel as a build backend writes it: files first, then dist-info with RECORD last. */
export function makeWheel(spec: WheelSpec): Buffer {
  const stem = spec.distInfoStem ?? distInfoStem(spec.name, spec.version);
  const info = `${stem}.dist-info`;
  const wheel =
    spec.wheel === undefined ? 'Wheel-Version: 1.0\nGenerator: bale-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n' : spec.wheel;
  const meta: ZipEntrySpec[] = [
    { name: `${info}/METADATA`, data: `Metadata-Version: 2.1\nName: ${spec.name}\nVersion: ${spec.version}\n` },
  ];
  if (wheel !== null) meta.push({ name: `${info}/WHEEL`, data: wheel });
  if (spec.entryPoints !== undefined) meta.push({ name: `${info}/entry_points.txt`, data: spec.entryPoints });
  return makeZip([...spec.files, ...meta], { path: `${info}/RECORD`, ...spec.record });
}
