// The page of `linkresolver serve`: no framework, no network but this server. Every value
// from the API is set as text (textContent), never as HTML: file names, messages, package
// names and passwords come from file hosts, websites and forum posts.
//
// Each package (a job of the server) has its section: the texts pasted here, the links
// Click'n'Load buttons send (`serve --cnl`) and the watch folder's files. One event stream,
// /api/events, tells of new packages and of every package's changes (a browser keeps few
// connections open to a server). Click'n'Load's links wait for the person's "Resolve" (any
// website can send them), unless the server was started with --cnl-auto; "Discard" drops them.
// What a server does not offer (history, retry, remove: older servers) the page does without.
"use strict";

let csrf = null;
// The packages on the page, by id: { job (the latest full state, null before the first),
// summary (the latest from the list), section, rows (position -> {key, tr}), expanded,
// toggled (the person chose), live (appeared while the page was open), since (ms) }.
const shown = new Map();
// What the person has typed into captcha boxes, by "job:position", kept across re-renders.
const typed = new Map();
// The folder lists of saved files the person opened, by "job:position".
const opened = new Set();
// The names given on this page to packages whose server keeps no name (an older server).
const givenNames = new Map();
// Row states whose resolution has not ended (the server's AT_WORK).
const AT_WORK = new Set(["unconfirmed", "queued", "resolving", "waiting", "captcha"]);
// Row states of a link that could not be resolved.
const FAILED = new Set(["error", "offline", "legal", "unsupported"]);
// Package states whose work goes on.
const ACTIVE = new Set(["unconfirmed", "queued", "resolving", "downloading"]);
const STATE_LABELS = {
  unconfirmed: "Waiting for you",
  queued: "Queued",
  resolving: "Resolving",
  downloading: "Downloading",
  done: "Done",
  failed: "Failed",
  cancelled: "Cancelled",
};
const ORIGIN_LABELS = { paste: "Pasted", clicknload: "Click'n'Load", watch: "Watch folder" };
const COLUMNS = [
  ["Link", "link"], ["Hoster", "hoster"], ["Provider", "provider"], ["State", "state"],
  ["File", "file"], ["Size", "size"], ["Direct link or reason", "direct"], ["Download", "download"],
];
// Ended packages the history view asks for at a time.
const HISTORY_PAGE = 20;
let filter = "all";

async function session() {
  if (csrf === null) {
    const answer = await fetch("/api/session");
    csrf = (await answer.json()).csrf;
  }
  return csrf;
}

class ApiError extends Error {
  constructor(message, status) { super(message); this.status = status; }
}

async function post(path, body) {
  const answer = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": await session() },
    body: JSON.stringify(body),
  });
  let data = {};
  try { data = await answer.json(); } catch { /* an empty or non-JSON answer */ }
  if (!answer.ok) throw new ApiError(data.error || `the server answered ${answer.status}`, answer.status);
  return data;
}

function say(text) { document.getElementById("status").textContent = text; }

function plural(count, one, many) { return `${count} ${count === 1 ? one : many}`; }

function element(tag, className, text) {
  const made = document.createElement(tag);
  if (className) made.className = className;
  if (text !== undefined && text !== null) made.textContent = String(text);
  return made;
}

function bytes(count) {
  if (count === null || count === undefined) return "-";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = count;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) { value /= 1000; unit += 1; }
  return `${unit ? value.toFixed(value < 10 ? 1 : 0) : value} ${units[unit]}`;
}

function when(seconds) {
  if (!seconds) return "-";
  const date = new Date(seconds * 1000);
  const today = new Date().toDateString() === date.toDateString();
  return today ? date.toLocaleTimeString() : date.toLocaleString();
}

function stateText(link) {
  if (link.state === "waiting" && link.wait_until) {
    const left = Math.max(0, Math.ceil(link.wait_until - Date.now() / 1000));
    return `waiting ${left} s`;
  }
  if (link.state === "waiting" && link.message) return `waiting: ${link.message}`;
  if (link.state === "captcha") return "needs captcha";
  if (link.state === "unconfirmed") return "not resolved: confirm first";
  return link.state;
}

