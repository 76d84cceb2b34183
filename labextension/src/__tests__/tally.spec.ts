import { breakdownNode } from '../status';
import {
  breakdownRows,
  stateFromAnswer,
  stateFromTally,
  statusLabel,
  statusTitle
} from '../tally';
import { COMPLETE, KERNEL } from './helpers';

const TALLY = KERNEL.tally;

describe('status from the comm', () => {
  it('labels the session total and model', () => {
    const state = stateFromTally(TALLY);
    expect(state.source).toBe('comm');
    expect(statusLabel(state)).toBe(
      'Gemini ≈$0.0002071035 · gemini-3.1-flash-lite'
    );
    expect(statusTitle(state)).toContain('requests: 3');
    expect(statusTitle(state)).toContain('click for the per-model breakdown');
  });

  it('shows the budget and estimates', () => {
    const state = stateFromTally(KERNEL.tally_with_budget);
    expect(statusLabel(state)).toBe(
      'Gemini ≈$0.0002071035 of $0.5 · gemini-3.1-flash-lite'
    );
    expect(statusTitle(state)).toContain('budget: $0.5');
  });

  it('breaks the cost down per model, as %gemini cost does', () => {
    const rows = breakdownRows(stateFromTally(TALLY));
    expect(rows).toEqual([
      {
        model: 'google/gemini-3.1-flash-lite',
        requests: '2',
        tokensIn: '108',
        tokensOut: '120',
        cost: '$0.000207'
      },
      {
        model: 'google/gemini-2.5-flash',
        requests: '1',
        tokensIn: '54',
        tokensOut: '60',
        cost: '≈$0.0000001035'
      },
      {
        model: 'total',
        requests: '3',
        tokensIn: '162',
        tokensOut: '180',
        cost: '≈$0.0002071035'
      }
    ]);
    const node = breakdownNode(stateFromTally(TALLY));
    expect(node.querySelectorAll('tbody tr')).toHaveLength(3);
    expect(
      node.querySelector('.jp-GeminiBreakdown-total')?.textContent
    ).toContain('≈$0.0002071035');
    expect(node.textContent).toContain('local OpenRouter emulator');
  });

  it('notes what the answer cache saved', () => {
    const node = breakdownNode(stateFromTally(TALLY));
    expect(node.textContent).toContain(
      '1 answer from the cache saved $0.0002.'
    );
    expect(
      breakdownNode(stateFromTally(KERNEL.empty_tally)).textContent
    ).not.toContain('cache');
  });

  it('reads an empty tally', () => {
    const state = stateFromTally(KERNEL.empty_tally);
    expect(statusLabel(state)).toBe('Gemini $0 · gemini-3.1-flash-lite');
    expect(breakdownRows(state)).toEqual([
      {
        model: 'total',
        requests: '0',
        tokensIn: '0',
        tokensOut: '0',
        cost: '$0'
      }
    ]);
    expect(statusLabel(stateFromTally({ total: '0' }))).toBe('Gemini $0');
  });
});

describe('fallback from answers', () => {
  it('takes the session total from a final answer', () => {
    const state = stateFromAnswer(COMPLETE);
    expect(state?.source).toBe('answer');
    expect(statusLabel(state)).toBe('Gemini $0.000207 · gemini-3.1-flash-lite');
    expect(statusTitle(state)).toContain('no jupyter_gemini comm');
    const node = breakdownNode(state!);
    expect(node.querySelectorAll('tbody tr')).toHaveLength(1);
    expect(node.textContent).toContain('%load_ext jupyter_gemini');
  });

  it('ignores streaming and waiting displays', () => {
    expect(
      stateFromAnswer({ status: 'streaming', text: 'x', model: 'm' })
    ).toBeNull();
    expect(
      stateFromAnswer({ status: 'waiting', notice: 'retrying' })
    ).toBeNull();
    expect(statusLabel(null)).toBe('');
  });
});
