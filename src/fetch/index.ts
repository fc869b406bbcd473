/** The source fetcher: pinned artifacts by URL and hash, verified, cached by content. */
export { SourceFetcher, type FetcherOptions, type SourceRef } from './fetcher.js';
export { verifyIntegrity, sriOf, parseIntegrity, type SriAlgorithm, type PinnedDigest } from './integrity.js';
