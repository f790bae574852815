// The client portal: opens requests (POST /api/requests) and lists the client's tickets (GET /api/tickets) through
// the gateway, with the contact's bearer token. No framework, no build step; text is only ever set with textContent.

const TOKEN_KEY = "servicedesk.portal.token";
const PAGE_SIZE = 25;
const FIELDS = ["subject", "description", "priorityHint", "contactName", "contactEmail"];
// Every field the service may name in an error, in form order (where focus goes first).
const ERROR_ORDER = ["subject", "description", "priorityHint", "emergencyTermsConfirmed", "contactName", "contactEmail"];
const STATUS_NAMES = { InProgress: "In progress", WaitingOnClient: "Waiting on you" };

const $ = (id) => document.getElementById(id);
const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

// --- Access code ------------------------------------------------------------------------------------------------

// The MSP's link carries the token in the fragment (#token=...), which browsers never send to a server or put in a
// Referer. It is kept in sessionStorage (this tab only) and removed from the address bar and history at once.
function takeTokenFromFragment() {
  const token = new URLSearchParams(location.hash.slice(1)).get("token");
  if (!token) return;
  sessionStorage.setItem(TOKEN_KEY, token.trim());
  history.replaceState(null, "", location.pathname + location.search);
}

/** The token's claims, for display only: the services verify the signature on every call. */
function claimsOf(token) {
  try {
    const payload = atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/"));
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(payload, (c) => c.charCodeAt(0))));
  } catch {
    return null;
  }
}

function currentToken() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const claims = token && claimsOf(token);
  if (!claims) return null;
  if (typeof claims.exp === "number" && claims.exp * 1000 <= Date.now()) {
    forget("Your access link has expired. Ask your service provider for a new one.");
    return null;
  }
  return { token, claims };
}

function forget(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  showAccess(message);
}

function showAccess(message) {
  $("access").hidden = false;
  $("portal").hidden = true;
  $("who").hidden = true;
  $("token-error").textContent = message ?? "";
  $("token").setAttribute("aria-invalid", message ? "true" : "false");
}

function showPortal({ claims }) {
  $("access").hidden = true;
  $("portal").hidden = false;
  $("who").hidden = false;
  const until = typeof claims.exp === "number" ? ` until ${dateFormat.format(new Date(claims.exp * 1000))}` : "";
  $("who").textContent = `Signed in as ${claims.name ?? claims.sub ?? "a contact"}${until}.`;
  // A token naming the contact makes every request theirs (docs/adr/0025): no name or address to type.
  const asContact = Boolean(claims.contact_id);
  $("contactName-field").hidden = asContact;
  $("contactEmail-field").hidden = asContact;
  $("as-contact").hidden = !asContact;
  loadTickets();
}

// --- Signing in ---------------------------------------------------------------------------------------------------

// OpenID Connect at the identity service (docs/adr/0026): authorization code + PKCE, the portal being a public client.
// The verifier and state wait in sessionStorage while the browser is away signing in; the code comes back in the query.
const PKCE_KEY = "servicedesk.portal.pkce";
const redirectUri = () => location.origin + location.pathname;
const base64Url = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

async function signIn() {
  const verifier = base64Url(crypto.getRandomValues(new Uint8Array(32)));
  const state = base64Url(crypto.getRandomValues(new Uint8Array(16)));
  const challenge = base64Url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state }));
  const query = new URLSearchParams({
    client_id: "portal", response_type: "code", redirect_uri: redirectUri(), scope: "openid profile",
    code_challenge: challenge, code_challenge_method: "S256", state,
  });
  location.assign(`/connect/authorize?${query}`);
}

/** Back from signing in: trades the code for an access token, and takes the code out of the address bar and history. */
async function takeCodeFromQuery() {
  const params = new URLSearchParams(location.search);
  const code = params.get("code");
  if (!code && !params.has("error")) return;
  history.replaceState(null, "", location.pathname);
  const pending = JSON.parse(sessionStorage.getItem(PKCE_KEY) ?? "null");
  sessionStorage.removeItem(PKCE_KEY);
  const failed = () => { $("sign-in-error").textContent = "Signing in did not work. Please try again."; };
  if (!code || !pending || params.get("state") !== pending.state) return failed();
  try {
    const response = await fetch("/connect/token", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
      body: new URLSearchParams({
        grant_type: "authorization_code", code, redirect_uri: redirectUri(), client_id: "portal", code_verifier: pending.verifier,
      }),
      credentials: "omit",
    });
    if (!response.ok) return failed();
    sessionStorage.setItem(TOKEN_KEY, (await response.json()).access_token);
  } catch {
    failed();
  }
}

// --- Calling the API ----------------------------------------------------------------------------------------------

class SignedOut extends Error {}

