// Small, exact Markdown formatting for the evaluation report.

/** A number for a table: fixed digits, '∞' for a perfect PSNR, '–' when missing. */
export function formatNumber(value: number | undefined, digits = 3): string {
  if (value === undefined || Number.isNaN(value)) return '–';
  if (value === Number.POSITIVE_INFINITY) return '∞';
  if (value === Number.NEGATIVE_INFINITY) return '−∞';
  return value.toFixed(digits);
}

export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const escapePipes = (cell: string) => cell.replaceAll('|', '\\|');
  return [
    `| ${header.map(escapePipes).join(' | ')} |`,
    `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.map((r) => `| ${r.map(escapePipes).join(' | ')} |`),
  ].join('\n');
}
