/**
 * Ed25519 signing in minisign's formats: `minisign -Vm <file> -p key.pub` verifies what bale
 * signs, and bale verifies what minisign signs (prehashed "ED" and legacy "Ed").
 */
export { generateKeyPair, keyIdHex, type PublicKey, type SecretKey } from './keys.js';
export { formatPublicKey, parsePublicKey } from './public-key.js';
export { formatEncryptedSecretKey, formatSecretKey, parseSecretKey, PASSWORD_ENV } from './secret-key.js';
export { signData, verifyData } from './signature.js';
export { keygen, loadSecretKey } from './key-files.js';
export {
  defaultTrustedComment,
  readSignature,
  SIG_SUFFIX,
  signatureTimestamp,
  signFile,
  verifyFile,
  type SignFileOptions,
} from './sig-files.js';
export { loadTrustList, trustDir } from './trust.js';