// A link that holds several files (a folder, a torrent) has a direct link for each.
function urlsOf(link) {
  return link.files.length ? link.files.map((file) => file.url) : [link.url];
}

function fileText(link) {
  if (link.files.length > 1) return `${link.filename || "folder"} (${link.files.length} files)`;
  return link.filename;
}

function copyButton(text, label, visible = "Copy") {
  const button = element("button", "small copy", visible);
  button.type = "button";
  button.setAttribute("aria-label", label);
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(text);
      say("Copied.");
    } catch { say("The browser did not allow copying: select the text instead."); }
  });
  return button;
}

function captchaForm(job, link) {
  const key = `${job.id}:${link.position}`;
  const form = element("form", "captcha");
  const image = element("img");
  image.src = link.captcha.image;   // a data: URL the server built from the image bytes
  image.alt = `captcha image for link ${link.position + 1}`;
  const input = element("input");
  input.name = "answer";
  input.type = "text";
  input.id = `captcha-${job.id}-${link.position}`;
  const label = element("label", null, "Captcha answer");
  label.htmlFor = input.id;
  input.autocomplete = "off";
  input.spellcheck = false;
  input.value = typed.get(key) || "";
  input.addEventListener("input", () => typed.set(key, input.value));
  const send = element("button", "small", "Send answer");
  send.type = "submit";
  form.append(image, label, input, send);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await post(`/api/jobs/${job.id}/captcha`, { position: link.position, answer: input.value });
      typed.delete(key);
      say("Captcha sent.");
    } catch (error) { say(error.message); }
  });
  return form;
}

function downloadCell(job, link, inner) {
  if (link.download === "downloading") {
    const bar = element("progress");
    if (link.download_size) {  // else a bar that moves without saying how far
      bar.max = link.download_size;
      bar.value = Math.min(link.downloaded, bar.max);
    }
    bar.setAttribute("aria-label", `downloading ${link.filename || link.input}`);
    const size = link.download_size ? ` of ${bytes(link.download_size)}` : "";
    inner.append(bar, document.createTextNode(`${bytes(link.downloaded)}${size}`));
  } else if (link.download === "saved" && link.saved.length > 1) {
    inner.appendChild(savedFiles(job, link));
  } else if (link.download === "saved") {
    inner.textContent = `saved as ${link.saved_as}${link.verified ? " (sha1 verified)" : ""}`;
  } else if (link.download === "failed") {
    inner.textContent = `failed: ${link.error || "the download failed"}`;
  } else {
    inner.textContent = "-";
  }
}

// "3 files saved", which opens to their names (kept open across re-renders).
function savedFiles(job, link) {
  const key = `${job.id}:${link.position}`;
  const details = element("details");
  const summary = element("summary", null, `${link.saved.length} files saved`);
  const list = element("ul");
  for (const name of link.saved) list.appendChild(element("li", null, name));
  details.append(summary, list);
  details.open = opened.has(key);
  details.addEventListener("toggle", () => { if (details.open) opened.add(key); else opened.delete(key); });
  return details;
}

function linkRow(job, link) {
  const row = element("tr");
  row.dataset.state = link.state;
  const inner = {};
  for (const [label, name] of COLUMNS) {
    const td = element("td", name);
    td.dataset.label = label;
    inner[name] = element("div", "cell");
    td.appendChild(inner[name]);
    row.appendChild(td);
  }
  const text = (name, value) => { inner[name].textContent = value === null || value === undefined ? "-" : String(value); };
  text("link", link.input);
  text("hoster", link.hoster);
  text("provider", link.provider);
  inner.state.appendChild(element("span", "pill", stateText(link)));
  text("file", fileText(link));
  text("size", link.size === null || link.size === undefined ? null : bytes(link.size));
  const several = link.files.length > 1;
  if (link.state === "resolved") {
    text("direct", several ? `${link.files.length} direct links` : link.url);
    if (link.url || several) {
      inner.direct.appendChild(copyButton(urlsOf(link).join("\n"), `Copy the ${several ? "links" : "link"} of ${link.input}`));
    }
  } else if (link.state === "mirror") {
    const of = link.mirror_of === null || link.mirror_of === undefined ? "" : ` (link ${link.mirror_of + 1})`;
    inner.direct.appendChild(element("span", "reason", `another mirror served this file${of}`));
  } else if (link.state === "captcha" && link.captcha) {
    inner.direct.appendChild(captchaForm(job, link));
  } else {
    inner.direct.appendChild(element("span", "reason", link.error || (link.message && link.state !== "waiting" ? link.message : "-")));
  }
  downloadCell(job, link, inner.download);
  // A phone's card leaves out what is not known (a table keeps its columns).
  for (const td of row.children) td.classList.toggle("blank", td.textContent === "-");
  return row;
}

