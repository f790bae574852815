// The client portal: opens requests (POST /api/requests), lists the contact's (or, for a client admin, the company's)
// tickets newest first (GET /api/tickets?order=newest), opens one (conversation, attachments, SLA promises), replies to
// it with files, closes or reopens it once resolved, and shows the client's terms; all through the gateway with the
// signed-in contact's bearer token. No framework, no build step; text is only ever set with textContent.

const TOKEN_KEY = "servicedesk.portal.token";
// Signed in at the identity service: the refresh token renews the 15-minute access token; the id token ends the session.
const REFRESH_KEY = "servicedesk.portal.refresh";
const ID_TOKEN_KEY = "servicedesk.portal.idtoken";
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

/** The access token and its claims; expired is true once it is (nearly) out of date and needs a refresh. */
function currentToken() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const claims = token && claimsOf(token);
  if (!claims) return null;
  const expired = typeof claims.exp === "number" && claims.exp * 1000 <= Date.now() + 30_000;
  if (expired && !sessionStorage.getItem(REFRESH_KEY)) {
    forget("Your access link has expired. Ask your service provider for a new one.");
    return null;
  }
  return { token, claims, expired };
}

function forget(message) {
  for (const key of [TOKEN_KEY, REFRESH_KEY, ID_TOKEN_KEY]) sessionStorage.removeItem(key);
  showAccess(message);
}

function showAccess(message) {
  $("access").hidden = false;
  $("portal").hidden = true;
  $("account").hidden = true;
  $("views").hidden = true;
  $("token-error").textContent = message ?? "";
  $("token").setAttribute("aria-invalid", message ? "true" : "false");
}

const isClientAdmin = (claims) => [claims.role].flat().includes("client-admin");

function showPortal({ claims }) {
  $("access").hidden = true;
  $("portal").hidden = false;
  $("account").hidden = false;
  $("views").hidden = false;
  // Signed in at the identity service, the session renews itself; a pasted access code lasts until it expires.
  const until = typeof claims.exp === "number" && !sessionStorage.getItem(REFRESH_KEY)
    ? ` until ${dateFormat.format(new Date(claims.exp * 1000))}` : "";
  $("who").textContent = `Signed in as ${claims.name ?? claims.sub ?? "a contact"}${until}.`;
  // A token naming the contact makes every request theirs (docs/adr/0025): no name or address to type.
  const asContact = Boolean(claims.contact_id);
  $("contactName-field").hidden = asContact;
  $("contactEmail-field").hidden = asContact;
  $("as-contact").hidden = !asContact;
  // A client admin sees the company's tickets, a contact their own (the tickets service decides; the page only says so).
  const heading = isClientAdmin(claims) ? "My company's tickets" : "My tickets";
  $("tickets-heading").textContent = heading;
  $("tickets-caption").textContent = `${heading}, newest first`;
  clientZone = zoneLookup = null; // another sign-in may be another client's
  showView();
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
    client_id: "portal", response_type: "code", redirect_uri: redirectUri(), scope: "openid profile offline_access",
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
    keepTokens(await response.json());
  } catch {
    failed();
  }
}

function keepTokens(tokens) {
  sessionStorage.setItem(TOKEN_KEY, tokens.access_token);
  if (tokens.refresh_token) sessionStorage.setItem(REFRESH_KEY, tokens.refresh_token);
  if (tokens.id_token) sessionStorage.setItem(ID_TOKEN_KEY, tokens.id_token);
}

/** A new access token for the refresh token (the identity service reads the account again: a lock-out applies now). */
let refreshing = null;
function refresh() {
  refreshing ??= (async () => {
    try {
      const refreshToken = sessionStorage.getItem(REFRESH_KEY);
      if (!refreshToken) return false;
      const response = await fetch("/connect/token", {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
        body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken, client_id: "portal" }),
        credentials: "omit",
      });
      if (!response.ok) return false;
      keepTokens(await response.json());
      return true;
    } catch {
      return false;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

/**
 * Signing out: the refresh token is revoked (so a copy of it is worthless), then the identity service ends its own
 * session at /connect/endsession and sends the browser back here. A pasted access code is only forgotten.
 */
async function signOut() {
  const refreshToken = sessionStorage.getItem(REFRESH_KEY);
  const idToken = sessionStorage.getItem(ID_TOKEN_KEY);
  if (refreshToken) {
    try {
      await fetch("/connect/revoke", {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ token: refreshToken, token_type_hint: "refresh_token", client_id: "portal" }),
        credentials: "omit",
      });
    } catch {
      // The session still ends; an unrevoked refresh token expires on its own.
    }
  }
  forget("You have signed out.");
  if (idToken)
    location.assign(`/connect/endsession?${new URLSearchParams({ id_token_hint: idToken, post_logout_redirect_uri: redirectUri() })}`);
}

