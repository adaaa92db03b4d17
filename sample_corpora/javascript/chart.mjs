// chart.mjs — draw a horizontal bar chart as an SVG string (no DOM needed, so it runs in Node).

const escapeXml = (s) =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

export function barChart(data, { width = 480, barHeight = 22, gap = 6, labelWidth = 120 } = {}) {
  const max = Math.max(...data.map((d) => d.value), 1);
  const height = data.length * (barHeight + gap) + gap;
  const scale = (v) => ((width - labelWidth - 60) * v) / max;

  const rows = data.map(({ label, value, color = '#4e79a7' }, i) => {
    const y = gap + i * (barHeight + gap);
    const w = scale(value).toFixed(1);
    return [
      `<text x="${labelWidth - 8}" y="${y + barHeight * 0.7}" text-anchor="end">${escapeXml(label)}</text>`,
      `<rect x="${labelWidth}" y="${y}" width="${w}" height="${barHeight}" fill="${color}" rx="3"/>`,
      `<text x="${labelWidth + Number(w) + 6}" y="${y + barHeight * 0.7}">${value.toLocaleString('en-US')}</text>`,
    ].join('\n    ');
  });

  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">
  <g>
    ${rows.join('\n    ')}
  </g>
</svg>`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const tokensPerLanguage = [
    { label: 'Python', value: 41230 },
    { label: 'Rust', value: 38911, color: '#e15759' },
    { label: 'Go <gofmt>', value: 29874, color: '#76b7b2' },
    { label: 'Français ✨', value: 12050, color: '#edc948' },
  ];
  process.stdout.write(barChart(tokensPerLanguage) + '\n');
}
