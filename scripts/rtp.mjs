#!/usr/bin/env node
// The rtp command runs from source: register tsx's loader, then the CLI.
import { register } from 'tsx/esm/api';

// The AWS SDK warns, once per process and between progress lines, that its
// releases from January 2027 need Node 22. The versions the lockfile pins run
// on Node 20, and `rtp doctor` and the README say which Node to use, so the
// warning tells a user of rtp nothing to act on. Children inherit the setting;
// a user who sets the variable keeps their own value.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

register();
await import('./cli/main.ts');
