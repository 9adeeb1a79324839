/** Plain-text tables: columns padded to the widest cell, two spaces apart, no trailing blanks. */
export interface Column {
  header: string;
  align?: 'left' | 'right';
}

/** Width in terminal cells; counts code points so that ✓ and → are one cell each. */
export function cellWidth(text: string): number {
  return [...text].length;
}

/** Cuts text to `max` cells, marking the cut with an ellipsis. */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/** Cells are single lines: any line break or tab becomes a space, so a row is always one line. */
function flat(text: string): string {
  return text.replace(/[\r\n\t]+/g, ' ');
}

export function renderTable(columns: readonly Column[], rows: readonly (readonly string[])[], indent = ''): string {
  const cells = [
    columns.map((column) => column.header),
    ...rows.map((row) => columns.map((_, i) => flat(row[i] ?? ''))),
  ];
  const widths = columns.map((_, i) => Math.max(...cells.map((row) => cellWidth(row[i]!))));
  return cells
    .map(
      (row) =>
        indent +
        row
          .map((cell, i) => {
            const pad = ' '.repeat(widths[i]! - cellWidth(cell));
            return columns[i]!.align === 'right' ? pad + cell : cell + pad;
          })
          .join('  ')
          .trimEnd(),
    )
    .join('\n');
}
