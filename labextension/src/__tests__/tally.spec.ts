import { breakdownNode } from '../status';
import {
  breakdownRows,
  stateFromAnswer,
  stateFromTally,
  statusLabel,
  statusTitle
} from '../tally';
import { ITallyJSON } from '../types';
import { COMPLETE } from './helpers';

const TALLY: ITallyJSON = {
  type: 'tally',
  version: 1,
  model: 'google/gemini-3.1-flash-lite',
  budget: null,
  emulator: true,
  total: '0.0003105',
  estimated: false,
  requests: 3,
  prompt_tokens: 162,
  completion_tokens: 180,
  models: [
    {
      model: 'google/gemini-3.1-flash-lite',
      requests: 2,
      prompt_tokens: 108,
      completion_tokens: 120,
      cost: '0.000207',
      estimated_cost: '0'
    },
    {
      model: 'google/gemini-2.5-flash',
      requests: 1,
      prompt_tokens: 54,
      completion_tokens: 60,
      cost: '0.0001035',
      estimated_cost: '0.0001035'
    }
  ]
};

describe('status from the comm', () => {
  it('labels the session total and model', () => {
    const state = stateFromTally(TALLY);
    expect(state.source).toBe('comm');
    expect(statusLabel(state)).toBe(
      'Gemini $0.0003105 · gemini-3.1-flash-lite'
    );
    expect(statusTitle(state)).toContain('requests: 3');
    expect(statusTitle(state)).toContain('click for the per-model breakdown');
  });

  it('shows the budget and estimates', () => {
    const state = stateFromTally({ ...TALLY, budget: '0.5', estimated: true });
    expect(statusLabel(state)).toBe(
      'Gemini ≈$0.0003105 of $0.5 · gemini-3.1-flash-lite'
    );
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
        cost: '≈$0.0001035'
      },
      {
        model: 'total',
        requests: '3',
        tokensIn: '162',
        tokensOut: '180',
        cost: '$0.0003105'
      }
    ]);
    const node = breakdownNode(stateFromTally(TALLY));
    expect(node.querySelectorAll('tbody tr')).toHaveLength(3);
    expect(
      node.querySelector('.jp-GeminiBreakdown-total')?.textContent
    ).toContain('$0.0003105');
    expect(node.textContent).toContain('local OpenRouter emulator');
  });

  it('notes what the answer cache saved', () => {
    const node = breakdownNode(
      stateFromTally({ ...TALLY, saved: '0.0002', cached_requests: 2 })
    );
    expect(node.textContent).toContain(
      '2 answers from the cache saved $0.0002.'
    );
    expect(breakdownNode(stateFromTally(TALLY)).textContent).not.toContain(
      'cache'
    );
  });

  it('reads an empty tally', () => {
    const state = stateFromTally({ total: '0' });
    expect(statusLabel(state)).toBe('Gemini $0');
    expect(breakdownRows(state)).toEqual([
      { model: 'total', requests: '', tokensIn: '', tokensOut: '', cost: '$0' }
    ]);
  });
});

describe('fallback from answers', () => {
  it('takes the session total from a final answer', () => {
    const state = stateFromAnswer({
      ...COMPLETE,
      session_total_estimated: true
    });
    expect(state?.source).toBe('answer');
    expect(statusLabel(state)).toBe(
      'Gemini ≈$0.000207 · gemini-3.1-flash-lite'
    );
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
