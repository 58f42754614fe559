/** Renders a plain-text table that fits a terminal, marking cells that differ. */

export interface TableStyle {
  /** Highlight with ANSI colour (only on a terminal, never with NO_COLOR); otherwise mark with `*`. */
  colour: boolean;
}

export interface TableCell {
  text: string;
  differs?: boolean;
  /** The cell takes the rest of the row (a failed context's message). */
  span?: boolean;
}

/** Widest a column may get, in characters; longer values are cut with an ellipsis. */
const MAX_COLUMN_WIDTH = 40;

const HIGHLIGHT = '\x1b[1;33m';
const RESET = '\x1b[0m';

/** Renders the header and rows with columns padded to their widest cell. */
export function renderTable(header: string[], rows: TableCell[][], style: TableStyle): string {
  const marker = style.colour ? '' : '*';
  const fit = (cell: TableCell) => truncate(cell.text + (cell.differs && !style.colour ? marker : ''));
  const widths = header.map((title) => Math.min(title.length, MAX_COLUMN_WIDTH));
  for (const row of rows) {
    row.forEach((cell, index) => {
      if (!cell.span && index < widths.length) widths[index] = Math.max(widths[index]!, fit(cell).length);
    });
  }

  const render = (cells: TableCell[]) =>
    cells
      .map((cell, index) => {
        if (cell.span) return cell.text;
        const text = fit(cell);
        const padded = index === cells.length - 1 ? text : text.padEnd(widths[index]!);
        return cell.differs && style.colour ? `${HIGHLIGHT}${padded}${RESET}` : padded;
      })
      .join('  ')
      .trimEnd();

  const lines = [render(header.map((text) => ({ text }))), widths.map((width) => '-'.repeat(width)).join('  ')];
  for (const row of rows) lines.push(render(row));
  return lines.join('\n');
}

function truncate(text: string): string {
  return text.length > MAX_COLUMN_WIDTH ? `${text.slice(0, MAX_COLUMN_WIDTH - 1)}…` : text;
}
