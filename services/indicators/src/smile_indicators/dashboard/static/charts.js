// Small SVG charts for the dashboard: vertical bars (time series, categories) and grouped bars.
// No library: the page must work offline, behind a strict Content-Security-Policy.
"use strict";

const SVG = "http://www.w3.org/2000/svg";

function svgElement(name, attributes, text) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes || {})) element.setAttribute(key, value);
  if (text !== undefined) element.textContent = text;
  return element;
}

// series: [{name, className}], rows: [{label, values: [number|null...]}]
function barChart(container, series, rows, options = {}) {
  container.replaceChildren();
  if (!rows.length) {
    container.append(Object.assign(document.createElement("p"), { className: "empty", textContent: "No data for these filters." }));
    return;
  }
  const width = 560, height = 240, left = 40, bottom = 48, top = 12;
  const values = rows.flatMap((row) => row.values.filter((v) => v !== null));
  const max = Math.max(1, ...values);
  const chart = svgElement("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": options.title || "" });
  const plotHeight = height - bottom - top;
  const slot = (width - left) / rows.length;
  const barWidth = Math.max(2, (slot * 0.8) / series.length);
  chart.append(svgElement("line", { x1: left, y1: top + plotHeight, x2: width, y2: top + plotHeight, class: "axis" }));
  for (const tick of [0, max / 2, max]) {
    const y = top + plotHeight - (tick / max) * plotHeight;
    chart.append(svgElement("text", { x: left - 4, y: y + 4, class: "tick", "text-anchor": "end" }, formatNumber(tick)));
  }
  rows.forEach((row, index) => {
    row.values.forEach((value, s) => {
      const barHeight = value === null ? 0 : (value / max) * plotHeight;
      const x = left + index * slot + slot * 0.1 + s * barWidth;
      const bar = svgElement("rect", {
        x, y: top + plotHeight - barHeight, width: barWidth, height: barHeight,
        class: `bar ${series[s].className}`, "data-key": row.label, "data-series": series[s].name,
        "data-value": value === null ? "" : String(value),
      });
      bar.append(svgElement("title", {}, `${row.label} — ${series[s].name}: ${value === null ? "n/a" : formatNumber(value)}`));
      chart.append(bar);
    });
    const every = Math.ceil(rows.length / 12);
    if (index % every === 0) {
      chart.append(svgElement("text", { x: left + index * slot + slot / 2, y: height - bottom + 16, class: "label", "text-anchor": "middle" }, row.label));
    }
  });
  container.append(chart);
  if (series.length > 1) container.append(legend(series));
}

function legend(series) {
  const list = document.createElement("ul");
  list.className = "legend";
  for (const item of series) {
    const entry = document.createElement("li");
    entry.innerHTML = `<span class="swatch ${item.className}"></span>`;
    entry.append(item.name);
    list.append(entry);
  }
  return list;
}

function formatNumber(value) {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

window.SmileCharts = { barChart, formatNumber };
