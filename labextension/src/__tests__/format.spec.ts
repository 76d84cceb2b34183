import {
  bodyMarkdown,
  extractCode,
  footerText,
  formatUsd,
  plainDecimal,
  shortModel
} from '../format';
import { COMPLETE } from './helpers';

describe('exact amounts', () => {
  it.each([
    ['0.0001035', '0.0001035'],
    ['0.00010350', '0.0001035'],
    ['1.035E-7', '0.0000001035'],
    ['0E-7', '0'],
    ['0', '0'],
    ['12.50', '12.5'],
    ['1E+2', '100'],
    ['-0.5', '-0.5'],
    ['007.10', '7.1']
  ])('%s is written %s', (input, expected) => {
    expect(plainDecimal(input)).toBe(expected);
  });

  it('marks estimates and leaves junk alone', () => {
    expect(formatUsd('0.02', true)).toBe('≈$0.02');
    expect(formatUsd(undefined)).toBe('$0');
    expect(plainDecimal('NaN')).toBe('NaN');
  });
});

describe('footer and body', () => {
  it('reads like the kernel footer', () => {
    expect(footerText(COMPLETE)).toBe(
      'google/gemini-3.1-flash-lite · 54 in / 60 out tokens · $0.0001035 · session $0.000207'
    );
    expect(
      footerText({
        ...COMPLETE,
        emulator: true,
        usage: { prompt_tokens: 1234, completion_tokens: 5 }
      })
    ).toBe(
      'google/gemini-3.1-flash-lite · 1,234 in / 5 out tokens · $0.0001035 · session $0.000207 · local emulator'
    );
  });

  it('says an unpriced answer has an unknown cost, not $0', () => {
    expect(
      footerText({ ...COMPLETE, cost: '0', cost_estimated: true })
    ).toContain('≈ cost unknown until %gemini cost --reconcile');
    expect(
      footerText({
        ...COMPLETE,
        cost: '0',
        cost_estimated: true,
        usage: { prompt_tokens: 0, completion_tokens: 0 }
      })
    ).toContain('≈$0');
  });

  it('extracts code like _render.extract_code', () => {
    expect(extractCode('Here:\n```python\nx = 1\n```\nbye')).toBe('x = 1');
    expect(extractCode('~~~\na\n~~~')).toBe('a');
    expect(extractCode('\nprint(1)\n')).toBe('print(1)');
  });

  it('builds the body per format, and leaves streaming text as it is', () => {
    expect(
      bodyMarkdown({ format: 'code', status: 'complete', text: 'print(1)' })
    ).toBe('```python\nprint(1)\n```');
    expect(
      bodyMarkdown({ format: 'json', status: 'complete', text: '{"a":1}' })
    ).toBe('```json\n{\n  "a": 1\n}\n```');
    expect(
      bodyMarkdown({ format: 'json', status: 'complete', text: 'not json' })
    ).toBe('```json\nnot json\n```');
    expect(
      bodyMarkdown({ format: 'code', status: 'streaming', text: 'print(' })
    ).toBe('print(');
  });

  it('shortens model ids for the status bar', () => {
    expect(shortModel('google/gemini-2.5-flash')).toBe('gemini-2.5-flash');
    expect(shortModel('other/model')).toBe('other/model');
  });
});
