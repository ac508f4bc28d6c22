#!/usr/bin/env node
// The rtp command runs from source: register tsx's loader, then the CLI.
import { register } from 'tsx/esm/api';

register();
await import('./cli/main.ts');
