// POST /coupons {"email","amount","paymentReference"} with an Idempotency-Key header → 201 and the coupon, paid.
// The coupon and its payment are stored together (coupon-store.mjs). A retry with the same key and body answers
// the same coupon, again 201, marked `Idempotent-Replayed: true`; the same key with another body is 422, and a
// request still being written under that key 409 (https://datatracker.ietf.org/doc/draft-ietf-httpapi-idempotency-key-header/).
import { couponInput, idempotencyKey } from "../lib/coupon-input.mjs";
import { couponView, createPaidCoupon } from "../lib/coupon-store.mjs";
import { header, jsonObjectBody } from "../lib/request-body.mjs";
import { json, refusal } from "../lib/responses.mjs";

export const handler = async (event) => {
  const key = idempotencyKey(header(event, "idempotency-key"));
  if (!key.ok) return refusal(400, key.message);
  const body = jsonObjectBody(event);
  if (!body.ok) return refusal(400, body.message);
  const input = couponInput(body.value);
  if (!input.ok) return refusal(400, input.message);
  const outcome = await createPaidCoupon(input.value, key.value);
  switch (outcome.kind) {
    case "created":
      console.log(JSON.stringify({ message: "coupon paid", couponId: outcome.coupon.id }));
      return json(201, couponView(outcome.coupon), { location: `/coupons/${outcome.coupon.id}` });
    case "replayed":
      return json(201, couponView(outcome.coupon), {
        location: `/coupons/${outcome.coupon.id}`,
        "idempotent-replayed": "true",
      });
    case "mismatch":
      return refusal(
        422,
        "this Idempotency-Key was already used for a different purchase (email, amount or paymentReference differ): use a new key for a new purchase",
      );
    default:
      return refusal(409, "a request with this Idempotency-Key is still being processed: retry it in a moment");
  }
};
