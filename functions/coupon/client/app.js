// The coupon shop's page: buy a coupon (POST /coupons with an Idempotency-Key), follow its status as the back end
// moves it (paid → pdf_ready → mailed, by polling GET /coupons/{id}) and list the address's coupons
// (GET /coupons?email=). A purchase keeps its key until the shop has answered it: pressing the button again after
// a network failure or a 5xx sends the same purchase with the same key, which the shop answers with the coupon it
// already made — never a second payment. A changed form is a new purchase, with a new key.

const api = (document.querySelector('meta[name="coupon-api"]')?.content ?? "").replace(/\/$/, "");
const PENDING = "coupon-shop.pending-purchase";
const POLL_MS = 1000;
const POLL_LIMIT = 180;
const STATUS_TEXT = { paid: "Paid", pdf_ready: "PDF ready", mailed: "Mailed" };
const ORDER = ["paid", "pdf_ready", "mailed"];

const $ = (id) => document.getElementById(id);
const form = $("coupon-form");
const submit = $("submit");
const error = $("form-error");
let polling = 0;

function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  // Pages served over plain http from another host than localhost have no randomUUID: a v4 UUID by hand.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The purchase waiting for an answer, kept across reloads of the tab: { fingerprint, key }. */
function pendingPurchase() {
  try {
    return JSON.parse(sessionStorage.getItem(PENDING) ?? "null");
  } catch {
    return null;
  }
}

function setPending(pending) {
  if (pending) sessionStorage.setItem(PENDING, JSON.stringify(pending));
  else sessionStorage.removeItem(PENDING);
  if (pending) form.dataset.idempotencyKey = pending.key;
  else delete form.dataset.idempotencyKey;
  submit.textContent = pending ? "Retry purchase" : "Buy coupon";
}

function showError(message, statusCode) {
  error.textContent = message;
  error.hidden = false;
  error.dataset.statusCode = String(statusCode ?? "");
}

function clearError() {
  error.hidden = true;
  error.textContent = "";
  delete error.dataset.statusCode;
}

function money(amount) {
  return `${Number(amount).toFixed(2)} EUR`;
}

async function request(path, init) {
  const response = await fetch(`${api}${path}`, init);
  let body;
  try {
    body = await response.json();
  } catch {
    body = {};
  }
  return { status: response.status, body };
}

function purchaseFromForm() {
  const data = new FormData(form);
  const amountText = String(data.get("amount") ?? "").trim();
  return {
    email: String(data.get("email") ?? "").trim(),
    // A number when it is one; what was typed otherwise, for the shop to refuse with its reason.
    amount: amountText !== "" && Number.isFinite(Number(amountText)) ? Number(amountText) : amountText,
    paymentReference: String(data.get("paymentReference") ?? "").trim(),
  };
}

async function buy(event) {
  event.preventDefault();
  clearError();
  const purchase = purchaseFromForm();
  const fingerprint = JSON.stringify(purchase);
  const earlier = pendingPurchase();
  const pending = earlier?.fingerprint === fingerprint ? earlier : { fingerprint, key: newKey() };
  setPending(pending);
  submit.disabled = true;
  try {
    const { status, body } = await request("/coupons", {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": pending.key },
      body: fingerprint,
    });
    if (status === 201 || status === 200) {
      setPending(null);
      showCoupon(body);
      history.replaceState(null, "", `?coupon=${encodeURIComponent(body.id)}`);
      follow(body.id);
      listCoupons(body.email);
    } else if (status >= 400 && status < 500 && status !== 409) {
      // The shop refused this purchase as it is: nothing was stored, the next one gets a new key.
      setPending(null);
      showError(body.message ?? `The shop refused the purchase (${status}).`, status);
    } else {
      showError(
        `The shop could not answer (${status}${body.message ? `: ${body.message}` : ""}). Press “Retry purchase”: it is sent with the same key, so it is never paid twice.`,
        status,
      );
    }
  } catch {
    showError(
      "The shop could not be reached. Press “Retry purchase”: it is sent with the same key, so it is never paid twice.",
      0,
    );
  } finally {
    submit.disabled = false;
  }
}

