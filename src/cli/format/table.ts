/**
 * docker's table output: the `--format` rules of cli/command/formatter/formatter.go and the
 * column alignment of its tabwriter fork (cli/command/formatter/tabwriter), which measures cells
 * in terminal columns rather than bytes.
 */
import { BerthError } from '../../base/errors.js';
import { compileTemplate, HEADER_FUNCS } from './template.js';

/** text/tabwriter settings; docker uses `NewWriter(out, 10, 1, 3, ' ', 0)`. */
export interface TabwriterOptions {
  minwidth?: number;
  tabwidth?: number;
  padding?: number;
  padchar?: string;
}

type Cell = { text: string; width: number; htab: boolean };

/**
 * Aligns tab-separated text exactly as Go's tabwriter followed by Flush: a column block ends at
 * a line without tabs, cells are padded to the widest cell plus `padding`, and the last cell of
 * a line (the one not ended by a tab) is never padded.
 */
export function tabwrite(text: string, options: TabwriterOptions = {}): string {
  const { minwidth = 10, tabwidth = 1, padding = 3, padchar = ' ' } = options;
  const out: string[] = [];
  let lines: Cell[][] = [[]];
  const widths: number[] = [];
  let cell = '';

  const pad = (textw: number, cellw: number) => {
    if (padchar === '\t') {
      if (tabwidth === 0) return;
      const rounded = Math.ceil(cellw / tabwidth) * tabwidth;
      out.push('\t'.repeat(Math.ceil((rounded - textw) / tabwidth)));
    } else {
      out.push(padchar.repeat(cellw - textw));
    }
  };
  const writeLines = (line0: number, line1: number) => {
    for (let i = line0; i < line1; i++) {
      lines[i]!.forEach((c, j) => {
        out.push(c.text);
        if (j < widths.length) pad(c.width, widths[j]!);
      });
      if (i + 1 < lines.length) out.push('\n');
    }
  };
  // The recursive column layout of tabwriter.format, kept structurally identical.
  const format = (line0: number, line1: number) => {
    const column = widths.length;
    for (let th = line0; th < line1; th++) {
      if (column >= lines[th]!.length - 1) continue;
      writeLines(line0, th);
      line0 = th;
      let width = minwidth;
      for (; th < line1; th++) {
        const line = lines[th]!;
        if (column >= line.length - 1) break;
        width = Math.max(width, line[column]!.width + padding);
      }
      widths.push(width);
      format(line0, th);
      widths.pop();
      line0 = th;
    }
    writeLines(line0, line1);
  };
  const flush = () => {
    format(0, lines.length);
    lines = [[]];
  };
  const terminate = (htab: boolean) => {
    const line = lines.at(-1)!;
    line.push({ text: cell, width: displayWidth(cell), htab });
    cell = '';
    return line.length;
  };

  for (const ch of text) {
    if (ch === '\t' || ch === '\v' || ch === '\n' || ch === '\f') {
      const ncells = terminate(ch === '\t');
      if (ch === '\n' || ch === '\f') {
        lines.push([]);
        if (ch === '\f' || ncells === 1) flush();
      }
    } else {
      cell += ch;
    }
  }
  if (cell !== '') terminate(false);
  flush();
  return out.join('');
}

/** Terminal columns of a string, approximating go-runewidth: wide East Asian glyphs count 2, combining marks 0. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || /[\p{Mn}\p{Me}\u200b-\u200f\u2060\ufeff]/u.test(ch)) continue;
    const wide =
      (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0x303e) || (cp >= 0x3041 && cp <= 0x33ff) ||
      (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xa000 && cp <= 0xa4cf) ||
      (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) ||
      (cp >= 0xff00 && cp <= 0xff60) || (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1f64f) ||
      (cp >= 0x1f900 && cp <= 0x1f9ff) || (cp >= 0x20000 && cp <= 0x3fffd);
    w += wide ? 2 : 1;
  }
  return w;
}

/** A header row plus data rows, aligned as docker's formatter aligns them. */
export function renderTable(headers: string[], rows: string[][]): string {
  return tabwrite([headers, ...rows].map((r) => `${r.join('\t')}\n`).join(''));
}

/**
 * docker's `--format` handling for list commands:
 * - `''` or `table`: the command's default table format;
 * - `table TEMPLATE`: a header row (TEMPLATE rendered over `headers`, e.g. `{ID: 'IMAGE ID'}`) and one
 *   row per item, aligned by tabwriter;
 * - `json`: `{{json .}}` per line;
 * - any other template: one line per item, no header.
 * Literal `\t` and `\n` in the format become tab and newline, as the docker CLI does.
 * @throws BerthError InvalidArgument `template parsing error: …` for parse and execution errors.
 */
export function formatOutput(
  format: string | undefined,
  defaultTableFormat: string,
  items: object[],
  headers: Record<string, unknown>,
): string {
  const f = format === undefined || format === '' || format === 'table' ? defaultTableFormat : format;
  const isTable = f.startsWith('table');
  const text = f === 'json'
    ? '{{json .}}'
    : (isTable ? f.slice('table'.length) : f).replace(/^ +| +$/g, '').replace(/\\[tn]/g, (m) => (m === '\\t' ? '\t' : '\n'));
  const render = compileTemplate(text, { structRoot: true });
  const rows = items.map((item) => {
    try {
      return `${render(item)}\n`;
    } catch (err) {
      if (err instanceof BerthError) throw new BerthError(err.kind, `template parsing error: ${err.message}`, { cause: err });
      throw err;
    }
  });
  if (!isTable) return rows.join('');
  // Like docker, a header that fails to render is written as far as it got.
  const header = compileTemplate(text, { funcs: HEADER_FUNCS, partial: true })(headers);
  return tabwrite(`${header}\n${rows.join('')}`);
}