// --- Calling the API ----------------------------------------------------------------------------------------------

class SignedOut extends Error {}

/**
 * fetch with the bearer token, refreshed first when it is about to expire; a 401 (after one refresh) means the code is
 * wrong, expired or the account is locked, so the page asks to sign in again.
 */
async function api(path, options = {}, retried = false) {
  let access = currentToken();
  if (access?.expired && await refresh()) access = currentToken();
  if (!access || access.expired) {
    if (access) forget("Your session has ended. Please sign in again.");
    throw new SignedOut();
  }
  const headers = { Accept: "application/json", Authorization: `Bearer ${access.token}`, ...options.headers };
  const response = await fetch(path, { ...options, headers, cache: "no-store", credentials: "omit" });
  if (response.status === 401) {
    if (!retried && await refresh()) return api(path, options, true);
    forget(sessionStorage.getItem(ID_TOKEN_KEY)
      ? "Your session has ended. Please sign in again."
      : "That access code was not accepted (it may have expired). Ask your service provider for a new link.");
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

/** A new request or a reply (with ticketNumber): intake's one way in, idempotent under the submission's key. */
const postRequest = (body, key) => api("/api/requests", {
  method: "POST",
  headers: { "Content-Type": "application/json", "Idempotency-Key": key },
  body: JSON.stringify(body),
});

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
    const response = await postRequest(body, idempotencyKey);
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
  await showBillingTerms();
}

const GENERIC_BILLING = "Work outside business hours is billed at your agreement's after-hours rate, with its minimum charge, and none is done until you approve it.";

/** The agreement's after-hours rate and emergency minimum (billing's GET /api/billing/terms); the generic words without one. */
async function showBillingTerms() {
  const billing = $("emergency-billing");
  billing.textContent = GENERIC_BILLING;
  try {
    const response = await api("/api/billing/terms");
    if (!response.ok) return;
    const terms = await response.json();
    const money = new Intl.NumberFormat(undefined, { style: "currency", currency: terms.currency });
    const rate = terms.rates.find((r) => r.workType === "Emergency" && r.afterHours > 0)
      ?? terms.rates.find((r) => r.workType === "AfterHours" && r.afterHours > 0);
    const parts = [rate ? `Work outside business hours is billed at ${money.format(rate.afterHours)} an hour` : "Work outside business hours is billed"];
    if (terms.emergencyMinimumCharge > 0) parts.push(`; an emergency costs at least ${money.format(terms.emergencyMinimumCharge)}`);
    parts.push(terms.afterHoursApprovalNeeded ? ", and none is done until you approve it." : ". Your agreement approves it in advance.");
    billing.textContent = parts.join("");
  } catch (error) {
    if (!(error instanceof SignedOut)) billing.textContent = GENERIC_BILLING;
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

// --- The client's zone -----------------------------------------------------------------------------------------------

// Promises are given in the client's own time zone (their business calendar's, from the SLA service), not the browser's.
// Until it is known, times show in the browser's zone with the zone's name, so they are never ambiguous.
let clientZone = null;
let zoneLookup = null;
function zone() {
  zoneLookup ??= (async () => {
    try {
      const response = await api("/api/sla/terms");
      if (response.ok) clientZone = (await response.json()).timeZone;
    } catch (error) {
      if (!(error instanceof SignedOut)) zoneLookup = null;
    }
    return clientZone ?? undefined;
  })();
  return zoneLookup;
}

function inZone(instant, timeZone) {
  // Components, not dateStyle/timeStyle: those cannot be combined with timeZoneName.
  const format = new Intl.DateTimeFormat(undefined, {
    weekday: "short", day: "numeric", month: "short", year: "numeric", hour: "numeric", minute: "2-digit", timeZone, timeZoneName: "short",
  });
  return format.format(new Date(instant));
}

function timeElement(instant, text) {
  const time = document.createElement("time");
  time.dateTime = instant;
  time.textContent = text;
  return time;
}

/**
 * What the client was promised, in words and in their zone, from what is known and nothing more: the ticket's status,
 * its clock's state ("starting" until sla has started it, then running, paused or stopped), the time work begins by,
 * and when it began (the ticket page knows that from sla). A list row carries the same fields.
 */
function promise({ status, slaState, workBeginsDueAt, workBeganAt }, timeZone) {
  if (status === "Resolved") return "Resolved: close it, or reopen it if it is not solved.";
  if (status === "Closed") return "Closed.";
  if (status === "WaitingOnClient" || slaState === "paused")
    return "Paused while we wait for your answer: the clock resumes when you reply.";
  if (workBeganAt) return `Work began ${inZone(workBeganAt, timeZone)}.`;
  if (status === "InProgress") return "Work has begun.";
  if (workBeginsDueAt) return `Work will begin by ${inZone(workBeginsDueAt, timeZone)}.`;
  if (slaState === "stopped") return "The clock has stopped: nothing more is promised on this ticket.";
  if (slaState === "running") return "Your terms promise no time for work to begin at this priority.";
  return "Received. The clock has not started yet: the time work begins by is set once it has.";
}

function row(ticket, timeZone) {
  const tr = document.createElement("tr");
  tr.dataset.id = ticket.id;
  const number = document.createElement("th");
  number.scope = "row";
  const link = document.createElement("a");
  link.href = `#ticket/${ticket.id}`;
  link.textContent = ticket.reference;
  number.append(link);
  tr.append(number);
  const subject = ticket.contactName && isClientAdmin(currentToken()?.claims ?? {})
    ? `${ticket.subject} (${ticket.contactName})` : ticket.subject;
  const cells = [["Subject", subject], ["Status", statusName(ticket.status)], ["Promised", promise(ticket, timeZone)], ["Priority", ticket.priority]];
  for (const [label, text] of cells) {
    const cell = document.createElement("td");
    cell.dataset.label = label; // the column's name beside the value on a phone, where the table is a list of cards
    cell.textContent = text;
    tr.append(cell);
  }
  const opened = document.createElement("td");
  opened.dataset.label = "Opened";
  opened.append(timeElement(ticket.openedAt, dateFormat.format(new Date(ticket.openedAt))));
  tr.append(opened);
  return tr;
}

/** Loads the first page (or, with more = true, the next one). Returns the tickets shown. */
async function loadTickets(more = false) {
  const query = new URLSearchParams({ limit: String(PAGE_SIZE), order: "newest" });
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
    body.append(...page.items.map((ticket) => row(ticket, clientZone ?? undefined)));
    // The rows do not wait for the zone: once it is known, the promises are written again in it.
    if (!clientZone) zone().then((timeZone) => {
      if (!timeZone) return;
      for (const ticket of page.items) {
        const cell = body.querySelector(`tr[data-id="${ticket.id}"] td[data-label="Promised"]`);
        if (cell) cell.textContent = promise(ticket, timeZone);
      }
    });
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

// --- One ticket ---------------------------------------------------------------------------------------------------

const TARGET_NAMES = { acknowledge: "We tell you we have it", "work-begins": "Work begins", resolution: "Resolved" };
let openTicket = null;
// Each showTicket call takes a number: when two overlap (two quick hash changes), only the latest one's answer is shown.
let ticketRequests = 0;

/** Shows a ticket: facts, promises, the public conversation with its files, and what the client may do now. */
async function showTicket(id) {
  const request = ++ticketRequests;
  const result = $("ticket-result");
  $("ticket-heading").textContent = "Ticket";
  $("ticket-body").hidden = true;
  setResult("ticket-result", "pending", "Loading the ticket…");
  try {
    const response = await api(`/api/tickets/${encodeURIComponent(id)}`);
    if (request !== ticketRequests) return;
    if (!response.ok) {
      openTicket = null;
      setResult("ticket-result", "error", response.status === 404
        ? "There is no such ticket among yours."
        : `The ticket could not be loaded (${response.status}).`);
      $("ticket-heading").focus();
      return;
    }
    const ticket = await response.json();
    if (request !== ticketRequests) return;
    openTicket = ticket;
    result.textContent = "";
    result.className = "result";
    $("ticket-heading").textContent = `${ticket.reference}: ${ticket.subject}`;
    $("ticket-status").textContent = statusName(ticket.status);
    $("ticket-priority").textContent = ticket.priority;
    $("ticket-opened").replaceChildren(timeElement(ticket.openedAt, dateFormat.format(new Date(ticket.openedAt))));
    $("ticket-contact").textContent = ticket.contact.name ?? ticket.contact.email;
    $("resolved-actions").hidden = ticket.status !== "Resolved";
    $("reply-section").hidden = ticket.status === "Closed";
    $("ticket-body").hidden = false;
    await Promise.all([showPromises(ticket), showConversation(ticket)]);
    // Keyboard and screen-reader users start at the ticket they opened, not at the foot of the list they left.
    if (document.activeElement === document.body || document.activeElement?.closest("#home-view")) $("ticket-heading").focus();
  } catch (error) {
    if (!(error instanceof SignedOut)) setResult("ticket-result", "error", "Could not reach the service desk to load the ticket.");
  }
}

async function showPromises(ticket) {
  const list = $("promises");
  list.replaceChildren();
  const response = await api(`/api/sla/tickets/${ticket.id}`);
  if (openTicket?.id !== ticket.id) return;
  if (!response.ok) {
    // No clock to show yet (or not ours to read): the ticket's own copy of it says what is known.
    $("promise-summary").textContent = promise({ status: ticket.status, slaState: ticket.sla?.state,
      workBeginsDueAt: ticket.sla?.workBeginsDueAt }, await zone());
    return;
  }
  const sla = await response.json();
  const workBegins = sla.targets.find((t) => t.target === "work-begins");
  $("promise-summary").textContent = promise({ status: ticket.status, slaState: sla.status.toLowerCase(),
    workBeginsDueAt: workBegins?.contractual.dueAt, workBeganAt: workBegins?.metAt }, sla.timeZone);
  list.replaceChildren(...sla.targets.map((target) => {
    const item = document.createElement("li");
    const name = TARGET_NAMES[target.target] ?? target.target;
    const due = target.contractual.dueAt;
    item.textContent = target.metAt
      ? `${name}: done ${inZone(target.metAt, sla.timeZone)}.`
      : due ? `${name}: by ${inZone(due, sla.timeZone)}.` : `${name}: paused while we wait for you.`;
    return item;
  }));
}

async function showConversation(ticket) {
  const response = await api(`/api/tickets/${ticket.id}/conversation`);
  const list = $("conversation");
  const messages = response.ok ? await response.json() : [];
  // The request that opened the ticket comes first, then the thread (which never holds internal notes for a client).
  const entries = [{ id: ticket.id, author: ticket.contact.name ?? ticket.contact.email, body: ticket.description, at: ticket.openedAt, ours: true },
    ...messages.map((m) => ({ id: m.id, author: m.author, body: m.body, at: m.at, ours: m.kind === "ClientMessage" }))];
  const items = await Promise.all(entries.map(async (entry) => {
    const item = document.createElement("li");
    item.className = entry.ours ? "message ours" : "message theirs";
    item.dataset.id = entry.id;
    const header = document.createElement("p");
    header.className = "meta";
    const author = document.createElement("strong");
    author.textContent = entry.ours ? entry.author : `${entry.author} (service desk)`;
    header.append(author, " · ", timeElement(entry.at, dateFormat.format(new Date(entry.at))));
    const body = document.createElement("p");
    body.className = "body";
    body.textContent = entry.body;
    item.append(header, body);
    // Files came with the client's own messages (each is a request to intake, with the message's id).
    if (entry.ours) {
      const files = await attachments(entry.id);
      if (files) item.append(files);
    }
    return item;
  }));
  list.replaceChildren(...items);
  return messages;
}

async function attachments(requestId) {
  const response = await api(`/api/requests/${requestId}/attachments`);
  if (!response.ok) return null;
  const files = await response.json();
  if (files.length === 0) return null;
  const list = document.createElement("ul");
  list.className = "files";
  list.setAttribute("aria-label", "Attached files");
  for (const file of files) {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "link";
    button.textContent = `${file.fileName} (${Math.max(1, Math.round(file.size / 1024))} KB)`;
    button.addEventListener("click", () => download(requestId, file));
    item.append(button);
    list.append(item);
  }
  return list;
}

/** Files need the bearer token, so they are fetched, then handed to the browser as a download (never shown inline). */
async function download(requestId, file) {
  const response = await api(`/api/requests/${requestId}/attachments/${file.id}`, { headers: { Accept: "*/*" } });
  if (response.ok) await save(response, file.fileName);
}

/** Hands a fetched file to the browser as a download. */
async function save(response, fileName) {
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const base64Of = (file) => new Promise((resolve, reject) => {
  const reader = new FileReader();
  reader.onload = () => resolve(String(reader.result).split(",", 2)[1] ?? "");
  reader.onerror = () => reject(reader.error);
  reader.readAsDataURL(file);
});

let replyKey = null;

/**
 * A reply is a request naming the ticket's number, as an email reply names [SD#n] (docs/adr/0017): intake keeps it and
 * its files, tickets threads it (a resolved ticket reopens, one waiting on the client goes back to work and its SLA
 * clock resumes).
 */
async function sendReply(event) {
  event.preventDefault();
  if (!openTicket) return;
  const ticket = openTicket;
  for (const field of ["reply", "reply-files"]) {
    $(`${field}-error`).textContent = "";
    $(field).removeAttribute("aria-invalid");
  }
  const text = $("reply").value;
  const files = [...$("reply-files").files];
  const problem = (field, message) => {
    $(`${field}-error`).textContent = message;
    $(field).setAttribute("aria-invalid", "true");
    $(field).focus();
  };
  if (text.trim() === "") return problem("reply", "Required: write your reply.");
  if (files.length > 3 || files.some((f) => f.size > 1024 * 1024)) return problem("reply-files", "At most 3 files of 1 MB each.");

  replyKey ??= newIdempotencyKey();
  $("send-reply").disabled = true;
  setResult("reply-result", "pending", "Sending your reply…");
  try {
    const body = {
      subject: `Re: [${ticket.reference}] ${ticket.subject}`.slice(0, 200),
      description: text,
      ticketNumber: ticket.number,
      attachments: await Promise.all(files.map(async (f) => ({ fileName: f.name, contentType: f.type || null, content: await base64Of(f) }))),
    };
    const response = await postRequest(body, replyKey);
    if (response.status === 202 || response.status === 200) {
      const accepted = await response.json();
      replyKey = null;
      $("reply-form").reset();
      setResult("reply-result", "success", "Your reply was sent. It appears in the conversation in a moment.");
      await watchConversation(ticket, accepted.id);
    } else if (response.status === 400) {
      replyKey = null;
      const errors = (await problemOf(response)).errors ?? {};
      const fileError = Object.keys(errors).find((k) => k.startsWith("attachments"));
      if (errors.description) problem("reply", errors.description.join(" "));
      else if (fileError) problem("reply-files", errors[fileError].join(" "));
      setResult("reply-result", "error", "Your reply was not sent: please correct it and send again.");
    } else if (response.status >= 500 || response.status === 429) {
      setResult("reply-result", "error", "The service desk could not take your reply just now. Send it again in a moment: it will not be added twice.");
    } else {
      replyKey = null;
      setResult("reply-result", "error", (await problemOf(response)).title ?? `The reply was refused (${response.status}).`);
    }
  } catch (error) {
    if (!(error instanceof SignedOut))
      setResult("reply-result", "error", "Could not reach the service desk. Check your connection and send again: it will not be added twice.");
  } finally {
    $("send-reply").disabled = false;
  }
}

/** The reply becomes part of the thread moments after it is accepted: show the ticket again once it is there. */
async function watchConversation(ticket, messageId) {
  for (let attempt = 0; attempt < 20 && openTicket?.id === ticket.id; attempt++) {
    const response = await api(`/api/tickets/${ticket.id}/conversation`);
    if (response.ok && (await response.json()).some((m) => m.id === messageId)) {
      await showTicket(ticket.id);
      setResult("reply-result", "success", "Your reply was added to the ticket.");
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 1500));
  }
}

/** Closes or reopens a resolved ticket (the only change a client makes to a ticket). */
async function changeStatus(to) {
  if (!openTicket) return;
  try {
    const response = await api(`/api/tickets/${openTicket.id}/status`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ to, version: openTicket.version, reason: to === "Closed" ? "The client confirmed it is solved." : "The client says it is not solved." }),
    });
    if (response.ok) {
      await showTicket(openTicket.id);
      setResult("ticket-result", "success", to === "Closed" ? "The ticket is closed. Thank you." : "The ticket is reopened: we will look at it again.");
    } else {
      const problem = await problemOf(response);
      // 409: someone changed the ticket since it was shown (the version moves only with people's changes): show it as
      // it is now, so the client decides again on what is true.
      if (response.status === 409) await showTicket(openTicket.id);
      setResult("ticket-result", "error", problem.title ?? `The change was refused (${response.status}).`);
    }
  } catch (error) {
    if (!(error instanceof SignedOut)) setResult("ticket-result", "error", "Could not reach the service desk.");
  }
}

// --- Views --------------------------------------------------------------------------------------------------------

/** The address's fragment picks the view: #ticket/<id>, #terms, or the home page (request form and ticket list). */
function showView() {
  const hash = location.hash.slice(1);
  const ticket = /^ticket\/([0-9a-f-]{36})$/i.exec(hash);
  $("home-view").hidden = Boolean(ticket) || hash === "terms";
  $("ticket-view").hidden = !ticket;
  $("terms-view").hidden = hash !== "terms";
  for (const [id, current] of [["nav-home", !ticket && hash !== "terms"], ["nav-terms", hash === "terms"]]) {
    if (current) $(id).setAttribute("aria-current", "page");
    else $(id).removeAttribute("aria-current");
  }
  if (ticket) {
    openTicket = null;
    showTicket(ticket[1]);
  } else if (hash === "terms") {
    openTicket = null;
    showTerms();
  } else {
    openTicket = null;
    loadTickets();
  }
}

// --- How to get help: the client's own terms --------------------------------------------------------------------

/**
 * The client's terms in words, generated from what applies now (billing's document reads sla's tier, calendar and cover
 * and its own agreement): the same sections the printable PDF has. Change the tier, and this page changes with it.
 */
async function showTerms() {
  const target = $("terms");
  setResult("terms-result", "pending", "Loading your terms…");
  try {
    const response = await api("/api/billing/terms/document");
    if (!response.ok) {
      setResult("terms-result", "error", (await problemOf(response)).title ?? `Your terms could not be loaded (${response.status}).`);
      return;
    }
    const terms = await response.json();
    $("terms-result").textContent = "";
    $("terms-result").className = "result";
    const parts = [element("p", `${terms.title}. This page is generated from the terms we apply today.`)];
    for (const part of terms.sections) {
      const section = element("section");
      const list = element("ul");
      for (const line of part.lines) list.append(element("li", line));
      section.append(element("h3", part.heading), list);
      parts.push(section);
    }
    const pdf = element("button", "Download as PDF (one page, to print)");
    pdf.type = "button";
    pdf.addEventListener("click", downloadTerms);
    const actions = element("p", undefined, "buttons");
    actions.append(pdf);
    target.replaceChildren(...parts, actions);
  } catch (error) {
    if (!(error instanceof SignedOut)) setResult("terms-result", "error", "Could not reach the service desk to load your terms.");
  }
}

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

/** The same terms as a printable one-page PDF. */
async function downloadTerms() {
  const response = await api("/api/billing/terms/document.pdf", { headers: { Accept: "application/pdf" } });
  if (!response.ok) {
    setResult("terms-result", "error", `The PDF could not be made just now (${response.status}).`);
    return;
  }
  await save(response, "service-terms.pdf");
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
  $("sign-out").addEventListener("click", () => signOut());
  $("reply-form").addEventListener("submit", sendReply);
  $("reply-form").addEventListener("input", () => { replyKey = null; });
  $("close-ticket").addEventListener("click", () => changeStatus("Closed"));
  $("reopen-ticket").addEventListener("click", () => changeStatus("Reopened"));
  addEventListener("hashchange", () => {
    const hadToken = location.hash.startsWith("#token=");
    takeTokenFromFragment();
    const access = currentToken();
    if (!access) return;
    if (hadToken || $("portal").hidden) showPortal(access);
    else showView();
  });

  const access = currentToken();
  if (access) showPortal(access);
  else showAccess();
}

start();
