/**
 * The pack's entries in a Claude Code settings.json (hooks and permission rules), merged in beside the user's own
 * and taken out again, touching nothing else. Pure: objects in, objects out.
 */
import { RUNTIME_SUBDIR, helperPrefix, runtimeDirFor, type Scope } from './command-text.js';
import { AGENT_EVENTS, type AgentEvent } from '../core/agent-state.js';
import { HOOK_COMMAND_BUNDLE } from '../lib/bundles.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface HookEntry {
  event: 'SessionStart' | 'PreToolUse' | AgentEvent;
  matcher?: string;
  command: string;
}

export interface PackSettings {
  hooks: HookEntry[];
  allow: string[];
  deny: string[];
}

/**
 * What an install added, so that uninstall removes exactly that. Keys are dotted paths such as `permissions.allow`.
 * `deny` is absent from the records of older installs, which added none.
 */
export interface SettingsRecord {
  hooks: string[];
  allow: string[];
  deny?: string[];
  createdKeys: string[];
}

/** Subcommands that only read and always exit 0: safe to allow outright. The others are allowed per command turn. */
export const READ_ONLY_SUBCOMMANDS = ['status', 'overlap'] as const;

export const EDIT_TOOLS_MATCHER = 'Edit|Write|MultiEdit';

/** The hooks answer in milliseconds; this only bounds a hook that hangs. */
export const HOOK_TIMEOUT_SECONDS = 10;

/**
 * The permission rules for the read-only calls, as the client matches them. It substitutes nothing in a settings
 * rule (neither ${CLAUDE_PROJECT_DIR} nor $CLAUDE_PROJECT_DIR) and matches a rule against the command's raw text,
 * where `*` matches any run of characters, quotes and spaces included, and a trailing ` *` needs at least one
 * more word.
 *
 * A user install names the helper by its absolute path, which the installer knows: a prefix rule does.
 *
 * A project's settings are committed and shared, and the command text names the helper of the checkout claude
 * runs in (the main checkout or any session worktree), so the rule cannot name a folder: it names the path's end.
 * The path must start with `/`, so that the first word is a script and no node option (`--eval=…`) can hide in
 * it, and the deny rule refuses any command in which a `"` comes before that end: without it,
 * `node "/x/evil.mjs" "/…/.claude/commands/flight-rules/session.mjs" status …` would match and run evil.mjs.
 */
export const PROJECT_HELPER_GLOB = `node "/*/${RUNTIME_SUBDIR}/session.mjs"`;
export const PROJECT_HELPER_DENY = `Bash(node "/*"*/${RUNTIME_SUBDIR}/session.mjs"*)`;

function allowRules(scope: Scope, home: string | undefined): string[] {
  if (scope === 'user')
    return READ_ONLY_SUBCOMMANDS.map(
      (name) => `Bash(${helperPrefix(runtimeDirFor('user', 'claude', home))} ${name}:*)`,
    );
  return READ_ONLY_SUBCOMMANDS.flatMap((name) => [
    `Bash(${PROJECT_HELPER_GLOB} ${name})`,
    `Bash(${PROJECT_HELPER_GLOB} ${name} *)`,
  ]);
}

/**
 * Hook commands run through a shell, which expands $CLAUDE_PROJECT_DIR (the client sets it for hooks) and $HOME.
 * They end in `|| true`: in a session worktree whose `.claude/` is not committed the hook file is absent, and a
 * hook that cannot even start must not report an error on every edit.
 */
export function packSettings(scope: Scope, withHooks: boolean, home?: string): PackSettings {
  const hookFile =
    scope === 'user'
      ? `"$HOME/${RUNTIME_SUBDIR}/${HOOK_COMMAND_BUNDLE}"`
      : `"$CLAUDE_PROJECT_DIR/${RUNTIME_SUBDIR}/${HOOK_COMMAND_BUNDLE}"`;
  return {
    hooks: withHooks
      ? [
          { event: 'SessionStart', command: `node ${hookFile} session-start || true` },
          { event: 'PreToolUse', matcher: EDIT_TOOLS_MATCHER, command: `node ${hookFile} pre-tool-use || true` },
          // The agent's state, one command for every event it follows (the event is in the hook's input).
          ...AGENT_EVENTS.map((event) => ({ event, command: `node ${hookFile} agent-state || true` })),
        ]
      : [],
    allow: allowRules(scope, home),
    deny: scope === 'project' ? [PROJECT_HELPER_DENY] : [],
  };
}

