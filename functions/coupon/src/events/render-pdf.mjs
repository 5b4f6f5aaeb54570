// The coupons table's stream (INSERT records only: the event's filterPatterns) → the coupon's PDF in the bucket
// at coupons/<id>.pdf, then the coupon marked pdf_ready. Streams deliver at least once, so this is idempotent:
// a coupon past `paid` is done already, and a PDF rendered again is the same object under the same key.
// A record that fails is reported in batchItemFailures (functionResponseType: ReportBatchItemFailures): Lambda
// retries from it, keeping the records before it done, and after maximumRetryAttempts sends it to the queue.
// https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-batchfailurereporting.html
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { s3, setting } from "../lib/aws-clients.mjs";
import { couponPdf, couponPdfKey } from "../lib/coupon-pdf.mjs";
import { couponById, markPdfReady, STATUS } from "../lib/coupon-store.mjs";

export const handler = async (event) => {
  for (const record of event.Records ?? []) {
    if (record.eventName !== "INSERT") continue;
    const id = record.dynamodb?.Keys?.id?.S;
    if (!id) {
      // No retry can mend a record without the table's key: said, and passed over.
      console.error(JSON.stringify({ message: "stream record without a coupon id", eventID: record.eventID }));
      continue;
    }
    try {
      await renderCoupon(id);
    } catch (error) {
      console.error(JSON.stringify({ message: "PDF not made", couponId: id, error: String(error?.stack ?? error) }));
      // The records after it are retried with it, in order.
      return { batchItemFailures: [{ itemIdentifier: record.dynamodb.SequenceNumber }] };
    }
  }
  return { batchItemFailures: [] };
};

async function renderCoupon(id) {
  // The table, not the record's image: it says whether the coupon has moved on since.
  const coupon = await couponById(id);
  if (!coupon || coupon.status !== STATUS.paid) return;
  const key = couponPdfKey(id);
  await s3().send(
    new PutObjectCommand({
      Bucket: setting("PDF_BUCKET"),
      Key: key,
      Body: await couponPdf(coupon),
      ContentType: "application/pdf",
      ContentDisposition: `attachment; filename="coupon-${coupon.code}.pdf"`,
      Metadata: { "coupon-id": id },
    }),
  );
  const moved = await markPdfReady(id, key);
  console.log(JSON.stringify({ message: moved ? "PDF ready" : "PDF made, the coupon had moved on already", couponId: id, key }));
}
