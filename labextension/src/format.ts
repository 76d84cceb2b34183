/**
 * Pure formatting shared by the card and the status bar; mirrors `_display/_bundles.py`
 * so a card reads exactly like the text/markdown fallback.
 */

import { IResponseJSON } from './types';

/**
 * An exact decimal string in plain notation with no trailing zeros.
 *
 * Python's `str(Decimal)` may use an exponent ("1.035E-7", "0E-7"); floats
 * would round, so this works on the digits.
 */
export function plainDecimal(value: string): string {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(
    value.trim()
  );
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) {
    return value;
  }
  const [, sign, whole, fraction = '', exponent = '0'] = match;
  const digits = whole + fraction;
  const point = whole.length + Number(exponent);
  let text: string;
  if (point <= 0) {
    text = '0.' + '0'.repeat(-point) + digits;
  } else if (point >= digits.length) {
    text = digits + '0'.repeat(point - digits.length);
  } else {
    text = digits.slice(0, point) + '.' + digits.slice(point);
  }
  text = text.replace(/^0+(?=\d)/, '');
  if (text.includes('.')) {
    text = text.replace(/0+$/, '').replace(/\.$/, '');
  }
  if (/^0*$/.test(text.replace('.', ''))) {
    return '0';
  }
  return (sign === '-' ? '-' : '') + text;
}

/** `$0.0001036`, or `≈$0.02` for an estimate. */
export function formatUsd(
  amount: string | undefined,
  estimated = false
): string {
  return `${estimated ? '≈' : ''}$${plainDecimal(amount ?? '0')}`;
}

export function formatTokens(count: number | null | undefined): string {
  return (count ?? 0).toLocaleString('en-US');
}

/** `google/gemini-2.5-flash` → `gemini-2.5-flash`: the status bar is narrow. */
export function shortModel(model: string): string {
  return model.replace(/^google\//, '');
}

export interface IFooterParts {
  model: string;
  tokens: string;
  cost: string;
  session: string;
  emulator: boolean;
}

/** As the kernel footer says it: no reported cost and no price, so "≈$0" would claim it was free. */
export const UNKNOWN_COST = '≈ cost unknown until %gemini cost --reconcile';

function unpriced(data: IResponseJSON): boolean {
  const usage = data.usage ?? {};
  const tokens = (usage.prompt_tokens ?? 0) + (usage.completion_tokens ?? 0);
  return !!data.cost_estimated && Number(data.cost ?? 0) === 0 && tokens > 0;
}

/** The footer's pieces, as `_display._bundles.footer_text` joins them with " · ". */
export function footerParts(data: IResponseJSON): IFooterParts {
  const usage = data.usage ?? {};
  return {
    model: data.model ?? '',
    tokens: `${formatTokens(usage.prompt_tokens)} in / ${formatTokens(
      usage.completion_tokens
    )} out tokens`,
    cost: unpriced(data)
      ? UNKNOWN_COST
      : formatUsd(data.cost, data.cost_estimated),
    session:
      'session ' + formatUsd(data.session_total, data.session_total_estimated),
    emulator: !!data.emulator
  };
}

export function footerText(data: IResponseJSON): string {
  const p = footerParts(data);
  return [
    p.model,
    p.tokens,
    p.cost,
    p.session,
    ...(p.emulator ? ['local emulator'] : [])
  ].join(' · ');
}

const FENCE = /^(`{3,}|~{3,})[^\n`]*\n([\s\S]*?)^\1[ \t]*$/m;

/** The first fenced block's body, or the whole text when the model sent bare code. */
export function extractCode(text: string): string {
  const match = FENCE.exec(text);
  return (match ? match[2] : text).replace(/^\n+|\n+$/g, '');
}

function prettyJson(text: string): string {
  const body = FENCE.test(text) ? extractCode(text) : text;
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return text.trim();
  }
}

/** The Markdown the card renders, per answer format (as `_display._bundles._body_markdown`). */
export function bodyMarkdown(data: IResponseJSON): string {
  const text = data.text ?? '';
  const final = data.status !== 'streaming' && data.status !== 'waiting';
  if (data.format === 'code' && final) {
    const code = extractCode(text);
    return code ? '```python\n' + code + '\n```' : '';
  }
  if (data.format === 'json' && final) {
    return '```json\n' + prettyJson(text) + '\n```';
  }
  return text;
}
