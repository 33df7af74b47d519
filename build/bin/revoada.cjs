#!/usr/bin/env node
// `revoada` launcher: builds the bundle on first use (so `npx revoada` works from a fresh
// clone), then runs dist/cli.mjs with the same arguments.
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const { spawnSync } = require('node:child_process');
const { pathToFileURL } = require('node:url');

const root = path.resolve(__dirname, '..', '..');
const bundle = path.join(root, 'dist', 'cli.mjs');
if (!fs.existsSync(bundle)) {
  const result = spawnSync(process.execPath, [path.join(root, 'build', 'build.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (result.status !== 0) {
    process.stderr.write('revoada: could not build dist/cli.mjs; run `npm run build` and read its errors\n');
    process.exit(70);
  }
}
process.argv[1] = bundle;
import(pathToFileURL(bundle).href);
