/**
 * Test helpers: JupyterLab's real Markdown parser (marked + CodeMirror
 * highlighting) and sanitizer, so cards render as they do in the app.
 */

import { Sanitizer } from '@jupyterlab/apputils';
import { EditorLanguageRegistry } from '@jupyterlab/codemirror';
import { createMarkdownParser } from '@jupyterlab/markedparser-extension';
import { MimeModel } from '@jupyterlab/rendermime';
import { IRenderMime } from '@jupyterlab/rendermime-interfaces';

import { IResponseJSON, ITallyJSON, RESPONSE_MIME } from '../types';
import fixtures from './kernel-fixtures.json';

export function rendererOptions(): IRenderMime.IRendererOptions & {
  parsed: string[];
} {
  const languages = new EditorLanguageRegistry();
  for (const language of EditorLanguageRegistry.getDefaultLanguages()) {
    languages.addLanguage(language);
  }
  const parser = createMarkdownParser(languages);
  const parsed: string[] = [];
  return {
    parsed,
    mimeType: RESPONSE_MIME,
    sanitizer: new Sanitizer(),
    resolver: null,
    linkHandler: null,
    latexTypesetter: null,
    markdownParser: {
      render: (source: string) => {
        parsed.push(source);
        return parser.render(source);
      }
    }
  };
}

export function model(data: IResponseJSON): MimeModel {
  return new MimeModel({
    data: { [RESPONSE_MIME]: data as any },
    trusted: true
  });
}

/**
 * What a kernel really sends, written by `tests/test_frontend_fixtures.py` through the
 * kernel's own code (and checked there against it), not copied here by hand.
 */
export const KERNEL = fixtures as unknown as {
  complete: IResponseJSON;
  emulator: IResponseJSON;
  unpriced: IResponseJSON;
  partial: IResponseJSON;
  exponent: IResponseJSON;
  cached: IResponseJSON;
  attachments: IResponseJSON;
  code_blocks: IResponseJSON;
  one_block: IResponseJSON;
  failed: IResponseJSON;
  unsafe: IResponseJSON;
  plain_text: IResponseJSON;
  code_format: IResponseJSON;
  json_format: IResponseJSON;
  json_invalid: IResponseJSON;
  thinking: IResponseJSON;
  tally: ITallyJSON;
  tally_with_budget: ITallyJSON;
  empty_tally: ITallyJSON;
};

export const COMPLETE: IResponseJSON = KERNEL.complete;
