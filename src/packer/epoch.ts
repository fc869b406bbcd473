/**
 * The SOURCE_DATE_EPOCH a package can carry, the mtime of every entry: whole seconds from
 * 1980-01-01 (what zip and wheels can express) to 2038-01-19 (tar-stream writes mtime as a 32-bit
 * integer). The packer refuses anything else; the recipe schema holds recipes to the same range,
 * so a recipe that parses can be packed. Its own file: the schema loads it without the packer.
 */
export const MIN_SOURCE_DATE_EPOCH = 315532800;
export const MAX_SOURCE_DATE_EPOCH = 2147483647;
