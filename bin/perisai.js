#!/usr/bin/env node
// Entry point of the `perisai` command. Runs the compiled code in dist/ (built on
// install by the `prepare` script).
import { main } from '../dist/cli/main.js';

const code = await main(process.argv.slice(2));
// Let stdout drain before exiting, so piped output is never cut short.
process.exitCode = code;
