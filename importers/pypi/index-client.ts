/**
 * The PyPI index clients, one import for the importer: the Simple API (PEP 503 HTML and PEP 691
 * JSON, what `--index-url` names) and PyPI's JSON API, both behind one IndexClient interface.
 */
export type { DistFile, IndexClient, ProjectFiles } from './index-types.js';
export type { IndexClientOptions } from '../index-http.js';
export { jsonApi, parseJsonApi, type JsonApiClient } from './json-api.js';
export { metadataUrl } from './index-base.js';
export { parseSimpleJson, simpleIndex, SIMPLE_ACCEPT } from './simple-api.js';
export { parseSimpleHtml } from './simple-html.js';
