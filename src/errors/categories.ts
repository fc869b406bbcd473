/**
 * Why a root of a bulk run (`--keep-going`) failed, as a maintainer sorts the failures: the
 * category of each error code, in one table. A code that says nothing about one root (a bad flag,
 * a missing interpreter, the store) is `other`. The Record type makes a new code in ERROR_CODES a
 * compile error here until it is placed.
 */
import type { ErrorCode } from './codes.js';

/** The categories, in the order summaries list them. */
export const ROOT_CATEGORIES = [
  'not found',
  'no matching version',
  'unsatisfiable',
  'platform',
  'registry failure',
  'build failure',
] as const;

export type RootCategory = (typeof ROOT_CATEGORIES)[number] | 'other';

export const CATEGORY_OF_CODE: Record<ErrorCode, RootCategory> = {
  EUSAGE: 'other',
  EBADENV: 'other',
  EREADFILE: 'other',
  EOUTPUT: 'other',
  ETOOL: 'other',
  ESANDBOX: 'other',

  ESPEC: 'other',
  ERECIPE: 'other',
  // bale build: no recipe was imported for the root.
  ENORECIPE: 'not found',
  ETARGETS: 'other',
  EROOTS: 'other',
  EPARTIAL: 'other',
  EDEPFAILED: 'build failure',
  ECYCLE: 'unsatisfiable',

  ESOURCE: 'registry failure',
  EFETCH: 'registry failure',
  ENETWORK: 'registry failure',
  EBADINTEGRITY: 'registry failure',
  EINTEGRITY: 'registry failure',
  EIDENTITY: 'registry failure',
  ESOURCEURL: 'registry failure',

  EARCHIVE: 'build failure',
  ELIMIT: 'build failure',

  EPYTHON: 'other',
  ERUBY: 'other',
  ENODE: 'other',

  ERESOLVE: 'unsatisfiable',
  ENOTFOUND: 'not found',
  // A name the ecosystem does not allow names nothing its registry has.
  ENAME: 'not found',
  EINDEX: 'registry failure',

  ENOVERSION: 'no matching version',
  EBADPLATFORM: 'platform',
  EENGINE: 'platform',
  // A git, file or URL dependency: nothing in the registry satisfies it.
  EUNSUPPORTED: 'unsatisfiable',

  EVERSION: 'other',
  ESPECIFIER: 'unsatisfiable',
  EREQUIREMENT: 'unsatisfiable',
  EMARKER: 'unsatisfiable',
  EREQUIRESPYTHON: 'unsatisfiable',
  EMETADATA: 'registry failure',
  EWHEELNAME: 'registry failure',
  EWHEEL: 'build failure',
  EPEP725: 'build failure',

  EGEM: 'registry failure',
  EGEMREQ: 'unsatisfiable',
  EGEMVERSION: 'other',
  EREQUIREDRUBY: 'unsatisfiable',
  ERUBYLAYOUT: 'platform',
  EGEMBIN: 'build failure',
  EGEMTREE: 'build failure',

  EAPT: 'registry failure',

  EBUILD: 'build failure',
  ENATIVE: 'build failure',
  EOVERRIDE: 'other',
  EOVERRIDES: 'other',

  EPACKTYPE: 'build failure',
  EPACKNAME: 'build failure',
  EPACKREAD: 'build failure',
  EPACKPATH: 'build failure',
  EPACKSYMLINK: 'build failure',
  EPACKDUP: 'build failure',
  ENOTREE: 'build failure',
  ESOURCEDATEEPOCH: 'build failure',
  EGZIPLEVEL: 'other',
  EMANIFEST: 'other',
  EPACKAGEFILE: 'other',
  ESTORECORRUPT: 'other',
  ESTORENAME: 'other',
  ESTOREHASH: 'other',
  EBUILDKEY: 'other',
  ENOPACKAGE: 'other',

  EIMAGE: 'other',
  EIMAGEPACKAGES: 'other',
  EAMBIGUOUS: 'other',
  EMISSING: 'other',
  ECONFLICT: 'other',
  EBASE: 'other',
  EOCIDIR: 'other',
  ECANONICALJSON: 'other',

  EIMAGEREF: 'other',
  EREGISTRYURL: 'other',
  // The npm importer's code for a registry that fails or sends garbage (the OCI store's too).
  EREGISTRY: 'registry failure',
  EREGISTRYAUTH: 'registry failure',
  EREGISTRYREPLY: 'registry failure',
  EPULL: 'other',

  EKEY: 'other',
  ENOKEY: 'other',
  EKEYEXISTS: 'other',
  EKEYGEN: 'other',
  EKEYPASSWORD: 'other',
  ECOMMENT: 'other',
  ESIGN: 'other',
  ESIGFORMAT: 'other',
  ENOSIG: 'other',
  EVERIFY: 'other',
  EUNTRUSTED: 'other',

  EATTEST: 'other',
  EPOLICY: 'other',
  EDESCRIPTION: 'other',
  EGCRACE: 'build failure',
  EREBUILD: 'other',
  ECHECK: 'other',
  EOSV: 'other',
  EVULNERABLE: 'other',

  EREDIS: 'other',
  EQUEUE: 'other',
  EDASHBOARD: 'other',
};

/** The category of a code; one that is not bale's (a Node or library code) is `other`. */
export function categoryOf(code: string): RootCategory {
  return Object.hasOwn(CATEGORY_OF_CODE, code) ? CATEGORY_OF_CODE[code as ErrorCode] : 'other';
}
