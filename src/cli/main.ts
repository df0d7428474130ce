#!/usr/bin/env node
/**
 * berth's entry point. Turns on V8's on-disk compile cache before loading the CLI: every berth
 * command is a fresh process, and reusing compiled code cuts its start-up time.
 */
import module from 'node:module';

module.enableCompileCache?.();
await import('./program.js');
