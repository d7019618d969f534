#!/usr/bin/env node
// Operator CLI entry point (Node 24 runs the TypeScript sources directly).
import '../src/cli/main.ts';
