/**
 * The built files plain `node` runs, by file name: what the build writes to dist/ and plugin/dist/, what the
 * installer copies, and what each command (scripts/code-loader.ts) loads beside itself.
 */
/** The helper's command, which runs its code from V8's code cache. */
export const HELPER_BUNDLE = 'session.mjs';
/** The helper's code (scripts/session.ts). */
export const HELPER_CODE_BUNDLE = 'session-code.cjs';
/** The hooks' command, which runs their code from V8's code cache. */
export const HOOK_COMMAND_BUNDLE = 'hook.cjs';
/** The hooks' code (scripts/hook.ts). */
export const HOOK_CODE_BUNDLE = 'hook-code.cjs';
export const BUNDLE_NAMES = [HELPER_BUNDLE, HELPER_CODE_BUNDLE, HOOK_COMMAND_BUNDLE, HOOK_CODE_BUNDLE] as const;
