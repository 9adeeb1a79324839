/** One path joined below another, for the paths a hook checks in every session. */

/**
 * `join(folder, rel)` for a folder that is already absolute and normalised and a `rel` that is normalised, with /
 * separators (the hook's paths, resolved once): joined as strings. path.join re-normalises its result character by
 * character, which in a process that lives for one edit costs more than the file system call the path is for.
 */
export function below(folder: string, rel: string): string {
  return folder === '/' ? `/${rel}` : `${folder}/${rel}`;
}
