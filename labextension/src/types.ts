/**
 * The JSON the kernel sends: answers (display data) and the session tally (comm).
 *
 * Mirrors `jupyter_gemini/_display/_bundles.py` (`response_json`, `streaming_bundle`,
 * `status_bundle`) and `jupyter_gemini/_ipython/_comm.py`. Every field is optional on
 * purpose: streaming and waiting bundles carry only a few, and older or newer
 * kernels may send fewer or more.
 */

/** The MIME type of an answer; the card renderer is registered for it. */
export const RESPONSE_MIME = 'application/vnd.jupyter-gemini.response+json';

/** The comm target the kernel registers at `%load_ext jupyter_gemini`. */
export const COMM_TARGET = 'jupyter_gemini';

export type ResponseStatus =
  'waiting' | 'streaming' | 'complete' | 'partial' | 'error' | 'cached';

export interface IUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  reasoning_tokens?: number | null;
  cached_tokens?: number | null;
}

/** The footer's pieces as the kernel writes them; empty ones are left out. */
export interface IFooterParts {
  model: string;
  tokens: string;
  cost: string;
  session: string;
  /** `with 1 image (539×352 PNG, 13 KB), ≈24% of the prompt`, or empty. */
  attachments: string;
  /** `local emulator`, or empty. */
  emulator: string;
}

export interface IResponseJSON {
  version?: number;
  status?: ResponseStatus | string;
  format?: 'markdown' | 'code' | 'text' | 'json' | string;
  text?: string;
  model?: string;
  provider?: string | null;
  emulator?: boolean;
  generation_id?: string | null;
  finish_reason?: string | null;
  usage?: IUsage;
  /** Exact decimal, e.g. "0.0001035" (Python may write "1.035E-7"). */
  cost?: string;
  cost_estimated?: boolean;
  session_total?: string;
  session_total_estimated?: boolean;
  problem?: string;
  footer?: string;
  /** What the model thought, apart from the answer, and its one-line summary ("Thought for 4.2 s (310 tokens)"). */
  thinking?: string;
  thinking_summary?: string;
  /** The body as the kernel renders it (`-f code`: the code block; `-f json`: pretty JSON). */
  markdown?: string;
  /** The footer's pieces, written by the kernel (`_display._bundles.footer_parts`). */
  footer_parts?: IFooterParts;
  /** `session_total` as the kernel writes it, ≈ included. */
  session_total_text?: string;
  /** While waiting (`status: "waiting"`): e.g. a retry countdown. */
  notice?: string;
}

export interface IModelRow {
  model: string;
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  cost: string;
  estimated_cost?: string;
  /** `cost` as the kernel writes it, ≈ included. */
  cost_text?: string;
  reasoning_tokens?: number;
  /** Output tokens as the kernel writes them, thinking apart: `60 + 310 thinking`. */
  tokens_out_text?: string;
}

/** What the kernel sends on the comm: `CostTally.to_json()` plus model and budget. */
export interface ITallyJSON {
  type?: 'tally';
  version?: number;
  model?: string;
  budget?: string | null;
  budget_text?: string | null;
  emulator?: boolean;
  total: string;
  total_text?: string;
  reasoning_tokens?: number;
  tokens_out_text?: string;
  estimated?: boolean;
  requests?: number;
  prompt_tokens?: number;
  completion_tokens?: number;
  models?: IModelRow[];
  /** What answers served from the cache would have cost again, and how many there were. */
  saved?: string;
  saved_text?: string;
  cached_requests?: number;
}
