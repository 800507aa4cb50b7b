// The paste page: no framework, no network but this server. Every value from the API is
// set as text (textContent), never as HTML: file names, messages and Click'n'Load package
// names come from file hosts and websites.
//
// Each job has its section: the texts pasted here, and the links that Click'n'Load buttons
// send to the server (`linkresolver serve --cnl`). One event stream, /api/events, tells of
// new jobs and of every job's changes (a browser keeps few connections open to a server).
// Click'n'Load's links wait for the person's "Resolve" (any website can send them), unless
// the server was started with --cnl-auto; "Discard" drops them.
"use strict";

let csrf = null;
// The jobs on the page, by id: { job (the latest state, null before the first), section }.
const shown = new Map();
// What the person has typed into captcha boxes, by "job:position", kept across re-renders.
const typed = new Map();
// The folder lists of saved files the person opened, by "job:position".
const opened = new Set();
// Row states whose resolution has not ended (the server's AT_WORK).
const AT_WORK = new Set(["unconfirmed", "queued", "resolving", "waiting", "captcha"]);
// Click'n'Load jobs shown when the page opens: the newest ones.
const CLICKNLOAD_SHOWN = 20;

async function session() {
  if (csrf === null) {
    const answer = await fetch("/api/session");
    csrf = (await answer.json()).csrf;
  }
  return csrf;
}

async function post(path, body) {
  const answer = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": await session() },
    body: JSON.stringify(body),
  });
  const data = await answer.json();
  if (!answer.ok) throw new Error(data.error || `HTTP ${answer.status}`);
  return data;
}

function say(text) { document.getElementById("status").textContent = text; }

function plural(count, one, many) { return `${count} ${count === 1 ? one : many}`; }

