/**
 * Gems for the tests, made by the real thing: `gem build` (the host's Ruby) from a small spec in a
 * temp dir, and tampered gems rewritten by RubyGems' own Gem::Package::TarReader/TarWriter, Digest
 * and Psych, so the reader under test is checked against an independent implementation.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';

export const RUBY = '/usr/bin/ruby3.1';
export const GEM = '/usr/bin/gem3.1';

export interface GemSpecInput {
  name: string;
  version: string;
  /** path -> text; a `{ text, mode }` for executables. */
  files: Record<string, string | { text: string; mode: number }>;
  /** `s.bindir`. @defaultValue 'exe' */
  bindir?: string;
  executables?: string[];
  /** e.g. `ext/zext/extconf.rb`. */
  extensions?: string[];
  /** SOURCE_DATE_EPOCH of `gem build`: the gem's date. @defaultValue 1700000000 (2023-11-14) */
  sourceDateEpoch?: number;
}

const GEMSPEC = `require "json"
d = JSON.parse(File.read(File.join(__dir__, "spec.json")))
Gem::Specification.new do |s|
  s.name = d["name"]
  s.version = d["version"]
  s.summary = "a bale test gem"
  s.authors = ["bale"]
  s.license = "MIT"
  s.homepage = "https://example.invalid/"
  s.files = d["files"]
  s.bindir = d["bindir"]
  s.executables = d["executables"]
  s.extensions = d["extensions"]
end
`;

/** A clean environment: no GEM_*, no RUBYOPT, a throwaway HOME. */
export function rubyEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: '/usr/bin:/bin', HOME: home, LC_ALL: 'C.UTF-8', ...extra };
}

