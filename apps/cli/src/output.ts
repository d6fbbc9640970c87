// Human output: aligned tables for lists, "field: value" lines for one thing. Scripts use
// --json instead, which prints the API's own JSON.

export type Cell = string | number | boolean | null | undefined | readonly string[];

function cellText(value: Cell): string {
  if (value === null || value === undefined || value === '') return '-';
  if (Array.isArray(value)) return value.length === 0 ? '-' : value.join(',');
  // control characters from the API must not move the cursor or rewrite the terminal
  return String(value).replace(/[\u0000-\u001f\u007f]/g, '?');
}

export function renderTable(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const cells = rows.map((row) => headers.map((_, column) => cellText(row[column])));
  const widths = headers.map((header, column) => Math.max(header.length, ...cells.map((row) => row[column]!.length)));
  const line = (values: readonly string[]) =>
    values
      .map((value, column) => (column === values.length - 1 ? value : value.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd();
  return `${[line(headers), ...cells.map(line)].join('\n')}\n`;
}

export function renderFields(fields: readonly (readonly [string, Cell])[]): string {
  const width = Math.max(0, ...fields.map(([name]) => name.length + 1));
  return fields.map(([name, value]) => `${`${name}:`.padEnd(width)} ${cellText(value)}`).join('\n') + '\n';
}

export function renderJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
