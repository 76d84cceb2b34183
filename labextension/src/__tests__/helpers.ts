/**
 * Test helpers: JupyterLab's real Markdown parser (marked + CodeMirror
 * highlighting) and sanitizer, so cards render as they do in the app.
 */

import { Sanitizer } from '@jupyterlab/apputils';
import { EditorLanguageRegistry } from '@jupyterlab/codemirror';
import { createMarkdownParser } from '@jupyterlab/markedparser-extension';
import { MimeModel } from '@jupyterlab/rendermime';
import { IRenderMime } from '@jupyterlab/rendermime-interfaces';

import { IResponseJSON, RESPONSE_MIME } from '../types';

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

export const COMPLETE: IResponseJSON = {
  version: 1,
  status: 'complete',
  format: 'markdown',
  text: '*Answer from the local OpenRouter emulator (jupyter-gemini), not a real model.*\n\nA **DataFrame** is a table.',
  model: 'google/gemini-3.1-flash-lite',
  provider: 'jupyter-gemini emulator',
  emulator: false,
  generation_id: 'gen-1764926649-abcdefghijklmnopqrst',
  finish_reason: 'stop',
  usage: {
    prompt_tokens: 54,
    completion_tokens: 60,
    total_tokens: 114,
    reasoning_tokens: 0,
    cached_tokens: 0
  },
  cost: '0.0001035',
  cost_estimated: false,
  session_total: '0.0002070',
  session_total_estimated: false,
  problem: '',
  footer:
    'google/gemini-3.1-flash-lite · 54 in / 60 out tokens · $0.0001035 · session $0.000207'
};
