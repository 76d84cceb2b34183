import { Kernel, KernelMessage } from '@jupyterlab/services';
import { Signal } from '@lumino/signaling';

import { KernelTallies, KernelTally } from '../client';
import { COMM_TARGET, RESPONSE_MIME } from '../types';
import { COMPLETE, KERNEL } from './helpers';

const done = { done: Promise.resolve() };

class FakeComm {
  constructor(readonly targetName: string) {}
  onMsg: ((msg: any) => void) | null = null;
  onClose: ((msg: any) => void) | null = null;
  opened = 0;
  sent: unknown[] = [];
  closed = false;
  isDisposed = false;
  open() {
    this.opened++;
    return done;
  }
  send(data: unknown) {
    this.sent.push(data);
    return done;
  }
  close() {
    this.closed = true;
    return done;
  }
  dispose() {
    this.isDisposed = true;
  }
  /** The kernel sends the tally. */
  deliver(data: unknown) {
    this.onMsg?.({ content: { comm_id: 'x', data } });
  }
  /** The kernel closes the comm (e.g. no such target). */
  kernelCloses() {
    this.onClose?.({ content: { comm_id: 'x', data: {} } });
  }
}

class FakeKernel {
  iopubMessage = new Signal<this, KernelMessage.IIOPubMessage>(this);
  statusChanged = new Signal<this, KernelMessage.Status>(this);
  connectionStatusChanged = new Signal<this, Kernel.ConnectionStatus>(this);
  disposed = new Signal<this, void>(this);
  status: KernelMessage.Status = 'idle';
  isDisposed = false;
  comms: FakeComm[] = [];
  createComm(target: string) {
    const comm = new FakeComm(target);
    this.comms.push(comm);
    return comm;
  }
  get lastComm(): FakeComm {
    return this.comms[this.comms.length - 1];
  }
  iopub(msgType: string, content: unknown, parentId = 'p1') {
    this.iopubMessage.emit({
      header: { msg_type: msgType, msg_id: Math.random().toString() },
      parent_header: { msg_id: parentId },
      content,
      metadata: {},
      channel: 'iopub'
    } as any);
  }
  setStatus(status: KernelMessage.Status) {
    this.status = status;
    this.statusChanged.emit(status);
  }
}

const TALLY = KERNEL.tally;

function setup(): {
  kernel: FakeKernel;
  tally: KernelTally;
  states: unknown[];
} {
  const kernel = new FakeKernel();
  const tally = new KernelTally(kernel as unknown as Kernel.IKernelConnection);
  const states: unknown[] = [];
  tally.changed.connect((_, state) => states.push(state));
  return { kernel, tally, states };
}

describe('the kernel tally client', () => {
  it('opens a comm to the jupyter_gemini target and takes what the kernel sends', () => {
    const { kernel, tally } = setup();
    expect(kernel.comms).toHaveLength(1);
    expect(kernel.lastComm.targetName).toBe(COMM_TARGET);
    expect(kernel.lastComm.opened).toBe(1);
    expect(tally.state).toBeNull();
    kernel.lastComm.deliver(TALLY);
    expect(tally.live).toBe(true);
    expect(tally.state?.total).toBe('≈$0.0002071035');
    expect(tally.state?.source).toBe('comm');
    tally.refresh();
    expect(kernel.lastComm.sent).toEqual([{ type: 'refresh' }]);
  });

  it('falls back to answers when the kernel has no target, and retries the comm', () => {
    const { kernel, tally } = setup();
    kernel.lastComm.kernelCloses(); // no target: the extension is not loaded
    kernel.iopub('display_data', {
      data: { [RESPONSE_MIME]: { status: 'streaming', text: 'x' } }
    });
    expect(tally.state).toBeNull();
    expect(kernel.comms).toHaveLength(1);

    kernel.iopub('update_display_data', {
      data: { [RESPONSE_MIME]: COMPLETE }
    });
    expect(tally.state?.source).toBe('answer');
    expect(tally.state?.total).toBe('$0.000207');
    expect(kernel.comms).toHaveLength(2); // tried again after the answer
    kernel.lastComm.deliver(TALLY);
    expect(tally.state?.source).toBe('comm');

    // Once live, answers no longer override the comm's figures.
    kernel.iopub('update_display_data', {
      data: {
        [RESPONSE_MIME]: { ...COMPLETE, session_total_text: '$9' }
      }
    });
    expect(tally.state?.total).toBe('≈$0.0002071035');
  });

  it('tries again once %load_ext jupyter_gemini has run', () => {
    const { kernel, tally } = setup();
    kernel.lastComm.kernelCloses();
    kernel.iopub(
      'execute_input',
      { code: '%load_ext jupyter_gemini', execution_count: 1 },
      'load'
    );
    expect(kernel.comms).toHaveLength(1);
    kernel.iopub('status', { execution_state: 'idle' }, 'load');
    expect(kernel.comms).toHaveLength(2);
    kernel.lastComm.deliver(KERNEL.empty_tally);
    expect(tally.state?.total).toBe('$0');
    // Unrelated cells do not reopen anything.
    kernel.iopub('execute_input', { code: 'x = 1' }, 'other');
    kernel.iopub('status', { execution_state: 'idle' }, 'other');
    expect(kernel.comms).toHaveLength(2);
  });

  it('forgets the tally when the kernel restarts, and reconnects after', () => {
    const { kernel, tally, states } = setup();
    kernel.lastComm.deliver(TALLY);
    kernel.setStatus('restarting');
    expect(tally.state).toBeNull();
    expect(states[states.length - 1]).toBeNull();
    kernel.setStatus('starting');
    kernel.setStatus('idle');
    expect(kernel.comms).toHaveLength(2);
  });

  it('closes its comm when disposed, and is shared per kernel', () => {
    const kernel = new FakeKernel();
    const tallies = new KernelTallies();
    const tally = tallies.get(kernel as unknown as Kernel.IKernelConnection);
    expect(tallies.get(kernel as unknown as Kernel.IKernelConnection)).toBe(
      tally
    );
    const comm = kernel.lastComm;
    kernel.disposed.emit();
    expect(tally.isDisposed).toBe(true);
    expect(comm.closed).toBe(true);
    expect(tallies.get(kernel as unknown as Kernel.IKernelConnection)).not.toBe(
      tally
    );
  });
});
