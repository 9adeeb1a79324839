/**
 * The built files plain `node` runs, by file name: what the build writes to dist/ and plugin/dist/, what the
 * installer copies, and what the hook command loads beside itself.
 */
export const HELPER_BUNDLE = 'session.mjs';
/** The hooks' command (scripts/hook-loader.ts), which runs their code from V8's code cache. */
export const HOOK_COMMAND_BUNDLE = 'hook.cjs';
/** The hooks' code (scripts/hook.ts). */
export const HOOK_CODE_BUNDLE = 'hook-code.cjs';
export const BUNDLE_NAMES = [HELPER_BUNDLE, HOOK_COMMAND_BUNDLE, HOOK_CODE_BUNDLE] as const;
