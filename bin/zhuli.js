#!/usr/bin/env node
'use strict';
// The `zhuli` command: runs the compiled CLI (npm run build writes dist/).
let cli;
try {
  require('reflect-metadata');
  cli = require('../dist/src/cli/main.js');
} catch (err) {
  if (err && err.code === 'MODULE_NOT_FOUND' && /dist[\\/]src[\\/]cli/.test(String(err.message))) {
    process.stderr.write('zhuli: the CLI is not built yet; run `npm run build` first\n');
    process.exit(2);
  }
  throw err;
}
cli.run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`zhuli: unexpected error: ${err && err.stack ? err.stack : String(err)}\n`);
    process.exitCode = 70;
  },
);
