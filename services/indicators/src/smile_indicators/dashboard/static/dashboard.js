// The indicators dashboard: reads the figures API with the user's bearer token and draws them.
"use strict";

const TOKEN_KEY = "smile-indicators-token";
const state = { token: null, definitions: {}, refreshes: 0, requested: 0 };
const $ = (selector) => document.querySelector(selector);

function readToken() {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get("token");
  if (fromHash) {
    sessionStorage.setItem(TOKEN_KEY, fromHash);
    history.replaceState(null, "", location.pathname + location.search);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

function status(text) {
  $("#status").textContent = text || "";
}

async function api(path, params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) query.append(key, value);
  const response = await fetch(`${path}${query.size ? "?" + query : ""}`, {
    headers: { Authorization: `Bearer ${state.token}`, Accept: "application/json" },
  });
  if (response.status === 401) {
    signOut("Your token was refused or has expired: paste a new one.");
    throw new Error("unauthorised");
  }
  const body = response.headers.get("content-type")?.includes("json") ? await response.json() : null;
  if (!response.ok) {
    const error = new Error(body?.detail || body?.title || response.statusText);
    error.status = response.status;
    throw error;
  }
  return body;
}

function signOut(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  state.token = null;
  $("#dashboard").hidden = true;
  $("#sign-in").hidden = false;
  status(message || "");
}

function currentFilters() {
  const filters = {};
  for (const select of document.querySelectorAll("#filters select")) if (select.value) filters[select.name] = select.value;
  return filters;
}

// Only the filters an indicator takes (the API refuses the others, rightly).
function filtersFor(slug, extra = {}) {
  const allowed = state.definitions[slug]?.filters || [];
  const chosen = Object.fromEntries(Object.entries(currentFilters()).filter(([name]) => allowed.includes(name)));
  return { ...chosen, ...extra };
}

const figure = (slug, extra) => api(`figures/${slug}`, filtersFor(slug, extra));

function setTile(name, value, format) {
  const tile = document.querySelector(`[data-tile="${name}"] .value`);
  tile.textContent = value === null || value === undefined ? "–" : format(value);
  tile.dataset.value = value ?? "";
}

const percent = (value) => `${Math.round(value * 100)} %`;
const number = (value) => SmileCharts.formatNumber(value);

async function refresh() {
  const ticket = ++state.requested;
  const filters = new URLSearchParams(currentFilters()).toString();
  status("Loading…");
  document.body.dataset.ready = "false";
  const [students, byMonth, byCountry, nominations, byYear, quota, la, laByMonth, transcripts, survey, sis] =
    await Promise.all([
      figure("incoming-students"),
      figure("incoming-students", { by: "month" }),
      figure("incoming-students", { by: "country" }),
      figure("nominations"),
      figure("nominations", { by: "academic_year" }),
      figure("iia-quota", { by: "partner" }),
      figure("learning-agreement-turnaround"),
      figure("learning-agreement-turnaround", { by: "month" }),
      figure("transcript-delay"),
      figure("survey-satisfaction"),
      figure("sis-sync-failures"),
    ]);
  if (ticket !== state.requested) return; // the filters changed meanwhile: a newer refresh will draw
  setTile("students", students.total.students, number);
  setTile("acceptance_rate", nominations.total.acceptance_rate, percent);
  setTile("la_median", la.total.median_days, number);
  setTile("ewp_share", la.total.ewp_share, percent);
  setTile("transcripts", transcripts.total.within_target_share, percent);
  setTile("satisfaction", survey.total.mean_score_5, number);
  setTile("sis_open", sis.total.open, number);
  const chart = (name) => document.querySelector(`[data-chart="${name}"]`);
  const one = (name, className) => [{ name, className }];
  SmileCharts.barChart(chart("students-by-month"), one("students", "s1"),
    byMonth.rows.map((r) => ({ label: r.month, values: [r.students] })));
  SmileCharts.barChart(chart("students-by-country"), one("students", "s1"),
    byCountry.rows.map((r) => ({ label: r.country ?? "unknown", values: [r.students] })));
  SmileCharts.barChart(chart("nominations-by-year"), [{ name: "received", className: "s1" }, { name: "accepted", className: "s2" }],
    byYear.rows.map((r) => ({ label: r.academic_year ?? "unknown", values: [r.received, r.accepted] })));
  SmileCharts.barChart(chart("quota-by-partner"), [{ name: "places", className: "s1" }, { name: "used", className: "s2" }],
    quota.rows.map((r) => ({ label: r.partner, values: [r.places, r.used] })));
  SmileCharts.barChart(chart("la-by-month"), one("median days", "s3"),
    laByMonth.rows.map((r) => ({ label: r.month, values: [r.median_days] })));
  state.refreshes += 1;
  document.body.dataset.refreshes = String(state.refreshes);
  document.body.dataset.filters = filters;
  document.body.dataset.ready = "true";
  status("");
}

async function loadFilters() {
  const [definitions, filters] = await Promise.all([api("figures"), api("filters")]);
  state.definitions = Object.fromEntries(definitions.map((d) => [d.slug, d]));
  for (const select of document.querySelectorAll("#filters select")) {
    for (const value of filters.values[select.dataset.dimension] || []) {
      select.append(new Option(value, value));
    }
  }
}

function rosterParams() {
  const form = new FormData($("#roster-form"));
  return { from: form.get("from"), to: form.get("to") };
}

async function loadRoster() {
  const message = $("#roster-message");
  const body = $("#roster-table tbody");
  body.replaceChildren();
  try {
    const roster = await api("roster", rosterParams());
    message.textContent = `${roster.total} student(s) present from ${roster.from} to ${roster.to}: ` +
      `${roster.confirmed} confirmed, ${roster.expected} expected` +
      (roster.undated ? `, and ${roster.undated} accepted without any dates.` : ".");
    for (const name of ["by_country", "by_city", "by_faculty"]) {
      const list = document.querySelector(`[data-counts="${name}"]`);
      list.replaceChildren(...roster[name].map((c) => Object.assign(document.createElement("li"), {
        textContent: `${c.key ?? "unknown"}: ${c.students}`,
      })));
    }
    for (const s of roster.students) {
      const row = body.insertRow();
      for (const value of [`${s.family_name ?? ""} ${s.given_names ?? ""}`, s.email, s.origin_country,
        s.sending_institution_name ?? s.sending_institution, s.faculty, s.city, s.arrival_on, s.departure_on, s.presence]) {
        row.insertCell().textContent = value ?? "";
      }
    }
    $("#roster").dataset.state = "shown";
  } catch (error) {
    if (error.status === 403) {
      message.textContent = "Your role does not give access to the crisis roster.";
      $("#roster").dataset.state = "forbidden";
    } else {
      message.textContent = `The roster could not be read: ${error.message}`;
      $("#roster").dataset.state = "error";
    }
  }
}

async function exportRoster(event) {
  event.preventDefault();
  const query = new URLSearchParams({ ...rosterParams(), format: "csv" });
  for (const [key, value] of [...query]) if (!value) query.delete(key);
  const response = await fetch(`roster/export?${query}`, { headers: { Authorization: `Bearer ${state.token}` } });
  if (!response.ok) {
    $("#roster-message").textContent = "The export was refused.";
    return;
  }
  const link = document.createElement("a");
  link.href = URL.createObjectURL(await response.blob());
  link.download = "crisis-roster.csv";
  link.click();
  URL.revokeObjectURL(link.href);
}

async function open() {
  $("#sign-in").hidden = true;
  $("#dashboard").hidden = false;
  try {
    await loadFilters();
    await Promise.all([refresh(), loadRoster()]);
  } catch (error) {
    if (error.message !== "unauthorised") status(`The figures could not be read: ${error.message}`);
  }
}

function start() {
  state.token = readToken();
  $("#token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, new FormData(event.target).get("token").trim());
    state.token = sessionStorage.getItem(TOKEN_KEY);
    open();
  });
  $("#filters").addEventListener("change", () => refresh().catch((error) => status(error.message)));
  $("#sign-out").addEventListener("click", () => signOut("Token forgotten."));
  $("#roster-form").addEventListener("submit", (event) => { event.preventDefault(); loadRoster(); });
  $("#roster-export").addEventListener("click", exportRoster);
  if (state.token) open(); else signOut();
}

document.addEventListener("DOMContentLoaded", start);
