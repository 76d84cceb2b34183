/**
 * Finding the notebook cell that holds a DOM node, and inserting a cell below it.
 */

import { Cell } from '@jupyterlab/cells';
import {
  INotebookTracker,
  NotebookActions,
  NotebookPanel
} from '@jupyterlab/notebook';

export interface ICellLocation {
  panel: NotebookPanel;
  cell: Cell;
  index: number;
}

/** The notebook cell whose DOM contains `node`, searching every open notebook. */
export function findCell(
  tracker: INotebookTracker,
  node: Node
): ICellLocation | null {
  const panel = tracker.find(p => p.node.contains(node));
  if (!panel) {
    return null;
  }
  const index = panel.content.widgets.findIndex(cell =>
    cell.node.contains(node)
  );
  return index < 0
    ? null
    : { panel, cell: panel.content.widgets[index], index };
}

/**
 * Insert a code cell holding `source` below `location` and start editing it.
 *
 * `cursor` puts the caret at the end of that line (default: the last line).
 */
export function insertCellBelow(
  location: ICellLocation,
  source: string,
  cursor?: number
): Cell | null {
  const notebook = location.panel.content;
  notebook.activeCellIndex = location.index;
  notebook.deselectAll();
  NotebookActions.insertBelow(notebook);
  const cell = notebook.activeCell;
  if (!cell || notebook.activeCellIndex !== location.index + 1) {
    return null;
  }
  if (cell.model.type !== 'code') {
    NotebookActions.changeCellType(notebook, 'code');
  }
  const inserted = notebook.activeCell ?? cell;
  inserted.model.sharedModel.setSource(source);
  notebook.mode = 'edit';
  const lines = source.split('\n');
  const line = Math.min(cursor ?? lines.length - 1, lines.length - 1);
  // A new cell gets its editor when it first renders.
  void inserted.ready.then(() => {
    const editor = inserted.editor;
    if (editor && notebook.activeCell === inserted) {
      editor.setCursorPosition({ line, column: lines[line].length });
      editor.focus();
    }
  });
  return inserted;
}
