/**
 * What each subcommand takes and how --help describes it, apart from the code that runs it: the CLI parses the
 * arguments and prints the help from these alone, and loads the one subcommand it runs (subcommands/index.ts).
 */
import type { SubcommandSpec } from '../lib/subcommand.js';

export const SPECS = {
  start: {
    name: 'start',
    summary:
      'Create a parallel session: a worktree on a new branch, registered in the manifest, with a session log stub.',
    usage:
      'start [<name>] [--goal TEXT]... [--base BRANCH] [--if-dirty abort|stash|commit|proceed] [--commit-message MSG] [--copy auto|none|PATH,...] [--no-setup] [--plan TEXT] [--claude-session ID] [--open tmux|print] [--issue N|URL | --pr N [--remote NAME]] [--propose] [--json]',
    options: {
      goal: { type: 'string', multiple: true },
      base: { type: 'string' },
      'if-dirty': { type: 'string' },
      'commit-message': { type: 'string' },
      copy: { type: 'string' },
      'no-setup': { type: 'boolean' },
      'claude-session': { type: 'string' },
      plan: { type: 'string' },
      open: { type: 'string' },
      issue: { type: 'string' },
      pr: { type: 'string' },
      remote: { type: 'string' },
      propose: { type: 'boolean' },
    },
    positionals: { min: 0, max: 1 },
  },
  end: {
    name: 'end',
    summary:
      'End a session: open a PR, merge it, keep its branch, or abandon it (saved under a ref); then remove its worktree.',
    usage:
      'end [<name>] --strategy pr|merge|keep|abandon [--rebase] [--remote NAME] [--pr-title T] [--pr-body-file F] [--confirm NAME] [--json]',
    options: {
      strategy: { type: 'string' },
      rebase: { type: 'boolean' },
      remote: { type: 'string' },
      'pr-title': { type: 'string' },
      'pr-body-file': { type: 'string' },
      confirm: { type: 'string' },
    },
    positionals: { min: 0, max: 1 },
  },
  restore: {
    name: 'restore',
    summary:
      'Bring an ended session back from its history: its branch, worktree, uncommitted work, ignored files, goals, ports and env files.',
    usage: 'restore <name> [--at TIME|REF] [--no-setup] [--json]',
    options: {
      at: { type: 'string' },
      'no-setup': { type: 'boolean' },
    },
    positionals: { min: 1, max: 1 },
  },
  ready: {
    name: 'ready',
    summary:
      "Mark a session's committed work as finished, ready to land (a new commit clears the mark); --undo takes the mark off.",
    usage: 'ready [<name>] [--undo] [--json]',
    options: { undo: { type: 'boolean' } },
    positionals: { min: 0, max: 1 },
  },
  land: {
    name: 'land',
    summary:
      'Land finished sessions in order: each merge built without touching a checkout, checked, and the base moved by compare-and-swap; the others are told.',
    usage: 'land [<name>...] [--check CMD | --no-check] [--dry-run] [--json]',
    options: {
      check: { type: 'string' },
      'no-check': { type: 'boolean' },
      'dry-run': { type: 'boolean' },
    },
    positionals: { min: 0, max: 100 },
  },
  status: {
    name: 'status',
    summary:
      'Show every parallel session, what needs attention and why, the agents that need you, the leftovers of ended sessions, and the main checkout. Read-only; always exits 0. --watch redraws it on every change until Ctrl-C.',
    usage: 'status [--watch] [--json]',
    options: { watch: { type: 'boolean' } },
    positionals: { min: 0, max: 0 },
  },
  open: {
    name: 'open',
    summary:
      "Open a session's agent: inside tmux, a new window named after the session running claude in its worktree (continuing its conversation); elsewhere, the line to run.",
    usage: 'open [<name>] [--tmux | --print] [--json]',
    options: {
      tmux: { type: 'boolean' },
      print: { type: 'boolean' },
    },
    positionals: { min: 0, max: 1 },
  },
  overlap: {
    name: 'overlap',
    summary:
      'Files that several active sessions change, predicted conflicts between sessions, and a merge order. Read-only.',
    usage: 'overlap [<name>] [--json]',
    options: {},
    positionals: { min: 0, max: 1 },
  },
  sync: {
    name: 'sync',
    summary:
      'Bring a session up to date with its base: rebase onto it, or merge it in when the branch was pushed (--rebase or --merge to choose); a conflict is backed out and listed.',
    usage: 'sync [<name>] [--merge | --rebase] [--json]',
    options: { merge: { type: 'boolean' }, rebase: { type: 'boolean' } },
    positionals: { min: 0, max: 1 },
  },
  cleanup: {
    name: 'cleanup',
    summary:
      'Find orphaned, interrupted, unregistered, stale and merged sessions, and leftovers of ended sessions that are merged or old, and tidy them up without losing work (plans only, unless --yes).',
    usage: 'cleanup [--dry-run] [--yes] [--json]',
    options: {
      'dry-run': { type: 'boolean' },
      yes: { type: 'boolean' },
    },
    positionals: { min: 0, max: 0 },
  },
  setup: {
    name: 'setup',
    summary:
      "Prepare a session's worktree again: submodules, the pack's own files, .env.session and its ports, dependencies (or postCreate).",
    usage: 'setup [<name>] [--json]',
    options: {},
    positionals: { min: 0, max: 1 },
  },
} satisfies Record<string, SubcommandSpec>;
