// GET /coupons?email=… → 200 {"coupons":[…]}, the address's coupons newest first (through the byEmail index, which
// is eventually consistent: a coupon paid a moment ago may show up a moment later on AWS).
import { normalizedEmail } from "../lib/coupon-input.mjs";
import { couponsByEmail, couponView } from "../lib/coupon-store.mjs";
import { json, refusal } from "../lib/responses.mjs";

export const handler = async (event) => {
  const written = event.queryStringParameters?.email;
  if (written === undefined) return refusal(400, "the email query parameter is required: GET /coupons?email=you@example.com");
  const email = normalizedEmail(written);
  if (!email.ok) return refusal(400, email.message);
  const coupons = await couponsByEmail(email.value);
  return json(200, { coupons: coupons.map(couponView) });
};
