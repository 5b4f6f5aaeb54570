// What a coupon purchase must say, checked before anything is stored: who receives it (an e-mail address), how
// much it is worth (a positive amount in euros, with cents at most, up to MAX_AMOUNT) and the payment it was paid
// with (the payment provider's reference). Each check answers the reason a caller can act on.

export const MAX_AMOUNT = 10_000;
/** RFC 5321's limit for a forward path: 254 characters of address (https://www.rfc-editor.org/errata/eid1690). */
const MAX_EMAIL_LENGTH = 254;
const MAX_REFERENCE_LENGTH = 128;
/** One @, no white space, a dot in the domain: strict enough to catch typos, loose enough for real addresses. */
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
/** Printable ASCII: references are the payment provider's identifiers, shown back in receipts. */
const REFERENCE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

/** The address coupons are kept under: trimmed and lower-cased, so that one mailbox has one list. */
export function normalizedEmail(value) {
  if (typeof value !== "string") return { ok: false, message: "email must be a string" };
  const email = value.trim().toLowerCase();
  if (email === "") return { ok: false, message: "email is required" };
  if (email.length > MAX_EMAIL_LENGTH || !EMAIL.test(email)) {
    return { ok: false, message: `email ${JSON.stringify(value)} is not an e-mail address` };
  }
  return { ok: true, value: email };
}

/** `{ ok: true, value: { email, amount, paymentReference } }`, or `{ ok: false, message }`. */
export function couponInput(body) {
  if (body.email === undefined) return { ok: false, message: "email is required" };
  const email = normalizedEmail(body.email);
  if (!email.ok) return email;
  const amount = body.amount;
  if (amount === undefined) return { ok: false, message: "amount is required" };
  if (typeof amount !== "number" || !Number.isFinite(amount)) {
    return { ok: false, message: "amount must be a number, e.g. 25 or 12.50" };
  }
  if (amount <= 0) return { ok: false, message: "amount must be greater than 0" };
  if (amount > MAX_AMOUNT) return { ok: false, message: `amount must be at most ${MAX_AMOUNT}` };
  if (Math.abs(Math.round(amount * 100) - amount * 100) > 1e-6) {
    return { ok: false, message: "amount has at most two decimals (cents)" };
  }
  const reference = body.paymentReference;
  if (reference === undefined || reference === null || reference === "") {
    return { ok: false, message: "paymentReference is required" };
  }
  if (typeof reference !== "string") return { ok: false, message: "paymentReference must be a string" };
  if (reference.length > MAX_REFERENCE_LENGTH || !REFERENCE.test(reference)) {
    return {
      ok: false,
      message: `paymentReference must be 1 to ${MAX_REFERENCE_LENGTH} printable ASCII characters, without surrounding spaces`,
    };
  }
  return { ok: true, value: { email: email.value, amount: Math.round(amount * 100) / 100, paymentReference: reference } };
}

/**
 * The Idempotency-Key header (https://datatracker.ietf.org/doc/draft-ietf-httpapi-idempotency-key-header/): a
 * structured-header string, so either a bare token or a quoted string; 1 to 255 printable ASCII characters.
 */
export function idempotencyKey(value) {
  if (value === undefined || value === "") {
    return { ok: false, message: "the Idempotency-Key header is required: send a new UUID per purchase, the same one when retrying it" };
  }
  const key = value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
  if (key.length === 0 || key.length > 255 || !/^[\x21-\x7e]+$/.test(key)) {
    return { ok: false, message: "the Idempotency-Key header must be 1 to 255 printable ASCII characters (a UUID)" };
  }
  return { ok: true, value: key };
}