function cell(row, text, className) {
  const td = document.createElement("td");
  td.textContent = text === null || text === undefined ? "-" : String(text);
  if (className) td.className = className;
  row.appendChild(td);
  return td;
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

function copyButton(text, label) {
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = "Copy";
  button.setAttribute("aria-label", label);
  button.addEventListener("click", () => navigator.clipboard && navigator.clipboard.writeText(text));
  return button;
}

function captchaForm(job, link) {
  const key = `${job.id}:${link.position}`;
  const form = document.createElement("form");
  form.className = "captcha";
  const image = document.createElement("img");
  image.src = link.captcha.image;   // a data: URL the server built from the image bytes
  image.alt = "captcha image";
  const label = document.createElement("label");
  label.textContent = "Captcha answer";
  const input = document.createElement("input");
  input.name = "answer";
  input.id = `captcha-${job.id}-${link.position}`;
  label.htmlFor = input.id;
  input.autocomplete = "off";
  input.value = typed.get(key) || "";
  input.addEventListener("input", () => typed.set(key, input.value));
  const send = document.createElement("button");
  send.type = "submit";
  send.textContent = "Send answer";
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

function downloadCell(job, link) {
  const td = document.createElement("td");
  td.className = "download";
  if (link.download === "downloading") {
    const bar = document.createElement("progress");
    if (link.download_size) {  // else a bar that moves without saying how far
      bar.max = link.download_size;
      bar.value = Math.min(link.downloaded, bar.max);
    }
    bar.setAttribute("aria-label", `downloading ${link.filename || link.input}`);
    td.append(bar, document.createTextNode(` ${link.downloaded} bytes`));
  } else if (link.download === "saved" && link.saved.length > 1) {
    td.appendChild(savedFiles(job, link));
  } else if (link.download === "saved") {
    td.textContent = `saved as ${link.saved_as}${link.verified ? " (sha1 verified)" : ""}`;
  } else if (link.download === "failed") {
    td.textContent = `failed: ${link.error || "the download failed"}`;
  } else {
    td.textContent = "-";
  }
  return td;
}

// "3 files saved", which opens to their names (kept open across re-renders).
function savedFiles(job, link) {
  const key = `${job.id}:${link.position}`;
  const details = document.createElement("details");
  const summary = document.createElement("summary");
  summary.textContent = `${link.saved.length} files saved`;
  const list = document.createElement("ul");
  for (const name of link.saved) {
    const item = document.createElement("li");
    item.textContent = name;
    list.appendChild(item);
  }
  details.append(summary, list);
  details.open = opened.has(key);
  details.addEventListener("toggle", () => { if (details.open) opened.add(key); else opened.delete(key); });
  return details;
}

function linkRow(job, link) {
  const row = document.createElement("tr");
  row.dataset.state = link.state;
  cell(row, link.input);
  cell(row, link.hoster, "hoster");
  cell(row, link.provider, "provider");
  cell(row, stateText(link), "state");
  cell(row, fileText(link), "file");
  const several = link.files.length > 1;
  const direct = link.state === "resolved" ? (several ? `${link.files.length} direct links` : link.url) : link.error;
  const last = cell(row, direct, "direct");
  if (link.state === "resolved" && link.url) {
    last.appendChild(copyButton(urlsOf(link).join("\n"), `Copy the ${several ? "links" : "link"} of ${link.input}`));
  }
  if (link.state === "captcha" && link.captcha) last.replaceChildren(captchaForm(job, link));
  row.appendChild(downloadCell(job, link));
  return row;
}

function title(job) {
  const parts = [];
  if (job.links) parts.push(plural(job.links.length, "link", "links"));
  parts.push(new Date(job.created * 1000).toLocaleTimeString());
  if (job.origin === "clicknload") {
    return `Click'n'Load${job.package ? `: ${job.package}` : ""} (${parts.join(", ")})`;
  }
  return `Pasted text (${parts.join(", ")})`;
}

// The job's line of state. "Done" only when the server says so and no row is at work: a
// row waiting for a captcha answer keeps the job going, whatever else has ended.
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
  const button = document.createElement("button");
  button.type = "button";
  button.className = className;
  button.textContent = label;
  button.disabled = true;
  button.addEventListener("click", action);
  return button;
}

function jobSection(job) {
  const section = document.createElement("section");
  section.className = "job";
  section.dataset.job = job.id;
  section.dataset.origin = job.origin;
  const heading = document.createElement("h2");
  heading.id = `job-${job.id}-title`;
  heading.textContent = title(job);
  section.setAttribute("aria-labelledby", heading.id);
  const status = document.createElement("p");
  status.className = "job-status";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  const actions = document.createElement("div");
  actions.className = "actions";
  actions.append(
    actionButton("Download to the server", "download", () => download(job.id)),
    actionButton("Copy all links", "copy-all", () => copyAll(job.id)),
    actionButton("Export as text", "export", () => exportAs(job.id, "text")),
    actionButton("Export for aria2", "export-aria2", () => exportAs(job.id, "aria2")),
    actionButton("Export for JDownloader", "export-crawljob", () => exportAs(job.id, "crawljob")),
  );
  const confirm = document.createElement("div");
  confirm.className = "confirm";
  confirm.hidden = true;
  const resolveButton = actionButton("Resolve", "resolve", () => confirmJob(job.id));
  const discardButton = actionButton("Discard", "discard", () => discardJob(job.id));
  resolveButton.disabled = discardButton.disabled = false;
  resolveButton.setAttribute("aria-label", `Resolve the links of ${title(job)}`);
  discardButton.setAttribute("aria-label", `Discard the links of ${title(job)}`);
  confirm.append(resolveButton, discardButton);
  const table = document.createElement("table");
  table.className = "links";
  table.setAttribute("aria-labelledby", heading.id);
  const head = document.createElement("thead");
  const names = document.createElement("tr");
  for (const name of ["Link", "Hoster", "Provider", "State", "File", "Direct link or reason", "Download"]) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = name;
    names.appendChild(th);
  }
  head.appendChild(names);
  table.append(head, document.createElement("tbody"));
  section.append(heading, status, confirm, actions, table);
  return section;
}

