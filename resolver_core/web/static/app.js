// The paste page: no framework, no network but this server. Every value from the API is
// set as text (textContent), never as HTML: file names and messages come from file hosts.
"use strict";

let csrf = null;
let current = null;
// What the person has typed into captcha boxes, kept across the table's re-renders.
const typed = new Map();

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
  return link.state;
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
  const form = document.createElement("form");
  form.className = "captcha";
  const image = document.createElement("img");
  image.src = link.captcha.image;   // a data: URL the server built from the image bytes
  image.alt = "captcha image";
  const label = document.createElement("label");
  label.textContent = "Captcha answer";
  const input = document.createElement("input");
  input.name = "answer";
  input.id = `captcha-${link.position}`;
  label.htmlFor = input.id;
  input.autocomplete = "off";
  input.value = typed.get(link.position) || "";
  input.addEventListener("input", () => typed.set(link.position, input.value));
  const send = document.createElement("button");
  send.type = "submit";
  send.textContent = "Send answer";
  form.append(image, label, input, send);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await post(`/api/jobs/${job.id}/captcha`, { position: link.position, answer: input.value });
      typed.delete(link.position);
      say("Captcha sent.");
    } catch (error) { say(error.message); }
  });
  return form;
}

function render(job) {
  current = job;
  const table = document.getElementById("links");
  const body = table.querySelector("tbody");
  table.hidden = false;
  const focused = document.activeElement && document.activeElement.id;
  body.replaceChildren();
  for (const link of job.links) {
    const row = document.createElement("tr");
    row.dataset.state = link.state;
    cell(row, link.input);
    cell(row, link.hoster);
    cell(row, link.provider);
    cell(row, stateText(link), "state");
    cell(row, link.filename);
    const last = cell(row, link.state === "resolved" ? link.url : link.error);
    if (link.state === "resolved" && link.url) last.appendChild(copyButton(link.url, `Copy the link of ${link.input}`));
    if (link.state === "captcha" && link.captcha) last.replaceChildren(captchaForm(job, link));
    row.appendChild(downloadCell(link));
    body.appendChild(row);
  }
  if (focused) { const again = document.getElementById(focused); if (again) again.focus(); }
  const resolved = job.links.filter((link) => link.state === "resolved").length;
  document.getElementById("copy-all").disabled = resolved === 0;
  for (const id of ["export", "export-aria2", "export-crawljob", "download"]) {
    document.getElementById(id).disabled = resolved === 0;
  }
  const saved = job.links.filter((link) => link.download === "saved").length;
  if (job.downloading) say(`Downloading: ${saved} saved, ${job.downloading} to go...`);
  else if (saved) say(`Done: ${resolved} of ${job.links.length} links resolved, ${saved} downloaded.`);
  else say(job.done ? `Done: ${resolved} of ${job.links.length} links resolved.` : `Resolving ${job.links.length} links...`);
}

function downloadCell(link) {
  const td = document.createElement("td");
  td.className = "download";
  if (link.download === "downloading") {
    const bar = document.createElement("progress");
    bar.max = link.size || 1;
    bar.value = Math.min(link.downloaded, bar.max);
    bar.setAttribute("aria-label", `downloading ${link.filename || link.input}`);
    td.append(bar, document.createTextNode(` ${link.downloaded} bytes`));
  } else if (link.download === "saved") {
    td.textContent = `saved as ${link.saved_as}${link.verified ? " (sha1 verified)" : ""}`;
  } else if (link.download === "failed") {
    td.textContent = "failed";
  } else {
    td.textContent = "-";
  }
  return td;
}

// The countdowns of waiting rows tick between server updates.
setInterval(() => { if (current && current.links.some((link) => link.state === "waiting")) render(current); }, 1000);

function follow(job) {
  render(job);
  const events = new EventSource(`/api/jobs/${job.id}/events`);
  events.onmessage = (message) => {
    const update = JSON.parse(message.data);
    render(update);
    if (update.done && !update.downloading) events.close();
  };
  events.onerror = () => events.close();
}

function resolvedLinks() {
  return current ? current.links.filter((link) => link.state === "resolved").map((link) => link.url) : [];
}

document.getElementById("paste-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  say("Finding links...");
  try {
    follow(await post("/api/resolve", { text: document.getElementById("paste").value }));
  } catch (error) { say(error.message); }
});

document.getElementById("download").addEventListener("click", async () => {
  if (!current) return;
  try {
    const answer = await post(`/api/jobs/${current.id}/download`, {});
    say(`Downloading ${answer.downloading} files...`);
    follow(current);
  } catch (error) { say(error.message); }
});

document.getElementById("copy-all").addEventListener("click", () => {
  const text = resolvedLinks().join("\n");
  if (navigator.clipboard) navigator.clipboard.writeText(text);
  say(`Copied ${resolvedLinks().length} links.`);
});

function exportAs(format) {
  if (!current) return;
  const anchor = document.createElement("a");
  anchor.href = `/api/jobs/${current.id}/export?format=${format}`;
  anchor.click();
}
document.getElementById("export").addEventListener("click", () => exportAs("text"));
document.getElementById("export-aria2").addEventListener("click", () => exportAs("aria2"));
document.getElementById("export-crawljob").addEventListener("click", () => exportAs("crawljob"));

document.getElementById("load-accounts").addEventListener("click", async () => {
  const list = document.getElementById("accounts");
  const answer = await (await fetch("/api/accounts")).json();
  list.replaceChildren();
  for (const account of answer.accounts) {
    const item = document.createElement("li");
    let text = `${account.provider} (${account.kind}): ${account.error || account.type || "no account API"}`;
    if (account.expires) text += `, premium until ${new Date(account.expires * 1000).toISOString().slice(0, 10)}`;
    item.textContent = text;
    if (account.fair_use_left !== null && account.fair_use_left !== undefined) {
      const meter = document.createElement("meter");
      meter.min = 0; meter.max = 1; meter.value = account.fair_use_left;
      meter.setAttribute("aria-label", `fair use left at ${account.provider}`);
      item.appendChild(meter);
    }
    list.appendChild(item);
  }
});