function title(job) {
  if (job.name) return job.name;
  if (givenNames.has(job.id)) return givenNames.get(job.id);
  const parts = [];
  if (job.links) parts.push(plural(job.links.length, "link", "links"));
  parts.push(new Date(job.created * 1000).toLocaleTimeString());
  if (job.origin === "clicknload") {
    return `Click'n'Load${job.package ? `: ${job.package}` : ""} (${parts.join(", ")})`;
  }
  if (job.origin === "watch") return `${job.package || "Watch folder"} (${parts.join(", ")})`;
  return `Pasted text (${parts.join(", ")})`;
}

// A package's counts: the server's, else counted from its links.
function countsOf(job) {
  if (job.counts && typeof job.counts.total === "number") return job.counts;
  if (!job.links) return null;
  return {
    total: job.links.length,
    ok: job.links.filter((link) => link.state === "resolved").length,
    failed: job.links.filter((link) => FAILED.has(link.state)).length,
  };
}

// The package's state: the server's, else made of the older fields (stage, done, downloading).
function stateOf(job) {
  if (typeof job.state === "string") return job.state;
  if (job.stage === "unconfirmed" || job.stage === "queued") return job.stage;
  if (job.downloading) return "downloading";
  if (job.done) {
    const counts = countsOf(job);
    return counts && counts.ok === 0 && counts.failed > 0 ? "failed" : "done";
  }
  return "resolving";
}

function needsCaptcha(job) {
  if (typeof job.needs_captcha === "number") return job.needs_captcha > 0;
  return Boolean(job.links && job.links.some((link) => link.state === "captcha"));
}

function matches(job, which) {
  const state = stateOf(job);
  const counts = countsOf(job);
  if (which === "active") return ACTIVE.has(state) || needsCaptcha(job);
  if (which === "failed") return state === "failed" || Boolean(counts && counts.failed > 0);
  if (which === "captcha") return needsCaptcha(job);
  return true;
}

// The package's line of state. "Done" only when the server says so and no row is at work: a
// row waiting for a captcha answer keeps the package going, whatever else has ended.
function summary(job) {
  const total = job.links.length;
  const count = (test) => job.links.filter(test).length;
  const resolved = count((link) => link.state === "resolved");
  const ended = count((link) => !AT_WORK.has(link.state));
  const captchas = count((link) => link.state === "captcha");
  const saved = count((link) => link.download === "saved");
  const downloaded = saved ? `, ${saved} downloaded` : "";
  let text;
  if (job.stage === "unconfirmed") {
    return `A website sent ${plural(total, "link", "links")} by Click'n'Load. Nothing is resolved until you say so: Resolve, or Discard.`;
  }
  if (job.stage === "queued") return `Queued: ${plural(total, "link", "links")} wait for other jobs to finish.`;
  if (job.downloading) text = `Downloading: ${saved} saved, ${job.downloading} to go...`;
  else if (job.done && ended === total) text = `Done: ${resolved} of ${plural(total, "link", "links")} resolved${downloaded}.`;
  else text = `Still resolving: ${ended} of ${plural(total, "link", "links")} finished${downloaded}.`;
  if (captchas) text += ` ${plural(captchas, "link needs", "links need")} a captcha answer.`;
  return text;
}

function actionButton(label, className, action) {
  const button = element("button", className, label);
  button.type = "button";
  button.disabled = true;
  button.addEventListener("click", action);
  return button;
}

