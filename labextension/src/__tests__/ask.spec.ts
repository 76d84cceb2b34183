import { askCellSource, outputKind, outputName } from '../ask';

const figure = {
  'image/png': 'iVBORw0KGgo=',
  'text/plain': '<Figure size 640x480 with 1 Axes>'
};
const frame = {
  'text/html': '<div><table border="1" class="dataframe">…</table></div>',
  'text/plain': '   a\n0  1'
};

describe('Ask Gemini about this output', () => {
  it('tells figures, tables and results apart', () => {
    expect(outputKind({ outputType: 'display_data', data: figure })).toBe(
      'image'
    );
    expect(outputKind({ outputType: 'execute_result', data: frame })).toBe(
      'dataframe'
    );
    expect(
      outputKind({ outputType: 'execute_result', data: { 'text/plain': '42' } })
    ).toBe('result');
    expect(
      outputKind({ outputType: 'stream', data: { 'text/plain': 'hello' } })
    ).toBeNull();
    expect(
      outputKind({ outputType: 'display_data', data: { 'text/plain': 'x' } })
    ).toBeNull();
  });

  it('refers to a figure by its cell number, or the last one', () => {
    const source = 'plt.plot([1, 2, 3])\nplt.show()';
    expect(
      askCellSource({
        outputType: 'display_data',
        data: figure,
        executionCount: 7,
        source
      })
    ).toBe(
      '%%gemini --image Out[7]\nWhat does this figure show? Point out anything surprising.'
    );
    expect(
      askCellSource({
        outputType: 'display_data',
        data: figure,
        executionCount: null,
        source
      })
    ).toMatch(/^%%gemini --image last\n/);
  });

  it('refers to a DataFrame by name when the cell ended on it, else by Out[n]', () => {
    expect(
      askCellSource({
        outputType: 'execute_result',
        data: frame,
        executionCount: 3,
        source: 'df = load()\ndf'
      })
    ).toBe('%%gemini\nWhat stands out in this table?\n\n{df}');
    expect(
      askCellSource({
        outputType: 'execute_result',
        data: frame,
        executionCount: 3,
        source: 'df.head()'
      })
    ).toBe('%%gemini\nWhat stands out in this table?\n\n{Out[3]}');
    expect(
      askCellSource({
        outputType: 'display_data',
        data: frame,
        executionCount: 4,
        source: 'display(sales.by_region)'
      })
    ).toBe('%%gemini\nWhat stands out in this table?\n\n{sales.by_region}');
    expect(
      askCellSource({
        outputType: 'execute_result',
        data: { 'text/plain': '42' },
        executionCount: 9,
        source: '6*7'
      })
    ).toBe('%%gemini\nExplain this result.\n\n{Out[9]}');
    expect(
      askCellSource({
        outputType: 'stream',
        data: {},
        executionCount: 1,
        source: 'print(1)'
      })
    ).toBeNull();
  });

  it('finds names past comments and ignores keywords', () => {
    expect(
      outputName({
        outputType: 'execute_result',
        source: 'df\n# the table above'
      })
    ).toBe('df');
    expect(
      outputName({ outputType: 'execute_result', source: 'None' })
    ).toBeNull();
    expect(outputName({ outputType: 'display_data', source: 'df' })).toBeNull();
  });
});
