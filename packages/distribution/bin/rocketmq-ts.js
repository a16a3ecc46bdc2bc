#!/usr/bin/env node
// Committed shim so npm links the command at install time; the code lives in dist/ after `npm run build`.
process.setSourceMapsEnabled(true);
await import('../dist/src/rocketmq-ts.js');
