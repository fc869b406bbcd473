/**
 * zod for bale: the functional API (`zod/mini`), which skips the classic layer's method-building
 * at startup, with the messages classic zod gives. Classic installs its English locale when it
 * builds its first schema; mini installs none and would say "Invalid input" where bale's messages
 * quote zod's English ones. Import z from this module rather than from the zod package itself.
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

// As classic does it: only when nothing set a locale first.
if (config().localeError === undefined) config(en());

export * from 'zod/mini';