function exportMenu(id) {
  const menu = element("details", "menu export-menu");
  const toggle = element("summary", null, "Export");
  const items = element("div", "menu-items");
  items.append(
    actionButton("Links as text", "export", () => exportAs(id, "text")),
    actionButton("aria2 input file", "export-aria2", () => exportAs(id, "aria2")),
    actionButton("JDownloader crawljob", "export-crawljob", () => exportAs(id, "crawljob")),
  );
  menu.append(toggle, items);
  return menu;
}

function packageSection(job) {
  const id = job.id;
  const section = element("section", "job");
  section.dataset.job = id;
  section.dataset.origin = job.origin;
  const head = element("div", "pkg-head");
  const heading = element("h2", "pkg-title");
  heading.id = `job-${id}-title`;
  const toggle = element("button", "toggle", title(job));
  toggle.type = "button";
  toggle.setAttribute("aria-expanded", "false");
  toggle.setAttribute("aria-controls", `job-${id}-body`);
  toggle.addEventListener("click", () => expand(id, toggle.getAttribute("aria-expanded") !== "true", true));
  heading.appendChild(toggle);
  section.setAttribute("aria-labelledby", heading.id);
  const badge = element("span", "badge");
  const meta = element("p", "meta");
  const progressLine = element("div", "progress-line");
  const bar = element("progress", "pkg-progress");
  bar.setAttribute("aria-label", "links resolved");
  progressLine.append(bar, element("span", "progress-text"));
  const status = element("p", "job-status");
  head.append(heading, badge, meta, progressLine, status);

  const confirm = element("div", "confirm");
  confirm.hidden = true;
  const resolveButton = actionButton("Resolve", "resolve primary", () => confirmJob(id));
  const discardButton = actionButton("Discard", "discard", () => discardJob(id));
  resolveButton.disabled = discardButton.disabled = false;
  resolveButton.setAttribute("aria-label", `Resolve the links of ${title(job)}`);
  discardButton.setAttribute("aria-label", `Discard the links of ${title(job)}`);
  confirm.append(resolveButton, discardButton);

  const actions = element("div", "actions");
  const retry = actionButton("Retry failed", "retry", () => retryJob(id));
  const remove = actionButton("Remove", "remove danger", () => removeJob(id));
  retry.hidden = true;
  remove.disabled = false;
  actions.append(
    actionButton("Download to the server", "download", () => download(id)),
    actionButton("Copy all links", "copy-all", () => copyAll(id)),
    exportMenu(id),
    retry,
    remove,
  );

  const body = element("div", "pkg-body");
  body.id = `job-${id}-body`;
  body.hidden = true;
  const table = element("table", "links");
  table.setAttribute("aria-labelledby", heading.id);
  const thead = element("thead");
  const names = element("tr");
  for (const [name] of COLUMNS) {
    const th = element("th", null, name);
    th.scope = "col";
    names.appendChild(th);
  }
  thead.appendChild(names);
  table.append(thead, element("tbody"));
  body.appendChild(table);
  section.append(head, confirm, actions, body);
  return section;
}

function expand(id, open, byPerson = false) {
  const entry = shown.get(id);
  if (!entry) return;
  entry.expanded = open;
  if (byPerson) entry.toggled = true;
  entry.section.querySelector(".toggle").setAttribute("aria-expanded", String(open));
  entry.section.querySelector(".pkg-body").hidden = !open;
}

