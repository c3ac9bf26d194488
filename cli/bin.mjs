#!/usr/bin/env node
// The `tollgate` command (package.json `bin`): runs cli/tollgate.ts through tsx's ESM loader,
// as `node --import tsx cli/tollgate.ts` would. Everything is found from this file's own place
// (Node gives a symlinked bin its real path), so it works from any directory and through npx.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
await import(new URL('./tollgate.ts', import.meta.url).href);