function showCoupon(coupon) {
  $("coupon").hidden = false;
  $("coupon").dataset.couponId = coupon.id;
  $("coupon-code").textContent = coupon.code;
  $("coupon-amount").textContent = money(coupon.amount);
  $("coupon-email").textContent = coupon.email;
  const status = $("status");
  status.dataset.status = coupon.status;
  status.textContent = STATUS_TEXT[coupon.status] ?? coupon.status;
  const reached = ORDER.indexOf(coupon.status);
  for (const step of $("steps").children) {
    const index = ORDER.indexOf(step.dataset.step);
    step.dataset.done = String(index <= reached);
    step.dataset.current = String(index === reached);
  }
}

/** Polls the coupon until it is mailed (or for POLL_LIMIT seconds); a newer coupon stops the older poll. */
async function follow(id) {
  const run = ++polling;
  const note = $("poll-note");
  note.hidden = true;
  let last = $("status").dataset.status;
  for (let attempt = 0; attempt < POLL_LIMIT && run === polling; attempt++) {
    try {
      const { status, body } = await request(`/coupons/${encodeURIComponent(id)}`);
      if (run !== polling) return;
      if (status === 404) {
        note.textContent = "No coupon has this id.";
        note.hidden = false;
        return;
      }
      if (status === 200) {
        showCoupon(body);
        if (body.status !== last) {
          last = body.status;
          listCoupons(body.email);
        }
        if (body.status === "mailed") return;
      }
    } catch {
      // The network comes and goes: the next poll tries again.
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  if (run === polling) {
    note.textContent = "Still on its way: reload the page later to see its status.";
    note.hidden = false;
  }
}

async function listCoupons(email) {
  if (!email) return;
  try {
    const { status, body } = await request(`/coupons?email=${encodeURIComponent(email)}`);
    if (status !== 200) {
      showError(body.message ?? `The coupons could not be listed (${status}).`, status);
      return;
    }
    $("coupons").hidden = false;
    $("coupons-email").textContent = email.toLowerCase();
    $("coupons-empty").hidden = body.coupons.length > 0;
    const list = $("coupon-list");
    list.replaceChildren(
      ...body.coupons.map((coupon) => {
        const item = document.createElement("li");
        item.className = "coupon";
        item.dataset.couponId = coupon.id;
        item.dataset.status = coupon.status;
        const code = document.createElement("span");
        code.className = "code";
        code.textContent = coupon.code;
        const amount = document.createElement("span");
        amount.textContent = money(coupon.amount);
        const badge = document.createElement("span");
        badge.className = "badge";
        badge.dataset.status = coupon.status;
        badge.textContent = STATUS_TEXT[coupon.status] ?? coupon.status;
        item.append(code, amount, badge);
        return item;
      }),
    );
  } catch {
    showError("The coupons could not be listed: the shop could not be reached.", 0);
  }
}

form.addEventListener("submit", buy);
$("show-coupons").addEventListener("click", () => {
  clearError();
  const email = String(new FormData(form).get("email") ?? "").trim();
  if (email === "") showError("Enter your e-mail address to see its coupons.", 0);
  else listCoupons(email);
});
// A purchase left unanswered (the tab was reloaded): its form again, so that pressing the button retries it.
const left = pendingPurchase();
if (left) {
  try {
    const purchase = JSON.parse(left.fingerprint);
    form.elements.email.value = purchase.email;
    form.elements.amount.value = String(purchase.amount);
    form.elements.paymentReference.value = purchase.paymentReference;
  } catch {
    // Not ours: forgotten below.
  }
}
setPending(left);
const resumed = new URLSearchParams(location.search).get("coupon");
if (resumed) follow(resumed);
