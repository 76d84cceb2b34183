/**
 * "Ask Gemini about this output": a `%%gemini` cell below a figure or a table
 * that refers to it, ready to edit and run.
 *
 * References are resolved by the kernel: `--image Out[7]` (cell 7's figure,
 * or `--image last`), `{df}` when the cell ended on a bare name, else `{Out[7]}`.
 */

import { JupyterFrontEnd } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { CodeCell } from '@jupyterlab/cells';
import { INotebookTracker } from '@jupyterlab/notebook';

import { findCell, ICellLocation, insertCellBelow } from './notebook';

export const ASK_COMMAND = 'jupyter-gemini:ask-about-output';
const OUTPUT_CLASS = 'jp-OutputArea-child';

export type OutputKind = 'image' | 'dataframe' | 'result';

/** What the command needs to know about one output. */
export interface IOutputInfo {
  /** nbformat output_type: execute_result, display_data, stream, error. */
  outputType: string;
  data: Record<string, unknown>;
  /** The cell's execution count (`In [7]`); null if it never ran in this kernel. */
  executionCount: number | null;
  /** The cell's source, to find the name its result came from. */
  source: string;
}

const IMAGE_TYPES = ['image/png', 'image/jpeg'];
const NAME = /^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*$/;
const DISPLAY_CALL =
  /^display\(\s*([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\s*\)\s*;?$/;
const KEYWORDS = new Set([
  'None',
  'True',
  'False',
  'pass',
  'break',
  'continue',
  'return'
]);

function text(value: unknown): string {
  return Array.isArray(value)
    ? value.join('')
    : typeof value === 'string'
      ? value
      : '';
}

/** Images the kernel can send (`--image`), pandas-style HTML tables, other results. */
export function outputKind(
  output: Pick<IOutputInfo, 'outputType' | 'data'>
): OutputKind | null {
  if (IMAGE_TYPES.some(type => type in output.data)) {
    return 'image';
  }
  if (/<table\b/i.test(text(output.data['text/html']))) {
    return 'dataframe';
  }
  return output.outputType === 'execute_result' ? 'result' : null;
}

function lastStatement(source: string): string {
  const lines = source
    .split('\n')
    .map(line => line.trim())
    .filter(line => line && !line.startsWith('#'));
  return lines[lines.length - 1] ?? '';
}

/** The variable an output shows: `df` as the cell's last line (a result), or `display(df)`. */
export function outputName(
  output: Pick<IOutputInfo, 'outputType' | 'source'>
): string | null {
  const last = lastStatement(output.source);
  if (output.outputType === 'execute_result') {
    return NAME.test(last) && !KEYWORDS.has(last) ? last : null;
  }
  return DISPLAY_CALL.exec(last)?.[1] ?? null;
}

/** The `%%gemini` cell to insert for an output, or null when there is nothing to ask about. */
export function askCellSource(output: IOutputInfo): string | null {
  const kind = outputKind(output);
  if (!kind) {
    return null;
  }
  const count = output.executionCount;
  if (kind === 'image') {
    return `%%gemini --image ${count ? `Out[${count}]` : 'last'}\nWhat does this figure show? Point out anything surprising.`;
  }
  const ref = outputName(output) ?? (count ? `Out[${count}]` : '_');
  const question =
    kind === 'dataframe'
      ? 'What stands out in this table?'
      : 'Explain this result.';
  return `%%gemini\n${question}\n\n{${ref}}`;
}

interface ITarget {
  location: ICellLocation;
  output: IOutputInfo;
}

function infoOf(cell: CodeCell, index: number): IOutputInfo | null {
  const outputs = cell.model.outputs;
  if (index < 0 || index >= outputs.length) {
    return null;
  }
  const model = outputs.get(index);
  return {
    outputType: model.type,
    data: model.data as Record<string, unknown>,
    executionCount: cell.model.executionCount ?? null,
    source: cell.model.sharedModel.getSource()
  };
}

/** The output right-clicked on. */
function targetFromNode(
  tracker: INotebookTracker,
  node: HTMLElement
): ITarget | null {
  const location = findCell(tracker, node);
  if (!location || location.cell.model.type !== 'code') {
    return null;
  }
  const cell = location.cell as CodeCell;
  const index = cell.outputArea.widgets.findIndex(
    widget => widget.node === node
  );
  const output = infoOf(cell, index);
  return output && outputKind(output) ? { location, output } : null;
}

/** From the palette: the active cell's last figure, else its last table, else its result. */
function targetFromActiveCell(tracker: INotebookTracker): ITarget | null {
  const panel = tracker.currentWidget;
  const cell = panel?.content.activeCell;
  if (!panel || !cell || cell.model.type !== 'code') {
    return null;
  }
  const code = cell as CodeCell;
  const outputs = Array.from({ length: code.model.outputs.length }, (_, i) =>
    infoOf(code, i)
  ).filter((o): o is IOutputInfo => o !== null);
  for (const kind of ['image', 'dataframe', 'result'] as OutputKind[]) {
    const output = [...outputs].reverse().find(o => outputKind(o) === kind);
    if (output) {
      return {
        location: { panel, cell, index: panel.content.activeCellIndex },
        output
      };
    }
  }
  return null;
}

export function addAskCommand(
  app: JupyterFrontEnd,
  tracker: INotebookTracker,
  palette: ICommandPalette | null
): void {
  const target = (args: Record<string, unknown>): ITarget | null => {
    if (args['origin'] === 'context-menu') {
      const node = app.contextMenuHitTest(n =>
        n.classList.contains(OUTPUT_CLASS)
      );
      return node ? targetFromNode(tracker, node) : null;
    }
    return targetFromActiveCell(tracker);
  };
  app.commands.addCommand(ASK_COMMAND, {
    label: 'Ask Gemini about this output',
    caption:
      'Insert a %%gemini cell below that sends this figure or table to Gemini',
    isEnabled: args => target(args) !== null,
    execute: args => {
      const found = target(args);
      const source = found && askCellSource(found.output);
      if (found && source) {
        insertCellBelow(found.location, source, 1);
        app.shell.activateById(found.location.panel.id);
      }
    }
  });
  app.contextMenu.addItem({
    command: ASK_COMMAND,
    selector: `.${OUTPUT_CLASS}`,
    args: { origin: 'context-menu' },
    rank: 20
  });
  palette?.addItem({ command: ASK_COMMAND, category: 'Gemini' });
}
