/**
 * A file version named by its stat data alone, for answers kept across hook runs without
 * reading the file again.
 *
 * Stat data can name a version only once the file has settled. Every write, rename, chmod or
 * utime sets a file's change time to the clock's time, which nothing but the clock can set; but
 * the clock ticks coarsely (a jiffy on Linux, a second on some filesystems), so a second write in
 * the tick of the first leaves every field as it was. A file whose change and modification times
 * are both older than the time it is looked at by more than any tick has no such twin to come:
 * a later write gets a later time. That is git's racy-clean rule, applied to every file a kept
 * answer rests on. A file that has not settled yet is simply read again next time.
 */

/** The stat fields that tell one version of a file from another. */
export interface StatFacts {
  kind: 'file' | 'symlink' | 'folder' | 'other';
  dev: bigint;
  ino: bigint;
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

/** More than the coarsest timestamp a filesystem keeps (FAT's two seconds). */
export const SETTLE_NS = 3_000_000_000n;

/** Whether a file with these times, looked at no earlier than `nowNs`, can have no same-stat twin from here on. */
export function hasSettled(times: { mtimeNs: bigint; ctimeNs: bigint }, nowNs: bigint): boolean {
  return times.mtimeNs + SETTLE_NS < nowNs && times.ctimeNs + SETTLE_NS < nowNs;
}

/** The key of a plain file's version, or null when it is not a plain file or has not settled. */
export function settledFileKey(stat: StatFacts | null, nowNs: bigint): string | null {
  if (!stat || stat.kind !== 'file' || !hasSettled(stat, nowNs)) return null;
  return statKey(stat);
}

/** The key of what is there now, to compare with a settled one: any change of version changes it. */
export function statKey(stat: StatFacts | null): string {
  return stat ? `${stat.kind}:${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}` : 'none';
}
