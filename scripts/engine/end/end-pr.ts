/**
 * pr: push the session branch, open the PR with gh, remove the worktree, keep the branch.
 * When gh is missing or fails, the branch is already pushed and the output names the exact
 * manual step: the GitHub compare page, or the gh command to run.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitError, RefusalError } from '../../lib/errors.js';
import { run as runProgram } from '../../lib/shell.js';
import { writeConfinedFile } from '../../lib/safe-fs.js';
import { commandLine, defaultPrBody, prTitle, pushFailureNext, summarySection } from '../../core/end-plan.js';
import { readFileAtCommit } from '../../git/branches.js';
import { compareUrl, remoteUrl } from '../../git/remote.js';
import { pushTarget, removeSessionWorktreeOf, savedRefBase, step, tryPush, type EndRun } from './end-run.js';
import { withClosingLine } from '../../core/github.js';

const GH_TIMEOUT_MS = 120_000;

/** The PR body: the given file's text, else the session log's summary on the branch, else a short default. */
async function prBody(run: EndRun, given: string | null): Promise<string> {
  if (given !== null) return given;
  const log = run.entry.sessionLog;
  const text = log ? await readFileAtCommit(run.project.mainCheckout, run.tip, log) : null;
  return (text && summarySection(text)) ?? defaultPrBody(run.entry.id, run.entry.goals, run.entry.branch);
}

export async function endByPr(run: EndRun, givenBody: { text: string; path: string } | null): Promise<void> {
  const main = run.project.mainCheckout;
  const { branch } = run.entry;
  const base = run.facts.baseBranch;
  // A session started on a pull request goes back to that PR's branch, on the remote it came from.
  const remote = run.entry.pr?.remote ?? run.options.remote;
  const failure = await tryPush(run, remote);
  if (failure) {
    const what =
      failure.kind === 'rejected'
        ? 'was rejected as non-fast-forward'
        : failure.kind === 'access'
          ? 'was refused by the remote'
          : failure.kind === 'network'
            ? 'could not reach the remote'
            : 'failed';
    const target = pushTarget(run.entry, remote);
    throw new RefusalError(
      'push-failed',
      `Pushing ${branch} to ${remote}${target === branch ? '' : `/${target}`} ${what}: ${failure.message}. Nothing else was changed.`,
      pushFailureNext(failure.kind, remote, target),
      { kind: failure.kind },
    );
  }

  const title = prTitle(run.entry.id, run.entry.goals, run.options.prTitle);
  const written = givenBody?.text ?? (await prBody(run, null));
  const body = run.entry.issue ? withClosingLine(written, run.entry.issue.number) : written;
  if (run.entry.pr) {
    // The PR exists: pushing to its branch is what updates it.
    run.pr = {
      created: false,
      url: run.entry.pr.url,
      manualStep: null,
      title: run.entry.pr.title,
      body,
      bodyFile: null,
      existing: run.entry.pr.number,
    };
    step(
      run,
      'pr',
      `Updated pull request #${run.entry.pr.number} (${run.entry.pr.url}) with the session's commits; no new PR was opened`,
    );
    await removeSessionWorktreeOf(run, 'clean', savedRefBase(run));
    step(run, 'keep-branch', `Kept the branch ${branch} for the PR`);
    return;
  }
  // gh reads the body from a file: a private temporary one, or, when a manual step must read it
  // later, one in the sessions folder that the output names.
  // The given file is read as it is, unless the issue's closing line had to be added to it.
  const givenAsIs = givenBody !== null && body === givenBody.text;
  const folder = givenAsIs ? null : mkdtempSync(join(tmpdir(), 'flight-rules-pr-'));
  const bodyFile = givenAsIs ? givenBody.path : join(folder!, 'body.md');
  if (folder) writeFileSync(bodyFile, body);
  const ghArgs = (file: string) => [
    'pr',
    'create',
    '--head',
    branch,
    '--base',
    base,
    '--title',
    title,
    '--body-file',
    file,
  ];
  try {
    const result = await runProgram(main, 'gh', ghArgs(bodyFile), {
      env: { GH_PROMPT_DISABLED: '1' },
      timeout: GH_TIMEOUT_MS,
    });
    const url = result.stdout.match(/https?:\/\/\S+/g)?.pop() ?? null;
    run.pr = { created: true, url, manualStep: null, title, body, bodyFile: null };
    step(run, 'pr', `Opened the PR "${title}" from ${branch} into ${base}${url ? `: ${url}` : ''}`);
  } catch (error) {
    if (!(error instanceof GitError)) throw error;
    const why =
      error.exitCode === 127
        ? 'gh (the GitHub CLI) is not installed'
        : `gh pr create failed: ${(error.stderr.trim() || error.stdout.trim()).split('\n')[0]}`;
    const compare = compareUrl((await remoteUrl(main, remote)) ?? '', base, branch);
    const kept = givenAsIs
      ? givenBody.path
      : writeConfinedFile(run.project.sessionsDir, `${run.entry.id}.pr-body.md`, body);
    const manual = compare ?? commandLine(['gh', ...ghArgs(kept)]);
    run.pr = { created: false, url: null, manualStep: manual, title, body, bodyFile: kept };
    run.warnings.push(`No PR was opened: ${why}. The branch is pushed, so nothing is lost.`);
    run.notes.push(
      `The PR's title: ${title}`,
      `The PR's body (in ${kept}):\n${body
        .trim()
        .split('\n')
        .map((line) => `    ${line}`)
        .join('\n')}`,
    );
    run.next.push(
      compare ? `open ${compare} to create the PR, with the title and body above` : `run in ${main}: ${manual}`,
    );
  } finally {
    if (folder) rmSync(folder, { recursive: true, force: true });
  }
  await removeSessionWorktreeOf(run, 'clean', savedRefBase(run));
  step(run, 'keep-branch', `Kept the branch ${branch} for the PR`);
}
