// A coupon's id (a UUID, for URLs and keys) and its code (what a person types at the till): 12 characters of an
// alphabet without look-alikes (no 0 or O, no 1 or I), in three groups, from the system's CSPRNG — 60 bits, so two
// coupons sharing a code is not a practical concern, and a code cannot be guessed from another.
import { randomBytes, randomUUID } from "node:crypto";

const ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

export function newCouponId() {
  return randomUUID();
}

export function newCouponCode() {
  // 32 symbols: each byte's low 5 bits pick one without bias.
  const bytes = randomBytes(12);
  let code = "";
  for (let index = 0; index < bytes.length; index++) {
    if (index > 0 && index % 4 === 0) code += "-";
    code += ALPHABET[bytes[index] & 31];
  }
  return code;
}

const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isCouponId(value) {
  return typeof value === "string" && ID.test(value);
}