// The head of a package: what the list's summary tells too (a package not yet fetched).
function renderHead(entry, job) {
  const section = entry.section;
  const state = stateOf(job);
  section.dataset.state = state;
  section.dataset.stage = job.stage || state;
  section.querySelector(".toggle").textContent = title(job);
  const badge = section.querySelector(".badge");
  const captcha = needsCaptcha(job) && state !== "unconfirmed";
  badge.dataset.state = captcha ? "captcha" : state;
  badge.textContent = captcha ? "Needs captcha" : STATE_LABELS[state] || state;

  const meta = section.querySelector(".meta");
  const parts = [element("span", "origin", ORIGIN_LABELS[job.origin] || job.origin)];
  const created = element("span", "created");
  created.append("Added ", element("time", null, when(job.created)));
  created.querySelector("time").dateTime = new Date(job.created * 1000).toISOString();
  parts.push(created);
  if (job.finished) parts.push(element("span", "finished", `Ended ${when(job.finished)}`));
  if (job.name && job.package && job.package !== job.name) parts.push(element("span", "package", job.package));
  if (job.password) {
    const password = element("span", "password");
    password.append("Password ", element("code", null, job.password));
    password.appendChild(copyButton(job.password, `Copy the password of ${title(job)}`));
    parts.push(password);
  }
  meta.replaceChildren(...parts);

  const counts = countsOf(job);
  const bar = section.querySelector(".pkg-progress");
  const text = section.querySelector(".progress-text");
  if (counts && counts.total) {
    bar.max = counts.total;
    bar.value = counts.ok;
    let line = `${counts.ok} of ${counts.total} ok`;
    if (counts.failed) line += `, ${counts.failed} failed`;
    if (job.links) {
      const got = job.links.reduce((sum, link) => sum + (link.downloaded || 0), 0);
      const size = job.links.reduce((sum, link) => sum + (link.download && link.download_size ? link.download_size : 0), 0);
      if (got) line += ` · ${bytes(got)}${size > got ? ` of ${bytes(size)}` : ""} downloaded`;
    }
    text.textContent = line;
    bar.setAttribute("aria-label", `${title(job)}: ${counts.ok} of ${counts.total} links ok`);
  } else {
    bar.removeAttribute("value");
    text.textContent = "";
  }
  const retry = section.querySelector(".retry");
  retry.hidden = !(counts && counts.failed > 0) || ACTIVE.has(state);
  retry.disabled = retry.hidden;
  section.querySelector(".remove").hidden = state === "unconfirmed";
}

function render(job) {
  const entry = shown.get(job.id);
  if (!entry || (entry.job && entry.job.version > job.version)) return;  // not shown, or older
  const before = entry.job;
  entry.job = job;
  entry.summary = job;
  const section = entry.section;
  renderHead(entry, job);
  if (!entry.toggled && !entry.decided) {
    // Open what needs the person: what they just gave, what is at work, a captcha, a question.
    entry.decided = true;
    expand(job.id, entry.live || !job.done || job.stage === "unconfirmed" || needsCaptcha(job));
  }
  if (!entry.toggled && needsCaptcha(job) && !entry.expanded) expand(job.id, true);
  renderRows(entry, job);
  const resolved = job.links.some((link) => link.state === "resolved");
  for (const button of section.querySelectorAll(".actions > .download, .actions > .copy-all, .menu-items button")) {
    button.disabled = !resolved;
  }
  section.querySelector(".job-status").textContent = summary(job);
  section.querySelector(".confirm").hidden = job.stage !== "unconfirmed";
  if (before && !before.done && job.done && !job.downloading) say(`${title(job)}: ${summary(job)}`);
  if (entry.autoDownload && job.done && resolved && !job.links.some((link) => link.download)) {
    entry.autoDownload = false;  // this server does not download by itself: ask it once
    download(job.id);
  }
  updateFilters();
}

// Redraw only the rows that changed: a captcha box being typed into keeps its caret.
function renderRows(entry, job) {
  const tbody = entry.section.querySelector("tbody");
  const focused = document.activeElement && document.activeElement.id;
  const rows = [];
  for (const link of job.links) {
    const key = JSON.stringify(link) + (link.state === "waiting" ? stateText(link) : "");
    const had = entry.rows.get(link.position);
    if (had && had.key === key) {
      rows.push(had.tr);
    } else {
      const tr = linkRow(job, link);
      entry.rows.set(link.position, { key, tr });
      rows.push(tr);
    }
  }
  const same = rows.length === tbody.children.length && rows.every((tr, n) => tbody.children[n] === tr);
  if (!same) tbody.replaceChildren(...rows);
  if (focused && document.activeElement && document.activeElement.id !== focused) {
    const again = document.getElementById(focused);
    if (again) again.focus();
  }
}