export class SettingsShapeError extends Error {}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Returns the object at `key`, creating it (and noting that) when absent; refuses to overwrite a non-object. */
function objectAt(parent: JsonObject, key: string, path: string, created: string[]): JsonObject {
  const value = parent[key];
  if (value === undefined) {
    parent[key] = {};
    created.push(path);
  } else if (!isObject(value)) {
    throw new SettingsShapeError(`"${path}" is not an object`);
  }
  return parent[key] as JsonObject;
}

function arrayAt(parent: JsonObject, key: string, path: string, created: string[]): Json[] {
  const value = parent[key];
  if (value === undefined) {
    parent[key] = [];
    created.push(path);
  } else if (!Array.isArray(value)) {
    throw new SettingsShapeError(`"${path}" is not an array`);
  }
  return parent[key] as Json[];
}

function hookCommands(group: Json): string[] {
  if (!isObject(group) || !Array.isArray(group.hooks)) return [];
  return group.hooks.flatMap((hook) => (isObject(hook) && typeof hook.command === 'string' ? [hook.command] : []));
}

export interface MergeResult {
  settings: JsonObject;
  added: Required<SettingsRecord>;
}

/** Adds what is missing; an entry the settings already hold (the user's or an earlier install's) is left alone. */
export function mergeSettings(current: JsonObject, pack: PackSettings): MergeResult {
  const settings = structuredClone(current);
  const added: Required<SettingsRecord> = { hooks: [], allow: [], deny: [], createdKeys: [] };
  for (const entry of pack.hooks) {
    const present =
      isObject(settings.hooks) &&
      Array.isArray(settings.hooks[entry.event]) &&
      (settings.hooks[entry.event] as Json[]).some((group) => hookCommands(group).includes(entry.command));
    if (present) continue;
    const hooks = objectAt(settings, 'hooks', 'hooks', added.createdKeys);
    const groups = arrayAt(hooks, entry.event, `hooks.${entry.event}`, added.createdKeys);
    groups.push({
      ...(entry.matcher ? { matcher: entry.matcher } : {}),
      hooks: [{ type: 'command', command: entry.command, timeout: HOOK_TIMEOUT_SECONDS }],
    });
    added.hooks.push(entry.command);
  }
  for (const list of ['allow', 'deny'] as const) {
    for (const rule of pack[list]) {
      const present =
        isObject(settings.permissions) &&
        Array.isArray(settings.permissions[list]) &&
        (settings.permissions[list] as Json[]).includes(rule);
      if (present) continue;
      const permissions = objectAt(settings, 'permissions', 'permissions', added.createdKeys);
      arrayAt(permissions, list, `permissions.${list}`, added.createdKeys).push(rule);
      added[list].push(rule);
    }
  }
  return { settings, added };
}

/** Removes the recorded entries, then any container the install created that is now empty. */
export function unmergeSettings(current: JsonObject, record: SettingsRecord): JsonObject {
  const settings = structuredClone(current);
  if (isObject(settings.hooks)) {
    for (const [event, groups] of Object.entries(settings.hooks)) {
      if (!Array.isArray(groups)) continue;
      settings.hooks[event] = groups.flatMap((group) => {
        if (!isObject(group) || !Array.isArray(group.hooks)) return [group];
        const ours = hookCommands(group).filter((command) => record.hooks.includes(command));
        if (ours.length === 0) return [group];
        const hooks = group.hooks.filter(
          (hook) => !(isObject(hook) && typeof hook.command === 'string' && record.hooks.includes(hook.command)),
        );
        return hooks.length === 0 ? [] : [{ ...group, hooks }];
      });
    }
  }
  for (const list of ['allow', 'deny'] as const) {
    const ours = record[list] ?? [];
    if (isObject(settings.permissions) && Array.isArray(settings.permissions[list])) {
      settings.permissions[list] = (settings.permissions[list] as Json[]).filter(
        (rule) => !(typeof rule === 'string' && ours.includes(rule)),
      );
    }
  }
  // Deepest first, so that emptying hooks.PreToolUse can empty hooks.
  for (const key of [...record.createdKeys].sort((a, b) => b.split('.').length - a.split('.').length)) {
    const parts = key.split('.');
    const parent = parts
      .slice(0, -1)
      .reduce<Json | undefined>((node, part) => (isObject(node) ? node[part] : undefined), settings);
    const last = parts[parts.length - 1]!;
    if (!isObject(parent)) continue;
    const value = parent[last];
    if ((Array.isArray(value) && value.length === 0) || (isObject(value) && Object.keys(value).length === 0))
      delete parent[last];
  }
  return settings;
}

export function parseSettings(text: string): JsonObject {
  const value = JSON.parse(text) as Json;
  if (!isObject(value)) throw new SettingsShapeError('the top level is not an object');
  return value;
}

export function formatSettings(settings: JsonObject): string {
  return `${JSON.stringify(settings, null, 2)}\n`;
}
