/** A column of a text table: its header and whether numbers line up on the right. */
export interface Column {
  header: string;
  align?: 'left' | 'right';
}

/** Renders rows as a plain text table with a header line, columns padded to their widest cell. */
export function renderTable(columns: Column[], rows: string[][]): string {
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (columns[i]?.align === 'right' ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...rows.map(line)].join('\n');
}

/** Shortens a cell to `max` characters with an ellipsis, on one line. */
export const truncate = (text: string, max: number): string => {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};
