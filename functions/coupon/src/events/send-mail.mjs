// The PDF bucket's ObjectCreated events (coupons/*.pdf) → the coupon mailed with its PDF attached, then marked
// mailed. S3 invokes asynchronously: if the SMTP server refuses or cannot be reached, this THROWS, so Lambda
// retries the event (twice) before giving it up (see README.md) — the coupon is marked mailed only after
// the server accepted the message, and a coupon mailed already is not sent again.
// https://docs.aws.amazon.com/lambda/latest/dg/with-s3.html, https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { s3 } from "../lib/aws-clients.mjs";
import { sendCouponMail } from "../lib/coupon-mail.mjs";
import { couponById, markMailed, STATUS } from "../lib/coupon-store.mjs";

const PDF_KEY = /^coupons\/([0-9a-f-]{36})\.pdf$/;

export const handler = async (event) => {
  const failures = [];
  for (const record of event.Records ?? []) {
    try {
      await mailCoupon(record);
    } catch (error) {
      failures.push(error);
    }
  }
  // One event is usually one record; each record that failed makes the whole event fail, and the records that
  // were sent are skipped when it is retried (they are marked mailed).
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) throw new AggregateError(failures, `${failures.length} coupons were not mailed`);
};

async function mailCoupon(record) {
  const bucket = record.s3.bucket.name;
  // Object keys arrive URL-encoded, spaces as '+' (https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html).
  const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, " "));
  const id = PDF_KEY.exec(key)?.[1];
  if (!id) {
    console.log(JSON.stringify({ message: "not a coupon PDF, ignored", bucket, key }));
    return;
  }
  const coupon = await couponById(id);
  if (!coupon) {
    console.log(JSON.stringify({ message: "no coupon for this PDF, ignored", couponId: id, key }));
    return;
  }
  if (coupon.status === STATUS.mailed) {
    console.log(JSON.stringify({ message: "mailed already", couponId: id }));
    return;
  }
  const object = await s3().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const pdf = await object.Body.transformToByteArray();
  const messageId = await sendCouponMail(coupon, pdf);
  const marked = await markMailed(id, messageId);
  console.log(JSON.stringify({ message: marked ? "mailed" : "mailed again (a duplicate event)", couponId: id, messageId }));
}
