#!/usr/bin/env node
/**
 * Claude Code hook entry: `node hook.mjs session-start|pre-tool-use`, with the hook's JSON on stdin.
 * Kept apart from the helper, which never reads stdin. A hook must never break editing:
 * every internal error exits 0 with no output.
 */
process.exitCode = 0;
