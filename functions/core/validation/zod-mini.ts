/**
 * zod/mini for the Lambda path, speaking English as zod's classic API does.
 *
 * `import { z } from 'zod'` bundles all of classic zod with every locale
 * (about 450 KB of a processor's 800 KB bundle, bench/bundles.ts); zod/mini
 * is the same validator with functions instead of methods, so esbuild keeps
 * only what is called. It ships no messages of its own: without the English
 * locale every issue would read "Invalid input", so it is installed here,
 * once, before any schema in a module importing this one can parse.
 */
import { config } from 'zod/mini';
import { en } from 'zod/locales';

config(en());

export * from 'zod/mini';