/** `gem build` of the spec; the .gem's bytes. */
export async function buildGem(spec: GemSpecInput): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), `bale-gem-${spec.name}-`));
  try {
    for (const [path, body] of Object.entries(spec.files)) {
      const abs = join(dir, 'src', path);
      mkdirSync(dirname(abs), { recursive: true });
      writeFileSync(abs, typeof body === 'string' ? body : body.text);
      if (typeof body !== 'string') chmodSync(abs, body.mode);
    }
    const json = {
      ...spec,
      files: Object.keys(spec.files).sort(),
      bindir: spec.bindir ?? 'exe',
      executables: spec.executables ?? [],
      extensions: spec.extensions ?? [],
    };
    writeFileSync(join(dir, 'src', 'spec.json'), JSON.stringify(json));
    writeFileSync(join(dir, 'src', 'x.gemspec'), GEMSPEC);
    const out = join(dir, 'out.gem');
    await execa(GEM, ['build', 'x.gemspec', '--output', out], {
      cwd: join(dir, 'src'),
      env: rubyEnv(dir, { SOURCE_DATE_EPOCH: String(spec.sourceDateEpoch ?? 1700000000) }),
      extendEnv: false,
    });
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One entry of a replacement data.tar.gz. */
export type DataEntry = { name: string; text: string } | { name: string; symlink: string };

export interface Tampering {
  /** Replace data.tar.gz with a tar of these entries (names written as given, `../` included). */
  data?: DataEntry[];
  /** Keep the original checksums.yaml.gz even though data.tar.gz changed. @defaultValue false */
  keepChecksums?: boolean;
  /** Leave checksums.yaml.gz out. @defaultValue false */
  dropChecksums?: boolean;
  /** Drop the metadata's top-level lines starting with this (e.g. `date:`). */
  dropMetadataLine?: string;
  /** Outer entries appended after the usual three (e.g. a second data.tar.gz). */
  extraOuter?: Array<{ name: string; data: 'data.tar.gz' | 'metadata.gz' | string }>;
}

const TAMPER = String.raw`
require "rubygems/package"; require "json"; require "digest"; require "zlib"; require "yaml"; require "stringio"
o = JSON.parse(STDIN.read)
parts = {}
File.open(o["gem"], "rb") { |io| Gem::Package::TarReader.new(io) { |tr| tr.each { |e| parts[e.full_name] = e.read || "" } } }
sums = { "SHA256" => {}, "SHA512" => {} }
%w[metadata.gz data.tar.gz].each { |n| sums["SHA256"][n] = Digest::SHA256.hexdigest(parts[n]); sums["SHA512"][n] = Digest::SHA512.hexdigest(parts[n]) }
if o["dropMetadataLine"]
  parts["metadata.gz"] = Zlib.gzip(Zlib.gunzip(parts["metadata.gz"]).lines.reject { |l| l.start_with?(o["dropMetadataLine"]) }.join)
end
if o["data"]
  sio = StringIO.new("".b)
  gz = Zlib::GzipWriter.new(sio)
  Gem::Package::TarWriter.new(gz) do |tw|
    o["data"].each do |f|
      if f["symlink"] then tw.add_symlink(f["name"], f["symlink"], 0777)
      else tw.add_file_simple(f["name"], 0644, f["text"].bytesize) { |w| w.write(f["text"]) } end
    end
  end
  gz.finish
  parts["data.tar.gz"] = sio.string
end
unless o["keepChecksums"]
  %w[metadata.gz data.tar.gz].each { |n| sums["SHA256"][n] = Digest::SHA256.hexdigest(parts[n]); sums["SHA512"][n] = Digest::SHA512.hexdigest(parts[n]) }
end
parts["checksums.yaml.gz"] = Zlib.gzip(sums.to_yaml)
parts.delete("checksums.yaml.gz") if o["dropChecksums"]
File.open(o["out"], "wb") do |io|
  Gem::Package::TarWriter.new(io) do |tw|
    names = %w[metadata.gz data.tar.gz checksums.yaml.gz].select { |n| parts.key?(n) }
    add = ->(name, body) { tw.add_file_simple(name, 0444, body.bytesize) { |w| w.write(body) } }
    names.each { |n| add.(n, parts[n]) }
    (o["extraOuter"] || []).each { |x| add.(x["name"], parts.fetch(x["data"], x["data"])) }
  end
end
`;

/** Rewrites a gem with RubyGems' tar code. */
export async function tamperGem(gem: Buffer, t: Tampering): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'bale-gem-tamper-'));
  try {
    writeFileSync(join(dir, 'in.gem'), gem);
    const input = JSON.stringify({ ...t, gem: join(dir, 'in.gem'), out: join(dir, 'out.gem') });
    await execa(RUBY, ['-e', TAMPER], { input, env: rubyEnv(dir), extendEnv: false });
    return readFileSync(join(dir, 'out.gem'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A pure gem with a library and an executable. */
export const HELLO: GemSpecInput = {
  name: 'hello',
  version: '1.0.0',
  files: {
    'lib/hello.rb': 'module Hello\n  def self.greet(who) = "hello, #{who}"\nend\n',
    'exe/hello': { text: '#!/usr/bin/env ruby -w\nrequire "hello"\nputs Hello.greet(ARGV.first || "world")\n', mode: 0o755 },
  },
  executables: ['hello'],
};

/** A gem whose C extension links zlib (extconf.rb: have_library("z")). */
export const ZEXT: GemSpecInput = {
  name: 'zext',
  version: '0.1.0',
  files: {
    'lib/zext.rb': 'require "zext/zext"\n',
    // The header is found by its absolute path, so its __FILE__ is the build path: what -ffile-prefix-map rewrites.
    'ext/zext/extconf.rb': [
      'require "mkmf"',
      'abort "zlib is missing" unless have_library("z", "crc32") && have_header("zlib.h")',
      '$INCFLAGS << " -I#{__dir__}/include"',
      'create_makefile("zext/zext")',
      '',
    ].join('\n'),
    'ext/zext/include/zext_where.h': 'static const char zext_header[] = __FILE__;\n',
    'ext/zext/zext.c': [
      '#include <ruby.h>',
      '#include <zlib.h>',
      '#include <zext_where.h>',
      'static VALUE zext_crc32(VALUE self, VALUE s) {',
      '  StringValue(s);',
      '  return ULONG2NUM(crc32(0L, (const Bytef *)RSTRING_PTR(s), (uInt)RSTRING_LEN(s)));',
      '}',
      'static VALUE zext_source(VALUE self) { return rb_str_new_cstr(zext_header); }',
      'void Init_zext(void) {',
      '  VALUE m = rb_define_module("Zext");',
      '  rb_define_module_function(m, "crc32", zext_crc32, 1);',
      '  rb_define_module_function(m, "source", zext_source, 0);',
      '}',
      '',
    ].join('\n'),
  },
  extensions: ['ext/zext/extconf.rb'],
};
