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

/**
 * The Markdown the card renders: the kernel's own once the answer is final (`-f code` shows
 * its code block, `-f json` its pretty JSON), the text so far while it streams.
 */
export function bodyMarkdown(data: IResponseJSON): string {
  const final = data.status !== 'streaming' && data.status !== 'waiting';
  return final && typeof data.markdown === 'string'
    ? data.markdown
    : (data.text ?? '');
}
