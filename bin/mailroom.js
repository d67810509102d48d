#!/usr/bin/env node
// The `mailroom` command: a thin shim so `npx mailroom …` runs the compiled CLI.
import '../dist/src/cli/main.js';
