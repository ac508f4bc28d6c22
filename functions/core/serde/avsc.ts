/**
 * avsc as the processors use it: schemas to types, logical types, resolvers.
 *
 * avsc's main entry also loads its container files, RPC services and IDL
 * parser, none of which a processor calls; its own types-only entry point
 * (etc/browser/avsc-types, plain CommonJS that runs on Node) leaves them out,
 * which halves avsc's share of a processor bundle and of its cold import
 * (bench/bundles.ts). Both entries export lib/types.js's classes, so a type
 * made here is the same class as one made through `import 'avsc'`.
 */
export { default } from 'avsc/etc/browser/avsc-types.js';
