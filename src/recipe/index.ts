export {
  RECIPE_FORMAT,
  MIN_SOURCE_DATE_EPOCH,
  MAX_SOURCE_DATE_EPOCH,
  SOURCE_KINDS,
  DEPENDENCY_KINDS,
  RecipeSchema,
  type Recipe,
  type RecipeSource,
  type RecipeDependency,
  type RecipeBuild,
  type RecipeNative,
  type SourceKind,
  type DependencyKind,
} from './schema.js';
export { parseRecipe, checkRecipe } from './parse.js';
export { formatRecipe, canonicalRecipe, compareInterpreters, RECIPE_HEADER } from './write.js';
export { recipeDigest } from './digest.js';
export {
  recipePath,
  packageDir,
  readRecipe,
  writeRecipe,
  prepareRecipe,
  writePrepared,
  listRecipeVersions,
  type PreparedRecipe,
} from './repo.js';
