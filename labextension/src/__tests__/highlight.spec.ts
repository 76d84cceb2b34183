import { markdownLanguage } from '@codemirror/lang-markdown';
import { pythonLanguage } from '@codemirror/lang-python';
import { language, syntaxTree } from '@codemirror/language';
import { EditorState } from '@codemirror/state';
import { EditorView } from '@codemirror/view';

import { geminiCellHighlighting, isGeminiCell } from '../highlight';

function editorState(doc: string): EditorState {
  // As in a JupyterLab code cell: Python, plus our extension.
  return EditorState.create({
    doc,
    extensions: [pythonLanguage, geminiCellHighlighting(markdownLanguage, doc)]
  });
}

describe('%%gemini cells are Markdown', () => {
  it('recognises the magic on the first line only', () => {
    expect(isGeminiCell(EditorState.create({ doc: '%%gemini\nhi' }).doc)).toBe(
      true
    );
    expect(
      isGeminiCell(
        EditorState.create({ doc: '%%gemini -m google/gemini-2.5-flash\nhi' })
          .doc
      )
    ).toBe(true);
    expect(isGeminiCell(EditorState.create({ doc: '%%geminis\nhi' }).doc)).toBe(
      false
    );
    expect(
      isGeminiCell(EditorState.create({ doc: 'x = 1\n%%gemini' }).doc)
    ).toBe(false);
    expect(isGeminiCell(EditorState.create({ doc: '' }).doc)).toBe(false);
  });

  it('switches the language as the first line changes', () => {
    let state = editorState('x = 1');
    expect(state.facet(language)).toBe(pythonLanguage);
    state = state.update({ changes: { from: 0, insert: '%%gemini\n' } }).state;
    expect(state.facet(language)).toBe(markdownLanguage);
    expect(syntaxTree(state).topNode.name).toBe('Document'); // Markdown's root node
    state = state.update({ changes: { from: 0, to: 9 } }).state;
    expect(state.doc.toString()).toBe('x = 1');
    expect(state.facet(language)).toBe(pythonLanguage);
  });

  it('starts as Markdown when the cell already is a %%gemini cell', () => {
    expect(editorState('%%gemini\nhi').facet(language)).toBe(markdownLanguage);
  });

  it('works in an editor with no language yet (JupyterLab sets it later)', () => {
    for (const doc of ['x = 1', '%%gemini\nhi']) {
      let state = EditorState.create({
        doc,
        extensions: [geminiCellHighlighting(markdownLanguage, doc)]
      });
      state = state.update({ changes: { from: 0, insert: '# ' } }).state;
      state = state.update({ changes: { from: 0, to: 2 } }).state;
      expect(state.facet(language)).toBe(
        doc.startsWith('%%') ? markdownLanguage : null
      );
      expect(syntaxTree(state)).toBeDefined();
    }
  });

  it('marks the magic and its options in the editor', () => {
    const view = new EditorView({
      state: editorState('%%gemini --new\n# Title\n**bold**')
    });
    const magic = view.dom.querySelector('.jp-GeminiMagic');
    expect(magic?.textContent).toBe('%%gemini');
    expect(view.dom.querySelector('.jp-GeminiMagic-options')?.textContent).toBe(
      ' --new'
    );
    view.dispatch({ changes: { from: 0, to: 8, insert: 'print' } });
    expect(view.dom.querySelector('.jp-GeminiMagic')).toBeNull();
    view.destroy();
  });
});