// A package's section, newest on top.
function show(job, live) {
  if (shown.has(job.id)) return;
  const section = packageSection(job);
  document.getElementById("jobs").prepend(section);
  const entry = { job: null, summary: job, section, rows: new Map(), expanded: false, toggled: false, live, since: Date.now() };
  shown.set(job.id, entry);
  renderHead(entry, job);
  if (job.links) render(job);
  updateFilters();
}

function forget(id) {
  const entry = shown.get(id);
  if (entry) {
    if (entry.section.contains(document.activeElement)) document.getElementById("packages-title").focus();
    entry.section.remove();
  }
  shown.delete(id);
  updateFilters();
}

// The counts of the filters, and which packages show.
function updateFilters() {
  const entries = [...shown.values()];
  for (const button of document.querySelectorAll(".filter")) {
    const which = button.dataset.filter;
    const count = entries.filter((entry) => matches(entry.job || entry.summary, which)).length;
    button.querySelector(".count").textContent = String(count);
    button.setAttribute("aria-label", `${button.firstChild.textContent.trim()}: ${plural(count, "package", "packages")}`);
  }
  let visible = 0;
  for (const entry of entries) {
    const match = matches(entry.job || entry.summary, filter);
    entry.section.hidden = !match;
    if (match) visible += 1;
  }
  // A tab kept open all day says in its title how many packages wait for a captcha answer.
  const waiting = entries.filter((entry) => matches(entry.job || entry.summary, "captcha")).length;
  document.title = waiting ? `(${waiting}) linkresolver` : "linkresolver";
  const empty = document.getElementById("empty");
  empty.hidden = visible > 0;
  empty.textContent = entries.length ? "No package matches this filter." : "No packages yet. Paste text with links above.";
}

// The package's state now (a change may have come before the page showed it).
async function refresh(id) {
  const answer = await fetch(`/api/jobs/${id}`);
  if (answer.ok) render(await answer.json());
}

function listed(jobs, live) {
  const ids = new Set(jobs.map((job) => job.id));
  for (const job of jobs) {
    if (!shown.has(job.id)) { show(job, live); refresh(job.id); }
    else if (!shown.get(job.id).job) renderHead(shown.get(job.id), job);
  }
  // Gone from the server's list (removed elsewhere, or ended into history): gone from here,
  // unless it came a moment ago (a list older than the paste may still be on its way).
  for (const [id, entry] of shown) {
    if (!ids.has(id) && Date.now() - entry.since > 5000) forget(id);
  }
}

function listen() {
  const feed = new EventSource("/api/events");
  // After a reconnection, what changed meanwhile.
  feed.onopen = () => { for (const id of shown.keys()) refresh(id); };
  feed.onmessage = (message) => {
    const data = JSON.parse(message.data);
    if (data.jobs) listed(data.jobs, true);
    for (const update of data.updates || []) render(update);
  };
}

// The countdowns of waiting rows tick between server updates.
setInterval(() => {
  for (const entry of shown.values()) {
    if (entry.job && entry.job.links.some((link) => link.state === "waiting")) renderRows(entry, entry.job);
  }
}, 1000);

function resolvedLinks(id) {
  const entry = shown.get(id);
  if (!entry || !entry.job) return [];
  return entry.job.links.filter((link) => link.state === "resolved").flatMap(urlsOf);
}

async function download(id) {
  try {
    const answer = await post(`/api/jobs/${id}/download`, {});
    say(`Downloading ${plural(answer.downloading, "link", "links")} to the server...`);
  } catch (error) { say(error.message); }
}

async function confirmJob(id) {
  try {
    render(await post(`/api/jobs/${id}/confirm`, {}));
    say("Resolving the links Click'n'Load sent...");
  } catch (error) { say(error.message); }
}

async function discardJob(id) {
  try {
    await post(`/api/jobs/${id}/discard`, {});
    forget(id);
    say("Discarded.");
  } catch (error) { say(error.message); }
}

async function retryJob(id) {
  try {
    const answer = await post(`/api/jobs/${id}/retry`, {});
    if (answer && answer.links) render(answer); else refresh(id);
    say("Retrying the links that failed...");
  } catch (error) {
    say(error.status === 404 ? "This server cannot retry a package." : error.message);
  }
}

