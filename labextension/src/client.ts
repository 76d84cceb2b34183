/**
 * One kernel's jupyter-gemini tally, kept current for the status bar.
 *
 * Channel: a comm to the target `jupyter_gemini`, which the kernel registers
 * at `%load_ext jupyter_gemini` (`jupyter_gemini/_ipython/_comm.py`). The kernel sends
 * the whole tally on open and after every change. A kernel without the target
 * closes the comm at once; then the total is read off each answer's JSON
 * (`session_total`) as it goes by on iopub, and the comm is tried again after
 * the next answer or `%load_ext`, so loading the extension late still connects.
 */

import { KernelMessage, Kernel } from '@jupyterlab/services';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { ITallyState, stateFromAnswer, stateFromTally } from './tally';
import { COMM_TARGET, IResponseJSON, ITallyJSON, RESPONSE_MIME } from './types';

/** Code that may have just registered the target: worth trying the comm again after it. */
const LOADS_EXTENSION = /jupyter_gemini|%%?gemini/;

export class KernelTally implements IDisposable {
  constructor(kernel: Kernel.IKernelConnection) {
    this._kernel = kernel;
    kernel.iopubMessage.connect(this._onIOPub, this);
    kernel.statusChanged.connect(this._onStatus, this);
    kernel.connectionStatusChanged.connect(this._onConnection, this);
    kernel.disposed.connect(() => this.dispose());
    this.connect();
  }

  /** Emits after every change of `state`. */
  get changed(): ISignal<this, ITallyState | null> {
    return this._changed;
  }

  /** The latest tally; null until the kernel has shown any sign of jupyter-gemini. */
  get state(): ITallyState | null {
    return this._state;
  }

  /** True while the comm is open and has delivered the tally. */
  get live(): boolean {
    return this._live;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Open the comm unless one is open or opening. */
  connect(): void {
    const kernel = this._kernel;
    if (
      this._comm ||
      this._isDisposed ||
      kernel.isDisposed ||
      kernel.status === 'dead'
    ) {
      return;
    }
    let comm: Kernel.IComm;
    try {
      comm = kernel.createComm(COMM_TARGET);
    } catch (reason) {
      console.warn('jupyter-gemini: cannot open the tally comm', reason);
      return;
    }
    this._comm = comm;
    comm.onMsg = msg => {
      if (this._comm !== comm) {
        return;
      }
      const data = msg.content.data as unknown as ITallyJSON;
      if (data && typeof data.total === 'string') {
        this._live = true;
        this._setState(stateFromTally(data));
      }
    };
    comm.onClose = () => {
      if (this._comm === comm) {
        this._comm = null;
        this._live = false;
      }
    };
    try {
      comm.open({}).done.catch(() => undefined);
    } catch {
      this._comm = null;
    }
  }

  /** Ask the kernel to send the tally again. */
  refresh(): void {
    if (this._comm && this._live) {
      try {
        this._comm.send({ type: 'refresh' }).done.catch(() => undefined);
      } catch {
        // The kernel is going away; the status handler resets the state.
      }
    }
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    const comm = this._comm;
    this._comm = null;
    if (comm && !comm.isDisposed) {
      try {
        comm.close().done.catch(() => undefined);
      } catch {
        comm.dispose();
      }
    }
    Signal.clearData(this);
  }

  private _setState(state: ITallyState | null): void {
    this._state = state;
    this._changed.emit(state);
  }

  private _onIOPub(
    _: Kernel.IKernelConnection,
    msg: KernelMessage.IIOPubMessage
  ): void {
    const type = msg.header.msg_type;
    if (
      type === 'display_data' ||
      type === 'update_display_data' ||
      type === 'execute_result'
    ) {
      const data = (msg.content as KernelMessage.IDisplayDataMsg['content'])
        .data;
      const answer = data?.[RESPONSE_MIME] as IResponseJSON | undefined;
      if (answer && !this._live) {
        const state = stateFromAnswer(answer);
        if (state) {
          this._setState(state);
          this.connect();
        }
      }
    } else if (type === 'execute_input') {
      const code = (msg.content as KernelMessage.IExecuteInputMsg['content'])
        .code;
      if (LOADS_EXTENSION.test(code)) {
        this._watched.add((msg.parent_header as KernelMessage.IHeader).msg_id);
      }
    } else if (type === 'status') {
      const parent = (msg.parent_header as Partial<KernelMessage.IHeader>)
        .msg_id;
      const state = (msg.content as KernelMessage.IStatusMsg['content'])
        .execution_state;
      if (
        state === 'idle' &&
        parent &&
        this._watched.delete(parent) &&
        !this._live
      ) {
        this.connect();
      }
    }
  }

  private _onStatus(
    _: Kernel.IKernelConnection,
    status: KernelMessage.Status
  ): void {
    if (
      status === 'restarting' ||
      status === 'autorestarting' ||
      status === 'dead'
    ) {
      // A new kernel process is a new session: its tally starts from nothing.
      this._comm = null;
      this._live = false;
      this._restarted = true;
      this._watched.clear();
      if (this._state) {
        this._setState(null);
      }
    } else if (status === 'idle' && this._restarted) {
      this._restarted = false;
      this.connect(); // for kernels that load the extension from their IPython config
    }
  }

  private _onConnection(
    _: Kernel.IKernelConnection,
    status: Kernel.ConnectionStatus
  ): void {
    if (status === 'connected' && !this._live) {
      this.connect();
    }
  }

  private _kernel: Kernel.IKernelConnection;
  private _comm: Kernel.IComm | null = null;
  private _live = false;
  private _restarted = false;
  private _state: ITallyState | null = null;
  private _watched = new Set<string>();
  private _isDisposed = false;
  private _changed = new Signal<this, ITallyState | null>(this);
}

/** One `KernelTally` per kernel connection, shared by every view of that kernel. */
export class KernelTallies {
  get(kernel: Kernel.IKernelConnection): KernelTally {
    let tally = this._byKernel.get(kernel);
    if (!tally || tally.isDisposed) {
      tally = new KernelTally(kernel);
      this._byKernel.set(kernel, tally);
    }
    return tally;
  }

  private _byKernel = new WeakMap<Kernel.IKernelConnection, KernelTally>();
}
