/**
 * Blobs pulled once per memo, by repository and digest. A closure's recipes ride on every package
 * of it, so reading an image's packages pulled the same few hundred recipe blobs thousands of times;
 * a blob is content-addressed (pullBlob checks the digest), so one pull serves every artifact naming
 * it. Meant for one command's reading of one image: nothing is ever evicted.
 */
import type { RegistryClient } from './client.js';

export class BlobMemo {
  private readonly pulled = new Map<string, Promise<Buffer>>();

  constructor(private readonly client: RegistryClient) {}

  pull(repo: string, digest: string): Promise<Buffer> {
    const key = `${repo}@${digest}`;
    let got = this.pulled.get(key);
    if (got === undefined) {
      got = this.client.pullBlob(repo, digest);
      this.pulled.set(key, got);
      // A failed pull is not remembered: the next artifact naming the blob asks again.
      got.catch(() => this.pulled.delete(key));
    }
    return got;
  }
}
