#!/usr/bin/env node
// The `lambkin` command: a thin shim over the compiled CLI (npm run build).
import "../dist/cli/main.js";