async function removeJob(id) {
  const entry = shown.get(id);
  const job = entry && (entry.job || entry.summary);
  if (job && ACTIVE.has(stateOf(job)) && !window.confirm(`Remove ${title(job)}? Its links not yet resolved are dropped.`)) return;
  try {
    await post(`/api/jobs/${id}/remove`, {});
  } catch (error) {
    if (error.status !== 404) { say(error.message); return; }
    try { await post(`/api/jobs/${id}/discard`, {}); }  // a server without remove: discard drops it
    catch (again) { say(again.message); return; }
  }
  forget(id);
  say("Removed.");
}

function copyAll(id) {
  const links = resolvedLinks(id);
  if (navigator.clipboard) navigator.clipboard.writeText(links.join("\n")).catch(() => {});
  say(`Copied ${plural(links.length, "link", "links")}.`);
}

function exportAs(id, format) {
  const anchor = document.createElement("a");
  anchor.href = `/api/jobs/${id}/export?format=${format}`;
  anchor.click();
}

document.getElementById("paste-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const paste = document.getElementById("paste");
  const name = document.getElementById("package-name");
  const password = document.getElementById("package-password");
  const downloadToo = document.getElementById("download-when-resolved");
  const body = { text: paste.value };
  if (name.value.trim()) body.name = name.value.trim();
  if (password.value.trim()) body.password = password.value.trim();
  if (downloadToo.checked) body.download = true;
  say("Finding links...");
  try {
    const job = await post("/api/resolve", body);
    say(`Found ${plural(job.links.length, "link", "links")}.`);
    if (body.name && !job.name) givenNames.set(job.id, body.name);
    show(job, true);
    // A server that takes no download flag (it does not say it back): the page asks once resolved.
    if (downloadToo.checked && !("download" in job)) shown.get(job.id).autoDownload = true;
    paste.value = name.value = password.value = "";
    refresh(job.id);
  } catch (error) { say(error.message); }
});

// Ctrl+Enter (or Cmd+Enter) in the paste box resolves.
document.getElementById("paste").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    document.getElementById("paste-form").requestSubmit();
  }
});

for (const button of document.querySelectorAll(".filter")) {
  button.addEventListener("click", () => {
    filter = button.dataset.filter;
    for (const other of document.querySelectorAll(".filter")) other.setAttribute("aria-pressed", String(other === button));
    updateFilters();
  });
}

// The views: packages (with the paste box) and history.
function showView(name) {
  const history = name === "history";
  document.getElementById("view-packages").setAttribute("aria-pressed", String(!history));
  document.getElementById("view-history").setAttribute("aria-pressed", String(history));
  document.getElementById("packages-view").hidden = history;
  document.getElementById("add").hidden = history;
  document.getElementById("history-view").hidden = !history;
  if (history) loadHistory(false);
}
document.getElementById("view-packages").addEventListener("click", () => showView("packages"));
document.getElementById("view-history").addEventListener("click", () => showView("history"));

let historyBefore = null;

function historyItem(job) {
  const item = element("li");
  item.dataset.job = job.id;
  const state = stateOf(job);
  item.append(element("span", "name", title(job)));
  const badge = element("span", "badge", STATE_LABELS[state] || state);
  badge.dataset.state = state;
  item.append(badge);
  const meta = element("p", "meta");
  meta.append(element("span", null, ORIGIN_LABELS[job.origin] || job.origin));
  meta.append(element("span", null, `Added ${when(job.created)}`));
  if (job.finished) meta.append(element("span", null, `Ended ${when(job.finished)}`));
  const counts = countsOf(job);
  if (counts) meta.append(element("span", null, `${counts.ok} of ${counts.total} ok${counts.failed ? `, ${counts.failed} failed` : ""}`));
  if (job.password) {
    const password = element("span", "password");
    password.append("Password ", element("code", null, job.password), copyButton(job.password, `Copy the password of ${title(job)}`));
    meta.append(password);
  }
  item.append(meta);
  const actions = element("div", "row-actions");
  if (counts && counts.failed) {
    const retry = element("button", "small retry", "Retry failed");
    retry.type = "button";
    retry.setAttribute("aria-label", `Retry the failed links of ${title(job)}`);
    retry.addEventListener("click", async () => {
      try { await post(`/api/jobs/${job.id}/retry`, {}); item.remove(); say("Retrying: the package is back in Packages."); }
      catch (error) { say(error.message); }
    });
    actions.append(retry);
  }
  const remove = element("button", "small remove danger", "Remove");
  remove.type = "button";
  remove.setAttribute("aria-label", `Remove ${title(job)} from the history`);
  remove.addEventListener("click", async () => {
    try { await post(`/api/jobs/${job.id}/remove`, {}); item.remove(); say("Removed from the history."); }
    catch (error) { say(error.message); }
  });
  actions.append(remove);
  item.append(actions);
  return item;
}

