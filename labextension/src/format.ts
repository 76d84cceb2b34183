/**
 * What the card and the status bar show, from what the kernel sent: amounts and the
 * footer arrive written (`_display/_bundles.py`), so a card reads exactly like the
 * text/markdown fallback.
 */

import { IFooterParts, IResponseJSON } from './types';

export type { IFooterParts };

/**
 * An amount as the kernel wrote it (`$0.0001035`, `≈$0.02`); the frontend never
 * formats a decimal of its own. A kernel too old to send the text gets its
 * exact decimal string as it is.
 */
export function usdText(
  text: string | null | undefined,
  amount?: string | null
): string {
  return text ?? `$${amount ?? '0'}`;
}

export function formatTokens(count: number | null | undefined): string {
  return (count ?? 0).toLocaleString('en-US');
}

/** `google/gemini-2.5-flash` → `gemini-2.5-flash`: the status bar is narrow. */
export function shortModel(model: string): string {
  return model.replace(/^google\//, '');
}

/** The footer's pieces as the kernel wrote them (`_display._bundles.footer_parts`). */
export function footerParts(data: IResponseJSON): IFooterParts {
  const parts = data.footer_parts;
  if (parts) {
    return { ...parts };
  }
  // A kernel too old to send the pieces: its whole footer in one.
  return {
    model: '',
    tokens: '',
    cost: data.footer ?? '',
    session: '',
    attachments: '',
    emulator: ''
  };
}

/** The footer in one line, as the text/plain fallback ends. */
export function footerText(data: IResponseJSON): string {
  const p = footerParts(data);
  return [p.model, p.tokens, p.cost, p.session, p.attachments, p.emulator]
    .filter(Boolean)
    .join(' · ');
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