/** fetch with the bearer token; a 401 means the code is wrong or expired, so the page asks for a new one. */
async function api(path, options = {}) {
  const access = currentToken();
  if (!access) throw new SignedOut();
  const headers = { Accept: "application/json", Authorization: `Bearer ${access.token}`, ...options.headers };
  const response = await fetch(path, { ...options, headers, cache: "no-store", credentials: "omit" });
  if (response.status === 401) {
    forget("That access code was not accepted (it may have expired). Ask your service provider for a new link.");
    throw new SignedOut();
  }
  return response;
}

async function problemOf(response) {
  try {
    return await response.json();
  } catch {
    return { title: `The service answered ${response.status}.` };
  }
}

// crypto.randomUUID exists only in secure contexts (HTTPS, localhost); getRandomValues everywhere.
function newIdempotencyKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// --- Submitting a request -----------------------------------------------------------------------------------------

// One key per submission: a retry after a network failure or a server fault sends the same key, so intake stores the
// request once however often it arrives. Editing the form makes it a new submission with a new key.
let idempotencyKey = null;

function clearErrors() {
  for (const field of ERROR_ORDER) {
    $(`${field}-error`).textContent = "";
    $(field).removeAttribute("aria-invalid");
  }
}

function showFieldErrors(errors) {
  const other = [];
  let first = null;
  for (const [name, messages] of Object.entries(errors)) {
    const field = ERROR_ORDER.find((f) => f.toLowerCase() === name.toLowerCase());
    const text = messages.join(" ");
    if (!field) {
      other.push(text);
      continue;
    }
    $(`${field}-error`).textContent = text;
    $(field).setAttribute("aria-invalid", "true");
    first ??= field;
  }
  const count = Object.keys(errors).length;
  setResult("request-result", "error",
    `Please correct ${count === 1 ? "1 problem" : `${count} problems`} and send again.${other.length ? " " + other.join(" ") : ""}`);
  // In form order, so that keyboard and screen-reader users land on the first problem.
  const firstInForm = ERROR_ORDER.find((f) => $(f).getAttribute("aria-invalid") === "true") ?? first;
  if (firstInForm) $(firstInForm).focus();
}

function setResult(id, kind, text) {
  const region = $(id);
  region.className = `result ${kind}`;
  region.textContent = text;
}

async function submitRequest(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const data = new FormData(form);
  const body = {};
  for (const field of FIELDS) {
    if ($(field).closest(".field").hidden) continue; // a signed-in contact: the service knows who they are
    const value = String(data.get(field) ?? "");
    // Optional fields left empty are absent, not "": the service validates what it is given.
    if (value.trim() !== "" || (field !== "contactName" && field !== "priorityHint")) body[field] = value;
  }

  if ($("emergency").checked) {
    body.emergency = true;
    body.emergencyTermsConfirmed = $("emergencyTermsConfirmed").checked;
  }

  idempotencyKey ??= newIdempotencyKey();
  clearErrors();
  $("send").disabled = true;
  setResult("request-result", "pending", "Sending your request…");
  try {
    const response = await api("/api/requests", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Idempotency-Key": idempotencyKey },
      body: JSON.stringify(body),
    });
    if (response.status === 202 || response.status === 200) {
      const accepted = await response.json();
      idempotencyKey = null;
      form.reset();
      $("emergency-terms").hidden = true;
      setResult("request-result", "success",
        `Thank you: your request was received. Its reference is ${accepted.id}. It appears in your tickets below in a moment.`);
      watchFor(accepted.id);
    } else if (response.status === 400) {
      // Nothing was stored: the corrected form is a new submission.
      idempotencyKey = null;
      const problem = await problemOf(response);
      if (problem.errors) showFieldErrors(problem.errors);
      else setResult("request-result", "error", problem.title ?? "The request was not accepted.");
    } else if (response.status >= 500 || response.status === 429) {
      setResult("request-result", "error",
        "The service desk could not take your request just now. Please send it again in a moment: it will not be filed twice.");
    } else {
      const problem = await problemOf(response);
      idempotencyKey = null;
      setResult("request-result", "error", problem.title ?? `The request was refused (${response.status}).`);
    }
  } catch (error) {
    if (!(error instanceof SignedOut))
      setResult("request-result", "error",
        "Could not reach the service desk. Check your connection and send again: it will not be filed twice.");
  } finally {
    $("send").disabled = false;
  }
}

// --- Declaring an emergency ----------------------------------------------------------------------------------------

