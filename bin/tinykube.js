#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `npx tinykube` and the package bin work without a build step.
import { register } from 'tsx/esm/api';
register();
await import('../src/cli.ts');
