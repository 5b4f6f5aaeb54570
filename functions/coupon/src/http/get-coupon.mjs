// GET /coupons/{id} → 200 and the coupon with its status (paid → pdf_ready → mailed), 404 when there is none.
import { isCouponId } from "../lib/coupon-code.mjs";
import { couponById, couponView } from "../lib/coupon-store.mjs";
import { json, refusal } from "../lib/responses.mjs";

export const handler = async (event) => {
  const id = event.pathParameters?.id;
  // Not a UUID: no coupon has that id, and the table need not be asked.
  const coupon = isCouponId(id) ? await couponById(id) : undefined;
  if (!coupon) return refusal(404, "no coupon has this id");
  return json(200, couponView(coupon));
};
