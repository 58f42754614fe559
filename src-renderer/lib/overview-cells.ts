/**
 * The `data-` attributes that identify overview cells in the page, which the table, focus
 * handling and the end-to-end tests share, and arrow-key movement between the cells.
 */
import type { ScanContext } from '../../src-main/shared/scan-report.ts';
import { KEY_COLUMNS } from '../../src-main/shared/key-values.ts';
import type { Selection } from './ScanState.svelte.ts';

/** Column id of the cell that names the context (the row header). */
export const CONTEXT_COLUMN_ID = 'context';
/** Column id of the cell that spans the value columns of a failed context. */
export const ERROR_COLUMN_ID = 'error';

/** Ids of the columns whose cells hold a button, in display order. */
const BUTTON_COLUMN_IDS = [CONTEXT_COLUMN_ID, ...KEY_COLUMNS.map((column) => column.id)];

/** Row and column offsets of each arrow key. */
const ARROW_STEPS: Record<string, [rows: number, columns: number]> = {
  ArrowUp: [-1, 0],
  ArrowDown: [1, 0],
  ArrowLeft: [0, -1],
  ArrowRight: [0, 1],
};

/** Returns the CSS selector of the overview cell for a selection. */
export function cellSelector(selection: Selection): string {
  const contextId = CSS.escape(selection.contextId);
  const columnId = CSS.escape(selection.columnId ?? CONTEXT_COLUMN_ID);
  return `[data-context-id="${contextId}"][data-column-id="${columnId}"]`;
}

/**
 * Moves focus from the cell button that received an arrow key to its neighbour in that
 * direction, and stops the key from scrolling the page when it did.
 */
export function focusNeighbourCell(event: KeyboardEvent, contexts: ScanContext[]): void {
  const step = ARROW_STEPS[event.key];
  const cell = (event.target as HTMLElement).closest<HTMLElement>('[data-column-id]');
  if (!step || !cell) return;
  const row = contexts.findIndex((context) => context.id === cell.dataset.contextId);
  const column = columnIndexOf(cell.dataset.columnId);
  const target = contexts[row + step[0]];
  if (row === -1 || column === -1 || !target) return;

  const next = Math.max(0, Math.min(BUTTON_COLUMN_IDS.length - 1, column + step[1]));
  const selector = cellSelector({ contextId: target.id, columnId: columnIdAt(target, next) });
  const button = document.querySelector<HTMLElement>(`${selector} button`);
  if (!button) return;
  event.preventDefault();
  button.focus();
}

/** Returns a cell's position among the button columns; a failed row's error cell counts as 1. */
function columnIndexOf(columnId: string | undefined): number {
  return columnId === ERROR_COLUMN_ID ? 1 : BUTTON_COLUMN_IDS.indexOf(columnId ?? '');
}

function columnIdAt(context: ScanContext, index: number): string {
  if (index === 0) return CONTEXT_COLUMN_ID;
  return context.ok ? (BUTTON_COLUMN_IDS[index] ?? CONTEXT_COLUMN_ID) : ERROR_COLUMN_ID;
}