// The terms come from the SLA service's preview of this very arrival (docs/adr/0037): what the client's tier decides,
// in the client's time zone, computed by the code that will start the real clock.
async function showEmergencyTerms() {
  const terms = $("emergency-terms");
  terms.hidden = !$("emergency").checked;
  if (terms.hidden) return;
  const coverage = $("emergency-coverage");
  coverage.textContent = "Checking your agreement…";
  const claims = currentToken()?.claims;
  try {
    const query = new URLSearchParams({ client: claims?.tenant_id ?? "", channel: "web", emergency: "true" });
    const response = await api(`/api/sla/preview?${query}`);
    coverage.textContent = response.ok
      ? coverageText(await response.json())
      : "Your agreement's after-hours cover could not be loaded just now. Your service provider's terms apply.";
  } catch (error) {
    if (!(error instanceof SignedOut))
      coverage.textContent = "Your agreement's after-hours cover could not be loaded just now. Your service provider's terms apply.";
  }
}

/** What sending this emergency now would do, in the client's own time zone (as the preview gives it). */
function coverageText(preview) {
  const work = preview.targets.find((t) => t.target === "work-begins")?.contractual.dueAtLocal;
  const by = work ? ` Work begins by ${work}.` : "";
  if (preview.coverage.pagesOnCall)
    return `Your agreement covers emergencies at this hour: the on-call technician is paged as soon as you send this.${by}`;
  if (preview.coverage.businessHours) return `It is within your business hours: your emergency is handled first.${by}`;
  return `Your agreement does not cover emergencies at this hour, so nobody is woken: it is handled from ${preview.coverage.countsFromLocal}.${by}`;
}

// --- The ticket list ----------------------------------------------------------------------------------------------

let next = null;

function statusName(status) {
  return STATUS_NAMES[status] ?? status.replace(/([a-z])([A-Z])/g, "$1 $2");
}

function row(ticket) {
  const tr = document.createElement("tr");
  tr.dataset.id = ticket.id;
  const cells = [ticket.reference, ticket.subject, statusName(ticket.status), ticket.priority];
  for (const [i, text] of cells.entries()) {
    const cell = document.createElement(i === 0 ? "th" : "td");
    if (i === 0) cell.scope = "row";
    cell.textContent = text;
    tr.append(cell);
  }
  const opened = document.createElement("td");
  const time = document.createElement("time");
  time.dateTime = ticket.openedAt;
  time.textContent = dateFormat.format(new Date(ticket.openedAt));
  opened.append(time);
  tr.append(opened);
  return tr;
}

/** Loads the first page (or, with more = true, the next one). Returns the tickets shown. */
async function loadTickets(more = false) {
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if ($("show").value) query.set("status", $("show").value);
  if (more && next) query.set("after", next);
  try {
    const response = await api(`/api/tickets?${query}`);
    if (!response.ok) {
      const problem = await problemOf(response);
      setResult("tickets-result", "error", problem.title ?? `Could not load your tickets (${response.status}).`);
      return [];
    }
    const page = await response.json();
    const body = $("tickets").tBodies[0];
    if (!more) body.replaceChildren();
    body.append(...page.items.map(row));
    next = page.next;
    $("more").hidden = !next;
    const shown = body.rows.length;
    setResult("tickets-result", "", shown === 0 ? "No tickets to show." : `${shown} ${shown === 1 ? "ticket" : "tickets"} shown.`);
    return page.items;
  } catch (error) {
    if (!(error instanceof SignedOut)) setResult("tickets-result", "error", "Could not reach the service desk to load your tickets.");
    return [];
  }
}

// A request becomes a ticket moments after it is accepted: look for it for a while, then tell the contact its number.
async function watchFor(id) {
  for (let attempt = 0; attempt < 20; attempt++) {
    const items = await loadTickets();
    const ticket = items.find((t) => t.id === id);
    if (ticket) {
      setResult("request-result", "success", `Your request is now ticket ${ticket.reference}: "${ticket.subject}".`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 1500));
  }
}

// --- Wiring -------------------------------------------------------------------------------------------------------

async function start() {
  takeTokenFromFragment();
  await takeCodeFromQuery();
  $("sign-in").addEventListener("click", () => signIn());
  $("access-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const token = $("token").value.trim();
    if (!claimsOf(token)) {
      showAccess("That does not look like an access code: paste the whole code from your link.");
      $("token").focus();
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, token);
    $("token").value = "";
    const access = currentToken();
    if (access) showPortal(access);
  });
  $("request-form").addEventListener("submit", submitRequest);
  $("emergency").addEventListener("change", showEmergencyTerms);
  $("request-form").addEventListener("input", () => { idempotencyKey = null; });
  $("show").addEventListener("change", () => loadTickets());
  $("refresh").addEventListener("click", () => loadTickets());
  $("more").addEventListener("click", () => loadTickets(true));
  $("forget").addEventListener("click", () => forget("Your access code was forgotten in this tab."));
  addEventListener("hashchange", () => {
    takeTokenFromFragment();
    const access = currentToken();
    if (access) showPortal(access);
  });

  const access = currentToken();
  if (access) showPortal(access);
  else showAccess();
}

start();
