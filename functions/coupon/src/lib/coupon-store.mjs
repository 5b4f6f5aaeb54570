// The coupons and payments tables. A coupon and the payment that bought it are written in ONE transaction, so
// neither exists without the other; the payment is keyed by the request's Idempotency-Key, so a retried request
// can never store a second payment — it finds the first and answers its coupon. A coupon's status only moves
// forward (paid → pdf_ready → mailed), each step a conditional update.
// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html
import { createHash } from "node:crypto";
import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { dynamo, setting } from "./aws-clients.mjs";
import { newCouponCode, newCouponId } from "./coupon-code.mjs";

export const STATUS = Object.freeze({ paid: "paid", pdfReady: "pdf_ready", mailed: "mailed" });
const LIST_LIMIT = 50;
/** Two requests with one key at once: the loser's transaction is cancelled; it looks again this many times. */
const CONFLICT_ATTEMPTS = 5;

/** What a purchase request is, for telling a retry from a different request under the same key. */
export function requestFingerprint(input) {
  return createHash("sha256")
    .update(JSON.stringify([input.email, input.amount, input.paymentReference]))
    .digest("hex");
}

/**
 * Stores the coupon and its payment, or finds what an earlier request with the same key stored.
 * @returns {Promise<{kind: "created" | "replayed", coupon} | {kind: "mismatch"} | {kind: "in-progress"}>}
 */
export async function createPaidCoupon(input, key) {
  const fingerprint = requestFingerprint(input);
  for (let attempt = 1; ; attempt++) {
    const createdAt = new Date().toISOString();
    const coupon = {
      id: newCouponId(),
      code: newCouponCode(),
      status: STATUS.paid,
      email: input.email,
      amount: input.amount,
      paymentReference: input.paymentReference,
      idempotencyKey: key,
      createdAt,
    };
    const payment = {
      idempotencyKey: key,
      couponId: coupon.id,
      requestFingerprint: fingerprint,
      email: input.email,
      amount: input.amount,
      paymentReference: input.paymentReference,
      createdAt,
    };
    try {
      await dynamo().send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: setting("COUPONS_TABLE"),
                Item: coupon,
                ConditionExpression: "attribute_not_exists(id)",
              },
            },
            {
              Put: {
                TableName: setting("PAYMENTS_TABLE"),
                Item: payment,
                ConditionExpression: "attribute_not_exists(idempotencyKey)",
              },
            },
          ],
        }),
      );
      return { kind: "created", coupon };
    } catch (error) {
      if (error?.name !== "TransactionCanceledException") throw error;
      const [couponReason, paymentReason] = (error.CancellationReasons ?? []).map((reason) => reason?.Code);
      if (paymentReason === "ConditionalCheckFailed") return earlierRequest(key, fingerprint);
      // TransactionConflict: another request with this key is being written right now. Once it is, this one is
      // a retry of it. A coupon id taken (ConditionalCheckFailed on the coupon) is retried with a new one.
      const retryable = paymentReason === "TransactionConflict" || couponReason === "TransactionConflict" || couponReason === "ConditionalCheckFailed";
      if (!retryable) throw error;
      if (attempt >= CONFLICT_ATTEMPTS) return earlierRequest(key, fingerprint);
      await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt));
    }
  }
}

async function earlierRequest(key, fingerprint) {
  const { Item: payment } = await dynamo().send(
    new GetCommand({ TableName: setting("PAYMENTS_TABLE"), Key: { idempotencyKey: key }, ConsistentRead: true }),
  );
  // Only while the other request's transaction is still being written (its payment is not readable yet).
  if (!payment) return { kind: "in-progress" };
  if (payment.requestFingerprint !== fingerprint) return { kind: "mismatch" };
  const coupon = await couponById(payment.couponId);
  // Written in one transaction with the payment: a payment without its coupon is a broken table, not a retry.
  if (!coupon) throw new Error(`payment ${key} names coupon ${payment.couponId}, which does not exist`);
  return { kind: "replayed", coupon };
}

export async function couponById(id) {
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: setting("COUPONS_TABLE"), Key: { id }, ConsistentRead: true }),
  );
  return Item;
}

/** The address's coupons, newest first (the index is sorted by createdAt; ISO timestamps sort as text). */
export async function couponsByEmail(email) {
  const { Items = [] } = await dynamo().send(
    new QueryCommand({
      TableName: setting("COUPONS_TABLE"),
      IndexName: setting("COUPONS_BY_EMAIL_INDEX"),
      KeyConditionExpression: "email = :email",
      ExpressionAttributeValues: { ":email": email },
      ScanIndexForward: false,
      Limit: LIST_LIMIT,
    }),
  );
  return Items;
}

/** paid → pdf_ready; false when the coupon has moved on already (or is gone): a step is never taken back. */
export async function markPdfReady(id, pdfKey) {
  return conditionalUpdate({
    TableName: setting("COUPONS_TABLE"),
    Key: { id },
    UpdateExpression: "SET #status = :pdfReady, pdfKey = :pdfKey, pdfReadyAt = :now",
    ConditionExpression: "#status = :paid",
    ExpressionAttributeNames: { "#status": "status" },
    ExpressionAttributeValues: {
      ":pdfReady": STATUS.pdfReady,
      ":paid": STATUS.paid,
      ":pdfKey": pdfKey,
      ":now": new Date().toISOString(),
    },
  });
}

/** → mailed, once the message was accepted; false when it was marked already (a duplicate event sent it too). */
export async function markMailed(id, messageId) {
  return conditionalUpdate({
    TableName: setting("COUPONS_TABLE"),
    Key: { id },
    UpdateExpression: "SET #status = :mailed, mailedAt = :now, mailMessageId = :messageId",
    ConditionExpression: "attribute_exists(id) AND #status <> :mailed",
    ExpressionAttributeNames: { "#status": "status" },
    ExpressionAttributeValues: { ":mailed": STATUS.mailed, ":now": new Date().toISOString(), ":messageId": messageId ?? "" },
  });
}

async function conditionalUpdate(input) {
  try {
    await dynamo().send(new UpdateCommand(input));
    return true;
  } catch (error) {
    if (error?.name === "ConditionalCheckFailedException") return false;
    throw error;
  }
}

/** What the API shows of a coupon: never the idempotency key or storage details. */
export function couponView(coupon) {
  const view = {
    id: coupon.id,
    code: coupon.code,
    status: coupon.status,
    email: coupon.email,
    amount: coupon.amount,
    paymentReference: coupon.paymentReference,
    createdAt: coupon.createdAt,
  };
  if (coupon.pdfReadyAt) view.pdfReadyAt = coupon.pdfReadyAt;
  if (coupon.mailedAt) view.mailedAt = coupon.mailedAt;
  return view;
}
