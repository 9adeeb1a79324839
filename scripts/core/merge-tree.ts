/** Parsing of `git merge-tree --write-tree -z --name-only --no-messages`: the tree, then conflicted paths. */
export interface MergePrediction {
  clean: boolean;
  /** The merged tree, conflict markers included when not clean. */
  tree: string;
  conflicts: string[];
}

export function parseMergeTree(output: string, exitCode: number): MergePrediction {
  const [tree = '', ...paths] = output.split('\0').filter((field) => field.length > 0);
  return { clean: exitCode === 0, tree, conflicts: [...new Set(paths)] };
}
