/**
 * Every code a BaleError carries, with what went wrong as the person running bale sees it. A code
 * names a kind of failure (tests and the queue match on it); the message says the rest. Codes that
 * Node, undici or npm put on their own errors (ENOENT, ECONNRESET, E404, pacote's EINTEGRITY) are
 * not bale's, and are listed only when bale throws the same code itself (ENOTFOUND, EINTEGRITY).
 * test/errors/codes.test.ts fails when a code here is no longer thrown anywhere.
 */
export const ERROR_CODES = {
  // Flags, environment, host tools, files bale is pointed at
  EUSAGE: 'a flag, argument or environment variable is bad or missing; nothing was done',
  EBADENV: 'a timeout environment variable is not a duration',
  EREADFILE: 'a file bale was given cannot be read, is not a regular file or is too large',
  EOUTPUT: 'a file or directory bale was told to write cannot be written',
  ETOOL: 'a host tool bale needs (apt, dpkg-deb) is not installed',
  ESANDBOX: 'no usable sandbox for build scripts, or an unknown sandbox was asked for',

  // Specs, recipes and the all-or-nothing rule
  ESPEC: 'a package spec or purl is invalid, or cannot be used where it was given',
  ERECIPE: 'a recipe is missing, unreadable, invalid or does not match its package',
  ENORECIPE: 'no imported recipe matches the spec given to bale build (or a root given to bale refresh)',
  ETARGETS: 'one or more targets of a request failed, so nothing was written',
  EROOTS: 'some roots of a --keep-going run failed; the others were kept (summary on stderr, per root in --report)',
  EPARTIAL: 'a queued import resolved some targets but not all',
  EDEPFAILED: 'a package was not built because a package it needs failed to build',
  ECYCLE: 'the build requirements of the packages form a cycle',

  // Fetching sources and checking them
  ESOURCE: 'a recipe source URL is invalid or unsupported, or its local file cannot be read',
  EFETCH: 'a download failed (network or server error); a later try may pass',
  ENETWORK: 'the registry holding Node builds cannot be reached; a later try may pass',
  EBADINTEGRITY: 'a recipe hash is not a sha256 or sha512 SRI string',
  EINTEGRITY: 'downloaded bytes do not hash to what the recipe or registry pins',
  EIDENTITY: 'a registry or index answered about another package than the one asked for',
  ESOURCEURL: 'a registry or index gives a file URL bale refuses (not http(s), or malformed)',

  // Archives
  EARCHIVE: 'an archive is corrupt, not the format expected, or holds an unsafe entry',
  ELIMIT: "an archive unpacks to more than a limit allows (raise it in the recipe's [build.limits])",

  // Interpreters
  EPYTHON: 'a configured or requested CPython is missing or unusable',
  ERUBY: 'a configured or requested Ruby is missing or unusable',
  ENODE: 'the requested Node version is invalid, unavailable or refused by the registry',

  // Resolving (all importers)
  ERESOLVE: 'no set of versions satisfies the requirements',
  ENOTFOUND: 'a package, image blob or manifest does not exist where bale looked',
  ENAME: 'a package name is not valid for its ecosystem',
  EINDEX: 'an index URL or local index cannot be used',

  // npm
  ENOVERSION: 'no version of an npm package matches the range asked for',
  EBADPLATFORM: 'an npm package is not for the platform bale builds (linux x64 glibc)',
  EENGINE: "an npm package's engines leave out a requested Node version",
  EUNSUPPORTED: 'an npm dependency is not a registry package (git, file, URL) or not a valid spec',

  // PyPI
  EVERSION: 'a Python version is not a PEP 440 version, or cannot be asked of the index',
  ESPECIFIER: 'a Python version specifier is not PEP 440',
  EREQUIREMENT: 'a Python requirement is not valid PEP 508',
  EMARKER: 'a Python environment marker is invalid',
  EREQUIRESPYTHON: "a release's Requires-Python is not a PEP 440 specifier",
  EMETADATA: "a Python package's metadata or pyproject.toml is missing or invalid",
  EWHEELNAME: 'a file name is not a valid wheel name (PEP 427)',
  EWHEEL: 'a wheel is malformed (RECORD, entry points or layout)',
  EPEP725: "a pyproject.toml's [external] table (PEP 725) is malformed",

  // RubyGems
  EGEM: 'a gem name, version or platform is invalid, or the .gem is another gem than the recipe says',
  EGEMREQ: 'a RubyGems requirement is invalid',
  EGEMVERSION: 'a RubyGems version is invalid',
  EREQUIREDRUBY: "a gem's required_ruby_version is not a RubyGems requirement",
  ERUBYLAYOUT: 'a Ruby version, ABI, platform or extension API is not in the form bale expects',
  EGEMBIN: 'internal: an executable RubyGems wrote has no Ruby shebang to rewrite',
  EGEMTREE: 'internal: gem install wrote a file outside the gem home and bin directory',

  // Debian
  EAPT: 'apt cannot resolve or download a Debian package, or did not finish in time',

  // Building
  EBUILD: "a package's build failed (its log is named in the message)",
  ENATIVE: 'a build needs native libraries missing on the build host',
  EOVERRIDE: 'an override table file is not valid TOML or not a valid table',
  EOVERRIDES: 'an override table file cannot be read',

  // Packing and the store
  EPACKTYPE: 'a staging tree holds something other than files, directories and symlinks',
  EPACKNAME: 'a staging tree holds a file name that is not valid UTF-8',
  EPACKREAD: 'a file in the staging tree changed while it was packed',
  EPACKPATH: 'a package entry path is unsafe or invalid',
  EPACKSYMLINK: 'a package symlink points outside the package or is invalid',
  EPACKDUP: 'a package entry appears twice',
  ENOTREE: 'the staging directory to pack cannot be read or is not a directory',
  ESOURCEDATEEPOCH: 'SOURCE_DATE_EPOCH is out of the range a tarball can hold',
  EGZIPLEVEL: 'internal: a gzip level is not an integer from 1 to 9',
  EMANIFEST: "a package's manifest is not valid JSON or not a valid manifest",
  EPACKAGEFILE: "a package's file in the store cannot be read",
  ESTORECORRUPT: 'a file in the store is damaged or does not match its name',
  ESTORENAME: 'a package name or version cannot be part of a store file name',
  ESTOREHASH: 'internal: a sha256 is not 64 lowercase hex digits',
  EBUILDKEY: 'internal: a build key is not 16 to 128 lowercase hex digits',
  ENOPACKAGE: 'no package in the store matches the one asked for',

  // Images
  EIMAGE: 'an image file is not valid TOML or not a valid image file',
  EIMAGEPACKAGES: 'internal: the packages resolved for an image differ from its image file',
  EAMBIGUOUS: 'the store holds several builds of a package and none was named',
  EMISSING: 'a package an image needs is not in the store',
  ECONFLICT: 'two packages of an image hold the same path',
  EBASE: 'the image base does not fit the host or the packages in the image',
  EOCIDIR: 'the directory to export an OCI layout to is neither empty nor an OCI layout',
  ECANONICALJSON: 'internal: a value cannot be written as canonical JSON',

  // Registries (OCI)
  EIMAGEREF: 'an image reference is invalid',
  EREGISTRYURL: 'a registry URL is invalid',
  EREGISTRY: 'a registry failed or refused a request',
  EREGISTRYAUTH: 'a registry refused the credentials, or they are set incompletely',
  EREGISTRYREPLY: 'a registry answered in a way the OCI distribution API does not allow',
  EPULL: 'an artifact bale pushes with an image is missing from the registry',

  // Signing
  EKEY: 'a key file is unreadable or not a minisign key',
  ENOKEY: 'a command that signs was given no signing key',
  EKEYEXISTS: 'bale keygen would overwrite an existing key',
  EKEYGEN: 'bale keygen cannot write the key pair',
  EKEYPASSWORD: 'an encrypted secret key has no password set, or the wrong one',
  ECOMMENT: 'a signature comment is more than one line or too long',
  ESIGN: 'a file cannot be signed, or its signature cannot be written',
  ESIGFORMAT: 'a signature file is not a minisign signature',
  ENOSIG: 'a file or image has no signature to verify',
  EVERIFY: 'a signed file cannot be read to verify it',
  EUNTRUSTED: 'a signature is by a key that is not trusted',

  // Attestations and the N-of-M policy
  EATTEST: 'an attestation (DSSE envelope, in-toto statement, .intoto.jsonl bundle) is malformed or not a bale build attestation',
  EPOLICY: 'a package fails the attestation policy: too few trusted builders agree on its bytes, or they disagree',
  EGCRACE: 'a package a build runs against was removed by bale gc before the build took its lease; build again',
  EDESCRIPTION: "a package's build description or one of its recipes is missing, malformed or altered, so it cannot be rebuilt",
  EREBUILD: 'a rebuild reproduced different bytes (MISMATCH) or could not rebuild a package',
  ECHECK: "a package built with --check differs from the registry's package for the same build key (MISMATCH)",

  // Advisories (bale audit, compose --osv)
  EOSV: 'the --osv path is missing, or holds no OSV JSON record and no all.zip',
  EVULNERABLE: 'an image holds a package an OSV advisory affects (bale audit), or compose refused one (--allow-vulnerable composes it)',

  // Queue
  EREDIS: 'Redis cannot be reached or is set up in a way the queues cannot use',
  EQUEUE: 'a queued job failed on a worker or is gone from the queue',
  EDASHBOARD: 'the dashboard cannot listen on the address and port it was given',
} as const;

/** A bale error code: a typo in one is a compile error. */
export type ErrorCode = keyof typeof ERROR_CODES;