// The history's first page (older ones with ``more``); a server without one hides the view.
async function loadHistory(more) {
  const query = new URLSearchParams({ limit: String(HISTORY_PAGE) });
  if (more && historyBefore !== null) query.set("before", String(historyBefore));
  let answer;
  try { answer = await fetch(`/api/history?${query}`); } catch { return; }
  const tab = document.getElementById("view-history");
  const views = document.querySelector(".views");
  if (answer.status === 404) { tab.hidden = views.hidden = true; return; }
  if (!answer.ok) { say("The history could not be read."); return; }
  tab.hidden = views.hidden = false;
  const data = await answer.json();
  const packages = Array.isArray(data.packages) ? data.packages : [];
  const list = document.getElementById("history");
  if (!more) list.replaceChildren();
  for (const job of packages) list.appendChild(historyItem(job));
  const last = packages[packages.length - 1];
  if (last) historyBefore = last.created;  // the history is in order of creation
  document.getElementById("history-more").hidden = !data.more;
  document.getElementById("history-empty").hidden = list.children.length > 0;
}
document.getElementById("history-more").addEventListener("click", () => loadHistory(true));

// Keys: "/" goes to the paste box; Escape closes an open menu, else folds the package it is in.
document.addEventListener("keydown", (event) => {
  const target = event.target;
  const typing = target instanceof HTMLElement && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
  if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
    event.preventDefault();
    showView("packages");
    document.getElementById("paste").focus();
    return;
  }
  if (event.key !== "Escape") return;
  const menu = document.querySelector("details.menu[open]");
  if (menu) {
    menu.open = false;
    menu.querySelector("summary").focus();
    event.preventDefault();
    return;
  }
  const section = target instanceof Element ? target.closest("section.job") : null;
  if (section && section.querySelector(".pkg-body").contains(target)) {
    expand(section.dataset.job, false, true);
    section.querySelector(".toggle").focus();
    event.preventDefault();
  }
});

// A click elsewhere closes an open export menu.
document.addEventListener("click", (event) => {
  for (const menu of document.querySelectorAll("details.menu[open]")) {
    if (!menu.contains(event.target)) menu.open = false;
  }
});

// The packages the server keeps, then their changes as they come.
async function start() {
  try {
    const answer = await fetch("/api/jobs");
    if (answer.ok) listed((await answer.json()).jobs || [], false);
  } catch { /* the event stream brings them */ }
  listen();
  loadHistory(false);
}
start();
updateFilters();

document.getElementById("load-accounts").addEventListener("click", async () => {
  const list = document.getElementById("accounts");
  const answer = await (await fetch("/api/accounts")).json();
  list.replaceChildren();
  for (const account of answer.accounts) {
    const item = element("li");
    const name = account.account ? `${account.provider}/${account.account}` : account.provider;
    let text = `${name} (${account.kind}): ${account.error || account.type || "no account API"}`;
    if (account.expires) text += `, premium until ${new Date(account.expires * 1000).toISOString().slice(0, 10)}`;
    item.textContent = text;
    if (account.fair_use_left !== null && account.fair_use_left !== undefined) {
      const meter = element("meter");
      meter.min = 0; meter.max = 1; meter.value = account.fair_use_left;
      meter.setAttribute("aria-label", `fair use left at ${name}`);
      item.appendChild(meter);
    }
    list.appendChild(item);
  }
});
