// avsc ships no declarations for its types-only entry point; it exports the
// same Type and types objects as the main entry (both are lib/types.js's).
declare module 'avsc/etc/browser/avsc-types.js' {
  import type { Type, types } from 'avsc';

  const avscTypes: { readonly Type: typeof Type; readonly types: typeof types };
  export default avscTypes;
}
