/**
 * Recipes in Redis, by digest, so a build job names its closure (a list of digests) instead of
 * carrying it: a plan writes each recipe once (HSETNX), every build job reads what it needs.
 * A digest names its content, so a second write of one digest can only write the same thing.
 */
import type { Redis } from 'ioredis';
import { UnrecoverableError } from 'bullmq';
import type { Recipe } from '../src/recipe/index.js';

const KEY = 'bale:recipes';

export async function putRecipes(redis: Redis, recipes: { digest: string; recipe: Recipe }[]): Promise<void> {
  if (recipes.length === 0) return;
  const pipe = redis.pipeline();
  for (const r of recipes) pipe.hsetnx(KEY, r.digest, JSON.stringify(r.recipe));
  await pipe.exec();
}

export async function getRecipes(redis: Redis, digests: string[]): Promise<Recipe[]> {
  const texts = digests.length === 0 ? [] : await redis.hmget(KEY, ...digests);
  return texts.map((t, i) => {
    if (t === null) throw new UnrecoverableError(`recipe ${digests[i]} is not in Redis (flushed?): enqueue the request again`);
    return JSON.parse(t) as Recipe;
  });
}
