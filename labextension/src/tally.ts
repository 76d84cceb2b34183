/**
 * The status bar's data: pure functions from kernel JSON to what is shown.
 *
 * Two sources: the comm (`ITallyJSON`, complete: per-model rows) and, when the
 * kernel has no comm target, the last answer's `session_total` (total only).
 */

import { formatTokens, shortModel, usdText } from './format';
import { IModelRow, IResponseJSON, ITallyJSON } from './types';

export interface ITallyState {
  /** `comm`: the kernel's tally; `answer`: read off the latest answer. */
  source: 'comm' | 'answer';
  /** The session total as the kernel writes it (`≈$0.02`). */
  total: string;
  estimated: boolean;
  model: string | null;
  /** The budget as the kernel writes it (`$0.50`), or null for none. */
  budget: string | null;
  emulator: boolean;
  requests: number | null;
  promptTokens: number | null;
  completionTokens: number | null;
  /** Output tokens as the kernel writes them, thinking apart (`60 + 310 thinking`). */
  tokensOut: string | null;
  models: IModelRow[];
  /** What the cache saved, as the kernel writes it. */
  saved: string | null;
  cachedRequests: number;
}

export function stateFromTally(json: ITallyJSON): ITallyState {
  return {
    source: 'comm',
    total: usdText(json.total_text, json.total),
    estimated: !!json.estimated,
    model: json.model ?? null,
    budget:
      json.budget === null || json.budget === undefined
        ? null
        : usdText(json.budget_text, json.budget),
    emulator: !!json.emulator,
    requests: json.requests ?? null,
    promptTokens: json.prompt_tokens ?? null,
    completionTokens: json.completion_tokens ?? null,
    tokensOut: json.tokens_out_text ?? null,
    models: json.models ?? [],
    saved: json.saved ? usdText(json.saved_text, json.saved) : null,
    cachedRequests: json.cached_requests ?? 0
  };
}

/** The fallback: an answer's session total. Null for answers that carry none (still streaming). */
export function stateFromAnswer(answer: IResponseJSON): ITallyState | null {
  if (
    typeof answer.session_total !== 'string' ||
    answer.status === 'streaming' ||
    answer.status === 'waiting'
  ) {
    return null;
  }
  return {
    source: 'answer',
    total: usdText(answer.session_total_text, answer.session_total),
    estimated: !!answer.session_total_estimated,
    model: answer.model ?? null,
    budget: null,
    emulator: !!answer.emulator,
    requests: null,
    promptTokens: null,
    completionTokens: null,
    tokensOut: null,
    models: [],
    saved: null,
    cachedRequests: 0
  };
}

/** `Gemini $0.0001035 · gemini-3.1-flash-lite`; with a budget, `$0.01 of $0.50`. */
export function statusLabel(state: ITallyState | null): string {
  if (!state) {
    return '';
  }
  let cost = state.total;
  if (state.budget !== null) {
    cost += ` of ${state.budget}`;
  }
  const model = state.model ? ` · ${shortModel(state.model)}` : '';
  return `Gemini ${cost}${model}`;
}

export function statusTitle(state: ITallyState | null): string {
  if (!state) {
    return '';
  }
  const lines = [
    `jupyter-gemini session cost: ${state.total}`,
    state.model ? `model: ${state.model}` : '',
    state.requests !== null ? `requests: ${state.requests}` : '',
    state.budget !== null ? `budget: ${state.budget}` : '',
    state.emulator ? 'answers come from the local emulator' : '',
    state.estimated
      ? '≈: part of the total is an estimate (%gemini cost --reconcile)'
      : '',
    state.source === 'answer'
      ? 'from the last answer (this kernel has no jupyter_gemini comm)'
      : 'click for the per-model breakdown'
  ];
  return lines.filter(Boolean).join('\n');
}

export interface IBreakdownRow {
  model: string;
  requests: string;
  tokensIn: string;
  tokensOut: string;
  cost: string;
}

/** Per-model rows then a total row, as `%gemini cost` prints them. */
export function breakdownRows(state: ITallyState): IBreakdownRow[] {
  const rows = state.models.map(row => ({
    model: row.model,
    requests: String(row.requests),
    tokensIn: formatTokens(row.prompt_tokens),
    tokensOut: row.tokens_out_text ?? formatTokens(row.completion_tokens),
    cost: usdText(row.cost_text, row.cost)
  }));
  rows.push({
    model: 'total',
    requests: state.requests === null ? '' : String(state.requests),
    tokensIn:
      state.promptTokens === null ? '' : formatTokens(state.promptTokens),
    tokensOut:
      state.tokensOut ??
      (state.completionTokens === null
        ? ''
        : formatTokens(state.completionTokens)),
    cost: state.total
  });
  return rows;
}
