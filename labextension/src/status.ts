/**
 * The status bar item: the active notebook's session cost and model; a click
 * opens the per-model breakdown.
 */

import { Dialog, ISessionContext, showDialog } from '@jupyterlab/apputils';
import { Kernel } from '@jupyterlab/services';
import { ISignal, Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import { KernelTallies, KernelTally } from './client';
import { breakdownRows, ITallyState, statusLabel, statusTitle } from './tally';

/** Follows whichever session context is current and re-emits its kernel's tally. */
export class CurrentTally {
  constructor(tallies: KernelTallies) {
    this._tallies = tallies;
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get state(): ITallyState | null {
    return this._tally?.state ?? null;
  }

  get tally(): KernelTally | null {
    return this._tally;
  }

  /** Track `context` (the active notebook's), or nothing. */
  follow(context: ISessionContext | null): void {
    if (context === this._context) {
      return;
    }
    this._context?.kernelChanged.disconnect(this._onKernel, this);
    this._context = context;
    context?.kernelChanged.connect(this._onKernel, this);
    this._setKernel(context?.session?.kernel ?? null);
  }

  private _onKernel(): void {
    this._setKernel(this._context?.session?.kernel ?? null);
  }

  private _setKernel(kernel: Kernel.IKernelConnection | null): void {
    const tally = kernel ? this._tallies.get(kernel) : null;
    if (tally !== this._tally) {
      this._tally?.changed.disconnect(this._emit, this);
      this._tally = tally;
      tally?.changed.connect(this._emit, this);
    }
    this._emit();
  }

  private _emit(): void {
    this._changed.emit();
  }

  private _tallies: KernelTallies;
  private _context: ISessionContext | null = null;
  private _tally: KernelTally | null = null;
  private _changed = new Signal<this, void>(this);
}

export class TallyStatusItem extends Widget {
  constructor(current: CurrentTally) {
    super({ node: document.createElement('div') });
    this._current = current;
    this.addClass('jp-GeminiStatus');
    this.addClass('jp-mod-highlighted');
    this.node.setAttribute('role', 'button');
    this.node.tabIndex = 0;
    this._label = document.createElement('span');
    this._label.className = 'jp-StatusBar-TextItem jp-GeminiStatus-label';
    this.node.appendChild(this._label);
    this.node.addEventListener('click', () => void this.openBreakdown());
    this.node.addEventListener('keydown', event => {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        void this.openBreakdown();
      }
    });
    current.changed.connect(this._update, this);
    this._update();
  }

  async openBreakdown(): Promise<void> {
    const state = this._current.state;
    if (!state) {
      return;
    }
    await showDialog({
      title: 'Gemini session cost',
      body: new Widget({ node: breakdownNode(state) }),
      buttons: [Dialog.okButton({ label: 'Close' })]
    });
  }

  private _update(): void {
    const state = this._current.state;
    const label = statusLabel(state);
    if (this._label.textContent !== label) {
      this._label.textContent = label;
    }
    this.node.title = statusTitle(state);
    this.node.dataset['source'] = state?.source ?? '';
  }

  private _current: CurrentTally;
  private _label: HTMLSpanElement;
}

/** The breakdown table, as `%gemini cost` shows it. */
export function breakdownNode(state: ITallyState): HTMLElement {
  const root = document.createElement('div');
  root.className = 'jp-GeminiBreakdown';
  const table = document.createElement('table');
  table.className = 'jp-GeminiBreakdown-table';
  const head = table.createTHead().insertRow();
  for (const title of [
    'model',
    'requests',
    'tokens in',
    'tokens out',
    'cost'
  ]) {
    const cell = document.createElement('th');
    cell.textContent = title;
    head.appendChild(cell);
  }
  const body = table.createTBody();
  const rows =
    state.source === 'comm'
      ? breakdownRows(state)
      : breakdownRows({ ...state, models: [] });
  rows.forEach((row, index) => {
    const tr = body.insertRow();
    if (index === rows.length - 1) {
      tr.className = 'jp-GeminiBreakdown-total';
    }
    for (const value of [
      row.model,
      row.requests,
      row.tokensIn,
      row.tokensOut,
      row.cost
    ]) {
      tr.insertCell().textContent = value;
    }
  });
  root.appendChild(table);
  const notes = [
    state.model ? `Current model: ${state.model}.` : '',
    state.budget !== null ? `Budget: ${state.budget} for this session.` : '',
    state.emulator
      ? 'Answers come from the local OpenRouter emulator: nothing is spent.'
      : '',
    state.cachedRequests > 0
      ? `${state.cachedRequests} answer${state.cachedRequests === 1 ? '' : 's'} from the cache saved ${state.saved ?? '$0'}.`
      : '',
    state.estimated
      ? '≈ marks estimates; %gemini cost --reconcile replaces them with what OpenRouter billed.'
      : '',
    state.source === 'answer'
      ? 'Only the total is known: it was read off the last answer. Run %load_ext jupyter_gemini in this kernel for the per-model breakdown.'
      : ''
  ].filter(Boolean);
  for (const note of notes) {
    const p = document.createElement('p');
    p.className = 'jp-GeminiBreakdown-note';
    p.textContent = note;
    root.appendChild(p);
  }
  return root;
}
