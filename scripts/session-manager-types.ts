#!/usr/bin/env bun
/**
 * Generates the TypeScript types of the DCV Session Manager API from its OpenAPI document
 * (director/session-manager/dcv-session-manager-api.yaml) with openapi-typescript, into
 * director/session-manager/api-types.d.ts: the types the generated client (openapi-fetch) is typed by.
 * `--check` writes nothing and exits 1 when the committed file differs from what the YAML gives.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import openapiTS from 'openapi-typescript';
import { exitOnHelp } from './lib/help.ts';

exitOnHelp(`Usage: bun scripts/session-manager-types.ts [--check]
  Writes director/session-manager/api-types.d.ts from the Session Manager OpenAPI YAML beside it;
  --check only compares and exits 1 when the committed file is out of date.`);

const folder = join(import.meta.dir, '..', 'director', 'session-manager');
const target = join(folder, 'api-types.d.ts');
const generated = await openapiTS(new URL(`file://${join(folder, 'dcv-session-manager-api.yaml')}`));

if (process.argv.includes('--check')) {
  const committed = readFileSync(target, 'utf8');
  if (committed !== generated) {
    console.error(`${target} is out of date with the YAML: run bun scripts/session-manager-types.ts`);
    process.exit(1);
  }
  console.log('api-types.d.ts is up to date with the YAML');
} else {
  writeFileSync(target, generated);
  console.log(`wrote ${target}`);
}
