// One row of the results table, and the table itself.

export interface Row {
  figure: string;
  value: number;
  unit: string;
  /** The same figure for the baseline, measured in this run (or a published figure, said so). */
  baseline?: number;
  baselineLabel?: string;
  /** value / baseline, when that ratio is what the target is about. */
  ratio?: number;
  target: string;
  /** Whether the target holds; null when the figure is reported without a target. */
  pass: boolean | null;
}

const fmt = (n: number | undefined, unit = '') => (n === undefined ? '-' : `${n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(n >= 10 ? 1 : 2)}${unit ? ` ${unit}` : ''}`);

export function table(rows: Row[]): string {
  const cells = rows.map((r) => [r.figure, fmt(r.value, r.unit), r.baseline === undefined ? '-' : `${fmt(r.baseline, r.unit)} (${r.baselineLabel})`, r.ratio === undefined ? '-' : r.ratio.toFixed(2), r.target, r.pass === null ? '-' : r.pass ? 'pass' : 'FAIL']);
  const head = ['figure', 'value', 'baseline', 'ratio', 'target', 'result'];
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...cells.map((c) => `| ${c.join(' | ')} |`)].join('\n');
}