function render(job) {
  const entry = shown.get(job.id);
  if (!entry || (entry.job && entry.job.version > job.version)) return;  // not shown, or older
  entry.job = job;
  const section = entry.section;
  section.querySelector("h2").textContent = title(job);
  const focused = document.activeElement && document.activeElement.id;
  section.querySelector("tbody").replaceChildren(...job.links.map((link) => linkRow(job, link)));
  if (focused) { const again = document.getElementById(focused); if (again) again.focus(); }
  const resolved = job.links.some((link) => link.state === "resolved");
  for (const button of section.querySelectorAll(".actions button")) button.disabled = !resolved;
  section.querySelector(".job-status").textContent = summary(job);
  section.querySelector(".confirm").hidden = job.stage !== "unconfirmed";
  section.dataset.stage = job.stage;
}

// A job's section, newest on top.
function show(job) {
  if (shown.has(job.id)) return;
  const section = jobSection(job);
  document.getElementById("jobs").prepend(section);
  shown.set(job.id, { job: null, section });
  if (job.links) render(job);
}

// The job's state now (a change may have come before the page showed the job).
async function refresh(id) {
  const answer = await fetch(`/api/jobs/${id}`);
  if (answer.ok) render(await answer.json());
}

function listen() {
  const feed = new EventSource("/api/events");
  // After a reconnection, what changed meanwhile.
  feed.onopen = () => { for (const id of shown.keys()) refresh(id); };
  feed.onmessage = (message) => {
    const data = JSON.parse(message.data);
    if (data.jobs) {
      // The jobs Click'n'Load starts: shown as they come, as a pasted text is.
      const sent = data.jobs.filter((job) => job.origin === "clicknload");
      for (const job of sent.slice(-CLICKNLOAD_SHOWN)) {
        if (!shown.has(job.id)) { show(job); refresh(job.id); }
      }
    }
    for (const update of data.updates || []) render(update);
  };
}

// The countdowns of waiting rows tick between server updates.
setInterval(() => {
  for (const entry of shown.values()) {
    if (entry.job && entry.job.links.some((link) => link.state === "waiting")) render(entry.job);
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
    const entry = shown.get(id);
    if (entry) entry.section.remove();
    shown.delete(id);
    say("Discarded.");
  } catch (error) { say(error.message); }
}

function copyAll(id) {
  const links = resolvedLinks(id);
  if (navigator.clipboard) navigator.clipboard.writeText(links.join("\n"));
  say(`Copied ${plural(links.length, "link", "links")}.`);
}

function exportAs(id, format) {
  const anchor = document.createElement("a");
  anchor.href = `/api/jobs/${id}/export?format=${format}`;
  anchor.click();
}

document.getElementById("paste-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  say("Finding links...");
  try {
    const job = await post("/api/resolve", { text: document.getElementById("paste").value });
    say(`Found ${plural(job.links.length, "link", "links")}.`);
    show(job);
    refresh(job.id);
  } catch (error) { say(error.message); }
});

listen();

document.getElementById("load-accounts").addEventListener("click", async () => {
  const list = document.getElementById("accounts");
  const answer = await (await fetch("/api/accounts")).json();
  list.replaceChildren();
  for (const account of answer.accounts) {
    const item = document.createElement("li");
    const name = account.account ? `${account.provider}/${account.account}` : account.provider;
    let text = `${name} (${account.kind}): ${account.error || account.type || "no account API"}`;
    if (account.expires) text += `, premium until ${new Date(account.expires * 1000).toISOString().slice(0, 10)}`;
    item.textContent = text;
    if (account.fair_use_left !== null && account.fair_use_left !== undefined) {
      const meter = document.createElement("meter");
      meter.min = 0; meter.max = 1; meter.value = account.fair_use_left;
      meter.setAttribute("aria-label", `fair use left at ${name}`);
      item.appendChild(meter);
    }
    list.appendChild(item);
  }
});
