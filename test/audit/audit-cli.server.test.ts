/**
 * `bale audit` and `bale image compose --osv` as users run them: images composed from the npm
 * fixture registry (app: fx-app's closure; tool: fx-bin and fx-left; right: fx-right, whose
 * fx-shared is 2.x), OSV records for the fixtures' packages, audits of the image files (with the
 * store's depends, so the roots are named) and of a real registry (docker-registry) after bale push.
 * Only app and tool hold fx-shared 1.0.0, which the advisory affects: they, and only they, are found.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bale, oneErrorLine, tempDir, composeArgs } from '../helpers/cli.js';
import { startNpmRegistry, type FixtureRegistry } from '../helpers/npm-registry.js';
import { startOciRegistry, type OciRegistry } from '../helpers/oci-registry.js';

interface AuditJson {
  advisories: { records: number; withdrawn: number; malformed: number };
  affected_images: string[];
  images: {
    image: string;
    findings: { package: string; version: string; advisory: string; aliases: string[]; fixed: string | null; roots: string[] | null }[];
    upgrades: { package: string; from: string; to: string | null }[];
  }[];
}

const ADVISORIES: Record<string, unknown> = {
  // fx-shared before 1.0.1: in app and tool (through fx-left), not in right (fx-shared 2.x).
  'npm/BALE-FX-SHARED-1.json': {
    id: 'BALE-FX-SHARED-1',
    aliases: ['CVE-0000-0001'],
    summary: 'test advisory for the fixture fx-shared 1.0.0',
    affected: [
      { package: { ecosystem: 'npm', name: 'fx-shared' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.0.1' }] }] },
    ],
    database_specific: { severity: 'HIGH' },
  },
  // Withdrawn: were it read, right would be affected too.
  'npm/BALE-FX-RIGHT-WITHDRAWN.json': {
    id: 'BALE-FX-RIGHT-WITHDRAWN',
    withdrawn: '2024-01-01T00:00:00Z',
    affected: [{ package: { ecosystem: 'npm', name: 'fx-right' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }] }] }],
  },
  // last_affected below what the images hold: fx-bin 1.0.0 is not affected.
  'npm/BALE-FX-BIN-OLD.json': {
    id: 'BALE-FX-BIN-OLD',
    affected: [
      {
        package: { ecosystem: 'npm', name: 'fx-bin' },
        ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { last_affected: '0.9.9' }] }],
      },
    ],
  },
};

describe('bale audit / compose --osv (npm fixtures, real docker-registry)', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  let npm: FixtureRegistry;
  let oci: OciRegistry;
  const dir = (x: string): string => path.join(t.dir, x);
  const run = (args: string[]) => bale(args, { env: { XDG_CONFIG_HOME: dir('config'), BALE_SIGNING_KEY: dir('me.key') } });
  const compose = (name: string, specs: string[], extra: string[] = []) =>
    run([
      ...composeArgs({ specs, name, tag: '1', out: dir(`${name}.image.toml`), registry: npm.url, store: dir('s'), recipes: dir('r') }),
      ...extra,
    ]);
  const images = (): string[] => ['app', 'tool', 'right'].map((n) => dir(`${n}.image.toml`));

  before(async () => {
    t = await tempDir('audit');
    npm = await startNpmRegistry();
    oci = await startOciRegistry();
    for (const [rel, body] of Object.entries(ADVISORIES)) {
      await mkdir(path.dirname(dir(`osv/${rel}`)), { recursive: true });
      await writeFile(dir(`osv/${rel}`), JSON.stringify(body));
    }
    assert.equal((await bale(['keygen', '--out', dir('me')])).code, 0);
    for (const [name, specs] of [
      ['app', ['npm:fx-app@1.0.0']],
      ['tool', ['npm:fx-bin@1.0.0', 'npm:fx-left@1.0.0']],
      ['right', ['npm:fx-right@1.0.0']],
    ] as const) {
      const c = await compose(name, [...specs]);
      assert.equal(c.code, 0, c.stderr);
    }
  });
  after(async () => {
    await oci.stop();
    await npm.close();
    await t.cleanup();
  });

  test('audit of image files: exactly app and tool, the fix, and the roots that bring fx-shared in (exit 1)', async () => {
    const r = await run(['audit', '--osv', dir('osv'), ...images(), '--store', dir('s'), '--json']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(oneErrorLine(r.stderr), /EVULNERABLE|2 of 3 image\(s\) hold packages 1 advisory affects/);
    const j = JSON.parse(r.stdout) as AuditJson;
    assert.deepEqual(j.affected_images, ['app:1', 'tool:1']);
    assert.deepEqual(j.advisories, { ...j.advisories, records: 2, withdrawn: 1, malformed: 0 });
    const tool = j.images.find((i) => i.image === 'tool:1')!;
    assert.deepEqual(
      tool.findings.map((f) => [f.package, f.version, f.advisory, f.aliases, f.fixed]),
      [['node-fx-shared', '1.0.0', 'BALE-FX-SHARED-1', ['CVE-0000-0001'], '1.0.1']],
    );
    // tool's roots are fx-bin and fx-left (each with its -bin, one node with it); fx-shared comes through fx-left only.
    assert.deepEqual(tool.findings[0]!.roots, ['node-fx-left']);
    const app = j.images.find((i) => i.image === 'app:1')!;
    assert.deepEqual(app.findings[0]!.roots, ['node-fx-app']);
    assert.deepEqual(app.upgrades, [
      { package: 'node-fx-shared', purl: 'pkg:npm/fx-shared@1.0.0', from: '1.0.0', to: '1.0.1', advisories: ['BALE-FX-SHARED-1'] },
    ]);
    assert.deepEqual(j.images.find((i) => i.image === 'right:1')!.findings, []);
  });

  test('the table names image, package, version, advisory, severity, fix; a clean image exits 0', async () => {
    const r = await run(['audit', '--osv', dir('osv'), dir('tool.image.toml'), '--store', dir('s')]);
    assert.equal(r.code, 1, r.stderr);
    const row = r.stdout.split('\n').find((l) => l.startsWith('tool:1'));
    assert.match(row ?? '', /^tool:1\s+node-fx-shared\s+1\.0\.0\s+BALE-FX-SHARED-1 \(CVE-0000-0001\)\s+HIGH\s+1\.0\.1\s+node-fx-left/);
    assert.match(r.stdout, /node-fx-shared 1\.0\.0 -> 1\.0\.1 \(BALE-FX-SHARED-1\)/);
    const clean = await run(['audit', '--osv', dir('osv'), dir('right.image.toml')]);
    assert.equal(clean.code, 0, clean.stderr);
    assert.match(clean.stdout, /^no image affected: 1 image\(s\) checked against 2 advisories \(1 withdrawn\)/);
  });

  test('compose --osv refuses an affected package in one line; --allow-vulnerable warns and composes', async () => {
    const refused = await compose('left', ['npm:fx-left@1.0.0'], ['--osv', dir('osv')]);
    assert.equal(refused.code, 1);
    assert.match(
      oneErrorLine(refused.stderr),
      /left:1: node-fx-shared 1\.0\.0 is affected by BALE-FX-SHARED-1 \(CVE-0000-0001\), fixed in 1\.0\.1, brought in by node-fx-left.*--allow-vulnerable/,
    );
    assert.equal(existsSync(dir('left.image.toml')), false);
    const allowed = await compose('left', ['npm:fx-left@1.0.0'], ['--osv', dir('osv'), '--allow-vulnerable']);
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.match(allowed.stderr, /warning: left:1: node-fx-shared 1\.0\.0 is affected by BALE-FX-SHARED-1/);
    assert.ok(existsSync(dir('left.image.toml')));
    const clean = await compose('right2', ['npm:fx-right@1.0.0'], ['--osv', dir('osv')]);
    assert.equal(clean.code, 0, clean.stderr);
    const usage = await compose('x', ['npm:fx-right@1.0.0'], ['--allow-vulnerable']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--allow-vulnerable goes with --osv/);
  });

  test('audit --registry: every image under the namespace, exactly the affected ones, their roots; --image one of them', async () => {
    for (const f of images()) {
      const p = await run(['push', f, '--to', `${oci.url}/bale`, '--store', dir('s')]);
      assert.equal(p.code, 0, p.stderr);
    }
    const r = await run(['audit', '--osv', dir('osv'), '--registry', `${oci.url}/bale`, '--json']);
    assert.equal(r.code, 1, r.stderr);
    const j = JSON.parse(r.stdout) as AuditJson;
    assert.deepEqual(j.affected_images, [`${oci.host}/bale/app:1`, `${oci.host}/bale/tool:1`]);
    assert.equal(j.images.length, 3);
    // The roots come from the layers' dev.bale.depends, read through the registry index: as from the store offline.
    const byImage = new Map(j.images.map((i) => [i.image, i]));
    assert.deepEqual(byImage.get(`${oci.host}/bale/tool:1`)!.findings[0]!.roots, ['node-fx-left']);
    assert.deepEqual(byImage.get(`${oci.host}/bale/app:1`)!.findings[0]!.roots, ['node-fx-app']);
    const one = await run(['audit', '--osv', dir('osv'), '--registry', `${oci.url}/bale`, '--image', 'right:1', '--json']);
    assert.equal(one.code, 0, one.stderr);
    assert.deepEqual(
      (JSON.parse(one.stdout) as AuditJson).images.map((i) => i.image),
      [`${oci.host}/bale/right:1`],
    );
    const missing = await run(['audit', '--osv', dir('osv'), '--registry', `${oci.url}/bale`, '--image', 'nope:1']);
    assert.equal(missing.code, 1);
    assert.match(oneErrorLine(missing.stderr), /no bale image nope:1 under/);
  });

  test('refusals: no --osv, no images, both files and --registry, --image without --registry, a missing --osv path', async () => {
    for (const [args, re] of [
      [['audit', dir('app.image.toml')], /--osv DIR\|all\.zip/],
      [['audit', '--osv', dir('osv')], /say which images/],
      [['audit', '--osv', dir('osv'), dir('app.image.toml'), '--registry', `${oci.url}/bale`], /not both/],
      [['audit', '--osv', dir('osv'), dir('app.image.toml'), '--image', 'app:1'], /--image NAME:TAG needs --registry/],
    ] as const) {
      const r = await run([...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(oneErrorLine(r.stderr), re);
    }
    const r = await run(['audit', '--osv', dir('nope'), dir('app.image.toml')]);
    assert.equal(r.code, 1);
    assert.match(oneErrorLine(r.stderr), /--osv .*nope: no such file or directory/);
  });
});
